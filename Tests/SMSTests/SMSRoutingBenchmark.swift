import Glibc
import Testing

@testable import SMSCore

/// The pure routing decision's cost; run with SMS_BENCHMARK=1 (prints, asserts nothing about time).
@Suite("SMS core benchmark")
struct SMSRoutingBenchmark {
    static let enabled = getenv("SMS_BENCHMARK") != nil

    static func nanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    @Test("outbound decision over a client's windows, 5 pool numbers and a front desk", .enabled(if: enabled))
    func decide() {
        let pool = (0..<5).map { MaskedNumber(id: Int64(100 + $0), e164: "+1555100000\($0)", role: .pool) }
        let windows = (0..<5).map { i in
            World.window(World.booking(Int64(i), start: World.now + Int64(i - 4) * World.hour, end: World.now + Int64(i - 3) * World.hour))
        }
        let situation = OutboundSituation(windows: windows, pool: pool, frontDesk: [World.desk], poolLoad: [100: 3, 101: 1], now: World.now)
        var samples: [Int64] = []
        for _ in 0..<20_000 {
            let t = Self.nanos()
            let d = OutboundRouter.decide(situation)
            samples.append(Self.nanos() - t)
            #expect(d.from != nil)
        }
        samples.sort()
        print("SMS-BENCH core decision: median \(samples[samples.count / 2]) ns, p99 \(samples[samples.count * 99 / 100]) ns")
    }
}
