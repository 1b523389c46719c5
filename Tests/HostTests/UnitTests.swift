import Foundation
import Logging
import NIOCore
import Synchronization
import Testing

@testable import SwitchboardHost

/// Logic with no I/O: routing, redaction, response slots, token comparison.
@Suite("Route table")
struct RouteTableTests {
    static let manifest = PluginManifest(
        name: "evolution", version: "1", abiMajor: 1, abiMinor: 0, kind: 1, settingsSchema: "{}",
        routes: [
            RouteSpec(index: 0, method: "GET", path: "/health", mount: .instance),
            RouteSpec(index: 1, method: "POST", path: "/", mount: .instance),
            RouteSpec(index: 2, method: "POST", path: "/{event}", mount: .instance),
            RouteSpec(index: 3, method: "POST", path: "/webhook/evolution", mount: .alias),
            RouteSpec(index: 4, method: "*", path: "/files/*", mount: .instance),
        ], migrations: [])

    let table = RouteTable(manifests: [Self.manifest])

    @Test func instanceRoutes() {
        guard case .matched(let health) = table.resolve(method: "GET", path: "/webhook/evolution/acme/health") else {
            Issue.record("no match")
            return
        }
        #expect(health.instance == .named("acme"))
        #expect(health.route.index == 0)
        #expect(health.subpath == "/health")
        guard case .matched(let root) = table.resolve(method: "POST", path: "/webhook/evolution/acme") else {
            Issue.record("no match for root")
            return
        }
        #expect(root.route.index == 1)
        guard case .matched(let event) = table.resolve(method: "POST", path: "/webhook/evolution/acme/messages-upsert")
        else {
            Issue.record("no match for event")
            return
        }
        #expect(event.route.index == 2)
        #expect(event.subpath == "/messages-upsert")
        guard case .matched(let files) = table.resolve(method: "DELETE", path: "/webhook/evolution/acme/files/a/b/c")
        else {
            Issue.record("no match for wildcard")
            return
        }
        #expect(files.route.index == 4)
    }

    @Test func aliasGoesToDefaultInstance() {
        guard case .matched(let alias) = table.resolve(method: "POST", path: "/webhook/evolution") else {
            Issue.record("no match")
            return
        }
        #expect(alias.instance == .defaultInstance)
    }

    @Test func misses() {
        #expect(table.resolve(method: "GET", path: "/webhook/other/acme/health") == .notFound)
        #expect(table.resolve(method: "GET", path: "/nothing") == .notFound)
        // "/health" is GET, and "/{event}" (POST) matches it too.
        #expect(
            table.resolve(method: "DELETE", path: "/webhook/evolution/acme/health")
                == .methodNotAllowed(allowed: ["GET", "POST"]))
    }

    @Test func patterns() {
        #expect(RoutePattern("health") == nil)
        #expect(RoutePattern("/a/*/b") == nil)
        #expect(RoutePattern("/a{b}") == nil)
        #expect(RoutePattern("/") != nil)
        #expect(RouteTable.isReservedHostPath("/admin/v1/x"))
        #expect(RouteTable.isReservedHostPath("/metrics"))
        #expect(!RouteTable.isReservedHostPath("/chat"))
    }
}

@Suite("Redaction")
struct RedactorTests {
    @Test func phoneNumbersAndBodiesByDefault() {
        let redactor = Redactor()
        #expect(redactor.scrub("call +1 (555) 010-9999 now") == "call [phone] now")
        #expect(redactor.scrub("from 5511987654321@s.whatsapp.net") == "from [phone]@s.whatsapp.net")
        #expect(redactor.scrub("order 1234 shipped") == "order 1234 shipped")
        #expect(redactor.value(forKey: "text", "hello there") == "[redacted 11 bytes]")
        #expect(redactor.value(forKey: "status", "ok") == "ok")
    }

    @Test func secretsAlways() {
        let redactor = Redactor(redactContent: false)
        #expect(redactor.value(forKey: "evolution_key", "abc") == "[secret]")
        #expect(redactor.value(forKey: "admin_token", "abc") == "[secret]")
        #expect(redactor.scrub("Authorization: Bearer abc.def") == "Authorization: Bearer [secret]")
        #expect(redactor.scrub("+15550001111") == "+15550001111")
    }

    @Test func logHandlerRedacts() {
        let recorder = RecordingHandler()
        let logger = Logger(label: "t") { _ in RedactingLogHandler(wrapping: recorder, redactor: Redactor()) }
        logger.info("message from +44 20 7946 0958", metadata: ["body": "secret words", "token": "t0k"])
        let line = recorder.lines.withLock { $0.joined() }
        #expect(!line.contains("7946"))
        #expect(!line.contains("secret words"))
        #expect(!line.contains("t0k"))
    }
}

