import Foundation
import Testing

@testable import SwitchboardStorage

/// The conversation store without a server: dedupe, threads, one reply per inbound, the outbox,
/// forward-only statuses, handoff pauses, and the move from the old inbound table.
@Suite("ConversationStore")
struct ConversationStoreTests {
    struct World {
        var database: HostDatabase
        var store: ConversationStore
        var clock: ManualClock
        var tenant: TenantRecord
        var sms: InstanceRecord
        var chat: InstanceRecord

        func input(_ id: String, from: String = "+15550001", text: String = "hi", thread: String? = nil, human: Bool = false)
            -> InboundInput
        {
            InboundInput(
                tenantId: tenant.id, instanceId: sms.id, externalId: id, from: from, fromName: "Ann", text: text,
                threadKey: thread, fromHuman: human)
        }

        func ingest(_ inputs: InboundInput...) throws -> [IngestOutcome] {
            try store.ingest(inputs, handoffPause: 60_000).map { try $0.get() }
        }
    }

    private func withWorld(_ backend: SQLBackend, _ body: (World) throws -> Void) throws {
        let clock = ManualClock()
        let database = try Backends.hostDatabase(backend, now: clock.now)
        let tenant = try database.createTenant(slug: "acme", name: "Acme")
        try body(
            World(
                database: database, store: ConversationStore(database: database), clock: clock, tenant: tenant,
                sms: try database.createInstance(tenantId: tenant.id, plugin: "sms", name: "main"),
                chat: try database.createInstance(tenantId: tenant.id, plugin: "webchat", name: "main")))
    }

    @Test("a redelivered external id is the same message; one bad message fails alone", arguments: Backends.all)
    func dedupe(backend: SQLBackend) throws {
        try withWorld(backend) { world in
            let outcomes = try world.store.ingest(
                [world.input("e1"), world.input("e1", text: "again"), world.input("", text: "no id"), world.input("e2")],
                handoffPause: 0)
            let first = try outcomes[0].get()
            let second = try outcomes[1].get()
            #expect(!first.duplicate && first.replyQueued)
            #expect(second.duplicate && !second.replyQueued)
            #expect(second.message.id == first.message.id && second.message.text == "hi")
            #expect((try? outcomes[2].get()) == nil, "an empty external id is refused")
            #expect(try outcomes[3].get().duplicate == false, "the batch went on after the bad one")
            var elsewhere = world.input("e1")
            elsewhere.instanceId = world.chat.id
            #expect(try world.ingest(elsewhere)[0].duplicate == false, "another instance's e1 is another message")
        }
    }

    @Test("one open conversation per contact, or per the plugin's thread key", arguments: Backends.all)
    func threads(backend: SQLBackend) throws {
        try withWorld(backend) { world in
            let a = try world.ingest(world.input("1"), world.input("2"), world.input("3", from: "+15550002"))
            #expect(a[0].conversationId == a[1].conversationId)
            #expect(a[2].conversationId != a[0].conversationId)
            let keyed = try world.ingest(
                world.input("4", from: "+15550003", thread: "client-7"), world.input("5", from: "+15550004", thread: "client-7"))
            #expect(keyed[0].conversationId == keyed[1].conversationId, "one thread per client, whoever writes")
            let conversations = try world.store.conversations(tenantId: world.tenant.id, limit: 10)
            #expect(conversations.count == 3)
        }
    }

