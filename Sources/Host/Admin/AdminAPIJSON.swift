import SwitchboardStorage

/// Registry records as the admin API, the tenant API and the CLI show them (snake_case).
public enum AdminAPIJSON {
    public static func tenant(_ tenant: TenantRecord) -> [String: Any] {
        [
            "id": tenant.id, "slug": tenant.slug, "name": tenant.name, "status": tenant.status.rawValue,
            "created_at": tenant.createdAt, "updated_at": tenant.updatedAt,
        ]
    }

    /// An instance as the API shows it: secrets never leave, each shows as the mask.
    public static func instance(_ record: InstanceRecord, secrets: InstanceSecrets) -> [String: Any] {
        let settings = SecretSettings.masked(SecretSettings.object(record.settings), secrets: secrets.open(record))
        return [
            "id": record.id, "tenant_id": record.tenantId, "plugin": record.plugin, "name": record.name,
            "is_default": record.isDefault, "enabled": record.enabled, "settings": settings,
            "created_at": record.createdAt, "updated_at": record.updatedAt,
        ]
    }

    public static func apiKey(_ key: APIKeyRecord) -> [String: Any] {
        var object: [String: Any] = [
            "id": key.id, "tenant_id": key.tenantId, "scope": key.scope.rawValue, "prefix": key.prefix,
            "created_at": key.createdAt, "revoked": key.revokedAt != nil,
        ]
        if let instance = key.instanceId { object["instance_id"] = instance }
        if let used = key.lastUsedAt { object["last_used_at"] = used }
        if let revoked = key.revokedAt { object["revoked_at"] = revoked }
        return object
    }

    public static func message(_ message: InboundMessageRecord) -> [String: Any] {
        var object: [String: Any] = [
            "id": message.id, "external_id": message.externalId, "from": message.sender, "text": message.text,
            "received_at": message.receivedAt, "plugin": message.plugin, "instance_id": message.instanceId,
        ]
        if let name = message.senderName { object["from_name"] = name }
        if let key = message.threadKey { object["thread_key"] = key }
        return object
    }
}
