import CSQLite

/// One question SQLite's authorizer asks while a statement is prepared:
/// "may this statement do `action` on `first`/`second`?"
/// (see https://sqlite.org/c3ref/c_alter_table.html for what the arguments hold).
struct AuthorizationRequest {
    /// The SQLITE_* action code (SQLITE_READ, SQLITE_ATTACH, SQLITE_PRAGMA...).
    var action: Int32
    /// The action's first argument (a table, index or pragma name...).
    var first: String?
    /// The action's second argument (a column, table, pragma argument, function name...).
    var second: String?
    /// The database name ("main", "temp"...), when there is one.
    var database: String?
    /// The innermost trigger or view responsible for the access, when there is one.
    var trigger: String?
}

/// The rules consulted for statements prepared in restricted mode.
protocol AuthorizationPolicy: Sendable {
    /// Why `request` must be refused, or nil to allow it.
    func denial(for request: AuthorizationRequest) -> String?
}

/// How restricted mode limits statements.
struct RestrictionSettings: Sendable {
    /// The authorizer rules.
    var policy: any AuthorizationPolicy
    /// SQLITE_LIMIT_LENGTH while restricted (the largest string or BLOB).
    var restrictedMaxLength: Int32
    /// SQLITE_LIMIT_LENGTH outside restricted mode (the host's own statements).
    var hostMaxLength: Int32
}

/// Restricted-mode state shared with the C callbacks. Guarded by the connection's lock.
final class RestrictionState {
    let settings: RestrictionSettings
    /// True while statements are prepared and run on behalf of a plugin.
    var active = false
    /// The reason of the last refusal since ``beginStatement()``.
    var lastDenial: String?
    /// The monotonic deadline (ns) of the current restricted work.
    var deadline: UInt64 = .max
    /// How long the current restricted work may run, for messages.
    var timeLimitMilliseconds: Int64 = 0
    /// Set when the progress handler interrupted a statement.
    var timedOut = false

    init(settings: RestrictionSettings) {
        self.settings = settings
    }

    /// Forgets the previous statement's denial and time-out.
    @inline(__always)
    func beginStatement() {
        guard active else { return }
        lastDenial = nil
        timedOut = false
    }
}

/// The authorizer callback: asks the policy only in restricted mode.
private func restrictionAuthorizer(
    _ context: UnsafeMutableRawPointer?, _ action: Int32, _ first: UnsafePointer<CChar>?,
    _ second: UnsafePointer<CChar>?, _ database: UnsafePointer<CChar>?, _ trigger: UnsafePointer<CChar>?
) -> Int32 {
    guard let context else { return SQLITE_OK }
    let state = Unmanaged<RestrictionState>.fromOpaque(context).takeUnretainedValue()
    guard state.active else { return SQLITE_OK }
    let request = AuthorizationRequest(
        action: action,
        first: first.map { String(cString: $0) },
        second: second.map { String(cString: $0) },
        database: database.map { String(cString: $0) },
        trigger: trigger.map { String(cString: $0) })
    if let reason = state.settings.policy.denial(for: request) {
        state.lastDenial = state.lastDenial ?? reason
        return SQLITE_DENY
    }
    return SQLITE_OK
}

/// The progress handler: interrupts restricted statements past their deadline.
private func restrictionProgress(_ context: UnsafeMutableRawPointer?) -> Int32 {
    guard let context else { return 0 }
    let state = Unmanaged<RestrictionState>.fromOpaque(context).takeUnretainedValue()
    guard state.active, StorageSupport.monotonicNanoseconds() > state.deadline else { return 0 }
    state.timedOut = true
    return 1
}

extension SQLiteConnection {
    /// Installs the authorizer and progress handler that enforce `settings`
    /// for statements run inside ``withRestrictions(timeLimitMilliseconds:_:)``,
    /// and forbids ATTACH outright (SQLITE_LIMIT_ATTACHED = 0). Call once.
    func enableRestrictions(_ settings: RestrictionSettings) {
        lock.withLock {
            precondition(restrictions == nil, "restrictions are already enabled")
            let state = RestrictionState(settings: settings)
            restrictions = state
            let context = Unmanaged.passUnretained(state).toOpaque()
            sqlite3_set_authorizer(handle, restrictionAuthorizer, context)
            sqlite3_progress_handler(handle, 1000, restrictionProgress, context)
            sqlite3_limit(handle, SQLITE_LIMIT_ATTACHED, 0)
            sqlite3_limit(handle, SQLITE_LIMIT_LENGTH, settings.hostMaxLength)
            _ = csqlite_enable_defensive(handle)
        }
    }

    /// Runs `body` in restricted mode: every statement prepared or stepped
    /// inside it is checked by the policy, uses a statement cache of its own,
    /// has SQLITE_LIMIT_LENGTH lowered, and is interrupted (code `timeout`)
    /// after `timeLimitMilliseconds` in total.
    func withRestrictions<T>(timeLimitMilliseconds: Int64, _ body: () throws -> T) throws -> T {
        try lock.withLock {
            guard let state = restrictions else {
                throw StorageError(.internal, "restricted mode used on a connection without restrictions")
            }
            if state.active { return try body() }
            state.active = true
            state.lastDenial = nil
            state.timedOut = false
            state.timeLimitMilliseconds = timeLimitMilliseconds
            state.deadline = StorageSupport.monotonicNanoseconds() &+ UInt64(max(0, timeLimitMilliseconds)) &* 1_000_000
            sqlite3_limit(handle, SQLITE_LIMIT_LENGTH, state.settings.restrictedMaxLength)
            defer {
                state.active = false
                state.deadline = .max
                sqlite3_limit(handle, SQLITE_LIMIT_LENGTH, state.settings.hostMaxLength)
            }
            return try body()
        }
    }

    /// In restricted mode, the error for a failure the authorizer or the
    /// time limit caused (denied / timeout); nil otherwise. Call with the lock held.
    func restrictedError(_ rc: Int32) -> StorageError? {
        guard let state = restrictions, state.active else { return nil }
        if let reason = state.lastDenial {
            return StorageError(.denied, "not authorized: \(reason)", sqliteCode: rc)
        }
        if state.timedOut {
            return StorageError(
                .timeout, "the statement ran longer than \(state.timeLimitMilliseconds) ms and was interrupted",
                sqliteCode: rc)
        }
        return nil
    }
}
