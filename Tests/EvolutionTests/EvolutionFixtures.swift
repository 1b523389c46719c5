// Webhook bodies as Evolution API servers send them, written from its source: the envelope of
// its webhook controller ({event, instance, data, destination, date_time, sender, server_url,
// apikey}) around the `data` its Baileys channel service builds (prepareMessage for 2.x, the
// messageRaw of 1.8, the messages.update, connection.update and qrcode.updated objects).
// Numbers are fictional (+55 11 98765-4321); keys are made up.

/// Realistic Evolution webhook bodies for the tests (also used by the live channel tests' copy).
enum EvolutionFixtures {
    static let apiKey = "B6D711FCDE4D4FD5936544120E713976"

    /// The 2.x envelope around `data`.
    static func envelope(_ event: String, _ data: String, instance: String = "sales", apiKey: String? = apiKey)
        -> String
    {
        let key = apiKey.map { #","apikey":"\#($0)""# } ?? ""
        return #"""
            {"event":"\#(event)","instance":"\#(instance)","data":\#(data),"destination":"https://switchboard.example/webhook/evolution/\#(instance)","date_time":"2026-12-02T11:13:20.123Z","sender":"5511900000000@s.whatsapp.net","server_url":"http://evolution.local:8080"\#(key)}
            """#
    }

    /// 2.x: a plain text (`conversation`), phone-addressed, with the LID as `remoteJidAlt`.
    static let text2x = envelope("messages.upsert", #"""
        {"key":{"remoteJid":"5511987654321@s.whatsapp.net","remoteJidAlt":"218404127010817@lid","fromMe":false,"id":"3EB0C431C26A1916E5C9","addressingMode":"pn"},"pushName":"Ana Souza","status":"DELIVERY_ACK","message":{"conversation":"Oi, vocês abrem no domingo?","messageContextInfo":{"deviceListMetadataVersion":2}},"contextInfo":null,"messageType":"conversation","messageTimestamp":1764674000,"instanceId":"6f1c2a9e-7b1d-4a55-9f0e-3c2b1a0d9e8f","source":"android"}
        """#)

    /// 1.8: an `extendedTextMessage` (a link preview), with `owner`, and the apikey exposed.
    static let extendedText18 = #"""
        {"event":"messages.upsert","instance":"sales","data":{"key":{"remoteJid":"5511987654321@s.whatsapp.net","fromMe":false,"id":"3EB0A1B2C3D4E5F6A7B8"},"pushName":"Ana","message":{"extendedTextMessage":{"text":"Vi este produto: https://loja.example/p/42","matchedText":"https://loja.example/p/42","previewType":0,"contextInfo":{"entryPointConversionSource":"global_search_new_chat"}},"messageContextInfo":{"deviceListMetadataVersion":2}},"messageType":"extendedTextMessage","messageTimestamp":1764674100,"owner":"sales","source":"ios"},"destination":"https://switchboard.example/webhook/evolution","date_time":"2026-12-02T08:15:00.000Z","sender":"5511900000000@s.whatsapp.net","server_url":"http://evolution.local:8080","apikey":"B6D711FCDE4D4FD5936544120E713976"}
        """#

    /// 2.3.x: a 1:1 chat addressed by LID; the phone number is in `remoteJidAlt`.
    static let lid = envelope("messages.upsert", #"""
        {"key":{"remoteJid":"218404127010817@lid","remoteJidAlt":"5511987654321@s.whatsapp.net","fromMe":false,"id":"3A5F8E2D1C0B9A877654","addressingMode":"lid"},"pushName":"Ana Souza","status":"DELIVERY_ACK","message":{"conversation":"Meu pedido chegou?"},"messageType":"conversation","messageTimestamp":1764674200,"instanceId":"6f1c2a9e-7b1d-4a55-9f0e-3c2b1a0d9e8f","source":"android"}
        """#)

    /// 2.2/2.3.0: LID with the phone number in `senderPn`.
    static let lidSenderPn = envelope("messages.upsert", #"""
        {"key":{"remoteJid":"218404127010817@lid","fromMe":false,"id":"3A5F8E2D1C0B9A870001","senderPn":"5511987654321@s.whatsapp.net"},"pushName":"Ana","message":{"conversation":"Alô?"},"messageType":"conversation","messageTimestamp":1764674210,"source":"android"}
        """#)

    /// A LID chat with no phone number known.
    static let lidOnly = envelope("messages.upsert", #"""
        {"key":{"remoteJid":"218404127010817@lid","fromMe":false,"id":"3A5F8E2D1C0B9A870002","addressingMode":"lid"},"pushName":"Ana","message":{"conversation":"Sem número"},"messageType":"conversation","messageTimestamp":1764674220}
        """#)

    /// A group message.
    static let group = envelope("messages.upsert", #"""
        {"key":{"remoteJid":"120363025246125888@g.us","fromMe":false,"id":"3EB0F00D5EED1234ABCD","participant":"5511987654321@s.whatsapp.net"},"pushName":"Ana Souza","status":"DELIVERY_ACK","message":{"conversation":"Pessoal, alguém sabe o horário?"},"messageType":"conversation","messageTimestamp":1764674300,"source":"web"}
        """#)

    /// Someone typed on the business phone itself (`fromMe`, an id this channel never sent).
    static let fromMePhone = envelope("messages.upsert", #"""
        {"key":{"remoteJid":"5511987654321@s.whatsapp.net","fromMe":true,"id":"3EB0D1E2F3A4B5C6D7E8"},"pushName":"Você","status":"SERVER_ACK","message":{"conversation":"Oi Ana, aqui é a Carla, eu te ajudo."},"messageType":"conversation","messageTimestamp":1764674400,"source":"android"}
        """#)

    /// `send.message`: the echo of a sendText, with the id its answer returned.
    static func ownEcho(id: String = "BAE5F0A1B2C3D4E5", text: String = "Olá! Abrimos aos domingos das 9h às 13h.")
        -> String
    {
        envelope("send.message", #"""
            {"key":{"remoteJid":"5511987654321@s.whatsapp.net","fromMe":true,"id":"\#(id)"},"pushName":"","status":"PENDING","message":{"conversation":"\#(text)"},"contextInfo":null,"messageType":"conversation","messageTimestamp":1764674500,"instanceId":"6f1c2a9e-7b1d-4a55-9f0e-3c2b1a0d9e8f","source":"unknown"}
            """#)
    }

    /// A status story (`status@broadcast`).
    static let statusBroadcast = envelope("messages.upsert", #"""
        {"key":{"remoteJid":"status@broadcast","fromMe":false,"id":"3EB0B0B0B0B0B0B0B0B0","participant":"5511987654321@s.whatsapp.net"},"pushName":"Ana Souza","message":{"imageMessage":{"mimetype":"image/jpeg","caption":"Domingo na praia","fileLength":"48213"}},"messageType":"imageMessage","messageTimestamp":1764674600,"source":"android"}
        """#)

    /// A picture with a caption.
    static let imageCaption = envelope("messages.upsert", #"""
        {"key":{"remoteJid":"5511987654321@s.whatsapp.net","fromMe":false,"id":"3EB0IMAGE0000000CAFE"},"pushName":"Ana Souza","message":{"imageMessage":{"url":"https://mmg.whatsapp.net/o1/v/t62.7118-24/f1/m231/abc.enc","mimetype":"image/jpeg","caption":"Este modelo tem em azul?","fileSha256":"n6T3Pq0aM1gq0S3S5W8HhZbJYbqgkz0sq7Zr+H3bQ3c=","fileLength":{"low":48213,"high":0,"unsigned":true},"height":1280,"width":960,"mediaKey":"x6h9yC4Q7rK0m3R9vq8nRkJm2qJQ0Q9aKq5b6s3bq1Y=","jpegThumbnail":"/9j/4AAQSkZJRgABAQAAAQABAAD"}},"messageType":"imageMessage","messageTimestamp":1764674700,"source":"android"}
        """#)

    /// A document whose caption is inside `documentWithCaptionMessage` (as WhatsApp sends it).
    static let documentCaption = envelope("messages.upsert", #"""
        {"key":{"remoteJid":"5511987654321@s.whatsapp.net","fromMe":false,"id":"3EB0D0C0000000000001"},"pushName":"Ana","message":{"documentWithCaptionMessage":{"message":{"documentMessage":{"mimetype":"application/pdf","fileName":"nota-fiscal.pdf","caption":"Segue a nota","fileLength":"120034"}}}},"messageType":"documentWithCaptionMessage","messageTimestamp":1764674710}
        """#)

    /// A reaction: no text to answer.
    static let reaction = envelope("messages.upsert", #"""
        {"key":{"remoteJid":"5511987654321@s.whatsapp.net","fromMe":false,"id":"3EB0REACT00000000001"},"pushName":"Ana","message":{"reactionMessage":{"key":{"remoteJid":"5511987654321@s.whatsapp.net","fromMe":true,"id":"BAE5F0A1B2C3D4E5"},"text":"👍"}},"messageType":"reactionMessage","messageTimestamp":1764674720}
        """#)

    static let connectionOpen = envelope("connection.update", #"""
        {"instance":"sales","wuid":"5511900000000@s.whatsapp.net","profileName":"Loja Acme","profilePictureUrl":null,"state":"open","statusReason":200}
        """#)

    static let connectionClose = envelope("connection.update", #"""
        {"instance":"sales","state":"close","statusReason":401}
        """#)

    static let qrcode = envelope("qrcode.updated", #"""
        {"qrcode":{"instance":"sales","pairingCode":null,"code":"2@y8fJb0c1Qm9uZ2x5RmFrZQ==,Kq1ZcXJ0dGVzdA==,bG9jYWw=","base64":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"}}
        """#)

    static let qrcodeLimit = envelope("qrcode.updated", #"""
        {"message":"QR code limit reached, please login again","statusCode":500}
        """#)

    /// 2.x `messages.update`: `{keyId, remoteJid, fromMe, status}`.
    static func update2x(id: String = "BAE5F0A1B2C3D4E5", status: String = "DELIVERY_ACK") -> String {
        envelope("messages.update", #"""
            {"keyId":"\#(id)","remoteJid":"5511987654321@s.whatsapp.net","fromMe":true,"participant":null,"status":"\#(status)","instanceId":"6f1c2a9e-7b1d-4a55-9f0e-3c2b1a0d9e8f","messageId":"cm4x1y2z30000abcd"}
            """#)
    }

    /// 1.8 `messages.update`: the key spread in (`id`), a numeric or named status.
    static func update18(id: String = "BAE5F0A1B2C3D4E5", status: String = #""READ""#) -> String {
        #"""
        {"event":"messages.update","instance":"sales","data":{"remoteJid":"5511987654321@s.whatsapp.net","fromMe":true,"id":"\#(id)","status":\#(status),"datetime":1764674800000,"owner":"sales"},"destination":"https://switchboard.example/webhook/evolution","date_time":"2026-12-02T08:20:00.000Z","sender":"5511900000000@s.whatsapp.net","server_url":"http://evolution.local:8080"}
        """#
    }
}
