// switchboard-registry-benchmark: a registry of many tenants (default 10,000 × 3 instances).
//
// 1. Resolve: binding a webhook to its tenant and instance configuration from the in-memory
//    registry (`PluginRuntime.resolve`), against a baseline of plain nested Dictionary lookups of
//    the same names, interleaved sample by sample in one process.
// 2. Start-up and memory: the release `switchboard serve` process on that registry, from spawn to
//    /readyz answering 200, and its resident memory (VmRSS) then; against the same process on an
//    empty registry, runs interleaved.
//
// Usage: switchboard-registry-benchmark [--tenants N] [--samples K] [--iterations M] [--runs R]
// See BENCHMARKS.md. Always run a release build.
import Foundation
import Logging
import SwitchboardHost
import SwitchboardStorage

struct Options {
    var tenants = 10_000
    var samples = 31
    var iterations = 1_000_000
    var runs = 5

    init(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst(), let number = Int(value) else { fail("bad value for \(flag)") }
            switch flag {
            case "--tenants": tenants = number
            case "--samples": samples = number
            case "--iterations": iterations = number
            case "--runs": runs = number
            default: fail("unknown option \(flag)")
            }
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("switchboard-registry-benchmark: \(message)\n".utf8))
    exit(1)
}

func nanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count - 1)).rounded())))]
}

let options = Options(CommandLine.arguments)
let fileManager = FileManager.default
let executable = (try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
let binDirectory = (executable as NSString).deletingLastPathComponent
let plugins = [("evolution", "wa"), ("sms", "sms"), ("webchat", "web")]
for (plugin, _) in plugins {
    let file = binDirectory + "/lib\(plugin == "sms" ? "SMS" : plugin.capitalized).so"
    guard fileManager.fileExists(atPath: file) else { fail("\(file) missing: run Benchmarks/run-registry.sh") }
}
guard fileManager.fileExists(atPath: binDirectory + "/switchboard") else { fail("switchboard binary missing") }

let scratch = fileManager.temporaryDirectory.appendingPathComponent("sb-registry-\(UUID().uuidString)").path
defer { try? fileManager.removeItem(atPath: scratch) }
let full = scratch + "/full"
let empty = scratch + "/empty"
for directory in [full, empty] { try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true) }
let masterKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()

// MARK: - The registry

let logger = Logger(label: "bench")
let setupStart = nanoseconds()
do {
    let database = try HostDatabase(dataDirectory: full, logger: logger)
    let box = try SecretBox.load(environment: ["SWITCHBOARD_MASTER_KEY": masterKey], dataDirectory: full)
    let sealed = try box.seal(Array(#"{"evolution_key":"k-0123456789abcdef","agent_api_key":"a-0123456789"}"#.utf8))
    try database.connection.transaction {
        for index in 0..<options.tenants {
            let tenant = try database.createTenant(slug: "t\(index)", name: "Tenant \(index)")
            for (plugin, suffix) in plugins {
                let settings =
                    plugin == "evolution"
                    ? #"{"evolution_url":"https://evo.example.com","whatsapp_instance":"t\#(index)","agent_timeout":30}"#
                    : "{}"
                _ = try database.createInstance(
                    tenantId: tenant.id, plugin: plugin, name: "t\(index)-\(suffix)", settings: settings,
                    secrets: plugin == "evolution" ? sealed : nil)
            }
        }
    }
    _ = try HostDatabase(dataDirectory: empty, logger: logger)
}
let setupSeconds = Double(nanoseconds() - setupStart) / 1e9
let registryBytes = (try? fileManager.attributesOfItem(atPath: full + "/host.sqlite")[.size] as? Int) ?? 0

// MARK: - 1. Resolve from the in-memory registry

var configuration = HostConfiguration()
configuration.dataDirectory = full
configuration.pluginDirectories = [binDirectory]
configuration.instanceStart = .lazy
setenv("SWITCHBOARD_MASTER_KEY", masterKey, 1)
let server = try HostServer(configuration: configuration, executableDirectory: binDirectory, logger: logger)
try await server.start()

// The same names in a shuffled order, so lookups do not walk memory in insertion order.
let names: [(String, String)] = (0..<options.tenants).flatMap { index in
    plugins.map { ($0.0, "t\(index)-\($0.1)") }
}.shuffled()
guard names.allSatisfy({ server.runtime.resolve(plugin: $0.0, instance: $0.1) != nil }) else {
    fail("a registry instance did not resolve")
}
// Baseline: a plain nested dictionary plugin → name → id, built from the same names.
let plain: [String: [String: Int]] = names.enumerated().reduce(into: [:]) { table, entry in
    table[entry.element.0, default: [:]][entry.element.1] = entry.offset
}

let m = options.iterations
func timeResolve() -> UInt64 {
    let start = nanoseconds()
    var hits = 0
    for call in 0..<m {
        let (plugin, name) = names[call % names.count]
        if let entry = server.runtime.resolve(plugin: plugin, instance: name), entry.isServable { hits &+= 1 }
    }
    let elapsed = nanoseconds() - start
    if hits != m { fail("resolve missed") }
    return elapsed
}
func timePlain() -> UInt64 {
    let start = nanoseconds()
    var hits = 0
    for call in 0..<m {
        let (plugin, name) = names[call % names.count]
        if plain[plugin]?[name] != nil { hits &+= 1 }
    }
    let elapsed = nanoseconds() - start
    if hits != m { fail("plain lookup missed") }
    return elapsed
}
_ = timeResolve()
_ = timePlain()
var resolveSamples: [Double] = []
var plainSamples: [Double] = []
for _ in 0..<options.samples {
    plainSamples.append(Double(timePlain()) / Double(m))
    resolveSamples.append(Double(timeResolve()) / Double(m))
}
await server.shutdown()

// MARK: - 2. Start-up time and resident memory of `switchboard serve`

/// GET a path on loopback with a plain socket; the status code, or nil when nothing listens.
func status(port: Int, path: String) -> Int? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
    var buffer = [UInt8](repeating: 0, count: 64)
    let count = recv(fd, &buffer, buffer.count, 0)
    guard count >= 12 else { return nil }
    return Int(String(decoding: buffer[9..<12], as: UTF8.self))
}

func residentKB(_ pid: Int32) -> Int {
    let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let line = text.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}

struct StartRun {
    var seconds: Double
    var residentKB: Int
}

func startServer(dataDirectory: String, mode: String) -> StartRun {
    let port = Int.random(in: 30000...60000)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binDirectory + "/switchboard")
    process.arguments = ["serve", "--data-dir", dataDirectory, "--port", "\(port)"]
    var environment = ProcessInfo.processInfo.environment
    environment["SWITCHBOARD_MASTER_KEY"] = masterKey
    environment["SWITCHBOARD_PLUGINS_INSTANCE_START"] = mode
    environment["SWITCHBOARD_PLUGIN_DIRS"] = binDirectory
    environment["SWITCHBOARD_LOG_LEVEL"] = "error"
    process.environment = environment
    let logFile = scratch + "/serve-\(mode).log"
    _ = fileManager.createFile(atPath: logFile, contents: nil)
    let log = FileHandle(forWritingAtPath: logFile)
    process.standardOutput = log
    process.standardError = log
    let start = nanoseconds()
    do { try process.run() } catch { fail("cannot start switchboard: \(error)") }
    while status(port: port, path: "/readyz") != 200 {
        guard process.isRunning else {
            let output = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            fail("switchboard exited during start-up (\(mode), status \(process.terminationStatus)):\n\(output.suffix(3000))")
        }
        guard nanoseconds() - start < 120_000_000_000 else { fail("switchboard not ready after 120 s") }
        usleep(2_000)
    }
    let seconds = Double(nanoseconds() - start) / 1e9
    usleep(200_000)  // let start-up garbage settle before reading memory
    let resident = residentKB(process.processIdentifier)
    process.terminate()
    process.waitUntilExit()
    return StartRun(seconds: seconds, residentKB: resident)
}

