extension HostConfiguration {
    /// Apply the `SWITCHBOARD_*` environment: for each key of the file, `SWITCHBOARD_<SECTION>_<KEY>`
    /// (e.g. `SWITCHBOARD_SERVER_PORT`), or one of its older names (`SWITCHBOARD_PLUGIN_DIRS`,
    /// `SWITCHBOARD_PLUGINS`, `SWITCHBOARD_LOG_LEVEL`). An empty variable counts as unset. Lists
    /// are comma-separated, plugin directories colon-separated.
    ///
    /// - Throws: ``Invalid`` naming the variable: a value of the wrong type or range, or a
    ///   variable and its older name set to different values.
    mutating func apply(environment: [String: String]) throws {
        for key in Self.keys {
            guard let (variable, text) = try Self.variable(for: key, in: environment) else { continue }
            try key.apply(&self, ConfigValue(raw: .text(text, separator: key.separator), origin: variable))
        }
    }

    /// The variable that sets `key` and its value, or nil when none is set.
    private static func variable(for key: Key, in environment: [String: String]) throws -> (String, String)? {
        let set = ([key.environmentVariable] + key.aliases).compactMap { name in
            environment[name].flatMap { $0.isEmpty ? nil : (name, $0) }
        }
        guard let first = set.first else { return nil }
        if let other = set.dropFirst().first(where: { $0.1 != first.1 }) {
            throw Invalid(
                key: first.0, reason: "conflicts with \(other.0), an older name of the same key; set only one")
        }
        return first
    }
}
