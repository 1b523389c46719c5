import Foundation
import TOMLKit

/// A value for one configuration key, from the file or from an environment variable. Each
/// accessor checks the type and range and throws ``HostConfiguration/Invalid`` naming where the
/// value came from (`server.port` or `SWITCHBOARD_SERVER_PORT`).
struct ConfigValue {
    enum Raw {
        case toml(any TOMLValueConvertible)
        /// An environment variable's text; lists are split at `separator`.
        case text(String, separator: Character)
    }

    var raw: Raw
    /// What errors name: the file key or the environment variable.
    var origin: String

    func string() throws -> String {
        switch raw {
        case .toml(let value):
            guard let string = value.string else { throw invalid("must be a string") }
            return string
        case .text(let text, _): return text
        }
    }

    func int(_ range: ClosedRange<Int>) throws -> Int {
        let reason = "must be an integer in \(range.lowerBound)...\(range.upperBound)"
        switch raw {
        case .toml(let value):
            guard let int = value.int, range.contains(int) else { throw invalid(reason) }
            return int
        case .text(let text, _):
            guard let int = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(int) else {
                throw invalid("\(reason), got \(String.toml(text))")
            }
            return int
        }
    }

    func bool() throws -> Bool {
        switch raw {
        case .toml(let value):
            guard let bool = value.bool else { throw invalid("must be true or false") }
            return bool
        case .text(let text, _):
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw invalid("must be true or false (or 1/0, yes/no, on/off), got \(String.toml(text))")
            }
        }
    }

    /// A list: a TOML array of strings, or the variable's text split at its separator (empty
    /// items dropped, spaces around items trimmed).
    func strings() throws -> [String] {
        switch raw {
        case .toml(let value):
            guard let array = value.array else { throw invalid("must be an array of strings") }
            return try array.map { element in
                guard let string = element.string else { throw invalid("must be an array of strings") }
                return string
            }
        case .text(let text, let separator):
            return text.split(separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
        }
    }

    /// One of the cases of a string enum, by its raw value.
    func choice<Choice: RawRepresentable & CaseIterable>() throws -> Choice where Choice.RawValue == String {
        let name = try string()
        guard let choice = Choice(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
            let known = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw invalid("unknown value \(String.toml(name)) (one of: \(known))")
        }
        return choice
    }

    private func invalid(_ reason: String) -> HostConfiguration.Invalid {
        HostConfiguration.Invalid(key: origin, reason: reason)
    }
}
