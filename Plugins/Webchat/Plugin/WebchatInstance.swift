import SwitchboardSDK
import WebchatCore

/// One website's chat: the widget API, the script, the demo page, and the replies on their way.
final class WebchatInstance: ChannelInstance {
    let context: InstanceContext
    let settings: WebchatSettings
    let limiter: Locked<RateLimiter>
    /// Who waits for which reply.
    let replies = Locked(ReplyRouter<ReplyWaiter>())
    private let sweeper: TimerHandle

    init(context: InstanceContext, settings: WebchatSettings, limiter: Locked<RateLimiter>) throws {
        self.context = context
        self.settings = settings
        self.limiter = limiter
        sweeper = try context.timers.start(delayMs: 1000, intervalMs: 1000)
    }

    func handle(_ request: HTTPRequest, _ response: HTTPResponder) throws -> ResponseDisposition {
        guard let route = request.route else {
            try response.send(status: 404, json: ["error": "not_found", "message": "no such route"])
            return .answered
        }
        switch route {
        case Routes.health:
            try response.send(
                status: 200, json: ["status": "ok", "plugin": "webchat", "instance": .string(context.config.instance)])
            return .answered
        case Routes.script:
            try response.send(
                status: 200,
                headers: [
                    HTTPHeader("content-type", "application/javascript; charset=utf-8"),
                    HTTPHeader("cache-control", "public, max-age=300"),
                ], body: Array(WidgetScript.source.utf8))
            return .answered
        case Routes.demo:
            return try answer(response, cors: []) { try DemoPage.respond(request, response) }
        default:
            return try api(route, request, response)
        }
    }

    /// A widget API call: the origin first, then the route.
    private func api(_ route: Route, _ request: HTTPRequest, _ response: HTTPResponder) throws -> ResponseDisposition {
        let decision = settings.origins.decide(origin: request.header("origin"), host: request.header("host"))
        let cors = OriginPolicy.corsHeaders(decision)
        if case .refused(let origin) = decision {
            let error = WebchatError(
                status: 403, code: .originRefused, "origin \(origin) may not use this chat", field: "origin")
            try response.send(status: error.status, json: error.json, headers: cors)
            return .answered
        }
        if route.method == "OPTIONS" {
            try response.send(status: 204, headers: cors + OriginPolicy.preflightHeaders)
            return .answered
        }
        return try answer(response, cors: cors) {
            switch route {
            case Routes.chat: return try chat(request, response, cors: cors)
            case Routes.history: return try history(request, response, cors: cors)
            case Routes.forget: return try forget(request, response, cors: cors)
            default: return try widgetConfig(request, response, cors: cors)
            }
        }
    }

    /// Run `body`, answering a ``WebchatError`` as its JSON.
    private func answer(
        _ response: HTTPResponder, cors: [HTTPHeader], _ body: () throws -> ResponseDisposition
    ) throws -> ResponseDisposition {
        do {
            return try body()
        } catch let error as WebchatError {
            try response.send(status: error.status, json: error.json, headers: cors + error.headers)
            return .answered
        }
    }

    /// `GET /widget/config?lang=…`: the theme and strings in the visitor's language.
    private func widgetConfig(_ request: HTTPRequest, _ response: HTTPResponder, cors: [HTTPHeader]) throws
        -> ResponseDisposition
    {
        let tags = FormURLEncoded.value("lang", in: request.query) ?? request.header("accept-language") ?? ""
        let language = WidgetLanguage.choose(header: tags)
        let config: JSONValue = [
            "language": .string(language.rawValue), "theme": settings.theme.json(language),
            "strings": .object(language.strings.map { (key: $0.key, value: JSONValue.string($0.value)) }),
            "max_message_bytes": .integer(Int64(settings.limits.maxMessageBytes)),
        ]
        try response.send(status: 200, json: config, headers: cors + [HTTPHeader("cache-control", "no-store")])
        return .answered
    }

    func send(_ message: OutboundMessage) throws -> SendResult {
        // Every outbound message is in the visitor's history; a reply also ends its wait.
        if let replyTo = message.json["reply_to"]?.stringValue {
            route(replyTo, .finished(message.text, messageID: message.messageID))
        }
        return SendResult(externalID: message.messageID, status: .sent)
    }

    func replyEvent(_ event: ReplyEvent) {
        switch event {
        case .delta(let replyTo, _, let text, let index): route(replyTo, .delta(text, index: index))
        case .failed(let replyTo, _, _, let retrying):
            // The agent's error text may quote the conversation: the host logs it, we do not.
            context.log(.warning, "the agent failed to answer \(replyTo) (retrying: \(retrying))")
            route(replyTo, .failed("the assistant could not answer", retrying: retrying))
        }
    }

    /// Hand an item to the reply's waiter, in order, or keep it until the waiter comes.
    func route(_ replyTo: String, _ item: ReplyItem) {
        let waiter = replies.withLock { router -> ReplyWaiter? in
            let waiter = router.route(replyTo, item, nowMs: Monotonic.nowMs)
            waiter?.enqueue([item])
            return waiter
        }
        guard let waiter else { return }
        waiter.drain()
        if waiter.isFinished, !item.endsReply {
            replies.withLock { $0.abandon(replyTo, nowMs: Monotonic.nowMs) }
        }
    }

    /// Start waiting for the reply to `replyTo`, with whatever already came for it.
    func wait(_ waiter: ReplyWaiter) {
        replies.withLock { router in
            waiter.enqueue(router.attach(waiter.replyTo, waiter, nowMs: Monotonic.nowMs))
        }
        waiter.drain()
        if waiter.isFinished { replies.withLock { $0.abandon(waiter.replyTo, nowMs: Monotonic.nowMs) } }
    }

    func timerFired(_ timer: TimerHandle, userData: UInt64) {
        let expired = replies.withLock {
            $0.expire(nowMs: Monotonic.nowMs, waitMs: settings.replyTimeoutMs, keepMs: 60_000)
        }
        for (_, waiter) in expired { waiter.timeOut() }
    }

    func stop() {
        try? context.timers.cancel(sweeper)
    }
}
