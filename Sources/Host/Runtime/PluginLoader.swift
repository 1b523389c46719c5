import Foundation
import Logging
import NIOPosix
import PluginAPI
import SwitchboardStorage

/// Finds, opens and checks plugin libraries, and calls their entry and on_init.
///
/// Every refusal is a `PluginLoadError` naming the file, the field and both values.
struct PluginLoader: Sendable {
    /// Directories plugins may be loaded from; paths elsewhere are refused.
    var directories: [String]
    /// Plugin names this deployment loads; nil loads any.
    var enabled: [String]?
    var threadsPerPlugin: Int
    var logger: Logger
    /// The SQL a plugin's migrations must be written in (checked at load).
    var sqlDialect: PluginSQLDialect.Mode = .portable

    static let hostMajor = UInt16(SB_ABI_MAJOR)
    static let hostMinor = UInt16(SB_ABI_MINOR)

    /// Candidate plugin files in the configured directories, sorted by path.
    func discover() -> [String] {
        var files: [String] = []
        for directory in directories {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            for name in names.sorted() where name.hasSuffix(".so") {
                files.append((directory as NSString).appendingPathComponent(name))
            }
        }
        return files
    }

    /// The plugin name a file is expected to hold, from its name: libEvolution.so → evolution.
    static func stem(ofFile path: String) -> String {
        var name = (path as NSString).lastPathComponent.lowercased()
        if name.hasSuffix(".so") { name.removeLast(3) }
        if name.hasPrefix("lib") { name.removeFirst(3) }
        return name
    }

    /// The real path of `path` when it lies inside a configured directory.
    func resolve(_ path: String) throws(PluginLoadError) -> String {
        guard let real = Self.realPath(path) else {
            throw PluginLoadError(.notFound, file: path, reason: "no such file")
        }
        let inside = directories.compactMap(Self.realPath).contains { directory in
            real.hasPrefix(directory.hasSuffix("/") ? directory : directory + "/")
        }
        guard inside else {
            throw PluginLoadError(
                .outsidePluginDirectories, file: real, field: "path", expected: directories.joined(separator: ", "),
                actual: real, reason: "file is outside the configured plugin directories")
        }
        return real
    }

    /// Open the library, read and check its descriptor, and run on_init on fresh worker threads.
    func load(realPath file: String, generation: Int) async throws(PluginLoadError) -> LoadedPlugin {
        // Plugin code never runs on the event loop or Swift's cooperative threads: dlopen, the
        // entry function and on_init run on the new generation's own worker threads.
        let pool = NIOThreadPool(numberOfThreads: threadsPerPlugin)
        pool.start()
        let opened: Result<(PluginManifest, PluginHooks), PluginLoadError>
        do {
            opened = try await pool.runIfActive { [self] in
                Result { () throws(PluginLoadError) in try open(file) }
            }
        } catch {
            opened = .failure(PluginLoadError(.initFailed, file: file, reason: "worker threads unavailable: \(error)"))
        }
        let manifest: PluginManifest
        let hooks: PluginHooks
        switch opened {
        case .success(let value): (manifest, hooks) = value
        case .failure(let error):
            try? await pool.shutdownGracefully()
            throw error
        }
        let initResult: (sb_status_t, String?, PluginPointer)
        do {
            initResult = try await pool.runIfActive {
                var error = ErrorBuffer()
                var state: UnsafeMutableRawPointer?
                let status = hooks.raw.on_init!(HostServices.table, &state, &error.raw)
                return (status, error.message, PluginPointer(raw: state))
            }
        } catch {
            try? await pool.shutdownGracefully()
            throw PluginLoadError(.initFailed, file: file, reason: "worker threads unavailable: \(error)")
        }
        guard initResult.0 == SB_OK else {
            try? await pool.shutdownGracefully()
            throw PluginLoadError(
                .initFailed, file: file, field: "on_init", expected: "\(ABIStatus.ok)",
                actual: "\(ABIStatus(initResult.0))",
                reason: "on_init failed: \(initResult.1 ?? "no reason given")")
        }
        return LoadedPlugin(
            manifest: manifest, file: file, generation: generation, hooks: hooks, state: initResult.2, pool: pool,
            threads: threadsPerPlugin)
    }

    /// The manifest of a plugin file, read without running on_init (for tools that only need
    /// settings schemas). Runs plugin code (library constructors, the entry) on this thread.
    func describe(_ file: String) throws(PluginLoadError) -> PluginManifest {
        try open(try resolve(file)).0
    }

    /// Check the file, dlopen it, call its entry and read its descriptor. Runs on a worker thread.
    private func open(_ file: String) throws(PluginLoadError) -> (PluginManifest, PluginHooks) {
        try checkELF(file)
        guard let library = dlopen(file, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            throw PluginLoadError(.dlopenFailed, file: file, reason: reason)
        }
        guard let symbol = dlsym(library, SB_PLUGIN_ENTRY_SYMBOL) else {
            throw PluginLoadError(
                .missingEntry, file: file, field: "symbol", expected: SB_PLUGIN_ENTRY_SYMBOL, actual: "absent",
                reason: "library does not export the entry function")
        }
        let entry = unsafeBitCast(symbol, to: sb_plugin_entry_fn.self)
        var error = ErrorBuffer()
        guard let descriptor = entry(Self.hostMajor, Self.hostMinor, &error.raw) else {
            throw PluginLoadError(
                .noDescriptor, file: file, reason: "entry returned no descriptor: \(error.message ?? "no reason given")"
            )
        }
        let reader = DescriptorReader(file: file, hostMajor: Self.hostMajor, hostMinor: Self.hostMinor)
        let (manifest, hooks) = try reader.read(descriptor)
        for (index, migration) in manifest.migrations.enumerated() {
            if let violation = PluginSQLDialect.check(migration.sql, mode: sqlDialect) {
                throw PluginLoadError(
                    .invalidDescriptor, file: file, field: "migrations[\(index)].sql", expected: "portable SQL",
                    actual: "\"\(migration.name)\"", reason: violation.description)
            }
        }
        if let enabled, !enabled.contains(manifest.name) {
            throw PluginLoadError(
                .notEnabled, file: file, field: "name", expected: enabled.joined(separator: ", "), actual: manifest.name,
                reason: "plugin is not in this deployment's enabled list")
        }
        return (manifest, hooks)
    }

    /// Refuse files that are not complete ELF shared objects for this machine before dlopen
    /// sees them: the dynamic loader maps a truncated file and dies with SIGBUS.
    private func checkELF(_ file: String) throws(PluginLoadError) {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw PluginLoadError(.notFound, file: file, reason: "cannot read file")
        }
        switch ELFCheck.inspect(Array(data)) {
        case .success: return
        case .failure(let problem):
            throw PluginLoadError(
                problem.field == "size" ? .truncated : .notALibrary, file: file, field: problem.field,
                expected: problem.expected, actual: problem.actual, reason: problem.reason)
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
