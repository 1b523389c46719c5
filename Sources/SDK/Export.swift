@_exported import PluginAPI

/// The `err` parameter of the exported entry function (`sb_error_t *`).
public typealias PluginEntryError = UnsafeMutablePointer<sb_error_t>?
/// The result of the exported entry function (`const sb_plugin_descriptor_t *`).
public typealias PluginEntryResult = UnsafePointer<sb_plugin_descriptor_t>?

/// Export `plugin` as this library's Switchboard plugin. Call it from the
/// library's one exported entry function:
///
///     @_cdecl("switchboard_plugin_entry")
///     public func entry(_ major: UInt16, _ minor: UInt16, _ err: PluginEntryError) -> PluginEntryResult {
///         exportPlugin(EchoPlugin.self, major, minor, err)
///     }
///
/// The first call builds the C descriptor and hook table from `P.descriptor`
/// (allocated once, never freed: they must outlive every use by the host);
/// later calls return the same descriptor. Returns NULL with a reason in
/// `err` when the host's ABI major differs or the description is invalid.
/// One library exports one plugin type.
public func exportPlugin<P: ChannelPlugin>(
    _ plugin: P.Type, _ hostMajor: UInt16, _ hostMinor: UInt16, _ err: PluginEntryError
) -> PluginEntryResult {
    if hostMajor != UInt16(SB_ABI_MAJOR) {
        writeError(
            err,
            "plugin built for Switchboard ABI \(SB_ABI_MAJOR).\(SB_ABI_MINOR); host offers \(hostMajor).\(hostMinor)")
        return nil
    }
    return registration.register(plugin, err)
}

// MARK: - Registration (one per library: each .so links its own copy of the SDK)

final class Registration: @unchecked Sendable {
    private let lock = Lock()
    private var descriptor: UnsafePointer<sb_plugin_descriptor_t>?
    private var pluginType: (any ChannelPlugin.Type)?
    private var routes: [Route] = []

    func register<P: ChannelPlugin>(_ type: P.Type, _ err: UnsafeMutablePointer<sb_error_t>?)
        -> UnsafePointer<sb_plugin_descriptor_t>?
    {
        lock.withLock {
            if let descriptor {
                if pluginType == type { return descriptor }
                writeError(err, "this library already exports plugin type \(pluginType.map { "\($0)" } ?? "?")")
                return nil
            }
            let description = P.descriptor
            if let problem = validate(description) {
                writeError(err, "invalid plugin description: \(problem)")
                return nil
            }
            descriptor = makeDescriptor(description)
            pluginType = type
            routes = description.routes
            return descriptor
        }
    }

    /// The registered plugin type and its routes (nil before the entry function ran).
    func registered() -> (any ChannelPlugin.Type, [Route])? {
        lock.withLock { pluginType.map { ($0, routes) } }
    }
}

let registration = Registration()

private func validate(_ d: PluginDescription) -> String? {
    let name = Array(d.name.utf8)
    let lower = UInt8(ascii: "a")...UInt8(ascii: "z")
    let digit = UInt8(ascii: "0")...UInt8(ascii: "9")
    guard let first = name.first, lower.contains(first), name.count <= 32,
        name.allSatisfy({
            lower.contains($0) || digit.contains($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        })
    else { return "name \"\(d.name)\" does not match [a-z][a-z0-9_-]{0,31}" }
    if d.version.isEmpty { return "empty version" }
    guard let schema = try? JSONValue(parsing: d.settingsSchema), schema.objectMembers != nil else {
        return "settingsSchema is not a JSON object"
    }
    for r in d.routes {
        if r.method.isEmpty { return "route \(r.path) has an empty method" }
        if !r.path.hasPrefix("/") { return "route path \"\(r.path)\" does not start with /" }
    }
    var seen = Set<String>()
    for m in d.migrations {
        if m.name.isEmpty { return "a migration has an empty name" }
        if !seen.insert(m.name).inserted { return "duplicate migration name \(m.name)" }
    }
    return nil
}

/// Copy a string into memory that is never freed.
private func staticBytes(_ s: String) -> sb_bytes_t {
    let utf8 = Array(s.utf8)
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(utf8.count, 1))
    p.initialize(from: utf8, count: utf8.count)
    return sb_bytes_t(ptr: UnsafePointer(p), len: utf8.count)
}

