import SwitchboardHost

extension AgentRequest {
    /// A WhatsApp message with four earlier turns, a prompt and one knowledge item.
    static let sample = AgentRequest(
        tenantSlug: "acme", channel: "evolution", instance: "acme-wa", contact: "5511999@s.whatsapp.net",
        contactName: "Ana", conversationId: "conv-1", message: "Do you open on Sunday?",
        history: [
            AgentTurn(role: .user, text: "Hi"), AgentTurn(role: .assistant, text: "Hello!"),
            AgentTurn(role: .user, text: "A question"), AgentTurn(role: .assistant, text: "Go ahead"),
        ],
        profile: AssistantProfile(
            assistantName: "Alice", companyName: "Acme Pet Care", language: "en", timezone: "America/New_York"),
        prompt: "Be brief.", knowledge: [KnowledgeItem(title: "Hours", text: "Mon-Sat 9-18")])
}
