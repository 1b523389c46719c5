import SwitchboardStorage
import Testing

@testable import SwitchboardHost

/// The send line's rules, driven without a server: how many sends run, what waits in memory,
/// what is left to the outbox, and when the send loop must look at the outbox again.
@Suite("Send line")
struct SendLineTests {
    @Test("up to the limit start at once, then they wait in order, then the line is full")
    func offers() {
        var line = SendLine<String>(limit: 2, backlog: 2)
        #expect(line.offer("a") == .start)
        #expect(line.offer("b") == .start)
        #expect(line.offer("c") == .queued)
        #expect(line.offer("d") == .queued)
        #expect(line.offer("e") == .full, "left in the outbox")
        #expect(line.running == 2)
        #expect(line.waitingCount == 2)
    }

    @Test("a send that returns hands its place to the oldest waiting one")
    func handOver() {
        var line = SendLine<String>(limit: 1, backlog: 10)
        #expect(line.offer("a") == .start)
        #expect(line.offer("b") == .queued)
        #expect(line.offer("c") == .queued)
        #expect(line.sendReturned().next == "b")
        #expect(line.sendReturned().next == "c")
        #expect(line.running == 1, "c runs")
        let last = line.sendReturned()
        #expect(last.next == nil)
        #expect(line.running == 0)
        #expect(line.offer("d") == .start, "the place is free again")
    }

    @Test("a new message never overtakes waiting ones, even when a place is free")
    func order() {
        var line = SendLine<String>(limit: 2, backlog: 10)
        _ = line.offer("a")
        _ = line.offer("b")
        _ = line.offer("c")
        // "a" returns and its place goes straight to "c"; nothing is free for "d" to jump ahead.
        #expect(line.sendReturned().next == "c")
        #expect(line.offer("d") == .queued)
    }

    @Test("the loop is told to read the outbox again only after it found no room or filled it")
    func loopWakeups() {
        var line = SendLine<String>(limit: 2, backlog: 0)
        #expect(line.room() == 2)
        _ = line.offer("a")
        #expect(line.sendReturned().wakeLoop == false, "the loop read everything it could")
        _ = line.offer("a")
        _ = line.offer("b")
        #expect(line.room() == 0)
        #expect(line.sendReturned().wakeLoop == true, "a place freed while the loop waited for one")
        #expect(line.sendReturned().wakeLoop == false, "told once")
        line.loopFilledRoom()
        _ = line.offer("c")
        #expect(line.sendReturned().wakeLoop == true, "the outbox may hold more than the loop read")
        _ = line.offer("d")
        _ = line.offer("e")
        #expect(line.offer("f") == .full)
        #expect(line.sendReturned().wakeLoop == true, "what did not fit is in the outbox")
        #expect(line.sendReturned().wakeLoop == false)
    }
}

/// The writer's lock order on PostgreSQL: inbound messages by instance and thread, the rest after.
@Suite("Conversation writer")
struct ConversationWriterOrderTests {
    @Test("inbound messages sort by instance then thread, other writes keep their order after them")
    func lockOrder() {
        func inbound(_ instance: String, _ from: String, thread: String? = nil) -> ConversationWrite {
            .inbound(InboundInput(tenantId: "t", instanceId: instance, externalId: "x", from: from, text: "", threadKey: thread))
        }
        let sent = ConversationWrite.sent(.init(messageId: "m1", externalId: nil, status: .sent))
        let reply = ConversationWrite.reply(inboundId: "m2", text: "hi", claimed: false)
        let items = [sent, inbound("b", "+2"), reply, inbound("a", "+9"), inbound("b", "+1"), inbound("a", "+0", thread: "z")]
        #expect(ConversationWriter.lockOrder(items) == [3, 5, 4, 1, 0, 2])
    }
}

/// What an erased contact's outbound messages may do, driven without a server.
@Suite("Erased sends")
struct ErasedSendsTests {
    @Test("an erasure holds its contact's sends while it runs, then bars the ids it removed, the newest ones kept")
    func erasedSends() {
        let erased = ErasedSends(capacity: 2)
        func verdict(_ id: String, _ instance: String = "i1", _ contact: String = "+1555") -> ErasedSends.Verdict {
            erased.verdict(messageId: id, instanceId: instance, contact: contact)
        }
        let first = erased.begin(instanceId: "i1", contact: "+1555")
        let second = erased.begin(instanceId: "i1", contact: "+1555")
        #expect(verdict("m9") == .wait)
        #expect(verdict("m9", "i2") == .send, "another instance's contact goes ahead")
        #expect(verdict("m9", "i1", "+1556") == .send)
        erased.end(first, removed: ["m1"])
        #expect(verdict("m1") == .erased)
        #expect(verdict("m9") == .wait, "until the last erasure of it ends")
        erased.end(second, removed: ["m2", "m3"])
        #expect(verdict("m9") == .send, "a message the erasure did not remove is sent")
        #expect(verdict("m1") == .send, "beyond capacity the oldest id is forgotten")
        #expect(verdict("m2") == .erased && verdict("m3") == .erased)
        for n in 0..<10 { erased.end(erased.begin(instanceId: "i1", contact: "c\(n)"), removed: ["x\(n)"]) }
        #expect(verdict("x8") == .erased && verdict("x9") == .erased && verdict("x7") == .send)
    }

    @Test("recent ids keep the newest entries, in the order they came")
    func recentIDs() {
        var ids = RecentIDs(capacity: 3)
        let added = ["a", "b", "c", "b", "d", "e", "a"].map { ids.insert($0) }
        #expect(added == [true, true, true, false, true, true, true], "b was there already")
        #expect(!ids.contains("b") && !ids.contains("c") && ids.contains("d") && ids.contains("e") && ids.contains("a"))
    }
}