    @Test("an inbound message gets one reply, queued for sending with it; the outbox delivers and statuses move forward", arguments: Backends.all)
    func replyAndOutbox(backend: SQLBackend) throws {
        try withWorld(backend) { world in
            let inbound = try world.ingest(world.input("m1"))[0].message
            let jobs = try world.store.dueReplyJobs(at: world.clock.now(), limit: 10)
            #expect(jobs.map(\.message.id) == [inbound.id])
            #expect(jobs.first?.contact.externalId == "+15550001")
            let reply = try #require(try world.store.completeReply(to: inbound.id, text: "Hello Ann"))
            #expect(reply.status == .queued && reply.replyTo == inbound.id && reply.author == .assistant)
            #expect(try world.store.completeReply(to: inbound.id, text: "second answer")?.id == reply.id, "still one")
            #expect(try world.store.dueReplyJobs(at: world.clock.now(), limit: 10).isEmpty)

            let due = try world.store.dueOutbox(at: world.clock.now(), limit: 10)
            #expect(due.map(\.message.id) == [reply.id])
            #expect(try world.store.dueOutbox(at: world.clock.now(), limit: 10, excluding: [reply.id]).isEmpty)
            try world.store.retryOutbox(reply.id, error: "503", at: world.clock.now() + 1000)
            #expect(try world.store.dueOutbox(at: world.clock.now(), limit: 10).isEmpty, "not due yet")
            #expect(try world.store.dueOutbox(at: world.clock.now() + 1000, limit: 10).first?.attempts == 1)
            try world.store.markSent(reply.id, externalId: "wamid.1")
            #expect(try world.store.dueOutbox(at: world.clock.now() + 5000, limit: 10).isEmpty)
            #expect(try world.store.message(id: reply.id)?.status == .sent)

            #expect(try world.store.advanceStatus(instanceId: world.sms.id, externalId: "wamid.1", to: .read))
            #expect(try !world.store.advanceStatus(instanceId: world.sms.id, externalId: "wamid.1", to: .delivered))
            #expect(try world.store.message(id: reply.id)?.status == .read, "never backwards")

            let history = try world.store.history(conversationId: inbound.conversationId, before: reply.id, limit: 10)
            #expect(history.map(\.id) == [inbound.id])
        }
    }

    @Test("a reply known before the message is stored is queued with it: no reply job, one outbox entry", arguments: Backends.all)
    func immediateReply(backend: SQLBackend) throws {
        try withWorld(backend) { world in
            var input = world.input("i1", text: "hello")
            input.immediateReply = "Hi, this is Alice."
            let outcome = try world.ingest(input)[0]
            let reply = try #require(outcome.reply, "the outcome carries the queued reply")
            #expect(outcome.replyQueued && reply.message.replyTo == outcome.message.id)
            #expect(reply.message.text == "Hi, this is Alice." && reply.message.status == .queued)
            #expect(reply.contact.externalId == "+15550001" && reply.conversation.id == outcome.conversationId)
            #expect(try world.store.dueReplyJobs(at: world.clock.now(), limit: 10).isEmpty, "no agent call left to make")
            // The host that stored it sends it at once: on PostgreSQL it is held for that host
            // (other hosts see it only if the lease runs out); on SQLite it is simply due.
            let dueAt = world.clock.now() + (backend == .postgres ? world.store.claimLeaseMilliseconds : 0)
            if backend == .postgres { #expect(try world.store.dueOutbox(at: dueAt - 1, limit: 10).isEmpty) }
            #expect(try world.store.dueOutbox(at: dueAt, limit: 10).map(\.message.id) == [reply.message.id])
            var again = world.input("i1", text: "hello")
            again.immediateReply = "Hi again."
            let duplicate = try world.ingest(again)[0]
            #expect(duplicate.duplicate && duplicate.reply == nil, "a redelivery stores no second reply")
            let queued = try world.database.connection.query("SELECT count(*) FROM outbox", []).rows.first?.first
            #expect(queued == .integer(1))
            var human = world.input("h1", human: true)
            human.immediateReply = "never stored"
            #expect(try world.ingest(human)[0].reply == nil)
            var paused = world.input("p1", text: "while paused")
            paused.immediateReply = "never stored either"
            #expect(try world.ingest(paused)[0].reply == nil, "the person's message paused the conversation")
        }
    }

    @Test("a person's message pauses the assistant in that conversation until the pause ends", arguments: Backends.all)
    func handoff(backend: SQLBackend) throws {
        try withWorld(backend) { world in
            let start = try world.ingest(world.input("h1"))[0]
            let human = try world.ingest(world.input("h2", text: "I'm on it", human: true))[0]
            #expect(human.message.author == .human && human.message.direction == .outbound && !human.replyQueued)
            #expect(try world.ingest(world.input("h3"))[0].replyQueued == false)
            // The reply to h1 was still pending: it is dropped, not sent over the person.
            #expect(try world.store.completeReply(to: start.message.id, text: "late") == nil)
            world.clock.advance(byMilliseconds: 60_001)
            #expect(try world.ingest(world.input("h4"))[0].replyQueued == true)
            try world.store.setPaused(conversationId: start.conversationId, until: world.clock.now() + 1000)
            #expect(try world.ingest(world.input("h5"))[0].replyQueued == false)
            try world.store.setPaused(conversationId: start.conversationId, until: nil)
            #expect(try world.ingest(world.input("h6"))[0].replyQueued == true)
        }
    }

    @Test(
        "on PostgreSQL reading due rows claims them: each goes to one host until its lease ends",
        arguments: Backends.all.filter { $0 == .postgres })
    func claims(backend: SQLBackend) throws {
        try withWorld(backend) { world in
            for index in 0..<20 { _ = try world.ingest(world.input("c\(index)", from: "+1555\(index)")) }
            // A second host: its own handle on the same database, the same lease.
            let other = ConversationStore(
                database: try HostDatabase(
                    database: world.database.connection, description: "other", logger: quietLogger,
                    now: world.clock.now),
                claimLeaseMilliseconds: 60_000)
            let now = world.clock.now()
            let mine = try world.store.dueReplyJobs(at: now, limit: 12).map(\.message.id)
            let theirs = try other.dueReplyJobs(at: now, limit: 12).map(\.message.id)
            #expect(mine.count == 12 && theirs.count == 8)
            #expect(Set(mine).isDisjoint(with: theirs) && Set(mine + theirs).count == 20)
            #expect(try world.store.dueReplyJobs(at: now + 59_999, limit: 50).isEmpty, "all held")
            // A retried job falls due when its retry says, not when the lease ends.
            try world.store.retryReplyJob(mine[0], error: "agent 500", at: now + 1_000)
            #expect(try other.dueReplyJobs(at: now + 1_000, limit: 50).map(\.message.id) == [mine[0]])
            // A host that died: its jobs come back when the lease ends, to whoever asks first.
            let expired = try other.dueReplyJobs(at: now + 60_000, limit: 50).map(\.message.id)
            #expect(Set(expired) == Set(mine.dropFirst() + theirs))
            // Concurrent claimants never share a row.
            for index in 20..<220 { _ = try world.ingest(world.input("d\(index)", from: "+1666\(index)")) }
            let later = now + 200_000
            let stores = [world.store, other]
            let claimed = Claimed()
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                while true {
                    guard let batch = try? stores[worker % 2].dueReplyJobs(at: later, limit: 7), !batch.isEmpty
                    else { return }
                    claimed.add(batch.map(\.message.id))
                }
            }
            #expect(claimed.ids.count == 220 && Set(claimed.ids).count == 220)
        }
    }

