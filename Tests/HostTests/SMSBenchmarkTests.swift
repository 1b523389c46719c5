import Foundation
import Testing

@testable import SwitchboardHost

/// Measurements, not assertions: run with SMS_BENCHMARK=1 (prints results; never part of the normal suite).
@Suite("SMS benchmark")
struct SMSBenchmarkTests {
    static let enabled = ProcessInfo.processInfo.environment["SMS_BENCHMARK"] != nil

    /// Run `count` operations `concurrency` at a time.
    static func parallel(_ count: Int, _ concurrency: Int, _ op: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<concurrency {
                group.addTask { for i in stride(from: lane, to: count, by: concurrency) { try await op(i) } }
            }
            try await group.waitForAll()
        }
    }

    static func phone(_ prefix: String, _ i: Int) -> String { prefix + String(format: "%07d", i) }

    @Test("routing with 10,000 clients, 500 sitters and 50,000 bookings; inbound webhook throughput", .enabled(if: enabled))
    func routingAtScale() async throws {
        try await SMSChannelTests.with("sms-bench") { w in
            let clients = 10_000, sitters = 500, bookings = 50_000
            let seedStart = Date()
            _ = try await w.create("/numbers", ["e164": SMSWorld.frontDesk, "role": "front_desk"])
            for p in 0..<5 { _ = try await w.create("/numbers", ["e164": Self.phone("+1555100", p), "role": "pool"]) }
            try await Self.parallel(sitters, 8) { i in
                _ = try await w.create("/numbers", ["e164": Self.phone("+1555200", i), "role": "sitter"])
                let id = try await w.create("/sitters", ["name": "Sitter \(i)", "personalPhone": Self.phone("+1415300", i)])
                _ = try await w.api(.POST, "/sitters/\(id)/activate", [:])
            }
            try await Self.parallel(clients, 8) { i in
                _ = try await w.create("/clients", ["name": "Client \(i)", "phone": Self.phone("+1212400", i)])
            }
            let now = Date().timeIntervalSince1970 * 1000
            try await Self.parallel(bookings, 8) { i in
                // Spread over ±30 days, 2 hours each: about 1 in 360 is active now.
                let start = Int(now) + ((i * 7919) % (60 * 24) - 30 * 24) * 3_600_000
                _ = try await w.create("/bookings", [
                    "clientId": i % clients + 1, "sitterId": (i * 31) % sitters + 1, "startsAt": start,
                    "endsAt": start + 7_200_000, "confirmed": true,
                ])
            }
            let seeded = Date().timeIntervalSince(seedStart)

            var inside: [Int] = []
            var roundTrips: [Double] = []
            for i in 0..<2000 {
                let t = Date()
                let reply = try await w.api(.GET, "/routing/preview?clientId=\((i * 4973) % clients + 1)")
                roundTrips.append(Date().timeIntervalSince(t) * 1e6)
                inside.append(reply.json["decisionMicros"] as? Int ?? -1)
            }
            var dry: [Int] = []
            for i in 0..<2000 {
                let reply = try await w.api(.GET, "/routing/preview?record=false&clientId=\((i * 4973) % clients + 1)")
                dry.append(reply.json["decisionMicros"] as? Int ?? -1)
            }
            dry.sort()
            inside.sort()
            roundTrips.sort()
            func pct(_ a: [Double], _ p: Double) -> Double { a[min(a.count - 1, Int(Double(a.count) * p))] }

            let inbound = 2000
            let started = Date()
            try await Self.parallel(inbound, 8) { i in
                let reply = try await w.text(from: Self.phone("+1999500", i), to: SMSWorld.frontDesk, "hello", sid: String(format: "SMu%031d", i))
                if reply.status != 200 { throw Fixtures.CompileError(description: "\(reply.status)") }
            }
            let unknownRate = Double(inbound) / Date().timeIntervalSince(started)
            let started2 = Date()
            try await Self.parallel(inbound, 8) { i in
                let reply = try await w.text(from: Self.phone("+1212400", i % clients), to: SMSWorld.frontDesk, "hello \(i)", sid: String(format: "SMc%031d", i))
                if reply.status != 200 { throw Fixtures.CompileError(description: "\(reply.status)") }
            }
            let clientRate = Double(inbound) / Date().timeIntervalSince(started2)
            print("""
                SMS-BENCH seeded \(clients) clients, \(sitters) sitters, \(bookings) confirmed bookings in \(Int(seeded)) s
                SMS-BENCH routing decision inside the plugin (SQL + rules + trace write): median \(inside[inside.count / 2]) µs, p90 \(inside[inside.count * 9 / 10]) µs, p99 \(inside[inside.count * 99 / 100]) µs
                SMS-BENCH the same without the trace write: median \(dry[dry.count / 2]) µs, p90 \(dry[dry.count * 9 / 10]) µs, p99 \(dry[dry.count * 99 / 100]) µs
                SMS-BENCH preview round trip over loopback HTTP: median \(Int(pct(roundTrips, 0.5))) µs, p99 \(Int(pct(roundTrips, 0.99))) µs
                SMS-BENCH signed inbound webhooks, 8 concurrent: unknown sender \(Int(unknownRate))/s, client to conversation \(Int(clientRate))/s
                """)
        }
    }
}
