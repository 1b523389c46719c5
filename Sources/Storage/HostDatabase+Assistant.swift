/// A version of a tenant's system prompt.
public struct PromptRecord: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case draft
        case published
        case archived
    }

    public var id: String
    public var tenantId: String
    public var version: Int
    public var content: String
    public var status: Status
    public var createdAt: Int64
    public var publishedAt: Int64?
}

/// One knowledge item of a tenant's assistant.
public struct KnowledgeRecord: Sendable, Hashable, Codable {
    public var id: String
    public var tenantId: String
    public var title: String
    public var text: String
    public var createdAt: Int64
    public var updatedAt: Int64
}

/// A tenant's assistant configuration: profile and agent settings (a JSON object), sealed
/// secrets (the agent's key), prompt versions and knowledge items. Every write appends an
/// `assistant` change so running servers drop their cached copy.
extension HostDatabase {
    /// The stored configuration (JSON object text) and sealed secrets, or nil when none is stored.
    public func assistantConfig(tenantId: String) throws -> String? {
        try assistantSettings(tenantId: tenantId)?.config
    }

    public func assistantSettings(tenantId: String) throws -> (config: String, secrets: [UInt8]?)? {
        guard
            let row = try connection.query(
                "SELECT config, secrets FROM assistant_configs WHERE tenant_id = ?1", [.text(tenantId)]
            ).rows.first
        else { return nil }
        let secrets: [UInt8]?
        if case .blob(let bytes) = row[1] { secrets = bytes } else { secrets = nil }
        return (try Self.text(row, 0), secrets)
    }

    /// Replace the tenant's assistant configuration (and its sealed secrets; nil clears them).
    /// - Throws: notFound for an unknown tenant; invalidArgument unless `json` is a JSON object.
    public func setAssistantConfig(tenantId: String, json: String, secrets: [UInt8]? = nil) throws {
        try requireJSON(json, field: "assistant configuration", objectOnly: true)
        try connection.transaction {
            try requireTenant(tenantId)
            try connection.run(
                """
                INSERT INTO assistant_configs(tenant_id, config, secrets, updated_at) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT(tenant_id) DO UPDATE SET config = excluded.config, secrets = excluded.secrets,
                    updated_at = excluded.updated_at
                """, [.text(tenantId), .text(json), secrets.map(SQLValue.blob) ?? .null, .integer(now())])
            try recordChange(.assistant, tenantId)
        }
    }

    // MARK: Prompts

    /// A tenant's prompt versions, newest first.
    public func prompts(tenantId: String) throws -> [PromptRecord] {
        try connection.query(
            "SELECT \(Self.promptColumns) FROM assistant_prompts WHERE tenant_id = ?1 ORDER BY version DESC",
            [.text(tenantId)]
        ).rows.map(Self.prompt(from:))
    }

    /// The published prompt, if any.
    public func publishedPrompt(tenantId: String) throws -> PromptRecord? {
        try connection.query(
            "SELECT \(Self.promptColumns) FROM assistant_prompts WHERE tenant_id = ?1 AND status = 'published'",
            [.text(tenantId)]
        ).rows.first.map(Self.prompt(from:))
    }

    /// Save a new draft version.
    public func createPrompt(tenantId: String, content: String) throws -> PromptRecord {
        try connection.transaction {
            try requireTenant(tenantId)
            let version =
                try connection.query(
                    "SELECT coalesce(max(version), 0) + 1 FROM assistant_prompts WHERE tenant_id = ?1", [.text(tenantId)]
                ).rows.first?[0].int64Value ?? 1
            let record = PromptRecord(
                id: RecordID.make(prefix: "prm"), tenantId: tenantId, version: Int(version), content: content,
                status: .draft, createdAt: now(), publishedAt: nil)
            try connection.run(
                """
                INSERT INTO assistant_prompts(id, tenant_id, version, content, status, created_at)
                VALUES (?1, ?2, ?3, ?4, 'draft', ?5)
                """,
                [.text(record.id), .text(tenantId), .integer(version), .text(content), .integer(record.createdAt)])
            try recordChange(.assistant, tenantId)
            return record
        }
    }

