import EvolutionCore
import SwitchboardSDK

/// What this instance remembers in the host's key-value store (scoped to tenant and plugin, so
/// every key starts with the instance name): the ids of messages it sent, the send of each
/// outbox message, the sends in flight (to recognise an echo that beats the send's answer) and
/// the channel state operators see.
struct Ledger: Sendable {
    let kv: KeyValueStore
    let prefix: String

    /// Sent ids and outbox mappings: long enough for any delivery report or redelivery.
    static let sentTTL: UInt64 = 30 * 24 * 3600 * 1000
    /// A send in flight: its echo arrives within seconds.
    static let inFlightTTL: UInt64 = 5 * 60 * 1000

    init(kv: KeyValueStore, instance: String) {
        self.kv = kv
        self.prefix = instance + "/"
    }

    /// Evolution's id of the outbox message `messageID`, when it was sent already.
    func sentID(forMessage messageID: String) throws -> String? {
        try kv.getString(prefix + "out/" + messageID)
    }

    /// Remember a send: its id (to ignore its echoes) and, with an outbox id, the mapping.
    func recordSent(id: String, messageID: String?) throws {
        try kv.put(prefix + "sent/" + id, messageID ?? "", ttlMs: Self.sentTTL)
        if let messageID { try kv.put(prefix + "out/" + messageID, id, ttlMs: Self.sentTTL) }
    }

    /// Note a send about to start, under its contact and text.
    func recordInFlight(contact: String, text: String) throws {
        try kv.put(prefix + "flight/" + Self.digest(contact, text), "1", ttlMs: Self.inFlightTTL)
        try kv.put(prefix + "flight/" + Self.digest("", text), "1", ttlMs: Self.inFlightTTL)
    }

    /// Whether a `fromMe` message is ours: a remembered id, or a send in flight with the same
    /// contact and text (by text alone for a LID chat, whose address may differ from the one we sent to).
    func isOwn(_ probe: EchoProbe) throws -> Bool {
        if try kv.get(prefix + "sent/" + probe.id) != nil { return true }
        if try kv.get(prefix + "flight/" + Self.digest(probe.contact, probe.text)) != nil { return true }
        guard probe.lidChat else { return false }
        return try kv.get(prefix + "flight/" + Self.digest("", probe.text)) != nil
    }

    /// The channel state last published.
    func channelState() throws -> ChannelState {
        guard let bytes = try kv.get(prefix + "state"), let json = try? JSONValue(parsing: bytes) else {
            return ChannelState()
        }
        return ChannelState(json: json)
    }

    func saveChannelState(_ state: ChannelState) throws {
        try kv.put(prefix + "state", state.json.jsonBytes)
    }

    /// A key for (contact, text) that holds neither.
    static func digest(_ contact: String, _ text: String) -> String {
        hexString(Array(SHA256.hash(Array((contact + "\n" + text).utf8)).prefix(16)))
    }
}
