/// Channel instances: a tenant's configured uses of a plugin.
///
/// Names are unique per plugin and at most one instance per plugin is the
/// default; both rules are checked inside the write transaction (for clear
/// messages) and enforced by the schema (a UNIQUE constraint and a partial
/// unique index), and both surface as conflict.
extension HostDatabase {
    static let instanceColumns =
        "id, tenant_id, plugin, name, is_default, enabled, settings, secrets, created_at, updated_at, hostnames"

    /// Creates an instance with a new `ins_` id.
    ///
    /// - Parameters:
    ///   - plugin, name: `^[a-z0-9][a-z0-9_-]{0,63}$`; `name` is unique per plugin.
    ///   - settings: a JSON object text.
    /// - Throws: invalidArgument for bad names or settings; notFound when the
    ///   tenant does not exist; conflict when the name is taken or another
    ///   instance of the plugin is already the default.
    public func createInstance(
        tenantId: String, plugin: String, name: String, isDefault: Bool = false, enabled: Bool = true,
        settings: String = "{}", secrets: [UInt8]? = nil, hostnames: [String] = []
    ) throws -> InstanceRecord {
        try StorageSupport.validateName(plugin, kind: "plugin")
        try StorageSupport.validateName(name, kind: "instance")
        try requireJSON(settings, field: "settings", objectOnly: true)
        let hostnames = try Self.normalizedHostnames(hostnames)
        let time = now()
        let record = InstanceRecord(
            id: RecordID.make(prefix: "ins"), tenantId: tenantId, plugin: plugin, name: name, isDefault: isDefault,
            enabled: enabled, settings: settings, secrets: secrets, createdAt: time, updatedAt: time,
            hostnames: hostnames)
        try connection.transaction {
            guard try tenant(id: tenantId) != nil else {
                throw StorageError(.notFound, "no tenant \(StorageSupport.quoted(tenantId))")
            }
            if try instance(plugin: plugin, name: name) != nil {
                throw StorageError(
                    .conflict, "plugin \(plugin) already has an instance named \(StorageSupport.quoted(name))")
            }
            if isDefault { try requireNoOtherDefault(plugin: plugin, except: nil) }
            try connection.run(
                "INSERT INTO channel_instances(\(Self.instanceColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                [
                    .text(record.id), .text(tenantId), .text(plugin), .text(name), .integer(isDefault ? 1 : 0),
                    .integer(enabled ? 1 : 0), .text(settings), secrets.map(SQLValue.blob) ?? .null, .integer(time),
                    .integer(time), .text(hostnames.joined(separator: " ")),
                ])
            try claimHostnames(hostnames, for: record.id)
            try recordChange(.instance, record.id)
        }
        return record
    }

    /// Changes an instance's settings, enabled flag, default flag and/or
    /// secrets (nil / `.keep`: unchanged) and returns the updated record.
    ///
    /// - Throws: notFound when there is no such instance; invalidArgument for
    ///   settings that are not a JSON object; conflict when making it the
    ///   default while another instance of its plugin is.
    @discardableResult
    public func updateInstance(
        id: String, settings: String? = nil, enabled: Bool? = nil, isDefault: Bool? = nil,
        secrets: SecretsUpdate = .keep, hostnames: [String]? = nil
    ) throws -> InstanceRecord {
        if let settings { try requireJSON(settings, field: "settings", objectOnly: true) }
        let hostnames = try hostnames.map(Self.normalizedHostnames)
        return try connection.transaction {
            guard let current = try instance(id: id) else {
                throw StorageError(.notFound, "no instance \(StorageSupport.quoted(id))")
            }
            if isDefault == true, !current.isDefault {
                try requireNoOtherDefault(plugin: current.plugin, except: id)
            }
            var secretsMode: Int64 = 0
            var newSecrets = SQLValue.null
            switch secrets {
            case .keep: secretsMode = 0
            case .clear: secretsMode = 1
            case .set(let bytes):
                secretsMode = 2
                newSecrets = .blob(bytes)
            }
            try connection.run(
                """
                UPDATE channel_instances SET
                    settings = coalesce(?1, settings),
                    enabled = coalesce(?2, enabled),
                    is_default = coalesce(?3, is_default),
                    secrets = CASE ?4 WHEN 0 THEN secrets WHEN 1 THEN NULL ELSE ?5 END,
                    updated_at = ?6,
                    hostnames = coalesce(?8, hostnames)
                WHERE id = ?7
                """,
                [
                    settings.map(SQLValue.text) ?? .null, enabled.map { .integer($0 ? 1 : 0) } ?? .null,
                    isDefault.map { .integer($0 ? 1 : 0) } ?? .null, .integer(secretsMode), newSecrets,
                    .integer(now()), .text(id), hostnames.map { .text($0.joined(separator: " ")) } ?? .null,
                ])
            if let hostnames {
                try connection.run("DELETE FROM instance_hostnames WHERE instance_id = ?1", [.text(id)])
                try claimHostnames(hostnames, for: id)
            }
            guard let updated = try instance(id: id) else {
                throw StorageError(.internal, "instance \(StorageSupport.quoted(id)) vanished during its update")
            }
            try recordChange(.instance, id)
            return updated
        }
    }

    /// The instance with `id`, or nil.
    public func instance(id: String) throws -> InstanceRecord? {
        try connection.query("SELECT \(Self.instanceColumns) FROM channel_instances WHERE id = ?1", [.text(id)])
            .rows.first.map(Self.instance(from:))
    }

    /// The instance of `plugin` named `name`, or nil.
    public func instance(plugin: String, name: String) throws -> InstanceRecord? {
        try connection.query(
            "SELECT \(Self.instanceColumns) FROM channel_instances WHERE plugin = ?1 AND name = ?2",
            [.text(plugin), .text(name)]
        ).rows.first.map(Self.instance(from:))
    }

    /// The default instance of `plugin`, or nil.
    public func defaultInstance(plugin: String) throws -> InstanceRecord? {
        try connection.query(
            "SELECT \(Self.instanceColumns) FROM channel_instances WHERE plugin = ?1 AND is_default = 1",
            [.text(plugin)]
        ).rows.first.map(Self.instance(from:))
    }

    /// Instances, filtered by tenant and/or plugin when given, ordered by plugin then name.
    public func listInstances(tenantId: String? = nil, plugin: String? = nil) throws -> [InstanceRecord] {
        try connection.query(
            """
            SELECT \(Self.instanceColumns) FROM channel_instances
            WHERE (tenant_id = ?1 OR ?1 IS NULL) AND (plugin = ?2 OR ?2 IS NULL)
            ORDER BY plugin, name
            """,
            [tenantId.map(SQLValue.text) ?? .null, plugin.map(SQLValue.text) ?? .null]
        ).rows.map(Self.instance(from:))
    }

    /// Deletes an instance. Its received messages stay.
    /// - Throws: notFound when there is no such instance.
    public func deleteInstance(id: String) throws {
        try connection.transaction {
            guard try connection.run("DELETE FROM channel_instances WHERE id = ?1", [.text(id)]) == 1 else {
                throw StorageError(.notFound, "no instance \(StorageSupport.quoted(id))")
            }
            try connection.run(
                "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?2) WHERE instance_id = ?1",
                [.text(id), .integer(now())])
            try recordChange(.instance, id)
        }
    }

    /// Records `hostnames` as the instance's: conflict when another instance has one.
    private func claimHostnames(_ hostnames: [String], for id: String) throws {
        for hostname in hostnames {
            if let owner = try connection.query(
                "SELECT i.plugin, i.name FROM instance_hostnames h JOIN channel_instances i ON i.id = h.instance_id WHERE h.hostname = ?1",
                [.text(hostname)]
            ).rows.first {
                throw StorageError(
                    .conflict,
                    "hostname \(StorageSupport.quoted(hostname)) already belongs to instance \(try Self.text(owner, 0))/\(try Self.text(owner, 1))")
            }
            try connection.run(
                "INSERT INTO instance_hostnames(hostname, instance_id) VALUES (?1, ?2)", [.text(hostname), .text(id)])
        }
    }

    /// Lowercased, de-duplicated DNS names (letters, digits, hyphens, dots; at most 253 bytes, no port).
    /// - Throws: invalidArgument naming the bad one.
    static func normalizedHostnames(_ names: [String]) throws -> [String] {
        var seen: [String] = []
        for raw in names {
            let name = raw.lowercased()
            let labels = name.split(separator: ".", omittingEmptySubsequences: false)
            let valid =
                !name.isEmpty && name.utf8.count <= 253 && labels.count >= 1
                && labels.allSatisfy { label in
                    !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                        && label.utf8.allSatisfy { c in
                            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                                || c == UInt8(ascii: "-")
                        }
                }
            guard valid else {
                throw StorageError(.invalidArgument, "hostnames: \(StorageSupport.quoted(raw)) is not a host name")
            }
            if !seen.contains(name) { seen.append(name) }
        }
        return seen
    }

    private func requireNoOtherDefault(plugin: String, except id: String?) throws {
        if let existing = try defaultInstance(plugin: plugin), existing.id != id {
            throw StorageError(
                .conflict, "plugin \(plugin) already has a default instance (\(StorageSupport.quoted(existing.name)))")
        }
    }

    static func instance(from row: [SQLValue]) throws -> InstanceRecord {
        let secrets: [UInt8]?
        switch row[7] {
        case .null: secrets = nil
        case .blob(let bytes): secrets = bytes
        default: throw StorageError(.internal, "unexpected secrets value in the host database")
        }
        return InstanceRecord(
            id: try text(row, 0), tenantId: try text(row, 1), plugin: try text(row, 2), name: try text(row, 3),
            isDefault: try integer(row, 4) != 0, enabled: try integer(row, 5) != 0, settings: try text(row, 6),
            secrets: secrets, createdAt: try integer(row, 8), updatedAt: try integer(row, 9),
            hostnames: try text(row, 10).split(separator: " ").map(String.init))
    }
}
