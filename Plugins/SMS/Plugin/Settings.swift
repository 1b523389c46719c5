import Glibc
import SMSCore
import SwitchboardSDK

/// The instance's settings, read once at start.
struct SMSSettings: Sendable {
    var accountSID: String
    var authToken: String
    var apiBase: String
    var publicBaseURL: String
    var unknownSenderReply: String
    /// How long a deactivated sitter's number is held before it is quarantined.
    var holdMillis: Millis
    /// The quarantine period that follows the hold.
    var quarantineDays: Int

    static let defaultUnknownReply = "Sorry, this number does not recognise you. Please contact us through our main number."

    init(_ config: InstanceConfig) {
        func text(_ name: String) -> String? {
            config.secrets[name]?.stringValue ?? config.settings[name]?.stringValue
        }
        accountSID = text("account_sid") ?? ""
        authToken = text("auth_token") ?? ""
        apiBase = text("api_base") ?? "https://api.twilio.com"
        publicBaseURL = text("public_base_url") ?? ""
        unknownSenderReply = text("unknown_sender_reply") ?? Self.defaultUnknownReply
        let holdDays = config.settings["sitter_number_hold_days"]?.doubleValue ?? 30
        holdMillis = Millis(holdDays * Double(QuarantinePeriod.dayMillis))
        quarantineDays = Int(config.settings["quarantine_default_days"]?.intValue ?? Int64(QuarantinePeriod.defaultDays))
    }

    /// Where Twilio posts status callbacks for this instance.
    func statusCallback(instance: String) -> String? {
        guard !publicBaseURL.isEmpty else { return nil }
        return TwilioSignature.signedURL(publicBase: publicBaseURL, path: "/webhook/sms/\(instance)/status", query: "")
    }

    static let schema = #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "title": "SMS channel (masked numbers, Twilio wire format)",
          "type": "object",
          "properties": {
            "account_sid": {"type": "string", "description": "Twilio (or compatible) account SID"},
            "auth_token": {"type": "string", "writeOnly": true, "description": "Auth token: signs webhooks and authenticates sends (secret)"},
            "api_base": {"type": "string", "format": "uri", "default": "https://api.twilio.com", "description": "Base URL of the provider's REST API"},
            "public_base_url": {"type": "string", "format": "uri", "description": "The base URL the provider sees for this host (signatures are computed over it)"},
            "unknown_sender_reply": {"type": "string", "description": "Reply to senders who are neither clients nor sitters"},
            "sitter_number_hold_days": {"type": "number", "minimum": 0, "default": 30, "description": "Days a deactivated sitter's number is held before quarantine"},
            "quarantine_default_days": {"type": "integer", "minimum": 1, "default": 90, "description": "Quarantine period after a hold ends, in days"}
          },
          "additionalProperties": false
        }
        """#
}

/// Wall-clock time in Unix milliseconds.
enum Clock {
    static func now() -> Millis {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Millis(ts.tv_sec) * 1000 + Millis(ts.tv_nsec) / 1_000_000
    }

    /// A monotonic clock in nanoseconds, for measuring.
    static func monotonicNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
