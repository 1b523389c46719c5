import SwitchboardSDK

/// Twilio message statuses, ordered so that a status only moves forward.
public enum MessageProgress: String, Sendable, CaseIterable {
    case accepted, scheduled, queued, sending, sent, receiving, received, delivered, undelivered, failed, read, canceled

    /// queued < sending < sent < delivered / undelivered / failed < read.
    public var rank: Int {
        switch self {
        case .accepted, .scheduled: 0
        case .queued: 1
        case .sending: 2
        case .sent: 3
        case .receiving, .received: 3
        case .delivered, .undelivered, .failed, .canceled: 4
        case .read: 5
        }
    }

    /// True when `next` may replace `current` (a later or first status); stale callbacks are ignored.
    public static func advances(from current: MessageProgress?, to next: MessageProgress) -> Bool {
        guard let current else { return true }
        return next.rank > current.rank
    }

    /// The host's delivery status for it, if it reports one.
    public var deliveryStatus: DeliveryStatus? {
        switch self {
        case .sent: .sent
        case .delivered: .delivered
        case .read: .read
        case .undelivered, .failed, .canceled: .failed
        default: nil
        }
    }
}

/// TwiML answers.
public enum TwiML {
    /// The empty answer: accepted, nothing to send back.
    public static let empty = #"<?xml version="1.0" encoding="UTF-8"?><Response/>"#

    /// An answer that texts `body` back to the sender.
    public static func message(_ body: String) -> String {
        #"<?xml version="1.0" encoding="UTF-8"?><Response><Message>"# + escape(body) + "</Message></Response>"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }
}
