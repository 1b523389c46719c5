/// Why a plugin file was refused. One line names the file, the field and both values.
public struct PluginLoadError: Error, Sendable, CustomStringConvertible {
    /// The kind of refusal; grows without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        public static let notFound = Code(name: "not_found")
        public static let outsidePluginDirectories = Code(name: "outside_plugin_directories")
        public static let notALibrary = Code(name: "not_a_library")
        public static let truncated = Code(name: "truncated")
        public static let dlopenFailed = Code(name: "dlopen_failed")
        public static let missingEntry = Code(name: "missing_entry")
        public static let noDescriptor = Code(name: "no_descriptor")
        public static let incompatibleVersion = Code(name: "incompatible_version")
        public static let invalidDescriptor = Code(name: "invalid_descriptor")
        public static let missingHook = Code(name: "missing_hook")
        public static let initFailed = Code(name: "init_failed")
        public static let alreadyLoaded = Code(name: "already_loaded")
        public static let notEnabled = Code(name: "not_enabled")
    }

    public let code: Code
    /// The file that was refused.
    public let file: String
    /// The descriptor field at fault, when there is one (e.g. "abi_major").
    public let field: String?
    /// What the host expected and what the plugin gave, when they can be named.
    public let expected: String?
    public let actual: String?
    /// The reason in words.
    public let reason: String

    init(
        _ code: Code, file: String, field: String? = nil, expected: String? = nil, actual: String? = nil,
        reason: String
    ) {
        self.code = code
        self.file = file
        self.field = field
        self.expected = expected
        self.actual = actual
        self.reason = reason
    }

    public var description: String {
        var line = "plugin \(file) refused (\(code)): \(reason)"
        if let field { line += " [field \(field)" }
        if let expected { line += (field == nil ? " [" : ": ") + "host \(expected)" }
        if let actual { line += ", plugin \(actual)" }
        if field != nil || expected != nil { line += "]" }
        return line
    }
}
