/// An incremental parser for a `text/event-stream` body (the WHATWG server-sent events format),
/// fed bytes as they arrive, in chunks of any size. Pure: no I/O.
///
/// Lines end with LF, CRLF or CR (a CRLF split across two chunks counts once). A blank line ends
/// an event; its `data:` lines are joined with "\n". Lines starting with ":" are comments; the
/// `id` and `retry` fields and unknown fields are ignored. An event with no data line is not
/// dispatched. Bytes are decoded as UTF-8 only once a line is complete, so a multi-byte character
/// split across chunks decodes whole.
///
/// ```swift
/// var parser = ServerSentEvents()
/// for try await chunk in body {
///     for event in try parser.feed(chunk.readableBytesView) { handle(event.data) }
/// }
/// ```
struct ServerSentEvents: Sendable {
    struct Event: Sendable, Hashable {
        /// The `event:` field, nil when the event did not name itself.
        var name: String?
        var data: String
    }

    /// An event (or a line) larger than ``maxEventBytes``.
    struct TooLarge: Error, CustomStringConvertible {
        let limit: Int
        var description: String { "server-sent event larger than \(limit) bytes" }
    }

    /// The most bytes one event may hold, data lines and the line being read together.
    let maxEventBytes: Int

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var name: String?
    /// The previous chunk ended with CR: an LF at the start of the next one belongs to it.
    private var skipLineFeed = false
    private var atStart = true

    init(maxEventBytes: Int = 1 << 20) {
        self.maxEventBytes = maxEventBytes
    }

    /// Feed the next bytes; returns the events they complete, in order.
    mutating func feed(_ bytes: some Sequence<UInt8>) throws(TooLarge) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if skipLineFeed {
                skipLineFeed = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\n"):
                if let event = endLine() { events.append(event) }
            case UInt8(ascii: "\r"):
                skipLineFeed = true
                if let event = endLine() { events.append(event) }
            default:
                line.append(byte)
                guard line.count + data.count <= maxEventBytes else { throw TooLarge(limit: maxEventBytes) }
            }
        }
        return events
    }

    /// The stream ended: the event still pending, if any. Lenient where the format is strict (it
    /// drops an event with no blank line after it), so a last `data: [DONE]` with no blank line
    /// still counts.
    mutating func finish() -> Event? {
        skipLineFeed = false
        if !line.isEmpty { _ = endLine() }
        return dispatch()
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        if atStart {
            atStart = false
            // A byte order mark may start the stream.
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
        }
        guard !line.isEmpty else { return dispatch() }
        guard line[0] != UInt8(ascii: ":") else { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        var valueStart = colon < line.endIndex ? colon + 1 : colon
        if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = line[valueStart...]
        switch String(decoding: line[..<colon], as: UTF8.self) {
        case "data":
            if hasData { data.append(UInt8(ascii: "\n")) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            name = String(decoding: value, as: UTF8.self)
        default:
            break
        }
        return nil
    }

    private mutating func dispatch() -> Event? {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            name = nil
        }
        guard hasData else { return nil }
        return Event(name: name, data: String(decoding: data, as: UTF8.self))
    }
}
