import EvolutionCore
import Synchronization
import SwitchboardSDK

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One Evolution instance: its webhooks in, its sends out.
final class EvolutionInstance: ChannelInstance {
    let context: InstanceContext
    let settings: EvolutionSettings
    let ledger: Ledger
    /// The channel state, loaded from storage on first use; updates are serialised here.
    let state = Mutex<ChannelState?>(nil)
    let sendSlots: SendSlots

    init(context: InstanceContext, sendSlots: SendSlots) {
        self.context = context
        self.sendSlots = sendSlots
        self.settings = EvolutionSettings(settings: context.config.settings, instanceName: context.config.instance)
        self.ledger = Ledger(kv: context.kv, instance: context.config.instance)
    }

    func handle(_ request: HTTPRequest, _ response: HTTPResponder) throws -> ResponseDisposition {
        switch request.route {
        case EvolutionPlugin.health:
            try response.send(
                status: 200,
                json: ["status": "ok", "plugin": "evolution", "instance": .string(context.config.instance)])
        case EvolutionPlugin.legacyWebhook, EvolutionPlugin.webhook:
            try webhook(request, response, pathEvent: nil)
        case EvolutionPlugin.eventWebhook:
            try webhook(request, response, pathEvent: String(request.subpath.dropFirst()))
        default:
            try response.send(status: 404, json: ["error": "not found"])
        }
        return .answered
    }

    /// Authenticate, parse, act on every item, then answer: 200 once everything is stored.
    func webhook(_ request: HTTPRequest, _ response: HTTPResponder, pathEvent: String?) throws {
        let authenticator = WebhookAuthenticator(settings)
        let envelope: WebhookEnvelope
        do {
            try authenticator.checkToken(authorization: request.header("authorization"), now: Self.now())
            envelope = try WebhookEnvelope.parse(request.body, pathEvent: pathEvent)
            try authenticator.checkAPIKey(envelope.apiKey)
        } catch let error as AuthError {
            context.log(.warning, "webhook refused: \(error.code)")
            context.metrics.counter("evolution_webhooks_refused")
            return try response.send(status: 401, json: error.json)
        } catch let error as PayloadError {
            context.log(.info, "webhook not understood: \(error.code) \(error.field)")
            return try response.send(status: 422, json: error.json)
        }
        let decisions = WebhookInterpreter(groups: settings.groups).decide(envelope) { probe in
            (try? ledger.isOwn(probe)) ?? false
        }
        if let rejected = Self.onlyRejections(decisions) {
            context.log(.info, "webhook not understood: \(rejected.code) \(rejected.field)")
            return try response.send(status: 422, json: rejected.json)
        }
        var results: [JSONValue] = []
        for decision in decisions {
            do {
                results.append(try act(decision, envelope))
            } catch let error as PluginError where error.code == .invalidArgument || error.code == .tooLarge {
                // The host refused the message itself (too large, malformed): retrying cannot help.
                context.log(.info, "\(envelope.event.name) refused by the host: \(error.code)")
                return try response.send(
                    status: 422, json: ["error": "invalid_message", "field": "data", "detail": .string(error.message)])
            } catch {
                context.log(.error, "\(envelope.event.name) not stored: \(error)")
                return try response.send(
                    status: 503, json: ["error": "unavailable", "detail": "the message could not be stored; retry"])
            }
        }
        try response.send(status: 200, json: ["event": .string(envelope.event.name), "results": .array(results)])
    }

    /// The first rejection when every decision is one (a partly understood batch is processed).
    static func onlyRejections(_ decisions: [Decision]) -> PayloadError? {
        var first: PayloadError?
        for decision in decisions {
            guard case .reject(let error) = decision else { return nil }
            first = first ?? error
        }
        return first
    }

    /// Carry out one decision; returns its entry of the answer's `results`.
    func act(_ decision: Decision, _ envelope: WebhookEnvelope) throws -> JSONValue {
        switch decision {
        case .ingest(let inbound):
            return try deliver(inbound, fromHuman: false)
        case .humanReply(let inbound):
            return try deliver(inbound, fromHuman: true)
        case .ownEcho(let id):
            try? ledger.recordSent(id: id, messageID: nil)
            return ["outcome": "own_echo"]
        case .status(let id, let status):
            return report(id, status)
        case .connection(let update):
            try publish(envelope) { $0.apply(update, at: envelope.dateTime) }
            context.log(.info, "connection \(update.state) (reason \(update.reason.map(String.init) ?? "none"))")
            return ["outcome": "connection", "connection": .string(update.state)]
        case .qr(let code):
            try publish(envelope) { $0.apply(code, at: envelope.dateTime) }
            context.log(.info, code.error == nil ? "new pairing QR code" : "no more QR codes: pairing stopped")
            return ["outcome": "qr"]
        case .ignore(let reason):
            return ["outcome": "ignored", "reason": .string(reason)]
        case .reject(let error):
            return ["outcome": "rejected", "error": error.json]
        }
    }

    /// Hand a message to the conversation core (durable on return; redeliveries are duplicates).
    func deliver(_ inbound: InboundText, fromHuman: Bool) throws -> JSONValue {
        let receipt = try context.deliverInbound(inbound.message(fromHuman: fromHuman))
        context.metrics.counter(fromHuman ? "evolution_human_replies" : "evolution_inbound_messages")
        return [
            "outcome": fromHuman ? "human_reply" : "accepted", "message_id": .string(receipt.messageID),
            "duplicate": .bool(receipt.duplicate), "reply_queued": .bool(receipt.replyQueued),
        ]
    }

    /// Report delivery progress; a message this instance never sent is ignored.
    func report(_ id: String, _ status: DeliveryStatus) -> JSONValue {
        do {
            try context.reportStatus(externalID: id, status: status)
            return ["outcome": "status", "status": .string(status.rawValue)]
        } catch let error as PluginError where error.code == .notFound {
            return ["outcome": "ignored", "reason": "not a message this channel sent"]
        } catch {
            context.log(.warning, "status report failed: \(error)")
            return ["outcome": "ignored", "reason": "status report failed"]
        }
    }

    /// Change the channel state, keep it, and show it to operators.
    func publish(_ envelope: WebhookEnvelope, _ change: (inout ChannelState) -> Void) throws {
        try state.withLock { current in
            var next = try current ?? ledger.channelState()
            change(&next)
            try ledger.saveChannelState(next)
            current = next
            try context.publishStatus(next.json)
        }
    }

    func send(_ message: OutboundMessage) throws -> SendResult {
        try EvolutionSender(context: context, settings: settings, ledger: ledger, slots: sendSlots).send(message)
    }

    /// Unix seconds.
    static func now() -> Int64 { Int64(time(nil)) }
}
