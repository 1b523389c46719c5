import Foundation
import NIOHTTP1
import Testing

@testable import SwitchboardHost

/// The webchat plugin end to end: real host, real libWebchat.so, the template agent, loopback HTTP.
@Suite("Webchat channel")
struct WebchatChannelTests {
    @Test("a JSON chat answers with the reply, a session id, and the session's history then holds both turns twice")
    func jsonChatAndHistory() async throws {
        let site = try await WebchatSite.start("webchat-json")
        defer { Task { await site.host.stop() } }
        let first = try await site.call(.POST, "/chat", json: ["message": "Hello there"])
        #expect(first.status == 200, "\(first.text)")
        #expect(first.header("access-control-allow-origin") == WebchatSite.origin)
        let session = try #require(first.json["session_id"] as? String)
        #expect(session.hasPrefix("wcs_") && session.count == 36)
        #expect((first.json["reply"] as? String)?.contains("Alice") == true, "\(first.text)")
        #expect((first.json["message_id"] as? String)?.hasPrefix("msg_") == true)

        let second = try await site.call(.POST, "/chat", json: ["session_id": session, "message": "And again"])
        #expect(second.status == 200 && second.json["session_id"] as? String == session, "\(second.text)")

        let history = try await site.call(.GET, "/chat/\(session)/history")
        #expect(history.status == 200, "\(history.text)")
        let messages = history.json["messages"] as? [[String: Any]] ?? []
        #expect(
            messages.map { $0["role"] as? String } == ["visitor", "assistant", "visitor", "assistant"],
            "\(history.text)")
        #expect(messages.first?["text"] as? String == "Hello there")
        #expect(messages[1]["text"] as? String == first.json["reply"] as? String)

