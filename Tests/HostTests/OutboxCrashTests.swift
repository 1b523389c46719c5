import Foundation
import Testing

@testable import SwitchboardHost

/// The outbox survives a crash: replies queued when the server is killed with SIGKILL are
/// delivered, once each, after it starts again.
@Suite("Outbox after a crash")
struct OutboxCrashTests {
    static let token = "crash-admin-token"

    @Test("SIGKILL with replies in the outbox: all delivered after restart, each exactly once")
    func killedWithQueuedReplies() async throws {
        let root = try Fixtures.temporaryDirectory("outbox-crash")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plugins = root + "/plugins"
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        try await Fixtures.compileFixture("probe", into: plugins)
        let environment = [
            "SWITCHBOARD_ADMIN_TOKEN": Self.token, "SWITCHBOARD_STORAGE_DATA_DIR": root + "/data",
            "SWITCHBOARD_PLUGINS_DIRECTORIES": "\(Fixtures.binDir):\(plugins)",
            "SWITCHBOARD_CONVERSATIONS_RETRY_BASE_MS": "100", "SWITCHBOARD_CONVERSATIONS_MAX_SEND_ATTEMPTS": "100",
        ]
        let first = try ServeProcess(arguments: [], environment: environment, logFile: root + "/first.log")
        #expect(await first.waitUntilReady(), "\(first.output)")
        #expect(try await first.request(.POST, "/admin/v1/tenants", token: Self.token, body: #"{"slug":"acme"}"#).status == 201)
        let created = try await first.request(
            .POST, "/admin/v1/instances", token: Self.token, body: #"{"tenant":"acme","plugin":"probe","name":"k"}"#)
        #expect(created.status == 201, "\(created.text)")
        let instance = try #require(Self.object(created.text)["id"] as? String)
        // Every send fails for now (a provider outage), so the replies wait in the outbox.
        #expect(try await first.request(.PUT, "/webhook/probe/k/kv/fail_remaining", body: "1000000").status == 204)
        for index in 1...5 {
            let inbound = #"{"external_id":"crash-\#(index)","from":"+1555000\#(index)","text":"hello \#(index)"}"#
            #expect(try await first.request(.POST, "/webhook/probe/k/inbound", body: inbound).status == 200)
        }
        func queuedReplies(_ server: ServeProcess) async throws -> [[String: Any]] {
            let list = try await server.request(.GET, "/admin/v1/instances/\(instance)/messages", token: Self.token)
            return (Self.object(list.text)["messages"] as? [[String: Any]] ?? []).filter { $0["author"] as? String == "assistant" }
        }
        #expect(try await Fixtures.eventually { try await queuedReplies(first).count == 5 })
        let replies = try await queuedReplies(first)
        #expect(replies.allSatisfy { $0["status"] as? String == "queued" && $0["error"] != nil }, "\(replies)")
        kill(first.process.processIdentifier, SIGKILL)
        for _ in 0..<100 where first.process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(first.process.terminationReason == .uncaughtSignal)

        let second = try ServeProcess(arguments: [], environment: environment, logFile: root + "/second.log")
        #expect(await second.waitUntilReady(), "\(second.output)")
        #expect(try await second.request(.PUT, "/webhook/probe/k/kv/fail_remaining", body: "0").status == 204)
        let allSent = try await Fixtures.eventually(30) {
            try await queuedReplies(second).allSatisfy { $0["status"] as? String == "sent" }
        }
        #expect(allSent, "\(second.output)")
        for reply in replies {
            let id = try #require(reply["id"] as? String)
            let delivered = try await second.request(.GET, "/webhook/probe/k/kv/delivered/\(id)")
            #expect(delivered.text == "1", "\(id) delivered \(delivered.text) times")
        }
        #expect(try await queuedReplies(second).count == 5, "no reply lost or doubled")
        _ = await second.terminate()
    }

    static func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }
}