/// A LogHandler that keeps lines in memory.
struct RecordingHandler: LogHandler {
    final class Lines: Sendable {
        let value = Locked<[String]>([])
        func withLock<T>(_ body: (inout [String]) -> T) -> T { value.withLock { body(&$0) } }
    }
    let lines = Lines()
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        lines.withLock { $0.append("\(event.message) \(event.metadata ?? [:])") }
    }
}

@Suite("Response slot")
struct ResponseSlotTests {
    @Test func answeredOnce() async {
        let slot = ResponseSlot()
        #expect(slot.send(status: 200, headers: [], body: Array("a".utf8)) == .ok)
        #expect(slot.send(status: 200, headers: [], body: []) == .unavailable)
        #expect(slot.openStream(status: 200, headers: []) == .unavailable)
        guard case .complete(let status, _, let body) = await slot.head() else {
            Issue.record("not complete")
            return
        }
        #expect(status == 200 && body == Array("a".utf8))
    }

    @Test func streamAfterWaiterAndClose() async {
        let slot = ResponseSlot()
        async let head = slot.head()
        try? await Task.sleep(for: .milliseconds(20))
        #expect(
            slot.openStream(status: 200, headers: [HeaderPair(name: "content-type", value: "text/event-stream")]) == .ok
        )
        "one".utf8.withContiguousStorageIfAvailable { _ = slot.write(UnsafeRawBufferPointer($0)) }
        #expect(slot.close() == .ok)
        #expect(slot.close() == .unavailable)
        guard case .stream(_, _, let body) = await head else {
            Issue.record("not a stream")
            return
        }
        var received = ""
        for await chunk in body { received += String(buffer: chunk) }
        #expect(received == "one")
    }

    @Test func invalidStatusAndAbandon() async {
        let slot = ResponseSlot()
        #expect(slot.send(status: 42, headers: [], body: []) == .invalidArgument)
        slot.abandon(reason: "gone")
        guard case .failed(let reason) = await slot.head() else {
            Issue.record("not failed")
            return
        }
        #expect(reason == "gone")
    }
}

@Suite("Admin token")
struct AdminTokenTests {
    @Test func constantTimeEquality() {
        #expect(AdminAuthMiddleware.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!AdminAuthMiddleware.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!AdminAuthMiddleware.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!AdminAuthMiddleware.constantTimeEqual([], Array("a".utf8)))
    }
}

@Suite("Handle table")
struct HandleTableTests {
    final class Box: Sendable {}

    @Test func handlesAreRandomTaggedAndNeverReused() {
        let table = HandleTable<Box>(tag: 0x07)
        let other = HandleTable<Box>(tag: 0x08)
        let first = table.insert(Box())
        let second = table.insert(Box())
        #expect(first >> 56 == 0x07 && second >> 56 == 0x07)
        #expect(second != first &+ 1, "not a counter another plugin could walk")
        #expect(table.lookup(first) != nil)
        #expect(other.lookup(first) == nil, "a handle of another table is refused")
        table.remove(first)
        #expect(table.lookup(first) == nil, "a retired handle stays invalid")
        #expect(table.lookup(0) == nil)
    }
}

/// Two claimants of one queue (the loop reading it, a hand-over right after a commit) never work
/// on an item twice.
@Suite("Work claims")
struct WorkClaimsTests {
    @Test("an item is claimed once, up to a capacity; finished items stay refused, retried ones come back")
    func claims() {
        let claims = WorkClaims(memory: 2)
        #expect(claims.claim("a", capacity: 2))
        #expect(!claims.claim("a"), "busy")
        #expect(claims.claim("b", capacity: 2))
        #expect(!claims.claim("c", capacity: 2), "at capacity")
        #expect(claims.busy == ["a", "b"])
        claims.release("a", finished: true)
        #expect(!claims.claim("a"), "a late read of the queue cannot bring a finished item back")
        claims.release("b", finished: false)
        #expect(claims.claim("b"), "an item waiting for a retry may be claimed again")
        claims.release("b", finished: true)
        claims.release("c", finished: true)
        #expect(claims.claim("a"), "the oldest finished id is forgotten once memory is full")
        #expect(!claims.claim("c"))
    }
}

/// A function value kept in a `Locked` and read on every message must stay callable: reading it
/// through an inout access wrapped it anew each time, until a call overflowed the stack.
@Suite("Locked function values")
struct LockedFunctionTests {
    @Test("a stored closure read a million times is still one call deep")
    func loadDoesNotWrap() {
        let hook = Locked<(@Sendable (Int) -> Int)?>(nil)
        hook.withLock { $0 = { $0 + 1 } }
        var total = 0
        for value in 0..<1_000_000 {
            if let call = hook.load() { total = call(value) }
        }
        #expect(total == 1_000_000)
    }
}