        // Another visitor's session is separate; a made-up or malformed session is refused by field.
        let other = try await site.call(.POST, "/chat", json: ["message": "Someone else"])
        #expect(other.json["session_id"] as? String != session)
        let madeUp = "wcs_" + String(repeating: "0", count: 32)
        let unknown = try await site.call(.POST, "/chat", json: ["session_id": madeUp, "message": "hi"])
        #expect(unknown.status == 404 && unknown.json["field"] as? String == "session_id", "\(unknown.text)")
        #expect(try await site.call(.GET, "/chat/\(madeUp)/history").status == 404)
        let malformed = try await site.call(.GET, "/chat/not-a-session/history")
        #expect(malformed.status == 422 && malformed.json["field"] as? String == "session_id")
    }

    @Test("a streamed chat sends the session, ordered tokens that add up to the reply, and done")
    func streamingChat() async throws {
        let site = try await WebchatSite.start("webchat-stream")
        defer { Task { await site.host.stop() } }
        let reply = try await site.call(.POST, "/chat", json: ["message": "Hi, stream please", "stream": true])
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.header("content-type")?.hasPrefix("text/event-stream") == true)
        #expect(reply.header("access-control-allow-origin") == WebchatSite.origin)
        let events = WebchatSite.events(reply)
        #expect(events.first?.name == "session" && events.last?.name == "done", "\(reply.text)")
        let tokens = events.filter { $0.name == "token" }
        #expect(tokens.count > 1, "the template agent streams word by word: \(reply.text)")
        #expect(tokens.compactMap { $0.data["index"] as? Int } == Array(0..<tokens.count))
        let done = try #require(events.last?.data)
        #expect(tokens.compactMap { $0.data["text"] as? String }.joined() == done["reply"] as? String)
        #expect(done["session_id"] as? String == events.first?.data["session_id"] as? String)
        #expect(done["reply_to"] as? String == events.first?.data["message_id"] as? String)

        let session = try #require(done["session_id"] as? String)
        let history = try await site.call(.GET, "/chat/\(session)/history")
        #expect((history.json["messages"] as? [[String: Any]])?.last?["text"] as? String == done["reply"] as? String)
    }

    @Test("deleting a session erases its history; the id then names nothing")
    func deleteSession() async throws {
        let site = try await WebchatSite.start("webchat-delete")
        defer { Task { await site.host.stop() } }
        let first = try await site.call(.POST, "/chat", json: ["message": "Forget me"])
        let session = try #require(first.json["session_id"] as? String)
        let keep = try await site.call(.POST, "/chat", json: ["message": "Keep me"])
        let kept = try #require(keep.json["session_id"] as? String)

        let deleted = try await site.call(.DELETE, "/chat/\(session)")
        #expect(deleted.status == 204, "\(deleted.text)")
        #expect(try await site.call(.GET, "/chat/\(session)/history").status == 404)
        #expect(try await site.call(.DELETE, "/chat/\(session)").status == 404)
        let again = try await site.call(.POST, "/chat", json: ["session_id": session, "message": "back?"])
        #expect(again.status == 404 && again.json["error"] as? String == "session_not_found")
        let stillThere = try await site.call(.GET, "/chat/\(kept)/history")
        #expect((stillThere.json["messages"] as? [Any])?.count == 2, "other sessions stay: \(stillThere.text)")
    }

    @Test("messages beyond the per-visitor rate are refused 429 with Retry-After, before anything is stored")
    func rateLimit() async throws {
        let site = try await WebchatSite.start("webchat-rate", settings: ["rate_limit_per_minute": 2])
        defer { Task { await site.host.stop() } }
        let first = try await site.call(.POST, "/chat", json: ["message": "one"])
        let session = try #require(first.json["session_id"] as? String)
        #expect(try await site.call(.POST, "/chat", json: ["session_id": session, "message": "two"]).status == 200)
        let third = try await site.call(.POST, "/chat", json: ["session_id": session, "message": "three"])
        #expect(third.status == 429, "\(third.text)")
        let retryAfter = try #require(third.header("retry-after").flatMap(Int.init))
        #expect(third.header("access-control-expose-headers") == "Retry-After", "pages can read it")
        #expect((1...30).contains(retryAfter))
        #expect(third.json["error"] as? String == "rate_limited" && third.header("access-control-allow-origin") != nil)
        let history = try await site.call(.GET, "/chat/\(session)/history")
        #expect((history.json["messages"] as? [[String: Any]])?.contains { $0["text"] as? String == "three" } == false)
    }

    @Test("CORS: allowed origins get headers and preflights, other origins get 403 JSON and nothing runs")
    func cors() async throws {
        let site = try await WebchatSite.start("webchat-cors")
        defer { Task { await site.host.stop() } }
        let preflight = try await site.call(
            .OPTIONS, "/chat",
            headers: [("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "content-type")])
        #expect(preflight.status == 204)
        #expect(preflight.header("access-control-allow-origin") == WebchatSite.origin)
        #expect(preflight.header("access-control-allow-methods")?.contains("POST") == true)
        #expect(preflight.header("access-control-allow-headers")?.lowercased().contains("content-type") == true)

        let evil = "https://evil.example"
        let refusedPreflight = try await site.call(.OPTIONS, "/chat", origin: evil)
        #expect(refusedPreflight.status == 403 && refusedPreflight.header("access-control-allow-origin") == nil)
        let refused = try await site.call(.POST, "/chat", json: ["message": "let me in"], origin: evil)
        #expect(refused.status == 403 && refused.json["error"] as? String == "origin_refused", "\(refused.text)")
        #expect(refused.json["field"] as? String == "origin" && refused.header("access-control-allow-origin") == nil)
        #expect(try await site.call(.GET, "/widget/config", origin: evil).status == 403)

        // The script itself loads anywhere; the config is served to allowed pages in their language.
        let script = try await site.call(.GET, "/widget.js", origin: evil)
        #expect(script.status == 200 && script.header("content-type")?.hasPrefix("application/javascript") == true)
        #expect(script.text.contains("attachShadow") && script.text.contains("Fale conosco"))
        let config = try await site.call(.GET, "/widget/config?lang=pt-BR")
        #expect(config.json["language"] as? String == "pt")
        #expect((config.json["theme"] as? [String: Any])?["title"] as? String == "Acme help")
        #expect((config.json["theme"] as? [String: Any])?["color"] as? String == "#ff5a1f")

        // Wildcard instances accept any origin.
        _ = try await site.host.createInstance(
            tenant: "acme", plugin: "webchat", name: "open", settings: ["allowed_origins": ["*"]])
        let openKey = try #require(
            try await site.host.admin(
                .POST, "/tenants/acme/api-keys", json: ["scope": "widget", "instance": "webchat/open"]
            )
            .json["key"] as? String)
        let anywhere = try await site.host.request(.GET, "/widget/config?key=\(openKey)", headers: [("Origin", evil)])
        #expect(anywhere.status == 200 && anywhere.header("access-control-allow-origin") == evil)
    }

    @Test("bad bodies are refused with the field named: size limits 413, bad JSON 400, bad fields 422")
    func badRequests() async throws {
        let site = try await WebchatSite.start("webchat-bad", settings: ["max_message_bytes": 50])
        defer { Task { await site.host.stop() } }
        let long = try await site.call(.POST, "/chat", json: ["message": String(repeating: "x", count: 51)])
        #expect(long.status == 413 && long.json["field"] as? String == "message", "\(long.text)")
        let huge = try await site.call(
            .POST, "/chat", raw: #"{"message":""# + String(repeating: "x", count: 5000) + #""}"#)
        #expect(huge.status == 413 && huge.json["field"] as? String == "body")
        let broken = try await site.call(.POST, "/chat", raw: #"{"message": "#)
        #expect(broken.status == 400 && broken.json["field"] as? String == "body", "\(broken.text)")
        let missing = try await site.call(.POST, "/chat", json: ["stream": true])
        #expect(missing.status == 422 && missing.json["field"] as? String == "message")
        let wrongType = try await site.call(.POST, "/chat", json: ["message": "hi", "stream": "yes"])
        #expect(wrongType.status == 422 && wrongType.json["field"] as? String == "stream")
        #expect(long.header("content-type") == "application/json" && long.header("access-control-allow-origin") != nil)

        // Unknown keys are refused by the host before the plugin or any storage is reached.
        let badKey = try await site.host.request(
            .POST, "/chat?key=sb_widget_nope", body: Array(#"{"message":"x"}"#.utf8))
        #expect(badKey.status == 401 && badKey.json["field"] as? String == "key", "\(badKey.text)")
        // With no key and no default instance or claimed host name, nothing answers.
        let noKey = try await site.host.request(.POST, "/chat", body: Array(#"{"message":"x"}"#.utf8))
        #expect(noKey.status == 404 && noKey.header("content-type") == "application/problem+json")
    }

    @Test("a claimed host name selects the instance without a key; the demo page embeds the widget")
    func hostNameAndDemo() async throws {
        let site = try await WebchatSite.start("webchat-hostname")
        defer { Task { await site.host.stop() } }
        let instances = try await site.host.admin(.GET, "/instances").json["items"] as? [[String: Any]] ?? []
        let id = try #require(instances.first { $0["name"] as? String == "site" }?["id"] as? String)
        #expect(
            try await site.host.admin(.PATCH, "/instances/\(id)", json: ["hostnames": ["chat.acme.example"]]).status
                == 200)
        let chat = try await site.host.request(
            .POST, "/chat", body: Array(#"{"message":"hello"}"#.utf8),
            headers: [("Host", "chat.acme.example"), ("Origin", "https://chat.acme.example")])
        #expect(
            chat.status == 200 && chat.json["reply"] is String,
            "same-origin pages need no allow-list entry: \(chat.text)")

        let demo = try await site.call(.GET, "/widget/demo", origin: nil)
        #expect(demo.status == 200 && demo.header("content-type")?.hasPrefix("text/html") == true)
        #expect(
            demo.text.contains(#"<script src="/widget.js?key=\#(site.key)" data-key="\#(site.key)" async></script>"#))
        #expect(
            demo.text.contains("&lt;script src=\"http://127.0.0.1:\(site.host.port)/widget.js\" data-key=\"\(site.key)\""),
            "the snippet to copy names this host")
        let odd = try await site.call(.GET, "/widget/demo", origin: nil, headers: [("Host", "x\"><b>")])
        #expect(!odd.text.contains("<b>") && odd.text.contains("https://YOUR-HOST/widget.js"))
        let injected = try await site.host.request(.GET, "/widget/demo?key=sb_widget_x%22%3E%3Cscript%3E")
        #expect(injected.status == 401 || injected.status == 422)
    }

    @Test(
        "an agent that fails streams error events, retrying then final, and a JSON chat gets 502 without the agent's text"
    )
    func agentFailure() async throws {
        try await StubServer.with({ _ in .text(#"{"error":"down"}"#, status: .serviceUnavailable) }) { agent in
            let site = try await WebchatSite.start("webchat-agent-down") {
                $0.conversations.maxAgentAttempts = 2
                $0.conversations.retryBaseMilliseconds = 20
            }
            defer { Task { await site.host.stop() } }
            let assistant = try await site.host.admin(
                .PUT, "/tenants/acme/assistant",
                json: [
                    "assistant_name": "Alice", "agent": ["kind": "http", "url": agent.url("/run"), "agent": "support"],
                ])
            #expect(assistant.status == 200, "\(assistant.text)")
            let streamed = try await site.call(.POST, "/chat", json: ["message": "anyone there?", "stream": true])
            let errors = WebchatSite.events(streamed).filter { $0.name == "error" }
            #expect(errors.map { $0.data["retrying"] as? Bool } == [true, false], "\(streamed.text)")
            #expect(errors.allSatisfy { $0.data["error"] as? String == "agent_failed" })
            #expect(!streamed.text.contains("503") && !streamed.text.contains("down"), "no agent internals leak")

            let plain = try await site.call(.POST, "/chat", json: ["message": "still there?"])
            #expect(plain.status == 502 && plain.json["error"] as? String == "agent_failed", "\(plain.text)")
            #expect((plain.json["session_id"] as? String)?.hasPrefix("wcs_") == true)
        }
    }
}
