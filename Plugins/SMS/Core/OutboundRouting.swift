/// An open assignment window on a client's thread: the booking, its sitter and the sitter's number.
public struct AssignmentWindow: Sendable, Equatable {
    public var booking: Booking
    public var sitter: Sitter
    /// The sitter's dedicated number, if it has one.
    public var number: MaskedNumber?

    public init(booking: Booking, sitter: Sitter, number: MaskedNumber?) {
        self.booking = booking
        self.sitter = sitter
        self.number = number
    }

    /// The sitter is active and their number can carry traffic.
    public var isUsable: Bool { sitter.active && number?.isRoutable == true }
}

/// What the router knows at send time about one client's thread.
public struct OutboundSituation: Sendable {
    /// Windows open now (callers pass only active ones; the router re-checks at `now`).
    public var windows: [AssignmentWindow]
    /// Pool numbers of the tenant (any status; the router skips unroutable ones).
    public var pool: [MaskedNumber]
    /// Front desk numbers of the tenant.
    public var frontDesk: [MaskedNumber]
    /// The thread's sticky pool number.
    public var stickyPoolID: Int64?
    /// How many threads stick to each pool number (spreads new threads).
    public var poolLoad: [Int64: Int]
    public var now: Millis

    public init(
        windows: [AssignmentWindow] = [], pool: [MaskedNumber] = [], frontDesk: [MaskedNumber] = [],
        stickyPoolID: Int64? = nil, poolLoad: [Int64: Int] = [:], now: Millis
    ) {
        self.windows = windows
        self.pool = pool
        self.frontDesk = frontDesk
        self.stickyPoolID = stickyPoolID
        self.poolLoad = poolLoad
        self.now = now
    }
}

/// Why a from-number was chosen.
public enum RouteReason: String, Sendable {
    case activeWindow = "active_window"
    case pool
    case frontDesk = "front_desk"
    case noNumber = "no_number"
}

/// The router's answer: the from-number and a sentence a person can read.
public struct OutboundDecision: Sendable, Equatable {
    public var from: MaskedNumber?
    public var reason: RouteReason
    public var trace: String
    public var bookingID: Int64?
    public var sitterID: Int64?
    /// The pool number the thread should stick to from now on, when it changed.
    public var newStickyPoolID: Int64?
}

/// Chooses the from-number of a message to a client at send time.
public enum OutboundRouter {
    /// Active window with a usable sitter number -> that number; else a pool number (sticky); else front desk.
    public static func decide(_ s: OutboundSituation) -> OutboundDecision {
        let open = s.windows.filter { $0.booking.windowIsActive(at: s.now) }
            .sorted { ($0.booking.start, $0.booking.id) > ($1.booking.start, $1.booking.id) }
        if let window = open.first(where: \.isUsable), let number = window.number {
            var trace = "Active assignment window for sitter \(window.sitter.name) (#\(window.sitter.id)), "
            trace += "booking \(window.booking.id), until \(Timestamp.format(window.booking.end))"
            trace += " - using sitter number \(number.e164)"
            if open.count > 1 { trace += " (\(open.count) windows active; the most recently started one)" }
            return OutboundDecision(
                from: number, reason: .activeWindow, trace: trace, bookingID: window.booking.id,
                sitterID: window.sitter.id)
        }
        let prefix: String
        if let window = open.first {
            prefix = "Active assignment window for sitter \(window.sitter.name) (#\(window.sitter.id)), booking "
                + "\(window.booking.id), but \(unusable(window)) - "
        } else {
            prefix = "No active window - "
        }
        return fallback(s, prefix: prefix)
    }

    private static func unusable(_ window: AssignmentWindow) -> String {
        if !window.sitter.active { return "the sitter is not active" }
        guard let number = window.number else { return "the sitter has no number" }
        return "the sitter's number is \(number.holdUntil != nil ? "held" : number.status.rawValue)"
    }

    private static func fallback(_ s: OutboundSituation, prefix: String) -> OutboundDecision {
        let pool = s.pool.filter { $0.role == .pool && $0.isRoutable }
        if let sticky = pool.first(where: { $0.id == s.stickyPoolID }) {
            return OutboundDecision(
                from: sticky, reason: .pool, trace: prefix + "using pool number \(sticky.e164) (sticky for this thread)")
        }
        if let chosen = pool.min(by: { (s.poolLoad[$0.id] ?? 0, $0.id) < (s.poolLoad[$1.id] ?? 0, $1.id) }) {
            return OutboundDecision(
                from: chosen, reason: .pool, trace: prefix + "using pool number \(chosen.e164)",
                newStickyPoolID: chosen.id)
        }
        if let desk = s.frontDesk.filter({ $0.role == .frontDesk && $0.isRoutable }).min(by: { $0.id < $1.id }) {
            return OutboundDecision(
                from: desk, reason: .frontDesk, trace: prefix + "No pool number available - using front desk \(desk.e164)")
        }
        return OutboundDecision(
            from: nil, reason: .noNumber, trace: prefix + "No pool number available - no front desk number either")
    }
}
