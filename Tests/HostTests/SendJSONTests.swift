import Foundation
import Testing

@testable import SwitchboardHost
@testable import SwitchboardStorage

/// The JSON a plugin's `on_send` receives, written by hand on the hot path: it must parse, carry
/// every documented member, and escape whatever the text holds.
@Suite("on_send JSON")
struct SendJSONTests {
    static func item(text: String, name: String?, attachments: String?, metadata: String?) -> OutboxItem {
        OutboxItem(
            message: MessageRecord(
                id: "msg_2", tenantId: "tn_1", instanceId: "in_1", conversationId: "cv_1", direction: .outbound,
                author: .assistant, text: text, attachments: attachments, status: .queued, externalId: nil,
                error: nil, replyTo: "msg_1", metadata: metadata, createdAt: 1, updatedAt: 1),
            conversation: ConversationRecord(
                id: "cv_1", tenantId: "tn_1", instanceId: "in_1", contactId: "ct_1", threadKey: "client-\"7\"",
                status: "open", pausedUntil: nil, lastMessageAt: 1, createdAt: 1, updatedAt: 1),
            contact: ContactRecord(
                id: "ct_1", tenantId: "tn_1", instanceId: "in_1", externalId: "+15550001", name: name, createdAt: 1,
                updatedAt: 1),
            attempts: 2)
    }

    @Test("every member, escaped text, stored attachments and metadata, keys sorted")
    func members() throws {
        let text = "Olá \"Ann\"\n\ttab \\ back\u{1} 👋 </script>"
        let bytes = ConversationEngine.sendJSON(
            Self.item(text: text, name: "Ann", attachments: #"[{"type":"image","url":"https://x/a.png"}]"#,
                metadata: #"{"b":1,"a":"x"}"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["text"] as? String == text)
        #expect(object["to"] as? String == "+15550001" && object["to_name"] as? String == "Ann")
        #expect(object["message_id"] as? String == "msg_2" && object["reply_to"] as? String == "msg_1")
        #expect(object["conversation_id"] as? String == "cv_1" && object["thread_key"] as? String == "client-\"7\"")
        #expect(object["author"] as? String == "assistant" && object["attempt"] as? Int == 3)
        #expect((object["attachments"] as? [[String: Any]])?.first?["url"] as? String == "https://x/a.png")
        #expect((object["metadata"] as? [String: Any])?["a"] as? String == "x")
        let keys = String(decoding: bytes, as: UTF8.self).split(separator: ",").compactMap { part -> String? in
            guard let quote = part.firstIndex(of: "\"") else { return nil }
            return part[quote...].split(separator: "\"").first.map(String.init)
        }
        #expect(keys.first == "attachments" && keys.contains("to"), "sorted: \(keys)")
    }

    @Test("optional members are left out; stored JSON that does not parse becomes empty")
    func optional() throws {
        let bytes = ConversationEngine.sendJSON(Self.item(text: "", name: nil, attachments: "not json", metadata: nil))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["to_name"] == nil && object["metadata"] == nil)
        #expect((object["attachments"] as? [Any])?.isEmpty == true)
        #expect(object["text"] as? String == "")
    }
}
