import Foundation

/// The environment of the single-tenant WhatsApp router Switchboard replaces (`EVOLUTION_URL`,
/// `EVOLUTION_API_KEY`, …), read from the process environment or from a `.env` file beside the
/// config file, and mapped onto the settings of the Evolution plugin. Pure apart from reading
/// that file: parsing and mapping take values and return values.
///
/// When `EVOLUTION_URL` is set, start-up creates or refreshes tenant `default` with the Evolution
/// instance `default` (the plugin's default instance, so `POST /webhook/evolution` reaches it).
/// Without `EVOLUTION_URL` the other variables are ignored.
public struct LegacyEnvironment: Sendable, Equatable {
    /// Each legacy variable and the Evolution setting it sets, in documented order.
    static let mapping: [(variable: String, setting: String)] = [
        ("EVOLUTION_URL", "evolution_url"),
        ("EVOLUTION_API_KEY", "evolution_key"),
        ("EVOLUTION_INSTANCE", "whatsapp_instance"),
        ("AGENT_API_URL", "agent_api_url"),
        ("AGENT_API_KEY", "agent_api_key"),
        ("DEFAULT_AGENT", "default_agent"),
        ("AGENT_TIMEOUT", "agent_timeout"),
    ]
    /// The variable whose presence turns legacy start-up on.
    static let trigger = "EVOLUTION_URL"
    static let urls: Set<String> = ["EVOLUTION_URL", "AGENT_API_URL"]
    /// Tenant, plugin and instance the legacy deployment becomes.
    public static let tenant = "default"
    public static let plugin = "evolution"
    public static let instance = "default"

    /// The legacy variables that are set (empty counts as unset): the environment's, else the file's.
    public var values: [String: String]

    /// The legacy deployment described by `environment` over `dotEnv`, or nil when `EVOLUTION_URL`
    /// is set in neither.
    public init?(environment: [String: String], dotEnv: [String: String] = [:]) {
        var values: [String: String] = [:]
        for (variable, _) in Self.mapping {
            if let value = [environment[variable], dotEnv[variable]].compactMap({ $0 }).first(where: { !$0.isEmpty }) {
                values[variable] = value
            }
        }
        guard values[Self.trigger] != nil else { return nil }
        self.values = values
    }

    /// Read the legacy variables from `environment` and from `.env` beside `configFile` (when
    /// there is one); the environment wins.
    ///
    /// - Throws: ``HostConfiguration/Invalid`` naming the file and line of a malformed `.env`.
    public static func load(environment: [String: String], besideConfigFile configFile: String?) throws
        -> LegacyEnvironment?
    {
        guard let configFile else { return LegacyEnvironment(environment: environment) }
        let path = dotEnvPath(besideConfigFile: configFile)
        guard FileManager.default.fileExists(atPath: path) else { return LegacyEnvironment(environment: environment) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw HostConfiguration.Invalid(key: path, reason: "cannot read")
        }
        return LegacyEnvironment(environment: environment, dotEnv: try DotEnv.parse(text, file: path))
    }

    /// `.env` in the config file's directory.
    public static func dotEnvPath(besideConfigFile configFile: String) -> String {
        let directory = (configFile as NSString).deletingLastPathComponent
        return directory.isEmpty ? ".env" : directory + "/.env"
    }

    /// The Evolution settings, secrets (`evolution_key`, `agent_api_key`) included.
    ///
    /// - Throws: ``HostConfiguration/Invalid`` naming the variable: a URL that is not absolute,
    ///   an `AGENT_TIMEOUT` that is not a number of seconds. Values are never echoed.
    public func settings() throws -> [String: Any] {
        var settings: [String: Any] = [:]
        for (variable, setting) in Self.mapping {
            guard let value = values[variable] else { continue }
            if Self.urls.contains(variable) { try Self.requireAbsoluteURL(value, variable) }
            settings[setting] = variable == "AGENT_TIMEOUT" ? try Self.seconds(value, variable) : value
        }
        return settings
    }

