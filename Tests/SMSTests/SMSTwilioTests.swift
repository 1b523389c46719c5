import SwitchboardSDK
import Testing

@testable import SMSCore

/// Signature vectors computed with Twilio's own Python library (twilio 9.13.0,
/// `RequestValidator(token).compute_signature(url, params)`), not with this code.
@Suite("SMS core: Twilio wire format")
struct SMSTwilioTests {
    static let token = "9f2c1a7be0d84c5a8e3b6d2f41a0c9e7"
    static let url = "https://sms.example.com/webhook/sms/desk"
    static let sms: [(name: String, value: String)] = [
        ("ToCountry", "US"), ("SmsMessageSid", "SM0123456789abcdef0123456789abcdef"), ("NumMedia", "0"), ("From", "+15005550006"),
        ("To", "+15005550001"), ("Body", "Hi! Is Rex ok & fed? 100%"), ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
        ("AccountSid", "AC00000000000000000000000000000000"), ("ApiVersion", "2010-04-01"),
    ]
    static let mms: [(name: String, value: String)] = [
        ("From", "+15005550006"), ("To", "+15005550001"), ("Body", ""), ("MessageSid", "MM11111111111111111111111111111111"),
        ("NumMedia", "1"), ("MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1"),
        ("MediaContentType0", "image/jpeg"), ("AccountSid", "AC00000000000000000000000000000000"),
    ]
    static let status: [(name: String, value: String)] = [
        ("MessageSid", "SM22222222222222222222222222222222"), ("MessageStatus", "delivered"), ("SmsStatus", "delivered"),
        ("To", "+15005550006"), ("From", "+15005550001"), ("AccountSid", "AC00000000000000000000000000000000"),
        ("ApiVersion", "2010-04-01"),
    ]

    @Test("Twilio's documented example and vectors from its library for an SMS, an MMS and a status callback")
    func vectors() {
        let doc: [(name: String, value: String)] = [
            ("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"), ("From", "+12349013030"), ("To", "+18005551212"),
        ]
        #expect(TwilioSignature.compute(url: "https://mycompany.com/myapp.php?foo=1&bar=2", params: doc, authToken: "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
        #expect(TwilioSignature.compute(url: Self.url, params: Self.sms, authToken: Self.token) == "JjPjXf0DvCXSw0PpvbDDvrZPHPo=")
        #expect(TwilioSignature.compute(url: Self.url, params: Self.mms, authToken: Self.token) == "StcnYC2k9yEwHp0z+jr3KFhkdYw=")
        #expect(TwilioSignature.compute(url: Self.url + "/status", params: Self.status, authToken: Self.token) == "gYqxcY8J9MzcQqXayOvGhhpmUIc=")
        #expect(TwilioSignature.isValid(signature: "gYqxcY8J9MzcQqXayOvGhhpmUIc=", url: Self.url + "/status", params: Self.status, authToken: Self.token))
    }

    @Test("tampered parameters, URL, token or signature do not validate")
    func tampered() {
        let good = "JjPjXf0DvCXSw0PpvbDDvrZPHPo="
        var body = Self.sms
        body[5].value = "Hi! Is Rex ok & fed? 101%"
        #expect(!TwilioSignature.isValid(signature: good, url: Self.url, params: body, authToken: Self.token))
        #expect(!TwilioSignature.isValid(signature: good, url: Self.url + "?x=1", params: Self.sms, authToken: Self.token))
        #expect(!TwilioSignature.isValid(signature: good, url: Self.url, params: Self.sms, authToken: Self.token + "x"))
        #expect(!TwilioSignature.isValid(signature: "JjPjXf0DvCXSw0PpvbDDvrZPHPp=", url: Self.url, params: Self.sms, authToken: Self.token))
        #expect(!TwilioSignature.isValid(signature: nil, url: Self.url, params: Self.sms, authToken: Self.token))
        #expect(!TwilioSignature.isValid(signature: good, url: Self.url, params: Self.sms, authToken: ""))
        #expect(TwilioSignature.signedURL(publicBase: "https://sms.example.com/", path: "/webhook/sms/desk", query: "a=1") == Self.url + "?a=1")
    }