    /// Publish a version: the previously published one is archived, in the same transaction.
    /// - Throws: notFound when the tenant has no such prompt.
    public func publishPrompt(tenantId: String, id: String) throws -> PromptRecord {
        try connection.transaction {
            guard
                try connection.query(
                    "SELECT 1 FROM assistant_prompts WHERE id = ?1 AND tenant_id = ?2", [.text(id), .text(tenantId)]
                ).rows.first != nil
            else { throw StorageError(.notFound, "no prompt \(StorageSupport.quoted(id))") }
            try connection.run(
                "UPDATE assistant_prompts SET status = 'archived' WHERE tenant_id = ?1 AND status = 'published' AND id != ?2",
                [.text(tenantId), .text(id)])
            try connection.run(
                "UPDATE assistant_prompts SET status = 'published', published_at = coalesce(published_at, ?2) WHERE id = ?1",
                [.text(id), .integer(now())])
            try recordChange(.assistant, tenantId)
            return try Self.prompt(
                from: try connection.query(
                    "SELECT \(Self.promptColumns) FROM assistant_prompts WHERE id = ?1", [.text(id)]
                ).rows[0])
        }
    }

    // MARK: Knowledge

    public func knowledgeItems(tenantId: String) throws -> [KnowledgeRecord] {
        try connection.query(
            "SELECT \(Self.knowledgeColumns) FROM knowledge_items WHERE tenant_id = ?1 ORDER BY created_at, \(seqColumn)",
            [.text(tenantId)]
        ).rows.map(Self.knowledge(from:))
    }

    /// One knowledge item of the tenant's, or nil.
    public func knowledgeItem(tenantId: String, id: String) throws -> KnowledgeRecord? {
        try connection.query(
            "SELECT \(Self.knowledgeColumns) FROM knowledge_items WHERE id = ?1 AND tenant_id = ?2",
            [.text(id), .text(tenantId)]
        ).rows.first.map(Self.knowledge(from:))
    }

    public func createKnowledgeItem(tenantId: String, title: String, text: String) throws -> KnowledgeRecord {
        try connection.transaction {
            try requireTenant(tenantId)
            let time = now()
            let record = KnowledgeRecord(
                id: RecordID.make(prefix: "kn"), tenantId: tenantId, title: title, text: text, createdAt: time,
                updatedAt: time)
            try connection.run(
                "INSERT INTO knowledge_items(\(Self.knowledgeColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                [.text(record.id), .text(tenantId), .text(title), .text(text), .integer(time)])
            try recordChange(.assistant, tenantId)
            return record
        }
    }

    /// Change a knowledge item's title and/or text. - Throws: notFound.
    public func updateKnowledgeItem(tenantId: String, id: String, title: String?, text: String?) throws
        -> KnowledgeRecord
    {
        try connection.transaction {
            let changed = try connection.run(
                """
                UPDATE knowledge_items SET title = coalesce(?3, title), text = coalesce(?4, text), updated_at = ?5
                WHERE id = ?1 AND tenant_id = ?2
                """,
                [
                    .text(id), .text(tenantId), title.map(SQLValue.text) ?? .null, text.map(SQLValue.text) ?? .null,
                    .integer(now()),
                ])
            guard changed == 1 else { throw StorageError(.notFound, "no knowledge item \(StorageSupport.quoted(id))") }
            try recordChange(.assistant, tenantId)
            return try Self.knowledge(
                from: try connection.query(
                    "SELECT \(Self.knowledgeColumns) FROM knowledge_items WHERE id = ?1", [.text(id)]
                ).rows[0])
        }
    }

    public func deleteKnowledgeItem(tenantId: String, id: String) throws {
        try connection.transaction {
            guard
                try connection.run(
                    "DELETE FROM knowledge_items WHERE id = ?1 AND tenant_id = ?2", [.text(id), .text(tenantId)]) == 1
            else { throw StorageError(.notFound, "no knowledge item \(StorageSupport.quoted(id))") }
            try recordChange(.assistant, tenantId)
        }
    }

    // MARK: Helpers

    static let promptColumns = "id, tenant_id, version, content, status, created_at, published_at"
    static let knowledgeColumns = "id, tenant_id, title, text, created_at, updated_at"

    private func requireTenant(_ id: String) throws {
        guard try tenant(id: id) != nil else { throw StorageError(.notFound, "no tenant \(StorageSupport.quoted(id))") }
    }

    static func prompt(from row: [SQLValue]) throws -> PromptRecord {
        guard let status = PromptRecord.Status(rawValue: try text(row, 4)) else {
            throw StorageError(.internal, "unknown prompt status")
        }
        return PromptRecord(
            id: try text(row, 0), tenantId: try text(row, 1), version: Int(try integer(row, 2)),
            content: try text(row, 3), status: status, createdAt: try integer(row, 5), publishedAt: row[6].int64Value)
    }

    static func knowledge(from row: [SQLValue]) throws -> KnowledgeRecord {
        KnowledgeRecord(
            id: try text(row, 0), tenantId: try text(row, 1), title: try text(row, 2), text: try text(row, 3),
            createdAt: try integer(row, 4), updatedAt: try integer(row, 5))
    }
}
