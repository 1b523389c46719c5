import Foundation

/// The system message an OpenAI-compatible agent receives: the tenant's published prompt, a line
/// naming the assistant, the company, the language and the time zone, then the knowledge items as
/// `## title` sections. Pure: no I/O, no clock.
enum SystemPrompt {
    /// The most characters the system message holds: 16,000 (about 4,000 tokens), leaving most of
    /// a small model's context to the conversation. Knowledge items that do not fit are left out
    /// whole (a later, shorter item may still fit); only a published prompt longer than the limit
    /// on its own is cut mid-text.
    static let characterLimit = 16_000

    static func make(
        prompt: String, profile: AssistantProfile, knowledge: [KnowledgeItem], limit: Int = characterLimit
    ) -> String {
        let identity = identityLine(profile)
        var text = prompt.trimmingCharacters(in: .whitespacesAndNewlines)
        let room = limit - identity.count - (text.isEmpty ? 0 : 2)
        if text.count > room { text = String(text.prefix(max(room, 0))) }
        text = text.isEmpty ? identity : text + "\n\n" + identity
        var length = text.count
        for item in knowledge {
            let section =
                "\n\n## " + item.title.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
                + item.text.trimmingCharacters(in: .whitespacesAndNewlines)
            let size = section.count
            guard length + size <= limit else { continue }
            text += section
            length += size
        }
        return text
    }

    /// "You are Alice, the assistant of Acme. Reply in English (en). Time zone: America/New_York."
    static func identityLine(_ profile: AssistantProfile) -> String {
        "You are \(profile.assistantName), the assistant of \(profile.companyName). "
            + "Reply in \(languageName(profile.language)). Time zone: \(profile.timezone)."
    }

    /// The language's English name with its tag ("Portuguese (pt-BR)"), or the tag alone when the
    /// name is unknown.
    static func languageName(_ tag: String) -> String {
        let code = String(tag.prefix { $0.isLetter })
        guard let name = Locale(identifier: "en").localizedString(forLanguageCode: code),
            name.lowercased() != code.lowercased()
        else { return tag }
        return "\(name) (\(tag))"
    }
}
