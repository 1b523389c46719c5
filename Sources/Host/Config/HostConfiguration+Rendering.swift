import Foundation

extension HostConfiguration {
    /// The configuration as TOML, as `switchboard config check` prints it: every key of every
    /// section (an unset one as a comment), then the `[[instances]]` tables. Secrets show as
    /// `********`: the admin token, and instance settings named like secrets
    /// (``isSecretSetting(_:)``).
    public func effectiveTOML() -> String {
        var lines: [String] = []
        for (section, keys) in Self.sections {
            lines.append("[\(section)]")
            for key in keys {
                guard let value = key.render(self) else {
                    lines.append("# \(key.name): not set")
                    continue
                }
                lines.append("\(key.name) = \(key.isSecret ? String.toml(SecretSettings.mask) : value)")
            }
            lines.append("")
        }
        for instance in instances { lines += Self.lines(instance) + [""] }
        return lines.joined(separator: "\n")
    }

    /// Whether an instance setting is shown masked: its name ends in `_key`, `_token`, `_secret`
    /// or `password` (any case). The plugin's schema is not consulted: no plugin is loaded.
    public static func isSecretSetting(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return ["_key", "_token", "_secret", "password"].contains { lowered.hasSuffix($0) }
    }

    private static func lines(_ instance: BootstrapInstance) -> [String] {
        [
            instance.refresh
                ? "[[instances]]  # legacy environment: created or refreshed on every start" : "[[instances]]",
            "tenant = \(String.toml(instance.tenant))",
            "plugin = \(String.toml(instance.plugin))",
            "name = \(String.toml(instance.name))",
            "default = \(instance.isDefault)",
            "settings = \(inlineTOML(SecretSettings.object(instance.settingsJSON), name: nil))",
        ]
    }

    /// A JSON value as an inline TOML value, masking values whose setting name is a secret's.
    private static func inlineTOML(_ value: Any, name: String?) -> String {
        if let name, isSecretSetting(name), !(value is NSNull) { return .toml(SecretSettings.mask) }
        switch value {
        case let object as [String: Any]:
            let pairs = object.keys.sorted().compactMap { key -> String? in
                guard let child = object[key], !(child is NSNull) else { return nil }
                return "\(bareOrQuoted(key)) = \(inlineTOML(child, name: key))"
            }
            return pairs.isEmpty ? "{}" : "{ " + pairs.joined(separator: ", ") + " }"
        case let array as [Any]: return "[" + array.map { inlineTOML($0, name: name) }.joined(separator: ", ") + "]"
        case let string as String: return .toml(string)
        case _ where SettingsSchema.isBool(value): return (value as? Bool) == true ? "true" : "false"
        default: return "\(value)"
        }
    }

    private static func bareOrQuoted(_ key: String) -> String {
        let bare =
            !key.isEmpty
            && key.utf8.allSatisfy { byte in
                (65...90).contains(byte) || (97...122).contains(byte) || (48...57).contains(byte) || byte == 95
                    || byte == 45
            }
        return bare ? key : .toml(key)
    }
}
