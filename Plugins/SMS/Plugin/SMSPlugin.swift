// The SMS channel: masked numbers for a service business, over Twilio's wire format.
// The rules live in SMSCore; this target wires them to the SDK (routes, storage, sends, timers).
import SMSCore
import SwitchboardSDK

@_cdecl("switchboard_plugin_entry")
public func switchboardPluginEntry(_ major: UInt16, _ minor: UInt16, _ err: PluginEntryError) -> PluginEntryResult {
    exportPlugin(SMSPlugin.self, major, minor, err)
}

final class SMSPlugin: ChannelPlugin {
    static let descriptor = PluginDescription(
        name: "sms", version: "1.0.0", settingsSchema: SMSSettings.schema, routes: Routes.all,
        migrations: Schema.migrations)

    init(host: PluginHost) {}

    func startInstance(_ context: InstanceContext) throws -> any ChannelInstance {
        let instance = SMSInstance(context: context)
        try instance.start()
        return instance
    }
}

/// One SMS instance of a tenant.
final class SMSInstance: ChannelInstance {
    /// Timer user data: the periodic sweep and the one-shot outbox kick.
    static let sweepTimer: UInt64 = 1
    static let kickTimer: UInt64 = 2
    static let sweepIntervalMs: UInt64 = 2000

    let context: InstanceContext
    let settings: SMSSettings
    let store: Store
    let masking: Masking
    let outbox: Outbox
    let twilio: TwilioClient

    init(context: InstanceContext) {
        self.context = context
        settings = SMSSettings(context.config)
        store = Store(sql: context.sql)
        masking = Masking(store: store, settings: settings)
        twilio = TwilioClient(http: context.http, settings: settings, instance: context.config.instance)
        let log: @Sendable (LogLevel, String) -> Void = { [context] in context.log($0, $1) }
        outbox = Outbox(store: store, masking: masking, twilio: twilio, log: log)
    }

    func start() throws {
        try context.timers.start(delayMs: 500, intervalMs: Self.sweepIntervalMs, userData: Self.sweepTimer)
        if !twilio.isConfigured { context.log(.warning, "account_sid or auth_token not set: sends will wait") }
    }

    func handle(_ request: HTTPRequest, _ response: HTTPResponder) throws -> ResponseDisposition {
        switch request.route {
        case Routes.health:
            try response.send(
                status: 200, json: ["status": "ok", "plugin": "sms", "instance": .string(context.config.instance)])
        case Routes.inbound:
            try inbound(request, response)
        case Routes.status:
            try statusCallback(request, response)
        case let route? where route.mount == .tenantAPI:
            try tenantAPI(route, request, response)
        default:
            try response.send(status: 404, json: ["error": "not found"])
        }
        return .answered
    }

    /// Send a relay or staff text soon, on a timer thread (the webhook has answered by then).
    func kickOutbox() {
        _ = try? context.timers.start(delayMs: 0, userData: Self.kickTimer)
    }

    func timerFired(_ timer: TimerHandle, userData: UInt64) {
        let now = Clock.now()
        do {
            if userData == Self.sweepTimer { try masking.sweep(now: now) }
            try outbox.deliverDue(now: now)
        } catch {
            context.log(.warning, "timer work failed: \(error)")
        }
    }

    /// A reply from the conversation core (assistant or staff): from-number chosen now, trace stored,
    /// idempotent by message_id.
    func send(_ message: OutboundMessage) throws -> SendResult {
        guard twilio.isConfigured else { throw PluginError(.unavailable, "account_sid and auth_token are not configured") }
        let messageID = message.messageID ?? ""
        if !messageID.isEmpty,
            let sid = try store.sql.query("SELECT sid FROM sends WHERE message_id = ?1", [.text(messageID)])
                .value(0, "sid")?.stringValue
        {
            return SendResult(externalID: sid)
        }
        guard E164.isValid(message.to) else { throw PluginError(.invalidArgument, "the recipient is not an E.164 number") }
        guard !message.text.isEmpty else { throw PluginError(.invalidArgument, "empty message") }
        let now = Clock.now()
        let (decision, _) = try masking.routeOutbound(to: message.to, ref: "message:\(messageID)", now: now)
        guard let from = decision.from else { throw PluginError(.unavailable, "no pool or front desk number is active") }
        let outcome = twilio.send(to: message.to, from: from.e164, body: message.text)
        switch outcome {
        case .accepted(let sid, let status):
            if !messageID.isEmpty {
                try store.sql.execute(
                    """
                    INSERT INTO sends (message_id, sid, from_number, progress, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
                    ON CONFLICT (message_id) DO UPDATE SET sid = excluded.sid, from_number = excluded.from_number
                    """, [.text(messageID), .text(sid), .text(from.e164), .text(status), .integer(now)])
            }
            context.metrics.counter("sms_sent")
            return SendResult(externalID: sid, status: .sent)
        case .refused:
            throw PluginError(.invalidArgument, outcome.summary)
        case .retry:
            throw PluginError(.unavailable, outcome.summary)
        }
    }
}
