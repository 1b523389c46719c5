import Foundation
import Hummingbird
import SwitchboardStorage

/// `/v1/conversations…`: a tenant's conversations and messages, manual sends, handoff.
extension TenantAPI {
    func registerConversations(on api: RouterGroup<HostRequestContext>) {
        api.get("conversations") { request, _ in
            let tenant = try authenticate(request)
            let page = try Page(request)
            var instanceId: String?
            if let instance = request.uri.queryParameters.get("instance") {
                guard let record = try? service.instance(instance), record.tenantId == tenant.id else {
                    throw Problem.unprocessable("no instance \(instance) for this tenant", field: "instance")
                }
                instanceId = record.id
            }
            let rows: [ConversationRecord]
            do {
                rows = try store.conversations(
                    tenantId: tenant.id, instanceId: instanceId, after: page.cursor, limit: page.limit + 1)
            } catch let error as StorageError where error.code == .invalidArgument {
                throw Problem.unprocessable("unknown cursor", field: "cursor")
            }
            let items = Array(rows.prefix(page.limit))
            return JSONResponse.make([
                "items": try items.map { AdminAPIJSON.conversation($0, contact: try store.contact(id: $0.contactId)) },
                "next_cursor": rows.count > page.limit ? (items.last?.id as Any) : NSNull(),
            ])
        }
        api.get("conversations/:id") { request, context in
            let conversation = try conversation(request, context)
            return JSONResponse.make(
                AdminAPIJSON.conversation(conversation, contact: try store.contact(id: conversation.contactId)))
        }
        api.get("conversations/:id/messages") { request, context in
            let conversation = try conversation(request, context)
            let page = try Page(request)
            let rows: [MessageRecord]
            do {
                rows = try store.messages(conversationId: conversation.id, after: page.cursor, limit: page.limit + 1)
            } catch let error as StorageError where error.code == .invalidArgument {
                throw Problem.unprocessable("unknown cursor", field: "cursor")
            }
            let items = Array(rows.prefix(page.limit))
            return JSONResponse.make([
                "items": items.map(AdminAPIJSON.message),
                "next_cursor": rows.count > page.limit ? (items.last?.id as Any) : NSNull(),
            ])
        }
        api.post("conversations/:id/messages") { request, context in
            let conversation = try conversation(request, context)
            let body = try await JSONBody(request, limit: 64 * 1024)
            try body.rejectUnknown(["text"])
            let text = try body.string("text")
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, text.utf8.count <= 32 * 1024 else {
                throw Problem.unprocessable("text must be 1 to 32768 bytes", field: "text")
            }
            let message = try store.enqueueOutbound(conversationId: conversation.id, text: text, author: .staff)
            engine.notify()
            return JSONResponse.make(AdminAPIJSON.message(message), status: 201)
        }
        api.post("conversations/:id/pause") { request, context in
            let conversation = try conversation(request, context)
            let body = try await JSONBody(request, allowEmpty: true)
            try body.rejectUnknown(["minutes"])
            let minutes = try body.optionalInt("minutes", in: 1...525_600) ?? 30
            let paused = try store.setPaused(
                conversationId: conversation.id, until: StorageClock.milliseconds() + Int64(minutes) * 60_000)
            return JSONResponse.make(AdminAPIJSON.conversation(paused, contact: try store.contact(id: paused.contactId)))
        }
        api.post("conversations/:id/resume") { request, context in
            let conversation = try conversation(request, context)
            let resumed = try store.setPaused(conversationId: conversation.id, until: nil)
            return JSONResponse.make(AdminAPIJSON.conversation(resumed, contact: try store.contact(id: resumed.contactId)))
        }
    }

    /// The conversation the path names, if it is the caller's tenant's (else 404: another
    /// tenant's conversations do not exist for this caller).
    private func conversation(_ request: Request, _ context: HostRequestContext) throws -> ConversationRecord {
        let tenant = try authenticate(request)
        guard let conversation = try store.conversation(id: context.id), conversation.tenantId == tenant.id else {
            throw Problem.notFound("no conversation \(context.id)")
        }
        return conversation
    }
}
