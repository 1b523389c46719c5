import SwitchboardSDK
import Testing

@testable import WebchatCore

/// Event-stream encoding, languages, theme and the routing of replies to their waiters.
@Suite("Webchat widget rules")
struct WidgetRulesTests {
    @Test func serverSentEvents() throws {
        #expect(
            ServerSentEvent.token("Hi\nthere", index: 2).encoded
                == "event: token\ndata: {\"text\":\"Hi\\nthere\",\"index\":2}\n\n")
        let session = SessionID.generate()
        let done = ServerSentEvent.done(
            FinishedReply(sessionID: session, reply: "ok", messageID: "msg_2", replyTo: "msg_1"))
        #expect(done.encoded.hasPrefix("event: done\ndata: {\"session_id\":\"\(session)\",\"reply\":\"ok\""))
        #expect(done.encoded.filter { $0 == "\n" }.count == 3, "one data line")
        let error = ServerSentEvent.error(WebchatError(status: 502, code: .agentFailed, "no"), retrying: true)
        #expect(
            error.encoded == "event: error\ndata: {\"error\":\"agent_failed\",\"message\":\"no\",\"retrying\":true}\n\n"
        )
    }

    @Test func languageChoice() {
        #expect(WidgetLanguage.choose(["pt-BR", "en"]) == .pt)
        #expect(WidgetLanguage.choose(["fr-FR", "es-MX", "en"]) == .es)
        #expect(WidgetLanguage.choose(["de", "fr"]) == .en)
        #expect(WidgetLanguage.choose([]) == .en)
        #expect(WidgetLanguage.choose(header: "en;q=0.5, pt-PT;q=0.9, es;q=0.7") == .pt)
        #expect(WidgetLanguage.choose(header: "es;q=0, en") == .en)
        #expect(WidgetLanguage.choose(header: "PT") == .pt)
    }

    @Test func everyLanguageHasEveryString() {
        let keys = WidgetLanguage.en.strings.map(\.key)
        for language in WidgetLanguage.allCases {
            #expect(language.strings.map(\.key) == keys, "\(language)")
            #expect(language.strings.allSatisfy { !$0.value.isEmpty })
        }
        #expect(WidgetLanguage.pt.strings.first { $0.key == "send" }?.value == "Enviar")
    }

    @Test func themeFromSettings() throws {
        let theme = try Theme(setting: ["color": "#FF0000", "title": "Acme help", "position": "bottom-left"])
        #expect(theme.color == "#ff0000" && theme.position == .bottomLeft)
        #expect(theme.json(.pt)["title"]?.stringValue == "Acme help")
        #expect(theme.json(.pt)["greeting"]?.stringValue == "Olá! Como podemos ajudar você hoje?")
        #expect(try Theme(setting: nil).json(.en)["color"]?.stringValue == "#0a7cff")
        for (setting, field): (JSONValue, String) in [
            (["color": "red"], "theme.color"), (["color": "#12345g"], "theme.color"),
            (["color": "#123;}body{"], "theme.color"), (["position": "top"], "theme.position"),
            (["title": .string(String(repeating: "x", count: 81))], "theme.title"),
        ] {
            #expect(throws: WebchatError.self) { try Theme(setting: setting) }
            #expect((try? Theme(setting: setting)) == nil)
            do { _ = try Theme(setting: setting) } catch { #expect(error.field == field) }
        }
    }

    @Test func queryStrings() {
        #expect(FormURLEncoded.value("lang", in: "key=sb_widget_x&lang=pt-BR%2Cen") == "pt-BR,en")
        #expect(FormURLEncoded.value("q", in: "q=a+b%2") == "a b%2")
        #expect(FormURLEncoded.value("missing", in: "a=1") == nil)
        #expect(WidgetKey.isWellFormed("sb_widget_abc-DEF_1"))
        #expect(!WidgetKey.isWellFormed("sb_widget_\"><script>"))
        #expect(!WidgetKey.isWellFormed("pk_abc"))
    }

    @Test func repliesReachTheirWaiterInOrderEvenWhenEarly() {
        var router = ReplyRouter<String>()
        // The agent was quicker than the request: the first piece waits for the waiter.
        #expect(router.route("m1", .delta("Hi", index: 0), nowMs: 0) == nil)
        #expect(router.attach("m1", "waiter-1", nowMs: 1) == [.delta("Hi", index: 0)])
        #expect(router.route("m1", .delta(" there", index: 1), nowMs: 2) == "waiter-1")
        #expect(router.route("m1", .failed("x", retrying: true), nowMs: 3) == "waiter-1")
        #expect(router.route("m1", .finished("Hi there", messageID: "m2"), nowMs: 4) == "waiter-1")
        #expect(router.count == 0, "a finished reply ends its slot")
        // Another reply is independent; abandoned replies drop their events.
        _ = router.attach("m3", "waiter-3", nowMs: 0)
        router.abandon("m3", nowMs: 5)
        #expect(router.route("m3", .delta("late", index: 0), nowMs: 6) == nil)
        #expect(router.route("m3", .failed("x", retrying: false), nowMs: 7) == nil)
        #expect(router.count == 0)
    }

    @Test func waitersTimeOutAndEarlyEventsExpire() {
        var router = ReplyRouter<String>()
        _ = router.attach("slow", "w", nowMs: 0)
        _ = router.route("orphan", .finished("x", messageID: nil), nowMs: 0)
        #expect(router.expire(nowMs: 1000, waitMs: 5000, keepMs: 60_000).isEmpty)
        let expired = router.expire(nowMs: 5000, waitMs: 5000, keepMs: 60_000)
        #expect(expired.map(\.0) == ["slow"] && expired.map(\.1) == ["w"])
        #expect(
            router.route("slow", .delta("late", index: 0), nowMs: 5001) == nil, "a timed-out waiter gets nothing more")
        _ = router.expire(nowMs: 70_000, waitMs: 5000, keepMs: 60_000)
        #expect(router.count == 0)
    }

    @Test func settingsRefuseBadValuesByField() throws {
        let settings = try WebchatSettings(settings: ["max_message_bytes": 100, "rate_limit_per_minute": 3])
        #expect(settings.limits.maxMessageBytes == 100 && settings.rates.perClientPerMinute == 3)
        #expect(settings.rates.perTenantPerMinute == 600)
        do {
            _ = try WebchatSettings(settings: ["allowed_origins": ["nope"]])
            Issue.record("accepted a bad origin")
        } catch {
            #expect(error.field == "allowed_origins[0]")
        }
    }
}
