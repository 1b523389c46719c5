import SwitchboardSDK
import Testing

@testable import SMSCore

@Suite("SMS core: E.164, timestamps, requests")
struct SMSBasicsTests {
    @Test("E.164 accepts + and 2...15 digits without a leading zero")
    func e164() {
        for good in ["+15551234567", "+442071838750", "+12", "+123456789012345"] { #expect(E164.isValid(good), "\(good)") }
        for bad in ["15551234567", "+0555", "+1", "+1234567890123456", "+1 555 123", "+1-555", "", "+"] {
            #expect(!E164.isValid(bad), "\(bad)")
        }
        #expect(throws: FieldError(field: "phone", "must be an E.164 number such as +15551234567")) {
            try E164.validated("555", field: "phone")
        }
    }

    @Test("timestamps round-trip through RFC 3339, with offsets and fractions")
    func timestamps() {
        #expect(Timestamp.format(0) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.format(1_796_223_600_000) == "2026-12-02T15:00:00Z")
        #expect(Timestamp.format(1_796_223_600_123) == "2026-12-02T15:00:00.123Z")
        #expect(Timestamp.parse("2026-12-02T15:00:00Z") == 1_796_223_600_000)
        #expect(Timestamp.parse("2026-12-02T16:00:00+01:00") == 1_796_223_600_000)
        #expect(Timestamp.parse("2026-12-02T15:00:00.5Z") == 1_796_223_600_500)
        #expect(Timestamp.parse("2024-02-29T00:00:00Z") == 1_709_164_800_000)
        for bad in ["2026-12-02", "2026-13-02T15:00:00Z", "2026-12-02T15:00:00", "tomorrow", "2026-12-02T15:00:00.Z"] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("create requests name the field at fault")
    func requests() throws {
        #expect(try Requests.number(["e164": "+15550001", "role": "pool"]) == .init(e164: "+15550001", role: .pool))
        #expect(throws: FieldError.self) { try Requests.number(["e164": "+15550001", "role": "boss"]) }
        do {
            _ = try Requests.booking(["clientId": 1, "sitterId": 2, "startsAt": "2026-01-01T10:00:00Z", "endsAt": 5])
            Issue.record("an end before the start was accepted")
        } catch { #expect(error.field == "endsAt") }
        do {
            _ = try Requests.person(["name": "  "], phoneField: "phone")
            Issue.record("a blank name was accepted")
        } catch { #expect(error.field == "name") }
        let b = try Requests.booking(["clientId": 1, "sitterId": 2, "startsAt": 1000, "endsAt": "1970-01-01T00:00:02Z"])
        #expect(b.start == 1000 && b.end == 2000)
    }

    @Test("phone numbers are redacted from provider messages")
    func redact() {
        #expect(Redact.phoneNumbers("The 'To' number +15551234567 is not valid") == "The 'To' number [number] is not valid")
        #expect(Redact.phoneNumbers("code 21211, HTTP 400") == "code 21211, HTTP 400")
    }
}