private func makeDescriptor(_ d: PluginDescription) -> UnsafePointer<sb_plugin_descriptor_t> {
    let routes = UnsafeMutablePointer<sb_route_t>.allocate(capacity: max(d.routes.count, 1))
    for (i, r) in d.routes.enumerated() {
        (routes + i).initialize(
            to: sb_route_t(
                struct_size: UInt32(MemoryLayout<sb_route_t>.size),
                mount: UInt32(r.mount.abiValue),
                method: staticBytes(r.method), path: staticBytes(r.path)))
    }
    let migrations = UnsafeMutablePointer<sb_migration_t>.allocate(capacity: max(d.migrations.count, 1))
    for (i, m) in d.migrations.enumerated() {
        (migrations + i).initialize(
            to: sb_migration_t(
                struct_size: UInt32(MemoryLayout<sb_migration_t>.size), reserved: 0,
                name: staticBytes(m.name), sql: staticBytes(m.sql)))
    }
    let hooks = UnsafeMutablePointer<sb_plugin_hooks_t>.allocate(capacity: 1)
    hooks.initialize(
        to: sb_plugin_hooks_t(
            struct_size: UInt32(MemoryLayout<sb_plugin_hooks_t>.size), reserved: 0,
            on_init: sdkOnInit, on_shutdown: sdkOnShutdown,
            on_instance_start: sdkOnInstanceStart, on_instance_stop: sdkOnInstanceStop,
            on_config_changed: sdkOnConfigChanged, on_http_request: sdkOnHTTPRequest,
            on_send: sdkOnSend, on_timer: sdkOnTimer, on_reply_event: sdkOnReplyEvent))
    let descriptor = UnsafeMutablePointer<sb_plugin_descriptor_t>.allocate(capacity: 1)
    descriptor.initialize(
        to: sb_plugin_descriptor_t(
            struct_size: UInt32(MemoryLayout<sb_plugin_descriptor_t>.size),
            abi_major: UInt16(SB_ABI_MAJOR), abi_minor: UInt16(SB_ABI_MINOR),
            kind: UInt32(SB_KIND_CHANNEL), reserved: 0,
            name: staticBytes(d.name), version: staticBytes(d.version), settings_schema: staticBytes(d.settingsSchema),
            routes: d.routes.isEmpty ? nil : UnsafePointer(routes), route_count: d.routes.count,
            migrations: d.migrations.isEmpty ? nil : UnsafePointer(migrations), migration_count: d.migrations.count,
            hooks: UnsafePointer(hooks)))
    return UnsafePointer(descriptor)
}

// MARK: - Boxes behind the opaque pointers

/// What `*out_plugin` points to: retained in on_init, released in on_shutdown.
final class PluginBox: Sendable {
    let plugin: any ChannelPlugin
    let table: HostTable
    let routes: [Route]

    init(plugin: any ChannelPlugin, table: HostTable, routes: [Route]) {
        self.plugin = plugin
        self.table = table
        self.routes = routes
    }
}

/// What `*out_instance` points to: retained in on_instance_start, released in on_instance_stop.
final class InstanceBox: Sendable {
    let instance: any ChannelInstance
    let table: HostTable
    let routes: [Route]

    init(instance: any ChannelInstance, table: HostTable, routes: [Route]) {
        self.instance = instance
        self.table = table
        self.routes = routes
    }
}

/// Borrow the instance box without retain/release traffic (the host guarantees
/// it lives until on_instance_stop, and no hook runs after that).
@inline(__always)
private func withInstance<R>(_ p: UnsafeMutableRawPointer, _ body: (InstanceBox) throws -> R) rethrows -> R {
    try Unmanaged<InstanceBox>.fromOpaque(p)._withUnsafeGuaranteedRef(body)
}

// MARK: - Hook trampolines (@convention(c))

private func sdkOnInit(
    _ host: UnsafePointer<sb_host_api_t>?, _ outPlugin: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ err: UnsafeMutablePointer<sb_error_t>?
) -> sb_status_t {
    guard let host, let outPlugin else {
        writeError(err, "on_init: NULL host table or out_plugin")
        return SB_ERR_INVALID_ARGUMENT
    }
    if let problem = HostTable.validate(host) {
        writeError(err, problem)
        return SB_ERR_VERSION
    }
    guard let (type, routes) = registration.registered() else {
        writeError(err, "on_init called before the entry function")
        return SB_ERR_INTERNAL
    }
    let table = HostTable(raw: host)
    do {
        let plugin = try type.init(host: PluginHost(table: table))
        let box = PluginBox(plugin: plugin, table: table, routes: routes)
        outPlugin.pointee = Unmanaged.passRetained(box).toOpaque()
        return SB_OK
    } catch {
        return statusFor(error, err)
    }
}

