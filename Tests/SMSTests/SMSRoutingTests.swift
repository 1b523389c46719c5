import Testing

@testable import SMSCore

/// Fixtures: front desk 1, pool 2 and 3, sitter numbers 11 and 12; sitter Sam (#7) owns 11.
enum World {
    static let now: Millis = 1_796_223_600_000
    static let hour: Millis = 3_600_000
    static let desk = MaskedNumber(id: 1, e164: "+15550000001", role: .frontDesk)
    static let pool2 = MaskedNumber(id: 2, e164: "+15550000002", role: .pool)
    static let pool3 = MaskedNumber(id: 3, e164: "+15550000003", role: .pool)
    static let samNumber = MaskedNumber(id: 11, e164: "+15550000011", role: .sitter, assignedSitterID: 7)
    static let sam = Sitter(id: 7, name: "Sam", personalPhone: "+14155550101", active: true, numberID: 11)
    static let jane = Client(id: 3, name: "Jane", phone: "+12125550199")

    static func booking(_ id: Int64, start: Millis = now - hour, end: Millis = now + hour, status: BookingStatus = .confirmed, client: Int64 = 3)
        -> Booking
    {
        Booking(id: id, clientID: client, sitterID: 7, start: start, end: end, status: status)
    }

    static func window(_ booking: Booking, sitter: Sitter = sam, number: MaskedNumber? = samNumber) -> AssignmentWindow {
        AssignmentWindow(booking: booking, sitter: sitter, number: number)
    }
}

@Suite("SMS core: send-time routing")
struct OutboundRoutingTests {
    @Test("an active window with a usable sitter number sends from it, and the trace says why and until when")
    func activeWindow() {
        let d = OutboundRouter.decide(.init(windows: [World.window(World.booking(5))], pool: [World.pool2], frontDesk: [World.desk], now: World.now))
        #expect(d.from == World.samNumber && d.reason == .activeWindow && d.bookingID == 5 && d.sitterID == 7)
        #expect(d.trace == "Active assignment window for sitter Sam (#7), booking 5, until 2026-12-02T16:00:00Z - using sitter number +15550000011")
    }

    @Test("the window is [start, end): before, at the end, pending or cancelled it is not open")
    func windowBounds() {
        let cases: [Booking] = [
            World.booking(1, start: World.now + 1, end: World.now + World.hour), World.booking(2, start: World.now - World.hour, end: World.now),
            World.booking(3, status: .pending), World.booking(4, status: .cancelled),
        ]
        for b in cases {
            let d = OutboundRouter.decide(.init(windows: [World.window(b)], pool: [World.pool2], now: World.now))
            #expect(d.reason == .pool && d.trace == "No active window - using pool number +15550000002", "\(b)")
        }
        #expect(World.booking(9, start: World.now, end: World.now + 1).windowIsActive(at: World.now))
    }

    @Test("with several windows the most recently started wins and the trace counts them")
    func severalWindows() {
        var other = World.sam
        other.id = 8
        other.name = "Kim"
        var kimNumber = World.samNumber
        kimNumber.id = 12
        kimNumber.e164 = "+15550000012"
        let early = World.window(World.booking(1, start: World.now - 2 * World.hour))
        var lateBooking = World.booking(2, start: World.now - World.hour)
        lateBooking.sitterID = 8
        let late = World.window(lateBooking, sitter: other, number: kimNumber)
        let d = OutboundRouter.decide(.init(windows: [early, late], now: World.now))
        #expect(d.from == kimNumber && d.trace.hasSuffix("(2 windows active; the most recently started one)"))
    }

    @Test("a window whose sitter number is quarantined, held or missing falls back and says so")
    func unusableSitterNumber() {
        var quarantined = World.samNumber
        quarantined.status = .quarantined
        var held = World.samNumber
        held.holdUntil = World.now + 1
        var inactive = World.sam
        inactive.active = false
        let cases: [(AssignmentWindow, String)] = [
            (World.window(World.booking(5), number: quarantined), "the sitter's number is quarantined"),
            (World.window(World.booking(5), number: held), "the sitter's number is held"),
            (World.window(World.booking(5), number: nil), "the sitter has no number"),
            (World.window(World.booking(5), sitter: inactive), "the sitter is not active"),
        ]
        for (window, why) in cases {
            let d = OutboundRouter.decide(.init(windows: [window], pool: [World.pool2], now: World.now))
            #expect(d.from == World.pool2)
            #expect(d.trace == "Active assignment window for sitter Sam (#7), booking 5, but \(why) - using pool number +15550000002")
        }
    }

