// switchboard-conversation-benchmark: inbound → template agent → outbound through a C plugin
// (Benchmarks/CSources/relay.c) on a real host over loopback, with durable SQLite persistence.
//
// Baseline, measured in the same run: the same HTTP round trip to the same plugin (POST …/ping),
// which answers without the conversation core. Subject: POST …/in (inbound_deliver, committed
// before the answer), then the template agent's reply through the outbox to the plugin's on_send.
//
// 1. Latency, one message at a time: from sending the webhook until the plugin's on_send was
//    called for its reply. Median and p99; host overhead = subject - baseline.
// 2. Throughput: K concurrent clients send M messages; messages per second until every reply
//    has reached on_send (baseline: pings per second).
//
// Usage: switchboard-conversation-benchmark [--messages M] [--clients K] [--sequential N] [--root DIR]
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SwitchboardHost

struct Options {
    var messages = 20_000
    var clients = 64
    var sequential = 2_000
    var root: String?

    init(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { fail("missing value for \(flag)") }
            switch flag {
            case "--messages": messages = Int(value) ?? messages
            case "--clients": clients = Int(value) ?? clients
            case "--sequential": sequential = Int(value) ?? sequential
            case "--root": root = value
            default: fail("unknown option \(flag)")
            }
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("switchboard-conversation-benchmark: \(message)\n".utf8))
    exit(1)
}

func nanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count - 1)).rounded())))]
}

let options = Options(CommandLine.arguments)
let fileManager = FileManager.default

func findRoot() -> String {
    if let root = options.root { return root }
    var directory = fileManager.currentDirectoryPath
    while directory != "/" && !directory.isEmpty {
        if fileManager.fileExists(atPath: directory + "/Benchmarks/CSources/relay.c") { return directory }
        directory = (directory as NSString).deletingLastPathComponent
    }
    fail("run from the repository (Benchmarks/CSources/relay.c not found) or pass --root")
}

let root = findRoot()
let scratch = fileManager.temporaryDirectory.appendingPathComponent("sb-conv-\(UUID().uuidString)").path
try fileManager.createDirectory(atPath: scratch + "/plugins", withIntermediateDirectories: true)
defer { try? fileManager.removeItem(atPath: scratch) }
let relayFile = scratch + "/plugins/librelay.so"
let cc = Process()
cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
cc.arguments = ["cc", "-O2", "-shared", "-fPIC", "-I", root + "/Sources/PluginAPI/include", root + "/Benchmarks/CSources/relay.c", "-o", relayFile]
try cc.run()
cc.waitUntilExit()
guard cc.terminationStatus == 0 else { fail("cc failed") }

var configuration = HostConfiguration()
configuration.port = 0
configuration.dataDirectory = scratch + "/data"
configuration.pluginDirectories = [scratch + "/plugins"]
configuration.logLevel = .error
configuration.conversations.agentCallsPerMinute = 0
configuration.conversations.concurrency = 64
var logger = Logger(label: "bench")
logger.logLevel = .error
setenv("SWITCHBOARD_MASTER_KEY", Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString(), 1)
let server = try HostServer(configuration: configuration, executableDirectory: scratch, logger: logger)
let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
let serverTask = Task {
    try await server.run { channel in
        portContinuation.yield(channel.localAddress?.port ?? 0)
        portContinuation.finish()
    }
}
var port = 0
for await value in portStream { port = value }
guard port > 0 else { fail("server did not start") }
let baseURL = "http://127.0.0.1:\(port)/webhook/relay/r/"
_ = try server.admin.createTenant(slug: "bench", name: "Bench")
_ = try await server.admin.createInstance(AdminService.NewInstance(tenant: "bench", plugin: "relay", name: "r"))

guard let library = dlopen(relayFile, RTLD_NOW | RTLD_NOLOAD), let symbol = dlsym(library, "bench_relay_sent") else {
    fail("cannot reach bench_relay_sent in the loaded relay plugin")
}
typealias SentCounter = @convention(c) () -> UInt64
let sentCount = unsafeBitCast(symbol, to: SentCounter.self)

let client = HTTPClient(
    eventLoopGroupProvider: .singleton,
    configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)))
let counter = Counter()

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