    @Test("messages stored before conversations existed move into them")
    func migratesInboundMessages() throws {
        try withTemporaryDirectory { dir in
            let connection = try SQLiteConnection(path: dir + "/host.sqlite")
            _ = try Migrator.apply(Array(HostDatabase.migrations.prefix(4)), to: connection)
            try connection.execute(
                """
                INSERT INTO tenants VALUES ('ten_1', 'acme', 'Acme', 'active', 1, 1);
                INSERT INTO channel_instances(id, tenant_id, plugin, name, created_at, updated_at)
                    VALUES ('ins_1', 'ten_1', 'sms', 'main', 1, 1);
                INSERT INTO inbound_messages VALUES
                    ('msg_a', 'ten_1', 'ins_1', 'sms', 'x1', '+1555', 'Ann', 'first', NULL, NULL, 10),
                    ('msg_b', 'ten_1', 'ins_1', 'sms', 'x2', '+1555', NULL, 'second', NULL, NULL, 20),
                    ('msg_c', 'ten_1', 'ins_1', 'sms', 'x3', '+1666', NULL, 'other', 'client-9', '{"k":1}', 30);
                """)
            let database = try HostDatabase(dataDirectory: dir, logger: quietLogger)
            let store = ConversationStore(database: database)
            let moved = try store.recentMessages(instanceId: "ins_1", limit: 10)
            #expect(moved.map(\.id) == ["msg_a", "msg_b", "msg_c"])
            #expect(moved[0].conversationId == moved[1].conversationId)
            #expect(moved[2].conversationId != moved[0].conversationId)
            #expect(moved[2].metadata == #"{"k":1}"#)
            #expect(try store.conversation(id: moved[2].conversationId)?.threadKey == "client-9")
            #expect(try store.message(instanceId: "ins_1", externalId: "x2")?.id == "msg_b", "dedupe keeps working")
        }
    }
}

/// Ids claimed by several threads.
final class Claimed: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    var ids: [String] { lock.withLock { items } }
    func add(_ batch: [String]) { lock.withLock { items += batch } }
}
