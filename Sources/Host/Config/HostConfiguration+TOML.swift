import Foundation
import TOMLKit

extension HostConfiguration {
    /// Keys of the `[[instances]]` tables.
    static let instanceKeys: Set<String> = ["tenant", "plugin", "name", "default", "settings"]

    /// Apply a TOML configuration document. Unknown keys are errors, so typos do not pass silently.
    mutating func apply(toml text: String) throws {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch {
            throw Invalid(key: "file", reason: "not valid TOML: \(error)")
        }
        let sections = Self.sections
        try Self.checkKeys(root, known: Set(sections.map(\.name) + ["instances"]), section: "")
        for (name, keys) in sections {
            guard let table = try section(root, name, known: Set(keys.map(\.name))) else { continue }
            for key in keys {
                if let value = table[key.name] {
                    try key.apply(&self, ConfigValue(raw: .toml(value), origin: key.path))
                }
            }
        }
        if let list = root["instances"] {
            guard let array = list.array else {
                throw Invalid(key: "instances", reason: "must be an array of tables ([[instances]])")
            }
            instances = try array.enumerated().map { index, value in try Self.instance(value, index: index) }
        }
    }

    private func section(_ root: TOMLTable, _ name: String, known: Set<String>) throws -> TOMLTable? {
        guard let value = root[name] else { return nil }
        guard let table = value.table else { throw Invalid(key: name, reason: "must be a table ([\(name)])") }
        try Self.checkKeys(table, known: known, section: name)
        return table
    }

    private static func instance(_ value: any TOMLValueConvertible, index: Int) throws -> BootstrapInstance {
        let key = "instances[\(index)]"
        guard let table = value.table else { throw Invalid(key: key, reason: "must be a table") }
        try checkKeys(table, known: instanceKeys, section: "instances")
        func required(_ name: String) throws -> String {
            guard let value = table[name] else { throw Invalid(key: "\(key).\(name)", reason: "is required") }
            return try ConfigValue(raw: .toml(value), origin: "\(key).\(name)").string()
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
            isDefault: try table["default"].map { try ConfigValue(raw: .toml($0), origin: "\(key).default").bool() }
                ?? false,
            settingsJSON: settings)
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

    private static func checkKeys(_ table: TOMLTable, known: Set<String>, section: String) throws {
        for key in table.keys where !known.contains(key) {
            throw Invalid(key: section.isEmpty ? key : "\(section).\(key)", reason: "unknown key")
        }
    }
}