var rows: [String: [StartRun]] = [:]
let variants = [("empty registry, lazy", empty, "lazy"), ("10k x 3, lazy", full, "lazy"), ("10k x 3, eager", full, "eager")]
_ = startServer(dataDirectory: empty, mode: "lazy")  // warm the page cache
for _ in 0..<options.runs {
    for (label, directory, mode) in variants { rows[label, default: []].append(startServer(dataDirectory: directory, mode: mode)) }
}

// MARK: - Report

let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
    .split(separator: "\n").first { $0.hasPrefix("model name") }?
    .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown"
print("switchboard-registry-benchmark  \(ISO8601DateFormatter().string(from: Date()))  cpus: \(ProcessInfo.processInfo.activeProcessorCount)  cpu: \(cpu)")
print("registry: \(options.tenants) tenants x 3 instances (host.sqlite \(registryBytes / 1024) KiB, built in \(String(format: "%.1f", setupSeconds)) s)")
print("\nResolve plugin + instance name -> instance and tenant records  (\(options.samples) samples x \(m) calls)")
let plainMedian = median(plainSamples)
let resolveMedian = median(resolveSamples)
func ns(_ value: Double) -> String { String(format: "%8.1f ns", value) }
print("  a  baseline: nested Dictionary lookup   median \(ns(plainMedian))  p10 \(ns(percentile(plainSamples, 10)))  p90 \(ns(percentile(plainSamples, 90)))")
print("  b  PluginRuntime.resolve                median \(ns(resolveMedian))  p10 \(ns(percentile(resolveSamples, 10)))  p90 \(ns(percentile(resolveSamples, 90)))  x base \(String(format: "%.2f", resolveMedian / plainMedian))  goal < 1 µs: \(resolveMedian < 1000 ? "met" : "MISSED")")
print("\nswitchboard serve: spawn to /readyz 200, then VmRSS  (\(options.runs) runs each, interleaved; medians)")
let baseSeconds = median(rows["empty registry, lazy"]!.map(\.seconds))
let baseRSS = median(rows["empty registry, lazy"]!.map { Double($0.residentKB) })
for (label, _, _) in variants {
    let runs = rows[label]!
    let seconds = median(runs.map(\.seconds))
    let rss = median(runs.map { Double($0.residentKB) })
    let goals = label.hasSuffix("lazy") && label.hasPrefix("10k")
        ? "  goals < 2 s: \(seconds < 2 ? "met" : "MISSED"), < 150 MB: \(rss < 150 * 1024 ? "met" : "MISSED")" : ""
    print(
        "  \(label.padding(toLength: 22, withPad: " ", startingAt: 0))  start \(String(format: "%6.3f", seconds)) s (x \(String(format: "%.2f", seconds / baseSeconds)))  RSS \(String(format: "%6.1f", rss / 1024)) MB (x \(String(format: "%.2f", rss / baseRSS)))\(goals)"
    )
}
