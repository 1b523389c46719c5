import PluginAPI

/// A Swift copy of what a plugin's descriptor declares; valid after the library's strings move on.
public struct PluginManifest: Sendable, Hashable {
    public var name: String
    public var version: String
    public var abiMajor: UInt16
    public var abiMinor: UInt16
    public var kind: UInt32
    /// The JSON Schema of the settings the plugin accepts.
    public var settingsSchema: String
    public var routes: [RouteSpec]
    public var migrations: [MigrationSpec]
}

/// One HTTP route a plugin serves.
public struct RouteSpec: Sendable, Hashable {
    public enum Mount: Sendable, Hashable {
        /// Under /webhook/{plugin}/{instance}{path}.
        case instance
        /// At the absolute path, answered by the plugin's default instance.
        case alias
        /// Under /v1/plugins/{plugin}/{instance}{path}, for callers authenticated for the
        /// instance's tenant (ABI 1.2).
        case tenant
    }

    public var index: Int
    public var method: String
    public var path: String
    public var mount: Mount
}

/// One SQL migration a plugin declares for its tenant-scoped database.
public struct MigrationSpec: Sendable, Hashable {
    public var name: String
    public var sql: String
}

/// The plugin's hook table, copied and zero-filled past the plugin's `struct_size`.
struct PluginHooks: @unchecked Sendable {
    let raw: sb_plugin_hooks_t
}
