import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

@testable import SwitchboardHost

/// ``HostServer/stop()``: the graceful shutdown an embedding program (and every live test,
/// through ``LiveHost/stop()``) uses instead of cancelling the task that runs the server.
@Suite("HostServer.stop")
struct HostServerStopTests {
    @Test("stop() ends run() by itself, uncancelled, after which the port no longer answers")
    func stopEndsRun() async throws {
        let host = try await LiveHost.start(label: "stop")
        #expect(try await host.request(.GET, "/readyz").status == 200)
        await host.stop()
        // LiveHost.stop cancels the server task only when stop() has not ended it within its
        // grace period: a cancelled task here means stop() did not work.
        #expect(!host.task.isCancelled)
        await #expect(throws: (any Error).self) {
            _ = try await host.request(.GET, "/readyz", timeout: .seconds(5))
        }
    }
}
