import Logging
import NIOCore
import PostgresNIO
import SwitchboardStorage

/// `LISTEN channel` on a connection of its own: `onNotification` runs (on a task of the
/// listener's) for every `NOTIFY` on the channel, e.g. each committed registry change. Lost
/// connections are reopened after a second; ``close()`` ends it.
public final class PostgresListener: Sendable {
    private let task: Task<Void, Never>

    init(
        channel: String, connect: @escaping @Sendable () async throws -> PostgresConnection, logger: Logger,
        onNotification: @escaping @Sendable () -> Void
    ) {
        task = Task {
            while !Task.isCancelled {
                do {
                    let connection = try await connect()
                    do {
                        try await withTaskCancellationHandler {
                            try await connection.listen(on: channel) { notifications in
                                onNotification()  // anything committed while (re)connecting
                                for try await _ in notifications { onNotification() }
                            }
                        } onCancel: {
                            let _: EventLoopFuture<Void> = connection.close()
                        }
                    } catch {
                        if !Task.isCancelled {
                            logger.warning(
                                "PostgreSQL LISTEN connection lost; reconnecting", metadata: ["channel": "\(channel)"])
                        }
                    }
                    // Closed before it is released (PostgresNIO requires it).
                    try? await connection.close()
                } catch {
                    if !Task.isCancelled {
                        logger.warning("PostgreSQL LISTEN cannot connect; retrying", metadata: ["channel": "\(channel)"])
                    }
                }
                if Task.isCancelled { return }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Stops listening and closes the connection.
    public func close() { task.cancel() }
}

extension PostgresSQLDatabase {
    /// Listens on `channel` (a lower-case identifier) with a connection outside the pool.
    /// - Throws: invalidArgument for a bad channel name.
    public func listen(channel: String, onNotification: @escaping @Sendable () -> Void) throws -> PostgresListener {
        guard Configuration.isIdentifier(channel) else {
            throw StorageError(.invalidArgument, "a LISTEN channel must be a lower-case identifier")
        }
        return PostgresListener(
            channel: channel, connect: { [self] in try await connectForListening() }, logger: listenLogger,
            onNotification: onNotification)
    }
}
