import Foundation
import PluginAPI

/// Reads and checks a plugin's descriptor, turning each problem into a `PluginLoadError`
/// that names the field and both values.
struct DescriptorReader {
    let file: String
    let hostMajor: UInt16
    let hostMinor: UInt16

    /// Validate the descriptor and copy it into Swift values.
    func read(_ pointer: UnsafePointer<sb_plugin_descriptor_t>) throws(PluginLoadError) -> (PluginManifest, PluginHooks)
    {
        let descriptor = try readDescriptor(pointer)
        guard descriptor.kind == UInt32(SB_KIND_CHANNEL) else {
            throw refuse(
                .invalidDescriptor, "kind", "\(SB_KIND_CHANNEL) (channel)", "\(descriptor.kind)", "unknown plugin kind")
        }
        let name = try text(descriptor.name, field: "name")
        guard Self.isValidName(name) else {
            throw refuse(.invalidDescriptor, "name", "[a-z][a-z0-9_-]{0,31}", "\"\(name)\"", "invalid plugin name")
        }
        let version = try text(descriptor.version, field: "version")
        guard !version.isEmpty else { throw refuse(.invalidDescriptor, "version", nil, "empty", "version is empty") }
        let schema = try settingsSchema(descriptor.settings_schema)
        let routes = try readRoutes(descriptor.routes, count: descriptor.route_count)
        let migrations = try readMigrations(descriptor.migrations, count: descriptor.migration_count)
        let hooks = try readHooks(descriptor.hooks, needsHTTP: !routes.isEmpty)
        let manifest = PluginManifest(
            name: name, version: version, abiMajor: descriptor.abi_major, abiMinor: descriptor.abi_minor,
            kind: descriptor.kind, settingsSchema: schema, routes: routes, migrations: migrations)
        return (manifest, hooks)
    }

