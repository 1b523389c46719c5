import SwitchboardSDK

/// The Messages resource of Twilio's REST API (2010-04-01), as plain data: the request to make and
/// what its answer means.
public enum TwilioMessages {
    /// What sending one message needs.
    public struct Send: Sendable, Equatable {
        public var apiBase: String
        public var accountSID: String
        public var authToken: String
        public var to: String
        public var from: String
        public var body: String
        public var statusCallback: String?

        public init(
            apiBase: String, accountSID: String, authToken: String, to: String, from: String, body: String,
            statusCallback: String?
        ) {
            self.apiBase = apiBase
            self.accountSID = accountSID
            self.authToken = authToken
            self.to = to
            self.from = from
            self.body = body
            self.statusCallback = statusCallback
        }

        /// POST {api_base}/2010-04-01/Accounts/{AccountSid}/Messages.json
        public var url: String {
            var base = apiBase
            while base.hasSuffix("/") { base.removeLast() }
            return base + "/2010-04-01/Accounts/" + FormURLEncoded.escape(accountSID) + "/Messages.json"
        }

        /// "Basic base64(sid:token)".
        public var authorization: String { "Basic " + Base64.encode(Array("\(accountSID):\(authToken)".utf8)) }

        /// The form body: To, From, Body, StatusCallback.
        public var form: String {
            var pairs = [("To", to), ("From", from), ("Body", body)]
            if let statusCallback { pairs.append(("StatusCallback", statusCallback)) }
            return FormURLEncoded.encode(pairs)
        }
    }

    /// What an answer of the Messages resource means.
    public enum Outcome: Sendable, Equatable {
        /// Created: Twilio's message sid and status.
        case accepted(sid: String, status: String)
        /// Refused for good (4xx): Twilio's code and message.
        case refused(status: Int, code: Int64?, message: String)
        /// Try again later (5xx, 429, or a 2xx without a sid).
        case retry(status: Int, message: String)
    }

    /// Classify an HTTP answer.
    public static func outcome(status: Int, body: [UInt8]) -> Outcome {
        let json = try? JSONValue(parsing: body)
        let message = json?["message"]?.stringValue ?? "HTTP \(status)"
        switch status {
        case 200...299:
            guard let sid = json?["sid"]?.stringValue, !sid.isEmpty else {
                return .retry(status: status, message: "answer without a message sid")
            }
            return .accepted(sid: sid, status: json?["status"]?.stringValue ?? "queued")
        case 429, 408:
            return .retry(status: status, message: message)
        case 400...499:
            return .refused(status: status, code: json?["code"]?.intValue, message: message)
        default:
            return .retry(status: status, message: message)
        }
    }
}
