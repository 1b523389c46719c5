/// The widget's languages, chosen from the page's or browser's language tags.
public enum WidgetLanguage: String, Sendable, CaseIterable {
    case en, pt, es

    /// The first supported language among `tags` (`pt-BR`, `es`, `en-US;q=0.8`…), English otherwise.
    /// Accept-Language weights are honoured; equal weights keep their order.
    public static func choose(_ tags: [String]) -> WidgetLanguage {
        var best: (language: WidgetLanguage, weight: Double)?
        for tag in tags {
            let (name, weight) = parse(tag)
            guard weight > 0, let language = WidgetLanguage(rawValue: name) else { continue }
            if best == nil || weight > best!.weight { best = (language, weight) }
        }
        return best?.language ?? .en
    }

    /// The primary subtag in lower case and the weight of `pt-BR;q=0.8`.
    static func parse(_ tag: String) -> (String, Double) {
        let parts = tag.split(separator: ";").map { String($0).trimmedWhitespace }
        let name = (parts.first ?? "").lowercased()
        let primary = name.split(separator: "-").first.map(String.init) ?? name
        var weight = 1.0
        for part in parts.dropFirst() where part.hasPrefix("q=") {
            weight = Double(part.dropFirst(2)) ?? 0
        }
        return (primary, weight)
    }

    /// Choose from a comma-separated list such as an Accept-Language header.
    public static func choose(header: String) -> WidgetLanguage {
        choose(header.split(separator: ",").map(String.init))
    }

    /// The widget's strings in this language.
    public var strings: [(key: String, value: String)] {
        switch self {
        case .en: WidgetStrings.english
        case .pt: WidgetStrings.portuguese
        case .es: WidgetStrings.spanish
        }
    }
}

/// The widget's user interface text.
enum WidgetStrings {
    static let english: [(key: String, value: String)] = [
        ("title", "Chat with us"), ("greeting", "Hi! How can we help you today?"),
        ("placeholder", "Type your message…"), ("send", "Send"), ("open", "Open chat"), ("close", "Close chat"),
        ("typing", "The assistant is typing…"), ("offline", "You are offline. Check your connection."),
        ("error", "The message could not be sent."), ("retry", "Retry"),
        ("unavailable", "The chat is not available right now."), ("received", "Thanks! We will get back to you."),
        ("unread", "unread messages"), ("you", "You"), ("assistant", "Assistant"), ("newChat", "New conversation"),
    ]
    static let portuguese: [(key: String, value: String)] = [
        ("title", "Fale conosco"), ("greeting", "Olá! Como podemos ajudar você hoje?"),
        ("placeholder", "Digite sua mensagem…"), ("send", "Enviar"), ("open", "Abrir chat"), ("close", "Fechar chat"),
        ("typing", "O assistente está digitando…"), ("offline", "Você está offline. Verifique sua conexão."),
        ("error", "Não foi possível enviar a mensagem."), ("retry", "Tentar novamente"),
        ("unavailable", "O chat não está disponível no momento."), ("received", "Obrigado! Responderemos em breve."),
        ("unread", "mensagens não lidas"), ("you", "Você"), ("assistant", "Assistente"), ("newChat", "Nova conversa"),
    ]
    static let spanish: [(key: String, value: String)] = [
        ("title", "Chatea con nosotros"), ("greeting", "¡Hola! ¿Cómo podemos ayudarte hoy?"),
        ("placeholder", "Escribe tu mensaje…"), ("send", "Enviar"), ("open", "Abrir chat"), ("close", "Cerrar chat"),
        ("typing", "El asistente está escribiendo…"), ("offline", "Estás sin conexión. Revisa tu conexión."),
        ("error", "No se pudo enviar el mensaje."), ("retry", "Reintentar"),
        ("unavailable", "El chat no está disponible en este momento."),
        ("received", "¡Gracias! Te responderemos pronto."), ("unread", "mensajes sin leer"), ("you", "Tú"),
        ("assistant", "Asistente"), ("newChat", "Nueva conversación"),
    ]
}
