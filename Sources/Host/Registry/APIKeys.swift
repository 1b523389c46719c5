import Crypto
import Foundation
import SwitchboardStorage

/// Tenant API keys: 32 random bytes shown once with a readable prefix; only a SHA-256 hash is
/// stored. `last_used_at` is kept, with writes batched (`flushUse`).
public final class APIKeys: Sendable {
    /// A newly created key: the only time `key` exists outside the caller's hands.
    public struct Created: Sendable {
        public var record: APIKeyRecord
        public var key: String
    }

    private let database: HostDatabase
    private let pendingUse = Locked<[String: Int64]>([:])

    public init(database: HostDatabase) {
        self.database = database
    }

    /// Create a key for a tenant (and, for widget keys, an instance).
    public func create(tenantId: String, scope: APIKeyRecord.Scope, instanceId: String?) throws -> Created {
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let key = "sb_\(scope.rawValue)_" + Self.base64URL(secret)
        let prefix = String(key.prefix("sb_\(scope.rawValue)_".count + 6))
        let record = try database.createAPIKey(
            tenantId: tenantId, scope: scope, instanceId: instanceId, prefix: prefix, hash: Self.hash(key))
        return Created(record: record, key: key)
    }

    /// The live key record for a presented key, or nil. Notes the use for the next flush.
    public func verify(_ key: String) throws -> APIKeyRecord? {
        guard key.hasPrefix("sb_"), key.utf8.count < 200, let record = try database.activeAPIKey(hash: Self.hash(key))
        else {
            return nil
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        pendingUse.withLock { $0[record.id] = now }
        return record
    }

    /// Write the batched `last_used_at` times.
    public func flushUse() throws {
        let uses = pendingUse.withLock { pending in
            defer { pending = [:] }
            return pending
        }
        try database.recordAPIKeyUse(uses)
    }

    static func hash(_ key: String) -> [UInt8] { Array(SHA256.hash(data: Data(key.utf8))) }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
