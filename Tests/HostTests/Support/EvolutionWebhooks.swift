/// Evolution webhook bodies for the live channel tests, shaped like the 1.8 and 2.x servers'
/// (the envelope of their webhook controller around their Baileys service's `data`). Numbers
/// are fictional.
enum EvolutionWebhooks {
    static let ana = "5511987654321"
    static let anaLID = "218404127010817@lid"

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func envelope(_ event: String, _ data: String, instance: String = "sales", apiKey: String? = nil) -> String {
        let key = apiKey.map { #","apikey":"\#($0)""# } ?? ""
        return #"{"event":"\#(event)","instance":"\#(instance)","data":\#(data),"destination":"http://switchboard/webhook","date_time":"2026-12-02T11:13:20.123Z","sender":"5511900000000@s.whatsapp.net","server_url":"http://evolution.local:8080"\#(key)}"#
    }

    /// 2.x `messages.upsert` with a `conversation` text.
    static func text(id: String, _ text: String, from: String = ana, apiKey: String? = nil) -> String {
        envelope("messages.upsert", #"{"key":{"remoteJid":"\#(from)@s.whatsapp.net","remoteJidAlt":"\#(anaLID)","fromMe":false,"id":"\#(id)","addressingMode":"pn"},"pushName":"Ana Souza","status":"DELIVERY_ACK","message":{"conversation":\#(quoted(text))},"contextInfo":null,"messageType":"conversation","messageTimestamp":1764674000,"instanceId":"6f1c2a9e","source":"android"}"#, apiKey: apiKey)
    }

    /// 1.8 `messages.upsert` with an `extendedTextMessage`.
    static func extendedText18(id: String, _ text: String) -> String {
        #"{"event":"messages.upsert","instance":"sales","data":{"key":{"remoteJid":"\#(ana)@s.whatsapp.net","fromMe":false,"id":"\#(id)"},"pushName":"Ana","message":{"extendedTextMessage":{"text":\#(quoted(text)),"previewType":0}},"messageType":"extendedTextMessage","messageTimestamp":1764674100,"owner":"sales","source":"ios"},"destination":"http://switchboard/webhook/evolution","date_time":"2026-12-02T08:15:00.000Z","sender":"5511900000000@s.whatsapp.net","server_url":"http://evolution.local:8080"}"#
    }

    /// 2.3.x: a chat addressed by LID, the phone number in `remoteJidAlt`.
    static func lid(id: String, _ text: String) -> String {
        envelope("messages.upsert", #"{"key":{"remoteJid":"\#(anaLID)","remoteJidAlt":"\#(ana)@s.whatsapp.net","fromMe":false,"id":"\#(id)","addressingMode":"lid"},"pushName":"Ana Souza","message":{"conversation":\#(quoted(text))},"messageType":"conversation","messageTimestamp":1764674200}"#)
    }

    static func group(id: String, _ text: String) -> String {
        envelope("messages.upsert", #"{"key":{"remoteJid":"120363025246125888@g.us","fromMe":false,"id":"\#(id)","participant":"\#(ana)@s.whatsapp.net"},"pushName":"Ana Souza","message":{"conversation":\#(quoted(text))},"messageType":"conversation","messageTimestamp":1764674300}"#)
    }

    /// `fromMe`: typed on the business phone (an id this channel never sent), or an upsert echo.
    static func fromMe(id: String, _ text: String, to: String = ana) -> String {
        envelope("messages.upsert", #"{"key":{"remoteJid":"\#(to)@s.whatsapp.net","fromMe":true,"id":"\#(id)"},"pushName":"Você","status":"SERVER_ACK","message":{"conversation":\#(quoted(text))},"messageType":"conversation","messageTimestamp":1764674400,"source":"android"}"#)
    }

    static func statusBroadcast(id: String) -> String {
        envelope("messages.upsert", #"{"key":{"remoteJid":"status@broadcast","fromMe":false,"id":"\#(id)","participant":"\#(ana)@s.whatsapp.net"},"pushName":"Ana Souza","message":{"imageMessage":{"mimetype":"image/jpeg","caption":"Domingo na praia"}},"messageType":"imageMessage","messageTimestamp":1764674600}"#)
    }

    static func image(id: String, caption: String) -> String {
        envelope("messages.upsert", #"{"key":{"remoteJid":"\#(ana)@s.whatsapp.net","fromMe":false,"id":"\#(id)"},"pushName":"Ana Souza","message":{"imageMessage":{"url":"https://mmg.whatsapp.net/o1/v/abc.enc","mimetype":"image/jpeg","caption":\#(quoted(caption)),"fileLength":{"low":48213,"high":0,"unsigned":true},"height":1280,"width":960}},"messageType":"imageMessage","messageTimestamp":1764674700}"#)
    }

    /// 2.x `messages.update` of a message we sent.
    static func update(id: String, status: String) -> String {
        envelope("messages.update", #"{"keyId":"\#(id)","remoteJid":"\#(ana)@s.whatsapp.net","fromMe":true,"participant":null,"status":"\#(status)","instanceId":"6f1c2a9e","messageId":"cm4x1y2z3"}"#)
    }

    /// 1.8 `messages.update`: the key spread in, a numeric status.
    static func update18(id: String, status: Int) -> String {
        envelope("messages.update", #"{"remoteJid":"\#(ana)@s.whatsapp.net","fromMe":true,"id":"\#(id)","status":\#(status),"datetime":1764674800000,"owner":"sales"}"#)
    }

    static func connection(_ state: String, reason: Int, event: Bool = true) -> String {
        let data = #"{"instance":"sales","wuid":"5511900000000@s.whatsapp.net","profileName":"Loja Acme","state":"\#(state)","statusReason":\#(reason)}"#
        return event ? envelope("connection.update", data) : #"{"instance":"sales","data":\#(data)}"#
    }

    static func qrcode(_ code: String) -> String {
        envelope("qrcode.updated", #"{"qrcode":{"instance":"sales","pairingCode":null,"code":"\#(code)","base64":"data:image/png;base64,iVBORw0KGgo"}}"#)
    }
}