    @Test("pool numbers stick per thread; a new thread takes the least loaded one")
    func stickyPool() {
        let sticky = OutboundRouter.decide(.init(pool: [World.pool2, World.pool3], stickyPoolID: 3, poolLoad: [3: 9], now: World.now))
        #expect(sticky.from == World.pool3 && sticky.newStickyPoolID == nil && sticky.trace.hasSuffix("(sticky for this thread)"))
        let fresh = OutboundRouter.decide(.init(pool: [World.pool2, World.pool3], poolLoad: [2: 4, 3: 1], now: World.now))
        #expect(fresh.from == World.pool3 && fresh.newStickyPoolID == 3)
        var gone = World.pool3
        gone.status = .released
        let moved = OutboundRouter.decide(.init(pool: [World.pool2, gone], stickyPoolID: 3, now: World.now))
        #expect(moved.from == World.pool2 && moved.newStickyPoolID == 2, "an unusable sticky number is replaced")
    }

    @Test("no pool number: the front desk; nothing at all: no number")
    func frontDesk() {
        var quarantined = World.pool2
        quarantined.status = .quarantined
        let d = OutboundRouter.decide(.init(pool: [quarantined], frontDesk: [World.desk], now: World.now))
        #expect(d.from == World.desk && d.reason == .frontDesk)
        #expect(d.trace == "No active window - No pool number available - using front desk +15550000001")
        let none = OutboundRouter.decide(.init(now: World.now))
        #expect(none.from == nil && none.reason == .noNumber)
    }
}

@Suite("SMS core: inbound routing")
struct InboundRoutingTests {
    @Test("a client during an active window goes to the sitter's phone from the sitter's number")
    func clientDuringWindow() {
        let d = InboundRouter.decide(.init(from: World.jane.phone, to: World.pool2, client: World.jane, clientWindows: [World.window(World.booking(5))], now: World.now))
        #expect(d.action == .relayToSitter(sitter: World.sam, from: World.samNumber, bookingID: 5, client: World.jane))
        #expect(d.trace.contains("relayed to sitter Sam (#7) from sitter number +15550000011"))
        #expect(!d.trace.contains(World.sam.personalPhone) && !d.trace.contains(World.jane.phone))
    }

    @Test("a client outside any window goes to the conversation")
    func clientOutsideWindow() {
        let ended = World.window(World.booking(5, start: World.now - 2 * World.hour, end: World.now - World.hour))
        let d = InboundRouter.decide(.init(from: World.jane.phone, to: World.pool2, client: World.jane, clientWindows: [ended], now: World.now))
        #expect(d.action == .conversation(client: World.jane))
        #expect(d.trace == "Client Jane (#3), no active window - delivered to the conversation")
    }

    @Test("a sitter to their number: one window relays to that client, several or none go to the front desk")
    func sitterWindows() {
        let one = InboundRouter.decide(.init(from: World.sam.personalPhone, to: World.samNumber, sitter: World.sam, sitterWindows: [.init(booking: World.booking(5), client: World.jane)], now: World.now))
        #expect(one.action == .relayToClient(client: World.jane, sitter: World.sam, bookingID: 5))
        let omar = Client(id: 4, name: "Omar", phone: "+12125550188")
        let two = InboundRouter.decide(.init(from: World.sam.personalPhone, to: World.samNumber, sitter: World.sam, sitterWindows: [.init(booking: World.booking(5), client: World.jane), .init(booking: World.booking(6, client: 4), client: omar)], now: World.now))
        #expect(two.action == .frontDesk(sitter: World.sam))
        #expect(two.trace == "Ambiguous: sitter Sam (#7) has 2 active windows - booking 5 (client #3), booking 6 (client #4) - held for the front desk")
        let none = InboundRouter.decide(.init(from: World.sam.personalPhone, to: World.samNumber, sitter: World.sam, now: World.now))
        #expect(none.action == .frontDesk(sitter: World.sam) && none.trace.contains("no active window"))
        let wrongNumber = InboundRouter.decide(.init(from: World.sam.personalPhone, to: World.pool2, sitter: World.sam, sitterWindows: [.init(booking: World.booking(5), client: World.jane)], now: World.now))
        #expect(wrongNumber.action == .frontDesk(sitter: World.sam) && wrongNumber.trace.contains("not theirs"))
    }

    @Test("a sender who is neither client nor sitter is unknown")
    func unknown() {
        let d = InboundRouter.decide(.init(from: "+19995550000", to: World.pool2, now: World.now))
        #expect(d.action == .unknownSender)
    }
}
