// Greeter: a small but complete Switchboard channel plugin written with the Swift SDK.
//   GET  /webhook/greeter/{instance}/hello    200 {"greeting": "...", "instance": "..."}
//   POST /webhook/greeter/{instance}/inbound  {"id", "from", "text"} -> delivered to the conversation core
//   on_send: records the message in the plugin's SQL table and answers {"external_id": "greeter-<n>"}
import Synchronization
import SwitchboardSDK

// The one exported symbol. Everything else is the SDK's job.
@_cdecl("switchboard_plugin_entry")
public func entry(_ major: UInt16, _ minor: UInt16, _ err: PluginEntryError) -> PluginEntryResult {
    exportPlugin(GreeterPlugin.self, major, minor, err)
}

final class GreeterPlugin: ChannelPlugin {
    static let hello = Route("GET", "/hello")
    static let inbound = Route("POST", "/inbound")

    static let descriptor = PluginDescription(
        name: "greeter",
        version: "1.0.0",
        settingsSchema: #"""
            {"type": "object",
             "properties": {"greeting": {"type": "string", "minLength": 1, "default": "hello"}},
             "additionalProperties": false}
            """#,
        routes: [hello, inbound],
        migrations: [
            Migration(name: "001_sent", sql: "CREATE TABLE sent (recipient TEXT NOT NULL, text TEXT NOT NULL)")
        ])

    init(host: PluginHost) {
        host.log(.info, "greeter loaded")
    }

    func startInstance(_ context: InstanceContext) throws -> any ChannelInstance {
        GreeterInstance(context: context, greeting: context.config.settings["greeting"]?.stringValue ?? "hello")
    }
}

final class GreeterInstance: ChannelInstance {
    let context: InstanceContext
    let greeting: String
    let sentCount = Atomic<Int>(0)  // hooks run concurrently: shared state must be thread-safe

    init(context: InstanceContext, greeting: String) {
        self.context = context
        self.greeting = greeting
    }

    func handle(_ request: HTTPRequest, _ response: HTTPResponder) throws -> ResponseDisposition {
        switch request.route {
        case GreeterPlugin.hello:
            try response.send(
                status: 200, json: ["greeting": .string(greeting), "instance": .string(context.config.instance)])
        case GreeterPlugin.inbound:
            let body = try JSONValue(parsing: request.body)  // malformed JSON throws: the host answers 500
            guard let id = body["id"]?.stringValue, let from = body["from"]?.stringValue,
                let text = body["text"]?.stringValue
            else {
                try response.send(status: 400, json: ["error": "id, from and text are required"])
                return .answered
            }
            let receipt = try context.deliverInbound(InboundMessage(externalID: id, from: from, text: text))
            try response.send(
                status: 202,
                json: ["conversation_id": .string(receipt.conversationID), "duplicate": .bool(receipt.duplicate)])
        default:
            try response.send(status: 404, json: ["error": "not found"])
        }
        return .answered
    }

    func send(_ message: OutboundMessage) throws -> SendResult {
        try context.sql.execute(
            "INSERT INTO sent (recipient, text) VALUES (?1, ?2)", [.text(message.to), .text(message.text)])
        context.metrics.counter("greetings_sent")
        let n = sentCount.add(1, ordering: .relaxed).newValue
        return SendResult(externalID: "greeter-\(n)")
    }

    // The greeting is read once at start; accept changes by restarting (the default would do the
    // same: it throws .unsupported). Shown here to name the hook.
    func configurationChanged(_ config: InstanceConfig) throws {
        throw PluginError(.unsupported, "restart to apply a new greeting")
    }

    func stop() {
        context.log(.info, "greeter instance stopping after \(sentCount.load(ordering: .relaxed)) messages")
    }
}
