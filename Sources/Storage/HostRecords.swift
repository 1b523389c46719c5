/// A tenant's lifecycle state.
public enum TenantStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case active
    case suspended
}

/// One tenant (row of `tenants`).
public struct TenantRecord: Sendable, Hashable, Codable {
    public var id: String
    /// URL- and path-safe name, unique: `^[a-z0-9][a-z0-9_-]{0,63}$`.
    public var slug: String
    public var name: String
    public var status: TenantStatus
    /// Milliseconds since the epoch.
    public var createdAt: Int64
    /// Milliseconds since the epoch.
    public var updatedAt: Int64

    public init(id: String, slug: String, name: String, status: TenantStatus, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.slug = slug
        self.name = name
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One channel instance: a configured use of a plugin by a tenant (row of `channel_instances`).
public struct InstanceRecord: Sendable, Hashable, Codable {
    public var id: String
    public var tenantId: String
    public var plugin: String
    /// Unique per plugin; appears in webhook URLs.
    public var name: String
    /// At most one instance per plugin is the default (it answers alias routes).
    public var isDefault: Bool
    public var enabled: Bool
    /// The settings as a JSON object text.
    public var settings: String
    /// Encrypted secrets, opaque to storage.
    public var secrets: [UInt8]?
    /// Milliseconds since the epoch.
    public var createdAt: Int64
    /// Milliseconds since the epoch.
    public var updatedAt: Int64
    /// Host names (lowercase, no port) whose requests to the plugin's alias routes this
    /// instance answers, e.g. a customer's own chat domain. Unique across instances.
    public var hostnames: [String]

    public init(
        id: String, tenantId: String, plugin: String, name: String, isDefault: Bool, enabled: Bool, settings: String,
        secrets: [UInt8]?, createdAt: Int64, updatedAt: Int64, hostnames: [String] = []
    ) {
        self.hostnames = hostnames
        self.id = id
        self.tenantId = tenantId
        self.plugin = plugin
        self.name = name
        self.isDefault = isDefault
        self.enabled = enabled
        self.settings = settings
        self.secrets = secrets
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}


/// How ``HostDatabase/updateInstance(id:settings:enabled:isDefault:secrets:)`` treats secrets.
public enum SecretsUpdate: Sendable, Hashable {
    /// Leave them as they are.
    case keep
    /// Set them to NULL.
    case clear
    /// Replace them.
    case set([UInt8])
}

/// Random record ids: a short prefix and 16 random bytes in hex, e.g. `ten_3f9c…`.
public enum RecordID {
    /// A new id such as `ins_0a1b…` (prefix, `_`, 32 hex digits): 12 digits of the time in
    /// milliseconds, then 80 random bits. Ids made later sort later (within a millisecond, in any
    /// order), so the indexes keyed on them grow at their right edge: a commit of many new rows
    /// dirties a few pages instead of one page per row.
    public static func make(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var bytes = Array(prefix.utf8)
        bytes.reserveCapacity(bytes.count + 33)
        bytes.append(UInt8(ascii: "_"))
        let time = UInt64(max(0, StorageClock.milliseconds())) & 0xFFFF_FFFF_FFFF
        for shift in stride(from: 44, through: 0, by: -4) {
            bytes.append(digits[Int(time >> UInt64(shift) & 0xF)])
        }
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        for shift in stride(from: 60, through: 0, by: -4) {
            bytes.append(digits[Int(high >> UInt64(shift) & 0xF)])
        }
        for shift in stride(from: 12, through: 0, by: -4) {
            bytes.append(digits[Int(low >> UInt64(shift) & 0xF)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