    /// The `[[instances]]` entry start-up applies: the default instance, refreshed on every start.
    public func bootstrapInstance() throws -> HostConfiguration.BootstrapInstance {
        let data = try JSONSerialization.data(withJSONObject: try settings(), options: [.sortedKeys])
        return HostConfiguration.BootstrapInstance(
            tenant: Self.tenant, plugin: Self.plugin, name: Self.instance, isDefault: true,
            settingsJSON: String(decoding: data, as: UTF8.self), refresh: true)
    }

    private static func requireAbsoluteURL(_ text: String, _ variable: String) throws {
        guard let url = URL(string: text), url.scheme != nil, url.host != nil else {
            throw HostConfiguration.Invalid(key: variable, reason: "must be an absolute URL such as http://host:8080")
        }
    }

    private static func seconds(_ text: String, _ variable: String) throws -> Any {
        guard let number = Double(text.trimmingCharacters(in: .whitespaces)), number.isFinite, number >= 0 else {
            throw HostConfiguration.Invalid(key: variable, reason: "must be a number of seconds, 0 or more")
        }
        return number.rounded() == number && number < 1e15 ? Int(number) as Any : number
    }
}

/// `.env` files: `KEY=VALUE` lines, `#` comments (whole lines, or after a space in an unquoted
/// value), an optional `export ` prefix, values optionally in single quotes (literal) or double
/// quotes (`\"`, `\\`, `\n` escapes). One line per variable.
enum DotEnv {
    /// The variables of a `.env` text; a later line wins over an earlier one.
    ///
    /// - Throws: ``HostConfiguration/Invalid`` naming `file:line` (never the line's text, which
    ///   may hold a secret).
    static func parse(_ text: String, file: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let origin = "\(file):\(index + 1)"
            var line = Substring(rawLine.trimmingCharacters(in: .whitespacesAndNewlines))
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst("export ".count).drop(while: \.isWhitespace) }
            let malformed = HostConfiguration.Invalid(key: origin, reason: "expected KEY=VALUE")
            guard let equals = line.firstIndex(of: "=") else { throw malformed }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard isName(name) else { throw malformed }
            values[name] = try value(line[line.index(after: equals)...], origin: origin)
        }
        return values
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`
    private static func isName(_ name: String) -> Bool {
        func isLetter(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "_") || (65...90).contains(byte) || (97...122).contains(byte)
        }
        guard let first = name.utf8.first, isLetter(first) else { return false }
        return name.utf8.allSatisfy { isLetter($0) || (48...57).contains($0) }
    }

    private static func value(_ raw: Substring, origin: String) throws -> String {
        let text = raw.drop(while: \.isWhitespace)
        guard let quote = text.first, quote == "\"" || quote == "'" else { return unquoted(raw) }
        var result = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            index = text.index(after: index)
            if character == quote {
                let rest = text[index...].trimmingCharacters(in: .whitespaces)
                guard rest.isEmpty || rest.hasPrefix("#") else {
                    throw HostConfiguration.Invalid(key: origin, reason: "text after the closing quote")
                }
                return result
            }
            if quote == "\"", character == "\\", index < text.endIndex {
                let escaped = text[index]
                index = text.index(after: index)
                switch escaped {
                case "n": result.append("\n")
                case "\"", "\\": result.append(escaped)
                default: result += "\\\(escaped)"
                }
            } else {
                result.append(character)
            }
        }
        throw HostConfiguration.Invalid(key: origin, reason: "unterminated quoted value")
    }

    /// An unquoted value, up to a `#` that follows whitespace (`KEY=a#b` keeps its `#`).
    private static func unquoted(_ text: Substring) -> String {
        var previous: Character = "="
        for index in text.indices {
            if text[index] == "#", previous.isWhitespace {
                return text[..<index].trimmingCharacters(in: .whitespaces)
            }
            previous = text[index]
        }
        return text.trimmingCharacters(in: .whitespaces)
    }
}
