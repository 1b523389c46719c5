/// A tenant's API key as stored: only a SHA-256 hash of the key, never the key.
public struct APIKeyRecord: Sendable, Hashable, Codable {
    public enum Scope: String, Sendable, Hashable, Codable, CaseIterable {
        /// The tenant API.
        case tenant
        /// A publishable web-chat key.
        case widget
    }

    public var id: String
    public var tenantId: String
    public var scope: Scope
    public var instanceId: String?
    /// The readable start of the key, shown in lists.
    public var prefix: String
    public var createdAt: Int64
    public var lastUsedAt: Int64?
    public var revokedAt: Int64?

    public init(
        id: String, tenantId: String, scope: Scope, instanceId: String?, prefix: String, createdAt: Int64,
        lastUsedAt: Int64?, revokedAt: Int64?
    ) {
        self.id = id
        self.tenantId = tenantId
        self.scope = scope
        self.instanceId = instanceId
        self.prefix = prefix
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}

/// API keys: create (hash only), list, revoke, look up by hash, record use.
extension HostDatabase {
    static let apiKeyColumns = "id, tenant_id, scope, instance_id, prefix, created_at, last_used_at, revoked_at"

    /// Stores a new key's hash. - Throws: notFound for an unknown tenant; conflict for a repeated hash.
    public func createAPIKey(
        tenantId: String, scope: APIKeyRecord.Scope, instanceId: String?, prefix: String, hash: [UInt8]
    ) throws -> APIKeyRecord {
        let record = APIKeyRecord(
            id: RecordID.make(prefix: "key"), tenantId: tenantId, scope: scope, instanceId: instanceId,
            prefix: prefix, createdAt: now(), lastUsedAt: nil, revokedAt: nil)
        try connection.transaction {
            guard try tenant(id: tenantId) != nil else {
                throw StorageError(.notFound, "no tenant \(StorageSupport.quoted(tenantId))")
            }
            try connection.run(
                "INSERT INTO api_keys(id, tenant_id, scope, instance_id, prefix, hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                [
                    .text(record.id), .text(tenantId), .text(scope.rawValue), instanceId.map { .text($0) } ?? .null,
                    .text(prefix), .blob(hash), .integer(record.createdAt),
                ])
            try recordChange(.apiKey, record.id)
        }
        return record
    }

    /// A tenant's keys (revoked ones included), oldest first.
    public func listAPIKeys(tenantId: String) throws -> [APIKeyRecord] {
        try connection.query(
            "SELECT \(Self.apiKeyColumns) FROM api_keys WHERE tenant_id = ?1 ORDER BY created_at, \(seqColumn)",
            [.text(tenantId)]
        ).rows.map(Self.apiKey(from:))
    }

    /// Revoke a key of a tenant. - Throws: notFound when the tenant has no such key.
    @discardableResult
    public func revokeAPIKey(id: String, tenantId: String) throws -> APIKeyRecord {
        try connection.transaction {
            let changed = try connection.run(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?3) WHERE id = ?1 AND tenant_id = ?2",
                [.text(id), .text(tenantId), .integer(now())])
            guard changed == 1,
                let row = try connection.query("SELECT \(Self.apiKeyColumns) FROM api_keys WHERE id = ?1", [.text(id)])
                    .rows.first
            else { throw StorageError(.notFound, "no API key \(StorageSupport.quoted(id))") }
            try recordChange(.apiKey, id)
            return try Self.apiKey(from: row)
        }
    }

    /// The live (not revoked) key with this hash, or nil.
    public func activeAPIKey(hash: [UInt8]) throws -> APIKeyRecord? {
        try connection.query(
            "SELECT \(Self.apiKeyColumns) FROM api_keys WHERE hash = ?1 AND revoked_at IS NULL", [.blob(hash)]
        ).rows.first.map(Self.apiKey(from:))
    }

    /// Record when keys were last used, in one transaction (callers batch these writes).
    public func recordAPIKeyUse(_ uses: [String: Int64]) throws {
        guard !uses.isEmpty else { return }
        try connection.transaction {
            for (id, time) in uses {
                try connection.run(
                    """
                    UPDATE api_keys SET last_used_at = ?2
                    WHERE id = ?1 AND (last_used_at < ?2 OR last_used_at IS NULL)
                    """,
                    [.text(id), .integer(time)])
            }
        }
    }

    static func apiKey(from row: [SQLValue]) throws -> APIKeyRecord {
        let scopeText = try text(row, 2)
        guard let scope = APIKeyRecord.Scope(rawValue: scopeText) else {
            throw StorageError(.internal, "unknown API key scope \(StorageSupport.quoted(scopeText))")
        }
        return APIKeyRecord(
            id: try text(row, 0), tenantId: try text(row, 1), scope: scope, instanceId: row[3].stringValue,
            prefix: try text(row, 4), createdAt: try integer(row, 5), lastUsedAt: row[6].int64Value,
            revokedAt: row[7].int64Value)
    }
}
