// switchboard-benchmarks: hook round trips and KV calls through the plugin ABI, in one run,
// so every subject is compared with a baseline measured in the same process at the same time.
//
// Usage: switchboard-benchmarks [--samples K] [--iterations M] [--kv-iterations N] [--root DIR]
// See BENCHMARKS.md. Always run a release build.
import Foundation
import Logging
import PluginAPI
import SwitchboardHost
import SwitchboardStorage

// MARK: - Options

struct Options {
    var samples = 31
    var iterations = 1_000_000
    var kvIterations = 2_000
    var root: String?

    init(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { fail("missing value for \(flag)") }
            switch flag {
            case "--samples": samples = Int(value) ?? samples
            case "--iterations": iterations = Int(value) ?? iterations
            case "--kv-iterations": kvIterations = Int(value) ?? kvIterations
            case "--root": root = value
            default: fail("unknown option \(flag)")
            }
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("switchboard-benchmarks: \(message)\n".utf8))
    exit(1)
}

// MARK: - Statistics

/// Per-call times (ns) of K samples.
struct Samples {
    var perCall: [Double] = []

    mutating func add(elapsed: UInt64, calls: Int) { perCall.append(Double(elapsed) / Double(calls)) }

    /// Nearest-rank percentile.
    func percentile(_ p: Double) -> Double {
        let sorted = perCall.sorted()
        let rank = Int((p / 100 * Double(sorted.count - 1)).rounded())
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    var median: Double { percentile(50) }
}

func format(_ ns: Double) -> String {
    ns >= 1000 ? String(format: "%.2f µs", ns / 1000) : String(format: "%.2f ns", ns)
}

// MARK: - Set-up

let options = Options(CommandLine.arguments)
let fileManager = FileManager.default
let executable = (try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
let binDirectory = (executable as NSString).deletingLastPathComponent

/// The repository root: --root, else the first ancestor of the executable or the working
/// directory that holds examples/c-echo/echo.c.
func findRoot() -> String {
    if let root = options.root { return root }
    for start in [binDirectory, fileManager.currentDirectoryPath] {
        var directory = start
        while directory != "/" && !directory.isEmpty {
            if fileManager.fileExists(atPath: directory + "/examples/c-echo/echo.c") { return directory }
            directory = (directory as NSString).deletingLastPathComponent
        }
    }
    fail("cannot find the repository root (examples/c-echo/echo.c); pass --root")
}

/// `cc -O2 -shared -fPIC -I<header dir> source -o output`.
func compile(_ source: String, to output: String, root: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["cc", "-O2", "-shared", "-fPIC", "-I", root + "/Sources/PluginAPI/include", source, "-o", output]
    do {
        try process.run()
        process.waitUntilExit()
    } catch {
        fail("cannot run cc: \(error)")
    }
    guard process.terminationStatus == 0 else { fail("cc failed for \(source)") }
}

let root = findRoot()
let scratch = fileManager.temporaryDirectory.appendingPathComponent("switchboard-bench-\(UUID().uuidString)").path
try fileManager.createDirectory(atPath: scratch + "/baseline", withIntermediateDirectories: true)
try fileManager.createDirectory(atPath: scratch + "/plugins", withIntermediateDirectories: true)
defer { try? fileManager.removeItem(atPath: scratch) }

// (a) Baseline: a C no-op in its own .so, called through a function pointer.
compile(root + "/Benchmarks/CSources/noop.c", to: scratch + "/baseline/libbenchnoop.so", root: root)
guard let baselineLibrary = dlopen(scratch + "/baseline/libbenchnoop.so", RTLD_NOW | RTLD_LOCAL),
    let baselineSymbol = dlsym(baselineLibrary, "bench_noop_timer")
else { fail("cannot load the baseline no-op") }
let baseline = unsafeBitCast(baselineSymbol, to: HookProbe.TimerHook.self)

// (b) The C echo plugin, (c) the Swift SDK no-op plugin, each in its own scratch host.
compile(root + "/examples/c-echo/echo.c", to: scratch + "/plugins/libecho.so", root: root)
let noopFile = binDirectory + "/libNoopPlugin.so"
guard fileManager.fileExists(atPath: noopFile) else {
    fail("\(noopFile) is missing: build the NoopPlugin product first (see Benchmarks/run.sh)")
}
let echo = try await HookProbe.start(pluginFile: scratch + "/plugins/libecho.so")
let noop = try await HookProbe.start(pluginFile: noopFile)

// MARK: - Hook round trips

let k = options.samples
let m = options.iterations
var hookRows: [(String, Samples)] = [
    ("a  baseline: C no-op via fn pointer", Samples()),
    ("b  C plugin on_timer (echo.c)", Samples()),
    ("c  Swift SDK on_timer (NoopPlugin)", Samples()),
]
let hookRuns: [() throws -> UInt64] = [
    { HookProbe.timeCalls(baseline, context: nil, iterations: m) },
    { try echo.timeOnTimer(iterations: m) },
    { try noop.timeOnTimer(iterations: m) },
]
for run in hookRuns { for _ in 0..<3 { _ = try run() } }  // warm up
for _ in 0..<k {  // interleaved, so drift and neighbours' load hit all three alike
    for (index, run) in hookRuns.enumerated() { hookRows[index].1.add(elapsed: try run(), calls: m) }
}

// MARK: - KV through the ABI

let n = options.kvIterations
let key = Array("bench:key:0123456789abcdef012345".utf8)  // 32 bytes
let value = (0..<128).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }  // 128 bytes
precondition(key.count == 32 && value.count == 128)
guard echo.kvPut(key: key, value: value) == SB_OK else { fail("kv_put failed") }

// Reference: the same SQLite work without the ABI (PluginStorage.kvGet/kvPut on its own file).
let directProvider = PluginStorageProvider(dataDirectory: scratch + "/direct", logger: Logger(label: "bench"))
let direct = try directProvider.storage(tenant: "bench", plugin: "direct", migrations: [])
try direct.kvPut(key: key, value: value)

var kvRows: [(String, Samples)] = [
    ("d  PluginStorage.kvGet (no ABI)", Samples()),
    ("e  kv_get via host table + bytes_free", Samples()),
    ("f  PluginStorage.kvPut (no ABI)", Samples()),
    ("g  kv_put via host table", Samples()),
]
let kvRuns: [() throws -> UInt64] = [
    {
        try key.withUnsafeBytes { keyBytes in
            let start = HookProbe.monotonicNanoseconds()
            var total = 0
            for _ in 0..<n { total &+= try direct.kvGet(keyBytes)?.count ?? 0 }
            let elapsed = HookProbe.monotonicNanoseconds() &- start
            guard total == n * value.count else { fail("direct kvGet read \(total) bytes") }
            return elapsed
        }
    },
    { try echo.timeKVGet(key: key, expectedLength: value.count, iterations: n) },
    {
        try key.withUnsafeBytes { keyBytes in
            try value.withUnsafeBytes { valueBytes in
                let start = HookProbe.monotonicNanoseconds()
                for _ in 0..<n { try direct.kvPut(key: keyBytes, value: valueBytes) }
                return HookProbe.monotonicNanoseconds() &- start
            }
        }
    },
    { try echo.timeKVPut(key: key, value: value, iterations: n) },
]
for run in kvRuns { _ = try run() }  // warm up
for _ in 0..<k {
    for (index, run) in kvRuns.enumerated() { kvRows[index].1.add(elapsed: try run(), calls: n) }
}

await echo.shutdown()
await noop.shutdown()

// MARK: - Report

func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
func lpad(_ s: String, _ width: Int) -> String { s.count >= width ? s : String(repeating: " ", count: width - s.count) + s }

func printTable(_ title: String, _ rows: [(String, Samples)], iterations: Int, baseline: (Int) -> Int?, goal: (Int) -> String) {
    print("\n\(title)  (\(k) samples x \(iterations) calls; per-call time)")
    print(pad("benchmark", 40) + lpad("median", 11) + lpad("p10", 11) + lpad("p90", 11) + lpad("x base", 9) + "  goal")
    for (index, row) in rows.enumerated() {
        let ratio = baseline(index).map { String(format: "%.2f", row.1.median / rows[$0].1.median) } ?? "-"
        print(
            pad(row.0, 40) + lpad(format(row.1.median), 11) + lpad(format(row.1.percentile(10)), 11)
                + lpad(format(row.1.percentile(90)), 11) + lpad(ratio, 9) + "  " + goal(index))
    }
}

let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
    .split(separator: "\n").first { $0.hasPrefix("model name") }?
    .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown"
print("switchboard-benchmarks  \(ISO8601DateFormatter().string(from: Date()))  cpus: \(ProcessInfo.processInfo.activeProcessorCount)  cpu: \(cpu)")
printTable("Hook round trip host -> plugin -> host", hookRows, iterations: m, baseline: { _ in 0 }) { index in
    index == 2 ? (hookRows[2].1.median <= 20 ? "<= 20 ns: met" : "<= 20 ns: MISSED") : ""
}
printTable("KV through the ABI (32-byte key, 128-byte value, SQLite WAL file in a temp dir)", kvRows, iterations: n,
    baseline: { $0 % 2 == 1 ? $0 - 1 : nil }) { index in
    index == 1 ? (kvRows[1].1.median < 5_000 ? "< 5 µs: met" : "< 5 µs: MISSED") : ""
}
print("\nx base: subject median / baseline median of this run (hooks: row a; KV: the no-ABI row above it).")
