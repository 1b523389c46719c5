// switchboard-store-benchmark: the conversation store alone (no HTTP, no plugin, one thread):
// how many inbound messages per second one SQLite writer stores, each with its template reply
// queued in the same transaction, and how many send reports it records, by batch size.
//
// Each row also gives the process's CPU time and the bytes it wrote (WAL appends and
// checkpoints) per message, which say more than the rate on a shared machine.
//
// Usage: switchboard-store-benchmark [--messages M] [--exclusive] [--background-checkpoints]
//   env BATCHES=1,16,64   batch sizes to run (default 1,8,32,128,512)
//   env PRAGMAS="PRAGMA …" run on each fresh database before the host's migrations
import Foundation
import Logging
import SwitchboardStorage

var messages = 40_000
var exclusive = false
var background = false
var rest = CommandLine.arguments.dropFirst()
while let flag = rest.popFirst() {
    switch flag {
    case "--messages": messages = rest.popFirst().flatMap { Int($0) } ?? messages
    case "--exclusive": exclusive = true
    case "--background-checkpoints": background = true
    default: fatalError("unknown option \(flag)")
    }
}

/// Bytes this process handed to write(2) and pwrite(2) so far (/proc/self/io `wchar`).
func writtenBytes() -> UInt64 {
    let text = (try? String(contentsOfFile: "/proc/self/io", encoding: .utf8)) ?? ""
    return text.split(separator: "\n").first { $0.hasPrefix("wchar:") }
        .flatMap { UInt64($0.dropFirst(6).trimmingCharacters(in: .whitespaces)) } ?? 0
}

/// CPU time of this process (user + system), in nanoseconds.
func cpuNanoseconds() -> UInt64 {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = UInt64(usage.ru_utime.tv_sec) * 1_000_000_000 + UInt64(usage.ru_utime.tv_usec) * 1000
    return user + UInt64(usage.ru_stime.tv_sec) * 1_000_000_000 + UInt64(usage.ru_stime.tv_usec) * 1000
}

func nanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

var logger = Logger(label: "bench")
logger.logLevel = .error
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sb-store-\(UUID().uuidString)").path
defer { try? FileManager.default.removeItem(atPath: scratch) }

print("switchboard-store-benchmark: \(messages) messages per batch size\(exclusive ? " (exclusive locking)" : "")")
print("batch   ingest+reply msg/s   send reports/s   both msg/s   CPU µs/msg   KiB written/msg")
for batchSize in (ProcessInfo.processInfo.environment["BATCHES"] ?? "1,8,32,128,512").split(separator: ",").compactMap({ Int($0) }) {
    let directory = scratch + "/b\(batchSize)"
    let connection = try SQLiteConnection(path: directory + "/host.sqlite", exclusiveLocking: exclusive, backgroundCheckpoints: background)
    if let pragmas = ProcessInfo.processInfo.environment["PRAGMAS"] { try connection.execute(pragmas) }
    let database = try HostDatabase(database: connection, description: directory, logger: logger)
    let store = ConversationStore(database: database)
    let tenant = try database.createTenant(slug: "bench", name: "Bench")
    let instance = try database.createInstance(tenantId: tenant.id, plugin: "relay", name: "r")
    var replies: [String] = []
    let cpuStart = cpuNanoseconds()
    let writtenStart = writtenBytes()
    var start = nanoseconds()
    var index = 0
    while index < messages {
        let inputs = (index..<min(messages, index + batchSize)).map { i -> InboundInput in
            var input = InboundInput(
                tenantId: tenant.id, instanceId: instance.id, externalId: "m\(i)", from: "+1555\(i % 1000)",
                text: "hello \(i)")
            input.immediateReply = "Hi, this is Alice from Acme."
            return input
        }
        for result in try store.ingest(inputs, handoffPause: 1_800_000) {
            if let reply = try result.get().reply { replies.append(reply.message.id) }
        }
        index += batchSize
    }
    let ingestRate = Double(messages) / (Double(nanoseconds() - start) / 1e9)
    let ingestSeconds = Double(nanoseconds() - start) / 1e9
    start = nanoseconds()
    index = 0
    while index < replies.count {
        let reports = replies[index..<min(replies.count, index + batchSize)].map {
            ConversationStore.SentReport(messageId: $0, externalId: nil, status: .sent)
        }
        _ = try store.markSent(reports)
        index += batchSize
    }
    let sendSeconds = Double(nanoseconds() - start) / 1e9
    let cpuPerMessage = Double(cpuNanoseconds() - cpuStart) / 1000 / Double(messages)
    let written = Double(writtenBytes() - writtenStart) / 1024 / Double(messages)
    print(String(format: "%5d   %18.0f   %14.0f   %10.0f   %10.1f   %15.1f", batchSize, ingestRate, Double(replies.count) / sendSeconds,
                 Double(messages) / (ingestSeconds + sendSeconds), cpuPerMessage, written))
}