    /// Plugin names appear in URLs and storage paths.
    static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...32).contains(bytes.count), (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[0]) else {
            return false
        }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    // MARK: - Parts

    private func readDescriptor(_ pointer: UnsafePointer<sb_plugin_descriptor_t>) throws(PluginLoadError)
        -> sb_plugin_descriptor_t
    {
        let raw = UnsafeRawPointer(pointer)
        let declaredSize = Int(raw.load(as: UInt32.self))
        let versionEnd = MemoryLayout<sb_plugin_descriptor_t>.offset(of: \.kind)!
        guard declaredSize >= versionEnd else {
            throw refuse(
                .invalidDescriptor, "struct_size", ">= \(versionEnd)", "\(declaredSize)",
                "descriptor too small to hold a version")
        }
        let major = raw.load(fromByteOffset: 4, as: UInt16.self)
        let minor = raw.load(fromByteOffset: 6, as: UInt16.self)
        guard major == hostMajor else {
            throw refuse(
                .incompatibleVersion, "abi_major", "\(hostMajor)", "\(major)",
                "ABI major version differs; rebuild the plugin against this host's header")
        }
        guard minor <= hostMinor else {
            throw refuse(
                .incompatibleVersion, "abi_minor", "\(hostMinor)", "\(minor)",
                "plugin needs a newer ABI minor than this host offers; upgrade the host")
        }
        let v1Size = MemoryLayout<sb_plugin_descriptor_t>.size
        guard declaredSize >= v1Size else {
            throw refuse(
                .invalidDescriptor, "struct_size", ">= \(v1Size)", "\(declaredSize)",
                "descriptor smaller than ABI \(major).0 requires")
        }
        return zeroFilledCopy(of: raw, declaredSize: declaredSize)
    }

    private func readHooks(_ pointer: UnsafePointer<sb_plugin_hooks_t>?, needsHTTP: Bool) throws(PluginLoadError)
        -> PluginHooks
    {
        guard let pointer else {
            throw refuse(.missingHook, "hooks", "a hook table", "NULL", "descriptor has no hook table")
        }
        let raw = UnsafeRawPointer(pointer)
        let declaredSize = Int(raw.load(as: UInt32.self))
        // ABI 1.0's table ends with on_timer; later hooks are optional and read zero-filled.
        let required = MemoryLayout<sb_plugin_hooks_t>.offset(of: \sb_plugin_hooks_t.on_timer)! + MemoryLayout<UnsafeRawPointer>.size
        guard declaredSize >= required else {
            throw refuse(
                .invalidDescriptor, "hooks.struct_size", ">= \(required)", "\(declaredSize)",
                "hook table smaller than ABI 1.0 requires")
        }
        let hooks: sb_plugin_hooks_t = zeroFilledCopy(of: raw, declaredSize: declaredSize)
        var missing: [String] = []
        if hooks.on_init == nil { missing.append("on_init") }
        if hooks.on_shutdown == nil { missing.append("on_shutdown") }
        if hooks.on_instance_start == nil { missing.append("on_instance_start") }
        if hooks.on_instance_stop == nil { missing.append("on_instance_stop") }
        if hooks.on_send == nil { missing.append("on_send") }
        if needsHTTP && hooks.on_http_request == nil { missing.append("on_http_request") }
        if let first = missing.first {
            throw refuse(
                .missingHook, "hooks.\(first)", "a function", "NULL",
                "mandatory hook missing: \(missing.joined(separator: ", "))")
        }
        return PluginHooks(raw: hooks)
    }

    private func readRoutes(_ base: UnsafePointer<sb_route_t>?, count: Int) throws(PluginLoadError) -> [RouteSpec] {
        guard count > 0 else { return [] }
        guard let base else {
            throw refuse(.invalidDescriptor, "routes", "an array", "NULL", "route_count is \(count) but routes is NULL")
        }
        guard count <= 256 else {
            throw refuse(.invalidDescriptor, "route_count", "<= 256", "\(count)", "too many routes")
        }
        let stride = Int(UnsafeRawPointer(base).load(as: UInt32.self))
        guard stride >= MemoryLayout<sb_route_t>.size else {
            throw refuse(
                .invalidDescriptor, "routes[0].struct_size", ">= \(MemoryLayout<sb_route_t>.size)", "\(stride)",
                "route struct too small")
        }
        var routes: [RouteSpec] = []
        for index in 0..<count {
            let raw = UnsafeRawPointer(base) + index * stride
            let route: sb_route_t = zeroFilledCopy(of: raw, declaredSize: stride)
            let method = try text(route.method, field: "routes[\(index)].method").uppercased()
            let path = try text(route.path, field: "routes[\(index)].path")
            guard !method.isEmpty else {
                throw refuse(.invalidDescriptor, "routes[\(index)].method", "a method", "empty", "route has no method")
            }
            guard RoutePattern(path) != nil else {
                throw refuse(
                    .invalidDescriptor, "routes[\(index)].path", "/segment/{param}/*", "\"\(path)\"",
                    "invalid route path")
            }
            let mount: RouteSpec.Mount
            switch route.mount {
            case UInt32(SB_MOUNT_INSTANCE): mount = .instance
            case UInt32(SB_MOUNT_ALIAS): mount = .alias
            case UInt32(SB_MOUNT_TENANT): mount = .tenant
            default:
                throw refuse(
                    .invalidDescriptor, "routes[\(index)].mount", "0, 1 or 2", "\(route.mount)", "unknown route mount")
            }
            if mount == .alias, RouteTable.isReservedHostPath(path) {
                throw refuse(
                    .invalidDescriptor, "routes[\(index)].path", "a path outside the host's own", "\"\(path)\"",
                    "alias collides with a host route")
            }
            routes.append(RouteSpec(index: index, method: method, path: path, mount: mount))
        }
        return routes
    }

    private func readMigrations(_ base: UnsafePointer<sb_migration_t>?, count: Int) throws(PluginLoadError)
        -> [MigrationSpec]
    {
        guard count > 0 else { return [] }
        guard let base else {
            throw refuse(
                .invalidDescriptor, "migrations", "an array", "NULL",
                "migration_count is \(count) but migrations is NULL")
        }
        let stride = Int(UnsafeRawPointer(base).load(as: UInt32.self))
        guard stride >= MemoryLayout<sb_migration_t>.size else {
            throw refuse(
                .invalidDescriptor, "migrations[0].struct_size", ">= \(MemoryLayout<sb_migration_t>.size)", "\(stride)",
                "migration struct too small")
        }
        var result: [MigrationSpec] = []
        for index in 0..<count {
            let migration: sb_migration_t = zeroFilledCopy(
                of: UnsafeRawPointer(base) + index * stride, declaredSize: stride)
            let name = try text(migration.name, field: "migrations[\(index)].name")
            let sql = try text(migration.sql, field: "migrations[\(index)].sql")
            guard !name.isEmpty, !result.contains(where: { $0.name == name }) else {
                throw refuse(
                    .invalidDescriptor, "migrations[\(index)].name", "a unique name", "\"\(name)\"",
                    "migration names must be unique and non-empty")
            }
            result.append(MigrationSpec(name: name, sql: sql))
        }
        return result
    }

    private func settingsSchema(_ bytes: sb_bytes_t) throws(PluginLoadError) -> String {
        let schema = try text(bytes, field: "settings_schema")
        if schema.isEmpty { return #"{"type":"object"}"# }
        let parsed = try? JSONSerialization.jsonObject(with: Data(schema.utf8))
        guard parsed is [String: Any] else {
            throw refuse(
                .invalidDescriptor, "settings_schema", "a JSON object", "invalid JSON",
                "settings schema is not a JSON object")
        }
        return schema
    }

    // MARK: - Helpers

    private func text(_ bytes: sb_bytes_t, field: String) throws(PluginLoadError) -> String {
        if bytes.len > 0 && bytes.ptr == nil {
            throw refuse(
                .invalidDescriptor, field, "bytes", "NULL with length \(bytes.len)", "NULL pointer with a length")
        }
        guard bytes.len <= 1 << 20 else {
            throw refuse(.invalidDescriptor, field, "<= 1 MiB", "\(bytes.len) bytes", "too long")
        }
        guard let string = bytes.utf8String else {
            throw refuse(.invalidDescriptor, field, "UTF-8", "invalid UTF-8", "not UTF-8")
        }
        return string
    }

    private func refuse(
        _ code: PluginLoadError.Code, _ field: String, _ expected: String?, _ actual: String?, _ reason: String
    ) -> PluginLoadError {
        PluginLoadError(code, file: file, field: field, expected: expected, actual: actual, reason: reason)
    }
}

/// Copy `declaredSize` bytes of a struct into a zeroed value of the host's layout:
/// fields the plugin does not know read as zero; fields the host does not know are ignored.
func zeroFilledCopy<T>(of raw: UnsafeRawPointer, declaredSize: Int) -> T {
    let size = MemoryLayout<T>.size
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<T>.alignment)
    defer { buffer.deallocate() }
    buffer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
    buffer.copyMemory(from: raw, byteCount: min(size, declaredSize))
    return buffer.load(as: T.self)
}