/// POST to the relay instance; the external id makes every inbound message new.
func post(_ path: String) async throws {
    var request = HTTPClientRequest(url: baseURL + path)
    request.method = .POST
    request.headers.add(name: "content-type", value: "application/json")
    let id = counter.next()
    request.body = .bytes(ByteBuffer(string: #"{"external_id":"m\#(id)","from":"+1555\#(id % 1000)","text":"hello \#(id)"}"#))
    let response = try await client.execute(request, timeout: .seconds(30))
    guard response.status == .ok else { fail("\(path) answered \(response.status)") }
    _ = try await response.body.collect(upTo: 1 << 16)
}

/// Wait until on_send has been called `target` times. `spin` polls without sleeping, for the
/// one-at-a-time latency runs; otherwise it sleeps 1 ms between polls, so the wait does not
/// take a core away from the host it measures (a spinning wait halved the throughput figure).
func waitForSends(_ target: UInt64, spin: Bool = false) async {
    let deadline = nanoseconds() + 120_000_000_000
    while sentCount() < target {
        if nanoseconds() > deadline { fail("replies stalled at \(sentCount()) of \(target)") }
        if spin { await Task.yield() } else { try? await Task.sleep(for: .milliseconds(1)) }
    }
}

// Warm up both paths.
for _ in 0..<200 { try await post("ping") }
for _ in 0..<200 { try await post("in") }
await waitForSends(200)

// MARK: 1. Sequential latency, interleaved

var pingTimes: [Double] = []
var messageTimes: [Double] = []
for _ in 0..<options.sequential {
    var start = nanoseconds()
    try await post("ping")
    pingTimes.append(Double(nanoseconds() - start) / 1000)
    let target = sentCount() + 1
    start = nanoseconds()
    try await post("in")
    await waitForSends(target, spin: true)
    messageTimes.append(Double(nanoseconds() - start) / 1000)
}

// MARK: 2. Throughput with K clients

func run(_ path: String, total: Int) async throws -> Double {
    let perClient = total / options.clients
    let start = nanoseconds()
    let before = sentCount()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<options.clients {
            group.addTask { for _ in 0..<perClient { try await post(path) } }
        }
        try await group.waitForAll()
    }
    if path == "in" { await waitForSends(before + UInt64(perClient * options.clients)) }
    return Double(perClient * options.clients) / (Double(nanoseconds() - start) / 1e9)
}
/// The same throughput run with wrk as the client (C, its own threads): the in-process client
/// above shares the host's two cores and costs about as much as the host itself. Returns nil
/// when wrk is not installed.
func runWithWrk(_ path: String, seconds: Int) async throws -> Double? {
    let wrk = Process()
    wrk.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    wrk.arguments = [
        "wrk", "-t2", "-c\(options.clients)", "-d\(seconds)s", "-s", root + "/Benchmarks/ConversationBenchmark/relay.lua",
        baseURL + path,
    ]
    let output = Pipe()
    wrk.standardOutput = output
    wrk.standardError = FileHandle.nullDevice
    let before = sentCount()
    let start = nanoseconds()
    guard (try? wrk.run()) != nil else { return nil }
    // Polled, not waited for: a blocked thread would be one of the two the host runs on. wrk's
    // report is a few hundred bytes, well within the pipe's buffer.
    while wrk.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    guard wrk.terminationStatus == 0,
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first(where: { $0.contains("requests in") }),
        let count = line.split(separator: " ").first.flatMap({ UInt64($0) })
    else { return nil }
    if path == "in" { await waitForSends(before + count) }
    return Double(count) / (Double(nanoseconds() - start) / 1e9)
}

let pingRate = try await run("ping", total: options.messages)
let messageRate = try await run("in", total: options.messages)
let wrkPingRate = try await runWithWrk("ping", seconds: 10)
let wrkMessageRate = try await runWithWrk("in", seconds: 10)

try await client.shutdown()
serverTask.cancel()
_ = try? await serverTask.value

// MARK: Report

let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
    .split(separator: "\n").first { $0.hasPrefix("model name") }?
    .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown"
func us(_ value: Double) -> String { String(format: "%8.1f µs", value) }
print("switchboard-conversation-benchmark  \(ISO8601DateFormatter().string(from: Date()))  cpus: \(ProcessInfo.processInfo.activeProcessorCount)  cpu: \(cpu)")
print("\n1. One message at a time (\(options.sequential) each, interleaved): webhook sent -> reply reached on_send")
print("  a  baseline: POST /ping through the host      median \(us(percentile(pingTimes, 50)))  p99 \(us(percentile(pingTimes, 99)))")
print("  b  POST /in -> stored -> template -> on_send  median \(us(percentile(messageTimes, 50)))  p99 \(us(percentile(messageTimes, 99)))  x base \(String(format: "%.2f", percentile(messageTimes, 50) / percentile(pingTimes, 50)))")
let overhead = percentile(messageTimes, 50) - percentile(pingTimes, 50)
print("  host overhead of the conversation core (b - a, medians): \(us(overhead))  goal < 1 ms: \(overhead < 1000 ? "met" : "MISSED")")
print("\n2. Throughput, \(options.clients) concurrent clients, \(options.messages) messages")
print("  a  baseline: pings answered          \(String(format: "%8.0f", pingRate)) /s")
print("  b  messages answered and sent         \(String(format: "%8.0f", messageRate)) /s  x base \(String(format: "%.2f", messageRate / pingRate))  goal >= 5,000/s: \(messageRate >= 5000 ? "met" : "MISSED")")
if let wrkPingRate, let wrkMessageRate {
    print("\n3. Throughput with wrk as the client (-t2 -c\(options.clients), 10 s each; messages counted until every reply reached on_send)")
    print("  a  baseline: pings answered          \(String(format: "%8.0f", wrkPingRate)) /s")
    print("  b  messages answered and sent         \(String(format: "%8.0f", wrkMessageRate)) /s  x base \(String(format: "%.2f", wrkMessageRate / wrkPingRate))  goal >= 5,000/s: \(wrkMessageRate >= 5000 ? "met" : "MISSED")")
} else {
    print("\n3. (wrk not installed: no wrk throughput run)")
}
