/// Keeps phone numbers out of texts that may reach logs (provider error messages quote them).
public enum Redact {
    /// `text` with every run of 6 or more digits (optionally after "+") replaced by "[number]".
    public static func phoneNumbers(_ text: String) -> String {
        var out = ""
        var run = ""
        func flush() {
            let digits = run.filter(\.isNumber).count
            out += digits >= 6 ? "[number]" : run
            run = ""
        }
        for c in text {
            if c.isASCII && c.isNumber || (c == "+" && run.isEmpty) {
                run.append(c)
            } else {
                flush()
                out.append(c)
            }
        }
        flush()
        return out
    }
}