private func sdkOnShutdown(_ plugin: UnsafeMutableRawPointer?) {
    guard let plugin else { return }
    let box = Unmanaged<PluginBox>.fromOpaque(plugin)
    box.takeUnretainedValue().plugin.shutdown()
    box.release()
}

private func sdkOnInstanceStart(
    _ plugin: UnsafeMutableRawPointer?, _ instance: sb_instance_t, _ configJSON: sb_bytes_t,
    _ outInstance: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, _ err: UnsafeMutablePointer<sb_error_t>?
) -> sb_status_t {
    guard let plugin, let outInstance else {
        writeError(err, "on_instance_start: NULL plugin or out_instance")
        return SB_ERR_INVALID_ARGUMENT
    }
    let box = Unmanaged<PluginBox>.fromOpaque(plugin).takeUnretainedValue()
    do {
        let config = try InstanceConfig(json: JSONValue.parse(configJSON.buffer))
        let context = InstanceContext(table: box.table, handle: instance, config: config)
        let started = try box.plugin.startInstance(context)
        let instanceBox = InstanceBox(instance: started, table: box.table, routes: box.routes)
        outInstance.pointee = Unmanaged.passRetained(instanceBox).toOpaque()
        return SB_OK
    } catch {
        return statusFor(error, err)
    }
}

private func sdkOnInstanceStop(_ instance: UnsafeMutableRawPointer?) {
    guard let instance else { return }
    let box = Unmanaged<InstanceBox>.fromOpaque(instance)
    box.takeUnretainedValue().instance.stop()
    box.release()
}

private func sdkOnConfigChanged(
    _ instance: UnsafeMutableRawPointer?, _ configJSON: sb_bytes_t, _ err: UnsafeMutablePointer<sb_error_t>?
) -> sb_status_t {
    guard let instance else { return SB_ERR_INVALID_HANDLE }
    do {
        let config = try InstanceConfig(json: JSONValue.parse(configJSON.buffer))
        try withInstance(instance) { try $0.instance.configurationChanged(config) }
        return SB_OK
    } catch {
        return statusFor(error, err)
    }
}

private func sdkOnHTTPRequest(
    _ instance: UnsafeMutableRawPointer?, _ request: UnsafePointer<sb_http_request_t>?, _ response: sb_response_t,
    _ err: UnsafeMutablePointer<sb_error_t>?
) -> sb_status_t {
    guard let instance, let request else { return SB_ERR_INVALID_ARGUMENT }
    do {
        return try withInstance(instance) { box in
            let req = try HTTPRequest(request, routes: box.routes)
            switch try box.instance.handle(req, HTTPResponder(table: box.table, handle: response)) {
            case .answered: return SB_OK
            case .pending: return SB_PENDING
            }
        }
    } catch {
        return statusFor(error, err)
    }
}

/// `{"status":"sent"}`, written without building JSON.
private let sentResult: StaticString = #"{"status":"sent"}"#

private func sdkOnSend(
    _ instance: UnsafeMutableRawPointer?, _ messageJSON: sb_bytes_t, _ output: sb_output_t,
    _ err: UnsafeMutablePointer<sb_error_t>?
) -> sb_status_t {
    guard let instance else { return SB_ERR_INVALID_HANDLE }
    do {
        return try withInstance(instance) { box in
            // An empty body skips the parser (and its allocations) entirely.
            let result =
                messageJSON.len == 0
                ? try box.instance.send(OutboundMessage(json: .null))
                : try box.instance.send(OutboundMessage(json: JSONValue.parse(messageJSON.buffer)))
            if result.externalID == nil && result.status == .sent {
                return box.table.raw.pointee.output_write(
                    output, sb_bytes_t(ptr: sentResult.utf8Start, len: sentResult.utf8CodeUnitCount))
            }
            return withBytes(result.json.jsonBytes) { box.table.raw.pointee.output_write(output, $0) }
        }
    } catch {
        return statusFor(error, err)
    }
}

private func sdkOnTimer(_ instance: UnsafeMutableRawPointer?, _ timer: sb_timer_t, _ userData: UInt64) {
    guard let instance else { return }
    withInstance(instance) { $0.instance.timerFired(TimerHandle(rawValue: timer), userData: userData) }
}

private func sdkOnReplyEvent(_ instance: UnsafeMutableRawPointer?, _ event: sb_bytes_t) {
    guard let instance, let json = try? JSONValue.parse(event.buffer), let parsed = ReplyEvent(json: json) else { return }
    withInstance(instance) { $0.instance.replyEvent(parsed) }
}
