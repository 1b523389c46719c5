/// What a channel plugin last published about one of its instances (ABI 1.2
/// `instance_status_set`): connection state, a pairing QR code… Shown to operators.
public struct InstanceStatusRecord: Sendable, Hashable {
    /// A JSON object, as the plugin wrote it.
    public var json: String
    /// Milliseconds since the epoch.
    public var updatedAt: Int64
}

extension HostDatabase {
    /// Replaces the instance's published status. Deleted with the instance.
    /// - Throws: notFound when the instance does not exist.
    public func setInstanceStatus(instanceId: String, json: String) throws {
        do {
            try connection.run(
                """
                INSERT INTO instance_status(instance_id, status, updated_at) VALUES(?1, ?2, ?3)
                ON CONFLICT(instance_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at
                """,
                [.text(instanceId), .text(json), .integer(now())])
        } catch let error as StorageError where error.code == .conflict {
            throw StorageError(.notFound, "no instance \(StorageSupport.quoted(instanceId))")
        }
    }

    /// The instance's last published status, or nil when its plugin never published one.
    public func instanceStatus(instanceId: String) throws -> InstanceStatusRecord? {
        guard
            let row = try connection.query(
                "SELECT status, updated_at FROM instance_status WHERE instance_id = ?1", [.text(instanceId)]
            ).rows.first
        else { return nil }
        return InstanceStatusRecord(json: try Self.text(row, 0), updatedAt: try Self.integer(row, 1))
    }
}
