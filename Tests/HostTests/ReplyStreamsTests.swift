import Testing

@testable import SwitchboardHost
@testable import SwitchboardStorage

/// A stream asked for with `inbound_deliver` holds from before the message is committed: the
/// reply worker can pick the message up before the plugin's call returns.
@Suite("Reply stream requests")
struct ReplyStreamsTests {
    static func message(_ id: String, external: String?) -> MessageRecord {
        MessageRecord(
            id: id, tenantId: "t", instanceId: "i1", conversationId: "c", direction: .inbound, author: .contact,
            text: "hi", attachments: nil, status: .received, externalId: external, error: nil, replyTo: nil,
            metadata: nil, createdAt: 0, updatedAt: 0)
    }

    @Test func expectedBeforeTheCommitThenByMessageId() {
        let streams = ReplyStreams()
        let message = Self.message("msg_1", external: "wc_1")
        #expect(!streams.isRequested(message))
        streams.expect(instanceId: "i1", externalId: "wc_1")
        #expect(streams.isRequested(message), "the worker sees it while inbound_deliver is still running")
        #expect(!streams.isRequested(Self.message("msg_2", external: "wc_2")))
        streams.settle(instanceId: "i1", externalId: "wc_1", inboundId: "msg_1")
        #expect(streams.isRequested(message))
        streams.finish("msg_1")
        #expect(!streams.isRequested(message))
        // A duplicate or unanswered message settles without a stream.
        streams.expect(instanceId: "i1", externalId: "wc_3")
        streams.settle(instanceId: "i1", externalId: "wc_3", inboundId: nil)
        #expect(!streams.isRequested(Self.message("msg_3", external: "wc_3")) && streams.count == 0)
    }
}
