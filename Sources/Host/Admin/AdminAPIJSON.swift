import Foundation
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
            "hostnames": record.hostnames,
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

    public static func message(_ message: MessageRecord) -> [String: Any] {
        var object: [String: Any] = [
            "id": message.id, "tenant_id": message.tenantId, "instance_id": message.instanceId,
            "conversation_id": message.conversationId, "direction": message.direction.rawValue,
            "author": message.author.rawValue, "text": message.text, "status": message.status.rawValue,
            "created_at": message.createdAt, "updated_at": message.updatedAt,
        ]
        if let external = message.externalId { object["external_id"] = external }
        if let error = message.error { object["error"] = error }
        if let replyTo = message.replyTo { object["reply_to"] = replyTo }
        if let attachments = message.attachments {
            object["attachments"] = (try? JSONSerialization.jsonObject(with: Data(attachments.utf8))) ?? []
        }
        if let metadata = message.metadata {
            object["metadata"] = (try? JSONSerialization.jsonObject(with: Data(metadata.utf8))) ?? [:]
        }
        return object
    }

    public static func prompt(_ prompt: PromptRecord) -> [String: Any] {
        var object: [String: Any] = [
            "id": prompt.id, "tenant_id": prompt.tenantId, "version": prompt.version, "content": prompt.content,
            "status": prompt.status.rawValue, "created_at": prompt.createdAt,
        ]
        if let published = prompt.publishedAt { object["published_at"] = published }
        return object
    }

    public static func knowledge(_ item: KnowledgeRecord) -> [String: Any] {
        [
            "id": item.id, "tenant_id": item.tenantId, "title": item.title, "text": item.text,
            "created_at": item.createdAt, "updated_at": item.updatedAt,
        ]
    }

    public static func conversation(_ conversation: ConversationRecord, contact: ContactRecord?) -> [String: Any] {
        var object: [String: Any] = [
            "id": conversation.id, "tenant_id": conversation.tenantId, "instance_id": conversation.instanceId,
            "thread_key": conversation.threadKey, "status": conversation.status,
            "last_message_at": conversation.lastMessageAt, "created_at": conversation.createdAt,
            "updated_at": conversation.updatedAt,
        ]
        if let paused = conversation.pausedUntil { object["paused_until"] = paused }
        if let contact {
            var entry: [String: Any] = ["id": contact.id, "external_id": contact.externalId]
            if let name = contact.name { entry["name"] = name }
            object["contact"] = entry
        }
        return object
    }
}
