import Logging
import SwitchboardStorage

/// Brings the running server in line with registry writes made by other processes (the CLI,
/// other hosts on a shared PostgreSQL): it watches ``HostDatabase/dataVersion()`` and then
/// applies the change log's new rows that another handle wrote (this process applied its own
/// when it made them) to the running instances.
final class RegistryWatcher: Sendable {
    private struct Position {
        var dataVersion: Int64
        var seq: Int64
    }

    let database: HostDatabase
    let runtime: PluginRuntime
    let storage: PluginStorageProvider
    let assistants: AssistantDirectory
    let logger: Logger
    private let position: Locked<Position>

    /// Starts from the current end of the change log: start-up already read the registry.
    init(
        database: HostDatabase, runtime: PluginRuntime, storage: PluginStorageProvider, assistants: AssistantDirectory,
        logger: Logger
    ) throws {
        self.database = database
        self.runtime = runtime
        self.storage = storage
        self.assistants = assistants
        self.logger = logger
        position = Locked(Position(dataVersion: try database.dataVersion(), seq: try database.latestChangeSeq()))
    }

    /// Apply what changed since the last call; returns how many changes were read.
    @discardableResult
    func poll() async -> Int {
        do {
            let version = try database.dataVersion()
            let last = position.withLock { $0 }
            guard version != last.dataVersion else { return 0 }
            let changes = try database.changes(after: last.seq)
            position.withLock { $0 = Position(dataVersion: version, seq: changes.last?.seq ?? last.seq) }
            await apply(changes)
            return changes.count
        } catch {
            logger.error("cannot read registry changes", metadata: ["error": "\(error)"])
            return 0
        }
    }

    private func apply(_ changes: [RegistryChange]) async {
        var seen = Set<String>()
        for change in changes where change.origin != database.origin
            && seen.insert("\(change.kind.rawValue)/\(change.subject)").inserted
        {
            do {
                switch change.kind {
                case .instance:
                    try await runtime.instanceChanged(id: change.subject)
                case .tenant:
                    try await runtime.tenantChanged(id: change.subject)
                    assistants.invalidate(tenantId: change.subject)
                    if try database.tenant(id: change.subject) == nil { try storage.removeTenant(change.subject) }
                case .assistant:
                    assistants.invalidate(tenantId: change.subject)
                case .apiKey:
                    break  // keys are checked against the registry on every use
                }
            } catch {
                logger.error(
                    "registry change could not be applied",
                    metadata: ["kind": "\(change.kind.rawValue)", "id": "\(change.subject)", "error": "\(error)"])
            }
        }
    }

    /// Woken by a `NOTIFY` on PostgreSQL, so a change applies without waiting for the next poll.
    let wakeup = Wakeup()

    /// Poll four times a second (sooner when woken) until cancelled; prune day-old change rows
    /// now and then.
    func run() async {
        var ticks = 0
        while !Task.isCancelled {
            await wakeup.wait(timeout: .milliseconds(250))
            if Task.isCancelled { return }
            await poll()
            ticks += 1
            if ticks % 14_400 == 0 {
                _ = try? database.pruneChanges(before: StorageClock.milliseconds() - 86_400_000)
            }
        }
    }
}
