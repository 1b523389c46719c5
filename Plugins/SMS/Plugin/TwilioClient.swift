import SMSCore
import SwitchboardSDK

/// Sends messages through the provider's Messages resource over the host's HTTP client.
struct TwilioClient: Sendable {
    let http: HTTPClient
    let settings: SMSSettings
    let instance: String

    /// Account and token are set.
    var isConfigured: Bool { !settings.accountSID.isEmpty && !settings.authToken.isEmpty }

    /// POST one message; network failures are a `.retry` outcome, never a throw.
    func send(to: String, from: String, body: String) -> TwilioMessages.Outcome {
        let request = TwilioMessages.Send(
            apiBase: settings.apiBase, accountSID: settings.accountSID, authToken: settings.authToken, to: to, from: from,
            body: body, statusCallback: settings.statusCallback(instance: instance))
        do {
            let response = try http.fetch(
                HTTPFetchRequest(
                    method: "POST", url: request.url,
                    headers: [
                        HTTPHeader("Authorization", request.authorization),
                        HTTPHeader("Content-Type", "application/x-www-form-urlencoded"),
                        HTTPHeader("Accept", "application/json"),
                    ],
                    body: Array(request.form.utf8), timeoutMs: 15_000))
            return TwilioMessages.outcome(status: response.status, body: response.body)
        } catch let error as PluginError {
            return .retry(status: 0, message: "\(error.code)")
        } catch {
            return .retry(status: 0, message: "network error")
        }
    }
}

extension TwilioMessages.Outcome {
    /// A log-safe one-line summary (no numbers, no bodies).
    var summary: String {
        switch self {
        case .accepted(_, let status): "accepted (\(status))"
        case .refused(let status, let code, let message):
            "refused: HTTP \(status)\(code.map { " code \($0)" } ?? ""): \(Redact.phoneNumbers(message))"
        case .retry(let status, let message): "retryable: \(status == 0 ? "no answer" : "HTTP \(status)"): \(Redact.phoneNumbers(message))"
        }
    }
}
