import EvolutionCore
import SwitchboardSDK

/// Sends one outbox message with `POST /message/sendText/{instance}`, at most once per `message_id`.
struct EvolutionSender {
    let context: InstanceContext
    let settings: EvolutionSettings
    let ledger: Ledger
    let slots: SendSlots

    /// Time allowed for Evolution to answer, on top of the typing delay it waits before sending.
    static let timeoutMs: Int64 = 20_000

    func send(_ message: OutboundMessage) throws -> SendResult {
        guard let url = settings.sendTextURL else {
            throw PluginError(.invalidArgument, "evolution_url is not set for this instance")
        }
        let number = evolutionNumber(message.to)
        guard !number.isEmpty else { throw PluginError(.invalidArgument, "the recipient has no WhatsApp number") }
        if let messageID = message.messageID, let id = try ledger.sentID(forMessage: messageID) {
            return SendResult(externalID: id)
        }
        guard slots.acquire() else {
            context.metrics.counter("evolution_send_deferred")
            throw PluginError(.unavailable, "\(slots.limit) sends to Evolution already in flight; will retry")
        }
        defer { slots.release() }
        try ledger.recordInFlight(contact: message.to, text: message.text)
        let body = SendText.body(settings.apiVersion, number: number, text: message.text, delayMs: settings.typingDelayMs)
        var headers = [HTTPHeader("content-type", "application/json"), HTTPHeader("accept", "application/json")]
        if !settings.apiKey.isEmpty { headers.append(HTTPHeader("apikey", settings.apiKey)) }
        let response: HTTPFetchResponse
        do {
            response = try context.http.fetch(
                HTTPFetchRequest(
                    method: "POST", url: url, headers: headers, body: body.jsonBytes,
                    timeoutMs: UInt32(min(Self.timeoutMs + settings.typingDelayMs, 300_000))))
        } catch let error as PluginError {
            context.metrics.counter("evolution_send_retries")
            throw PluginError(
                error.code == .timeout ? .timeout : .io, "Evolution did not answer (\(error.code)); will retry")
        }
        return try outcome(response, messageID: message.messageID)
    }

    /// Turn Evolution's answer into a result, or a permanent or retryable error.
    func outcome(_ response: HTTPFetchResponse, messageID: String?) throws -> SendResult {
        switch SendText.outcome(status: response.status, body: response.body) {
        case .sent(let id):
            try ledger.recordSent(id: id, messageID: messageID)
            context.metrics.counter("evolution_messages_sent")
            return SendResult(externalID: id)
        case .refused(let status, let reason):
            context.log(.warning, "send refused by Evolution (\(status))")
            context.metrics.counter("evolution_send_refused")
            throw PluginError(Self.code(status), reason)
        case .retry(let status, let reason):
            context.log(.warning, "send failed at Evolution (\(status)); will retry")
            context.metrics.counter("evolution_send_retries")
            throw PluginError(.unavailable, reason)
        }
    }

    /// The permanent error code of a 4xx.
    static func code(_ status: Int) -> PluginError.Code {
        switch status {
        case 401, 403: .denied
        case 404: .notFound
        case 413: .tooLarge
        default: .invalidArgument
        }
    }
}
