import SwitchboardSDK

/// One change, as the audit log keeps it.
public struct AuditEntry: Sendable, Equatable {
    public var actor: String
    public var action: String
    /// What changed, e.g. "number:3".
    public var subject: String
    public var before: JSONValue
    public var after: JSONValue
    public var reason: String?
    public var at: Millis

    public init(
        actor: String, action: String, subject: String, before: JSONValue = .null, after: JSONValue = .null,
        reason: String? = nil, at: Millis
    ) {
        self.actor = actor
        self.action = action
        self.subject = subject
        self.before = before
        self.after = after
        self.reason = reason
        self.at = at
    }
}

/// A number after a change, with the audit entry that records it.
public struct NumberChange: Sendable, Equatable {
    public var number: MaskedNumber
    public var audit: AuditEntry
}