    @Test("form bodies: + and %XX decode, order kept; encoding round-trips")
    func forms() {
        let parsed = FormURLEncoded.parse("Body=Hi+there%21+%F0%9F%90%B6&From=%2B15550001&Empty=&Bare")
        #expect(parsed.map(\.name) == ["Body", "From", "Empty", "Bare"])
        #expect(parsed.value("Body") == "Hi there! 🐶" && parsed.value("From") == "+15550001" && parsed.value("Empty") == "")
        let encoded = FormURLEncoded.encode([("To", "+1 555"), ("Body", "a&b=c é")])
        #expect(encoded == "To=%2B1+555&Body=a%26b%3Dc+%C3%A9")
        #expect(FormURLEncoded.parse(encoded).value("Body") == "a&b=c é")
        #expect(FormURLEncoded.parse("Body=100%").value("Body") == "100%", "a broken escape stays literal")
    }

    @Test("statuses move forward only: queued < sent < delivered/undelivered/failed")
    func forwardOnly() {
        #expect(MessageProgress.advances(from: nil, to: .queued))
        #expect(MessageProgress.advances(from: .queued, to: .sent))
        #expect(MessageProgress.advances(from: .sent, to: .delivered))
        #expect(MessageProgress.advances(from: .sent, to: .failed))
        #expect(!MessageProgress.advances(from: .delivered, to: .sent))
        #expect(!MessageProgress.advances(from: .delivered, to: .undelivered))
        #expect(!MessageProgress.advances(from: .sent, to: .queued))
        #expect(!MessageProgress.advances(from: .sent, to: .sent))
        #expect(MessageProgress.undelivered.deliveryStatus == .failed && MessageProgress.queued.deliveryStatus == nil)
    }

    @Test("the Messages.json request and the meaning of its answers")
    func messagesResource() {
        let send = TwilioMessages.Send(
            apiBase: "https://api.twilio.com/", accountSID: "AC1", authToken: "tok", to: "+15550002", from: "+15550001", body: "Hi & bye",
            statusCallback: "https://sms.example.com/webhook/sms/desk/status")
        #expect(send.url == "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json")
        #expect(send.authorization == "Basic QUMxOnRvaw==")
        #expect(send.form == "To=%2B15550002&From=%2B15550001&Body=Hi+%26+bye&StatusCallback=https%3A%2F%2Fsms.example.com%2Fwebhook%2Fsms%2Fdesk%2Fstatus")
        #expect(TwilioMessages.outcome(status: 201, body: Array(#"{"sid":"SM1","status":"queued"}"#.utf8)) == .accepted(sid: "SM1", status: "queued"))
        #expect(TwilioMessages.outcome(status: 400, body: Array(#"{"code":21211,"message":"bad To"}"#.utf8)) == .refused(status: 400, code: 21211, message: "bad To"))
        #expect(TwilioMessages.outcome(status: 503, body: []) == .retry(status: 503, message: "HTTP 503"))
        #expect(TwilioMessages.outcome(status: 429, body: []) == .retry(status: 429, message: "HTTP 429"))
        #expect(TwilioMessages.outcome(status: 201, body: Array("{}".utf8)) == .retry(status: 201, message: "answer without a message sid"))
    }

    @Test("TwiML answers escape the reply")
    func twiml() {
        #expect(TwiML.empty == #"<?xml version="1.0" encoding="UTF-8"?><Response/>"#)
        #expect(TwiML.message("Tom & <Jerry>") == #"<?xml version="1.0" encoding="UTF-8"?><Response><Message>Tom &amp; &lt;Jerry&gt;</Message></Response>"#)
    }
}
