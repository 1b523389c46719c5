import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

@testable import SwitchboardHost

/// ``HostServer/stop()``: the graceful shutdown an embedding program (and every live test) uses
/// instead of cancelling the task that runs the server.
@Suite("HostServer.stop")
struct HostServerStopTests {
    @Test("stop() ends run() by itself, uncancelled, after which the port no longer answers")
    func stopEndsRun() async throws {
        let (server, dataDirectory, pluginDirectory) = try await LiveHost.makeServer(label: "stop")
        defer {
            try? FileManager.default.removeItem(atPath: dataDirectory)
            try? FileManager.default.removeItem(atPath: pluginDirectory)
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let run = Task {
            try await server.run { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }
        }
        var port = 0
        for await value in ports { port = value }
        #expect(port > 0)
        let ready = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz"), timeout: .seconds(10))
        #expect(ready.status == .ok)

        await server.stop()
        // run() returns without being cancelled: nothing but stop() ended it (a watchdog cancels
        // it after a minute, which fails the test instead of hanging it).
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            run.cancel()
        }
        _ = try? await run.value
        watchdog.cancel()
        #expect(!run.isCancelled)
        await #expect(throws: (any Error).self) {
            _ = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz"), timeout: .seconds(5))
        }
    }
}
