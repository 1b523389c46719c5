/// A sitter's open window with the client it serves.
public struct SitterWindow: Sendable, Equatable {
    public var booking: Booking
    public var client: Client

    public init(booking: Booking, client: Client) {
        self.booking = booking
        self.client = client
    }
}

/// Who sent an inbound text, as far as the tenant's records tell.
public struct InboundSituation: Sendable {
    /// The sender's phone.
    public var from: String
    /// The masked number that received it.
    public var to: MaskedNumber?
    /// The client whose phone sent it, if any.
    public var client: Client?
    /// The client's open windows (with sitter numbers).
    public var clientWindows: [AssignmentWindow]
    /// The sitter whose personal phone sent it, if any.
    public var sitter: Sitter?
    /// That sitter's open windows.
    public var sitterWindows: [SitterWindow]
    public var now: Millis

    public init(
        from: String, to: MaskedNumber?, client: Client? = nil, clientWindows: [AssignmentWindow] = [],
        sitter: Sitter? = nil, sitterWindows: [SitterWindow] = [], now: Millis
    ) {
        self.from = from
        self.to = to
        self.client = client
        self.clientWindows = clientWindows
        self.sitter = sitter
        self.sitterWindows = sitterWindows
        self.now = now
    }
}

/// Where an inbound text goes.
public enum InboundAction: Sendable, Equatable {
    /// Relay to the sitter's personal phone from the sitter's masked number.
    case relayToSitter(sitter: Sitter, from: MaskedNumber, bookingID: Int64, client: Client)
    /// Into the conversation core on the client's thread.
    case conversation(client: Client)
    /// Relay to the client; the from-number is chosen by the outbound router at send time.
    case relayToClient(client: Client, sitter: Sitter, bookingID: Int64)
    /// Held for the front desk (a sitter's text that cannot be attributed to one client).
    case frontDesk(sitter: Sitter)
    /// Nobody the tenant knows: answer with the configured reply, relay nothing.
    case unknownSender
}

/// The inbound decision with its trace.
public struct InboundDecision: Sendable, Equatable {
    public var action: InboundAction
    public var trace: String
}

/// Decides where an inbound text goes.
public enum InboundRouter {
    public static func decide(_ s: InboundSituation) -> InboundDecision {
        if let sitter = s.sitter, s.client == nil || s.to?.assignedSitterID == sitter.id {
            return fromSitter(sitter, s)
        }
        if let client = s.client { return fromClient(client, s) }
        return InboundDecision(action: .unknownSender, trace: "Unknown sender - answered with the unknown-sender reply, nothing relayed")
    }

    private static func fromClient(_ client: Client, _ s: InboundSituation) -> InboundDecision {
        let open = s.clientWindows.filter { $0.booking.windowIsActive(at: s.now) }
            .sorted { ($0.booking.start, $0.booking.id) > ($1.booking.start, $1.booking.id) }
        if let window = open.first(where: \.isUsable), let number = window.number {
            let trace = "Client \(client.name) (#\(client.id)) during the active assignment window of booking "
                + "\(window.booking.id) - relayed to sitter \(window.sitter.name) (#\(window.sitter.id)) from "
                + "sitter number \(number.e164), until \(Timestamp.format(window.booking.end))"
            return InboundDecision(
                action: .relayToSitter(sitter: window.sitter, from: number, bookingID: window.booking.id, client: client),
                trace: trace)
        }
        let why = open.isEmpty ? "no active window" : "active window without a usable sitter number"
        return InboundDecision(
            action: .conversation(client: client),
            trace: "Client \(client.name) (#\(client.id)), \(why) - delivered to the conversation")
    }

    private static func fromSitter(_ sitter: Sitter, _ s: InboundSituation) -> InboundDecision {
        guard sitter.active, s.to?.assignedSitterID == sitter.id, s.to?.role == .sitter else {
            let why = !sitter.active ? "is not active" : "wrote to a number that is not theirs"
            return InboundDecision(
                action: .frontDesk(sitter: sitter),
                trace: "Sitter \(sitter.name) (#\(sitter.id)) \(why) - held for the front desk")
        }
        let open = s.sitterWindows.filter { $0.booking.windowIsActive(at: s.now) }
        switch open.count {
        case 1:
            let window = open[0]
            return InboundDecision(
                action: .relayToClient(client: window.client, sitter: sitter, bookingID: window.booking.id),
                trace: "Sitter \(sitter.name) (#\(sitter.id)) with one active window (booking \(window.booking.id)) "
                    + "- relayed to client \(window.client.name) (#\(window.client.id))")
        case 0:
            return InboundDecision(
                action: .frontDesk(sitter: sitter),
                trace: "Sitter \(sitter.name) (#\(sitter.id)) has no active window - held for the front desk")
        default:
            let bookings = open.map { "booking \($0.booking.id) (client #\($0.client.id))" }.joined(separator: ", ")
            return InboundDecision(
                action: .frontDesk(sitter: sitter),
                trace: "Ambiguous: sitter \(sitter.name) (#\(sitter.id)) has \(open.count) active windows - "
                    + "\(bookings) - held for the front desk")
        }
    }
}
