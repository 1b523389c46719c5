import Foundation
import PluginAPI
import SwitchboardStorage

/// The conversation services a channel uses to show and erase a contact's messages (ABI 1.3).
extension HostServices {
    /// `conversation_history`: a contact's messages on this instance, newest page first, oldest first within it.
    static func conversationHistory(
        _ handle: sb_instance_t, _ query: sb_bytes_t, _ out: UnsafeMutablePointer<sb_owned_bytes_t>?,
        _ err: UnsafeMutablePointer<sb_error_t>?
    ) -> sb_status_t {
        guard let out else { return SB_ERR_INVALID_ARGUMENT }
        guard let instance = HostHandles.instances.lookup(handle) else { return SB_ERR_INVALID_HANDLE }
        let parsed: HistoryQuery
        do {
            parsed = try HistoryQuery(json: query.rawBuffer)
        } catch {
            writeError(err, "\(error)")
            return SB_ERR_INVALID_ARGUMENT
        }
        do {
            let page = try instance.environment.conversations.contactMessages(
                instanceId: instance.snapshot.instance.id, contact: parsed.contact, threadKey: parsed.threadKey,
                before: parsed.before, limit: parsed.limit)
            let items: [[String: Any]] = page.items.map { message in
                [
                    "id": message.id, "conversation_id": message.conversationId,
                    "direction": message.direction.rawValue, "author": message.author.rawValue, "text": message.text,
                    "status": message.status.rawValue, "created_at": message.createdAt,
                ]
            }
            let object: [String: Any] = ["items": items, "next_cursor": page.nextCursor.map { $0 as Any } ?? NSNull()]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            out.pointee = OwnedBytes.make(Array(data))
            return SB_OK
        } catch let error as StorageError where error.code == .invalidArgument {
            writeError(err, error.message)
            return SB_ERR_INVALID_ARGUMENT
        } catch {
            writeError(err, "could not read the messages: \(error)")
            return status(for: error).rawValue
        }
    }

    /// `contact_forget`: erase a contact of this instance with everything it said and was sent.
    static func contactForget(_ handle: sb_instance_t, _ contact: sb_bytes_t) -> sb_status_t {
        guard let instance = HostHandles.instances.lookup(handle) else { return SB_ERR_INVALID_HANDLE }
        let address = String(decoding: contact.rawBuffer, as: UTF8.self)
        guard !address.isEmpty, contact.len <= 1024 else { return SB_ERR_INVALID_ARGUMENT }
        let instanceId = instance.snapshot.instance.id
        // Replies to this contact that wait in memory for a send place must not go out once the
        // erasure began, nor after it committed.
        let erasure = instance.environment.erasedSends.begin(instanceId: instanceId, contact: address)
        var removed: [String] = []
        defer { instance.environment.erasedSends.end(erasure, removed: removed) }
        do {
            if let queued = try instance.environment.conversations.forgetContact(instanceId: instanceId, externalId: address) {
                removed = queued
                instance.environment.metrics.increment("switchboard_contacts_forgotten_total", labels: instance.labels)
            }
            return SB_OK
        } catch {
            return status(for: error).rawValue
        }
    }
}

/// The query of `conversation_history`.
struct HistoryQuery: Sendable {
    struct Invalid: Error, CustomStringConvertible {
        let field: String
        let reason: String
        var description: String { "\(field): \(reason)" }
    }

    var contact: String
    var threadKey: String?
    var limit = 50
    var before: String?

    init(json: UnsafeRawBufferPointer) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw Invalid(field: "query", reason: "not a JSON object")
        }
        guard let contact = object["contact"] as? String, !contact.isEmpty else {
            throw Invalid(field: "contact", reason: "required non-empty string")
        }
        self.contact = contact
        for key in ["thread_key", "before"] where object[key] != nil && !(object[key] is NSNull) {
            guard object[key] is String else { throw Invalid(field: key, reason: "must be a string") }
        }
        threadKey = object["thread_key"] as? String
        before = object["before"] as? String
        if let value = object["limit"], !(value is NSNull) {
            guard !SettingsSchema.isBool(value), let number = value as? NSNumber,
                number.doubleValue == number.doubleValue.rounded(), (1...200).contains(number.intValue)
            else { throw Invalid(field: "limit", reason: "must be an integer in 1...200") }
            limit = number.intValue
        }
    }
}
