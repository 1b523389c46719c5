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
            try connection.run(
                "INSERT INTO tenants(\(Self.tenantColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                [.text(record.id), .text(slug), .text(name), .text(status.rawValue), .integer(time), .integer(time)])
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
        try connection.query("SELECT \(Self.tenantColumns) FROM tenants ORDER BY created_at, rowid")
            .rows.map(Self.tenant(from:))
    }

    /// Sets a tenant's status and returns the updated record.
    /// - Throws: notFound when there is no such tenant.
    @discardableResult
    public func updateTenantStatus(id: String, status: TenantStatus) throws -> TenantRecord {
        try connection.transaction {
            let changed = try connection.run(
                "UPDATE tenants SET status = ?1, updated_at = ?2 WHERE id = ?3",
                [.text(status.rawValue), .integer(now()), .text(id)])
            guard changed == 1, let record = try tenant(id: id) else {
                throw StorageError(.notFound, "no tenant \(StorageSupport.quoted(id))")
            }
            return record
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
