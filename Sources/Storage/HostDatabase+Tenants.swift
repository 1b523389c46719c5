/// Tenants: create, look up, list, suspend and reactivate.
extension HostDatabase {
    static let tenantColumns = "id, slug, name, status, created_at, updated_at"

    /// Creates a tenant with a new `ten_` id.
    ///
    /// - Parameter slug: `^[a-z0-9][a-z0-9_-]{0,63}$`, unique.
    /// - Throws: invalidArgument for a bad slug or empty name; conflict when the slug is taken.
    public func createTenant(slug: String, name: String, status: TenantStatus = .active) throws -> TenantRecord {
        try StorageSupport.validateName(slug, kind: "tenant slug")
        try Self.requireNonEmpty(name, field: "tenant name")
        let time = now()
        let record = TenantRecord(
            id: RecordID.make(prefix: "ten"), slug: slug, name: name, status: status, createdAt: time, updatedAt: time)
        do {
            try connection.transaction {
                try connection.run(
                    "INSERT INTO tenants(\(Self.tenantColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    [.text(record.id), .text(slug), .text(name), .text(status.rawValue), .integer(time), .integer(time)])
                try recordChange(.tenant, record.id)
            }
        } catch let error as StorageError where error.code == .conflict {
            throw StorageError(
                .conflict, "tenant slug \(StorageSupport.quoted(slug)) is taken", sqliteCode: error.sqliteCode)
        }
        return record
    }

    /// The tenant with `id`, or nil.
    public func tenant(id: String) throws -> TenantRecord? {
        try connection.query("SELECT \(Self.tenantColumns) FROM tenants WHERE id = ?1", [.text(id)])
            .rows.first.map(Self.tenant(from:))
    }

    /// The tenant with `slug`, or nil.
    public func tenant(slug: String) throws -> TenantRecord? {
        try connection.query("SELECT \(Self.tenantColumns) FROM tenants WHERE slug = ?1", [.text(slug)])
            .rows.first.map(Self.tenant(from:))
    }

    /// Every tenant, oldest first.
    public func listTenants() throws -> [TenantRecord] {
        try connection.query("SELECT \(Self.tenantColumns) FROM tenants ORDER BY created_at, \(seqColumn)", [])
            .rows.map(Self.tenant(from:))
    }

    /// Sets a tenant's status and returns the updated record.
    /// - Throws: notFound when there is no such tenant.
    @discardableResult
    public func updateTenantStatus(id: String, status: TenantStatus) throws -> TenantRecord {
        try updateTenant(id: id, status: status)
    }

    /// Changes a tenant's slug, name and/or status (nil: unchanged) and returns the updated record.
    /// - Throws: notFound when there is no such tenant; invalidArgument for a bad slug or an
    ///   empty name; conflict when the new slug is taken.
    @discardableResult
    public func updateTenant(id: String, slug: String? = nil, name: String? = nil, status: TenantStatus? = nil)
        throws -> TenantRecord
    {
        if let slug { try StorageSupport.validateName(slug, kind: "tenant slug") }
        if let name { try Self.requireNonEmpty(name, field: "tenant name") }
        do {
            return try connection.transaction {
                let changed = try connection.run(
                    """
                    UPDATE tenants SET slug = coalesce(?1, slug), name = coalesce(?2, name),
                        status = coalesce(?3, status), updated_at = ?4
                    WHERE id = ?5
                    """,
                    [
                        slug.map(SQLValue.text) ?? .null, name.map(SQLValue.text) ?? .null,
                        status.map { .text($0.rawValue) } ?? .null, .integer(now()), .text(id),
                    ])
                guard changed == 1, let record = try tenant(id: id) else {
                    throw StorageError(.notFound, "no tenant \(StorageSupport.quoted(id))")
                }
                try recordChange(.tenant, id)
                return record
            }
        } catch let error as StorageError where error.code == .conflict && slug != nil {
            throw StorageError(
                .conflict, "tenant slug \(StorageSupport.quoted(slug ?? "")) is taken", sqliteCode: error.sqliteCode)
        }
    }

    /// Deletes a tenant with everything the registry holds for it (instances, API keys,
    /// conversations and messages) in one transaction, and returns what was deleted.
    /// Plugin storage files are not touched here; the caller removes them once the tenant's
    /// instances have stopped.
    /// - Throws: notFound when there is no such tenant.
    @discardableResult
    public func deleteTenant(id: String) throws -> (tenant: TenantRecord, instances: [InstanceRecord]) {
        try connection.transaction {
            guard let record = try tenant(id: id) else {
                throw StorageError(.notFound, "no tenant \(StorageSupport.quoted(id))")
            }
            let instances = try listInstances(tenantId: id)
            try connection.run("DELETE FROM api_keys WHERE tenant_id = ?1", [.text(id)])
            for table in ["assistant_configs", "assistant_prompts", "knowledge_items"] {
                try connection.run("DELETE FROM \(table) WHERE tenant_id = ?1", [.text(id)])
            }
            for table in ["outbox", "reply_jobs", "messages", "conversations", "contacts"] {
                try connection.run("DELETE FROM \(table) WHERE tenant_id = ?1", [.text(id)])
            }
            try connection.run("DELETE FROM channel_instances WHERE tenant_id = ?1", [.text(id)])
            try connection.run("DELETE FROM tenants WHERE id = ?1", [.text(id)])
            for instance in instances { try recordChange(.instance, instance.id) }
            try recordChange(.tenant, id)
            return (record, instances)
        }
    }

    static func tenant(from row: [SQLValue]) throws -> TenantRecord {
        let statusText = try text(row, 3)
        guard let status = TenantStatus(rawValue: statusText) else {
            throw StorageError(.internal, "unknown tenant status \(StorageSupport.quoted(statusText))")
        }
        return TenantRecord(
            id: try text(row, 0), slug: try text(row, 1), name: try text(row, 2), status: status,
            createdAt: try integer(row, 4), updatedAt: try integer(row, 5))
    }
}
