import Foundation
import Testing

@testable import SwitchboardHost

/// `switchboard plugins check`: one pass/fail line per check, exit 0 only when all pass.
@Suite("Conformance checker")
struct ConformanceTests {
    @Test("the C example passes every check, 1,000 start/stop cycles included")
    func cExamplePasses() async throws {
        let dir = try Fixtures.temporaryDirectory("check-echo")
        let file = try await Fixtures.compile(
            source: Fixtures.repoRoot + "/examples/c-echo/echo.c", to: dir + "/libecho.so")
        let report = await ConformanceChecker(cycles: 1000).check(file: file)
        #expect(report.passed, "\(report.results.filter { !$0.passed })")
        #expect(report.results.contains { $0.name == "1000 instance start/stop cycles" && $0.passed })
        #expect(report.results.count >= 8)
    }

    @Test("the first-party Swift plugins pass")
    func swiftPluginsPass() async throws {
        for name in ["Evolution", "SMS", "Webchat"] {
            let report = await ConformanceChecker(cycles: 200).check(file: Fixtures.binDir + "/lib\(name).so")
            #expect(report.passed, "\(name): \(report.results.filter { !$0.passed })")
        }
    }

    @Test("the CLI prints one line per check and fails on a broken plugin")
    func cliExitStatus() async throws {
        let dir = try Fixtures.temporaryDirectory("check-cli")
        let good = try await Fixtures.compileFixture("versioned", into: dir)
        let bad = try await Fixtures.compileFixture("wrong_major", into: dir)
        let passing = try await Fixtures.run(
            Fixtures.binDir + "/switchboard", ["plugins", "check", "--cycles", "50", good])
        #expect(passing.0 == 0, "\(passing.1)")
        #expect(passing.1.contains("PASS  descriptor and version negotiation"))
        #expect(!passing.1.contains("FAIL"))
        let failing = try await Fixtures.run(
            Fixtures.binDir + "/switchboard", ["plugins", "check", "--cycles", "50", good, bad])
        #expect(failing.0 == 1)
        #expect(failing.1.contains("FAIL  descriptor and version negotiation"))
        #expect(failing.1.contains("abi_major"))
    }

    @Test("a plugin that crashes the scratch host is reported, and the other files are still checked")
    func crashIsReported() async throws {
        let dir = try Fixtures.temporaryDirectory("check-crash")
        let crashing = try await Fixtures.compileFixture("crashes", into: dir)
        let good = try await Fixtures.compileFixture("versioned", into: dir)
        let (status, output) = try await Fixtures.run(
            Fixtures.binDir + "/switchboard", ["plugins", "check", "--cycles", "10", crashing, good])
        #expect(status == 1)
        #expect(output.contains("FAIL  plugin crashed the scratch host"), "\(output)")
        #expect(output.contains("== \(good)"))
        #expect(
            output.components(separatedBy: "PASS  descriptor and version negotiation").count == 3,
            "both files got that far: \(output)")
    }
}
