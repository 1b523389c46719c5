// Evolution API domain rules as plain types: webhook payloads, addressing, send bodies.
// No I/O here: the plugin target does the HTTP and storage.
import SwitchboardSDK

/// The body shapes of Evolution's REST API: `v1` (1.x servers) or `v2` (2.x servers).
public enum APIVersion: String, Sendable, Equatable {
    case v1
    case v2
}

/// What to do with messages written in WhatsApp groups.
public enum GroupPolicy: String, Sendable, Equatable {
    case ignore
    case answer
}

/// One instance's Evolution settings (seed 004's InstanceConfig), read from the host's settings.
public struct EvolutionSettings: Sendable, Equatable {
    /// Base URL of the Evolution server, without a trailing slash ("" when unset).
    public var baseURL: String
    /// The Evolution API key (header `apikey`), "" when unset.
    public var apiKey: String
    /// The instance name on the Evolution server.
    public var whatsappInstance: String
    public var apiVersion: APIVersion
    /// HS256 secret of the Bearer token Evolution signs with its webhook `jwt_key`, "" when unset.
    public var jwtSecret: String
    public var groups: GroupPolicy
    /// Evolution's own "typing…" delay before each answer, in milliseconds.
    public var typingDelayMs: Int64

    public init(
        baseURL: String = "", apiKey: String = "", whatsappInstance: String = "", apiVersion: APIVersion = .v2,
        jwtSecret: String = "", groups: GroupPolicy = .ignore, typingDelayMs: Int64 = 0
    ) {
        self.baseURL = Self.trimmingSlashes(baseURL)
        self.apiKey = apiKey
        self.whatsappInstance = whatsappInstance
        self.apiVersion = apiVersion
        self.jwtSecret = jwtSecret
        self.groups = groups
        self.typingDelayMs = typingDelayMs
    }

    /// Read from the host's merged settings object (secrets included). `instanceName` is the
    /// Switchboard instance's name, used when `whatsapp_instance` is unset.
    public init(settings: JSONValue, instanceName: String) {
        func text(_ key: String) -> String { settings[key]?.stringValue ?? "" }
        let instance = text("whatsapp_instance")
        self.init(
            baseURL: text("evolution_url"), apiKey: text("evolution_key"),
            whatsappInstance: instance.isEmpty ? instanceName : instance,
            apiVersion: APIVersion(rawValue: text("api_version")) ?? .v2, jwtSecret: text("webhook_jwt_secret"),
            groups: GroupPolicy(rawValue: text("groups")) ?? .ignore,
            typingDelayMs: max(0, settings["typing_delay_ms"]?.intValue ?? 0))
    }

    /// `{evolution_url}/message/sendText/{whatsapp_instance}`, or nil when no server is configured.
    public var sendTextURL: String? {
        guard !baseURL.isEmpty, !whatsappInstance.isEmpty else { return nil }
        return baseURL + "/message/sendText/" + percentEncodedSegment(whatsappInstance)
    }

    private static func trimmingSlashes(_ url: String) -> String {
        var url = Substring(url)
        while url.hasSuffix("/") { url = url.dropLast() }
        return String(url)
    }
}

/// `segment` with everything but unreserved URL characters percent-encoded.
func percentEncodedSegment(_ segment: String) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    for byte in segment.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
            UInt8(ascii: "~"):
            out.append(byte)
        default:
            out.append(UInt8(ascii: "%"))
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 15)])
        }
    }
    return String(decoding: out, as: UTF8.self)
}
