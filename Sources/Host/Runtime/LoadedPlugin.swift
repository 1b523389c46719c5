import Logging
import NIOPosix
import PluginAPI
import Synchronization

/// A pointer the plugin owns, carried across threads by the host without touching it.
struct PluginPointer: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer?
}

/// One loaded generation of a plugin: its library, manifest, hooks, state and worker threads.
///
/// Libraries are never unloaded (`RTLD_NODELETE`); a retired generation only stops its
/// instances, calls `on_shutdown` and ends its worker threads.
final class LoadedPlugin: Sendable {
    let manifest: PluginManifest
    /// The real path of the library file.
    let file: String
    let generation: Int
    let hooks: PluginHooks
    let state: PluginPointer
    let pool: NIOThreadPool
    /// Bounds the `on_send` calls running at once to half the worker threads, so sends that
    /// block on a slow provider wait their turn here (a suspended task, not a failed attempt)
    /// and never take every thread from the plugin's webhooks.
    let sends: AsyncSemaphore
    let loadedAt: ContinuousClock.Instant
    private let retired = Atomic<Bool>(false)
    private let abandoned = Atomic<Int>(0)

    init(
        manifest: PluginManifest, file: String, generation: Int, hooks: PluginHooks, state: PluginPointer,
        pool: NIOThreadPool, threads: Int
    ) {
        self.manifest = manifest
        self.file = file
        self.generation = generation
        self.hooks = hooks
        self.state = state
        self.pool = pool
        self.sends = AsyncSemaphore(permits: threads / 2)
        self.loadedAt = .now
    }

    var name: String { manifest.name }
    var isRetired: Bool { retired.load(ordering: .relaxed) }

    /// Run a hook call on this plugin's worker threads.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    /// Record that an instance was left without on_instance_stop because a hook never returned.
    func markAbandoned() { abandoned.add(1, ordering: .relaxed) }

    /// Call on_shutdown once and end the worker threads. The library stays mapped.
    /// When an instance had to be abandoned, on_shutdown is skipped too: a hook may still run.
    func retire() async {
        guard !retired.exchange(true, ordering: .relaxed) else { return }
        guard abandoned.load(ordering: .relaxed) == 0 else { return }
        let hooks = self.hooks
        let state = self.state
        _ = try? await run { hooks.raw.on_shutdown?(state.raw) }
        try? await pool.shutdownGracefully()
    }
}
