import Foundation
import Logging
import TOMLKit

extension HostConfiguration {
    private static let knownKeys: [String: Set<String>] = [
        "": ["server", "storage", "plugins", "admin", "logging", "instances"],
        "server": ["host", "port", "max_body_bytes", "pending_response_timeout_seconds"],
        "storage": ["data_dir"],
        "plugins": ["directories", "enabled", "threads_per_plugin", "drain_timeout_seconds"],
        "admin": ["token"],
        "logging": ["level", "redact"],
        "instances": ["tenant", "plugin", "name", "default", "settings"],
    ]

    /// Apply a TOML configuration document. Unknown keys are errors, so typos do not pass silently.
    mutating func apply(toml text: String) throws {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch {
            throw Invalid(key: "file", reason: "not valid TOML: \(error)")
        }
        try Self.checkKeys(root, section: "")
        if let server = try section(root, "server") {
            host = try server["host"].map { try Self.string($0, "server.host") } ?? host
            port = try server["port"].map { try Self.int($0, "server.port", 1...65535) } ?? port
            limits.maxRequestBody =
                try server["max_body_bytes"].map { try Self.int($0, "server.max_body_bytes", 1...(1 << 30)) }
                ?? limits.maxRequestBody
            if let seconds = server["pending_response_timeout_seconds"] {
                limits.pendingResponseTimeout = .seconds(
                    try Self.int(seconds, "server.pending_response_timeout_seconds", 1...3600))
            }
        }
        if let storage = try section(root, "storage") {
            dataDirectory = try storage["data_dir"].map { try Self.string($0, "storage.data_dir") } ?? dataDirectory
        }
        if let plugins = try section(root, "plugins") {
            pluginDirectories =
                try plugins["directories"].map { try Self.strings($0, "plugins.directories") } ?? pluginDirectories
            enabledPlugins = try plugins["enabled"].map { try Self.strings($0, "plugins.enabled") } ?? enabledPlugins
            limits.threadsPerPlugin =
                try plugins["threads_per_plugin"].map { try Self.int($0, "plugins.threads_per_plugin", 1...256) }
                ?? limits.threadsPerPlugin
            if let seconds = plugins["drain_timeout_seconds"] {
                limits.drainTimeout = .seconds(try Self.int(seconds, "plugins.drain_timeout_seconds", 0...3600))
            }
        }
        if let admin = try section(root, "admin") {
            adminToken = try admin["token"].map { try Self.string($0, "admin.token") } ?? adminToken
        }
        if let logging = try section(root, "logging") {
            if let level = logging["level"] {
                let name = try Self.string(level, "logging.level")
                guard let parsed = Logger.Level(rawValue: name) else {
                    throw Invalid(key: "logging.level", reason: "unknown level \"\(name)\"")
                }
                logLevel = parsed
            }
            if let redact = logging["redact"] {
                guard let flag = redact.bool else {
                    throw Invalid(key: "logging.redact", reason: "must be true or false")
                }
                redactLogs = flag
            }
        }
        if let list = root["instances"] {
            guard let array = list.array else {
                throw Invalid(key: "instances", reason: "must be an array of tables ([[instances]])")
            }
            instances = try array.enumerated().map { index, value in try Self.instance(value, index: index) }
        }
    }

    private func section(_ root: TOMLTable, _ name: String) throws -> TOMLTable? {
        guard let value = root[name] else { return nil }
        guard let table = value.table else { throw Invalid(key: name, reason: "must be a table ([\(name)])") }
        try Self.checkKeys(table, section: name)
        return table
    }

    private static func instance(_ value: any TOMLValueConvertible, index: Int) throws -> BootstrapInstance {
        let key = "instances[\(index)]"
        guard let table = value.table else { throw Invalid(key: key, reason: "must be a table") }
        try checkKeys(table, section: "instances")
        func required(_ name: String) throws -> String {
            guard let value = table[name] else { throw Invalid(key: "\(key).\(name)", reason: "is required") }
            return try string(value, "\(key).\(name)")
        }
        var settings = "{}"
        if let value = table["settings"] {
            guard let settingsTable = value.table else {
                throw Invalid(key: "\(key).settings", reason: "must be a table")
            }
            let data = try JSONSerialization.data(withJSONObject: jsonObject(settingsTable), options: [.sortedKeys])
            settings = String(decoding: data, as: UTF8.self)
        }
        return BootstrapInstance(
            tenant: try required("tenant"), plugin: try required("plugin"), name: try required("name"),
            isDefault: table["default"]?.bool ?? false, settingsJSON: settings)
    }

    /// A TOML value as a JSON-compatible Foundation value.
    static func jsonObject(_ value: any TOMLValueConvertible) -> Any {
        if let table = value.table {
            var object: [String: Any] = [:]
            for key in table.keys { if let child = table[key] { object[key] = jsonObject(child) } }
            return object
        }
        if let array = value.array { return array.map { jsonObject($0) } }
        if let bool = value.bool { return bool }
        if let int = value.int { return int }
        if let double = value.double { return double }
        if let string = value.string { return string }
        return value.debugDescription
    }

    private static func checkKeys(_ table: TOMLTable, section: String) throws {
        guard let known = knownKeys[section] else { return }
        for key in table.keys where !known.contains(key) {
            throw Invalid(key: section.isEmpty ? key : "\(section).\(key)", reason: "unknown key")
        }
    }

    private static func string(_ value: any TOMLValueConvertible, _ key: String) throws -> String {
        guard let string = value.string else { throw Invalid(key: key, reason: "must be a string") }
        return string
    }

    private static func int(_ value: any TOMLValueConvertible, _ key: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let int = value.int, range.contains(int) else {
            throw Invalid(key: key, reason: "must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return int
    }

    private static func strings(_ value: any TOMLValueConvertible, _ key: String) throws -> [String] {
        guard let array = value.array else { throw Invalid(key: key, reason: "must be an array of strings") }
        return try array.map { element in
            guard let string = element.string else { throw Invalid(key: key, reason: "must be an array of strings") }
            return string
        }
    }
}
