import Testing

@testable import SwitchboardStorage

@Suite("PluginStorage KV")
struct PluginKVTests {
    /// Runs `body` with a fresh storage for tenant "acme", plugin "echo", on a manual clock.
    private func withStorage(_ body: (PluginStorage, ManualClock, PluginStorageProvider) throws -> Void) throws {
        try withTemporaryDirectory { dir in
            let clock = ManualClock()
            let provider = PluginStorageProvider(dataDirectory: dir, logger: quietLogger, now: clock.now)
            let storage = try provider.storage(tenant: "acme", plugin: "echo", migrations: [])
            try body(storage, clock, provider)
        }
    }

    @Test("put, get, overwrite, delete")
    func basics() throws {
        try withStorage { kv, _, _ in
            #expect(try kv.kvGet("missing".bytes) == nil)
            try kv.kvPut(key: "greeting".bytes, value: "hello".bytes)
            #expect(try kv.kvGet("greeting".bytes) == "hello".bytes)
            try kv.kvPut(key: "greeting".bytes, value: [0, 255, 0])
            #expect(try kv.kvGet("greeting".bytes) == [0, 255, 0])
            try kv.kvPut(key: "empty".bytes, value: [])
            #expect(try kv.kvGet("empty".bytes) == [])  // present but empty, not absent
            #expect(try kv.kvDelete(key: "greeting".bytes) == true)
            #expect(try kv.kvDelete(key: "greeting".bytes) == false)
            #expect(try kv.kvGet("greeting".bytes) == nil)
        }
    }

    @Test("values survive closing and reopening the file")
    func persistence() throws {
        try withTemporaryDirectory { dir in
            let first = PluginStorageProvider(dataDirectory: dir, logger: quietLogger)
            try first.storage(tenant: "acme", plugin: "echo", migrations: []).kvPut(key: "k".bytes, value: "v".bytes)
            first.closeAll()
            let second = PluginStorageProvider(dataDirectory: dir, logger: quietLogger)
            #expect(try second.storage(tenant: "acme", plugin: "echo", migrations: []).kvGet("k".bytes) == "v".bytes)
        }
    }

    @Test("closing a storage that is still held and reopening it returns the same storage")
    func reopenWhileHeld() throws {
        try withTemporaryDirectory { dir in
            let provider = PluginStorageProvider(dataDirectory: dir, logger: quietLogger)
            let held = try provider.storage(tenant: "acme", plugin: "echo", migrations: [])
            try held.kvPut(key: "k".bytes, value: [1])
            provider.close(tenant: "acme", plugin: "echo")
            // The file is still locked by `held`; the provider hands it out again instead of opening a rival.
            let again = try provider.storage(tenant: "acme", plugin: "echo", migrations: [])
            #expect(again === held)
            try again.kvPut(key: "k".bytes, value: [2])
            #expect(try held.kvGet("k".bytes) == [2])
        }
    }

    @Test("validates keys and values")
    func validation() throws {
        try withStorage { kv, _, _ in
            expectStorageError(.invalidArgument) { try kv.kvPut(key: [], value: [1]) }
            expectStorageError(.invalidArgument) { try kv.kvGet([]) }
            expectStorageError(.invalidArgument) {
                try kv.kvPut(key: [UInt8](repeating: 0x61, count: 1025), value: [1])
            }
            expectStorageError(.invalidArgument) { try kv.kvPut(key: [0x66, 0xFF], value: [1]) }  // not UTF-8
            expectStorageError(.invalidArgument) { try kv.kvPut(key: [0xED, 0xA0, 0x80], value: [1]) }  // surrogate
            expectStorageError(.invalidArgument) { try kv.kvPut(key: [0xC0, 0x80], value: [1]) }  // overlong NUL
            expectStorageError(.invalidArgument) { try kv.kvGet([0xE2, 0x82]) }  // truncated
            let longKey = [UInt8](repeating: 0x61, count: 1024)
            try kv.kvPut(key: longKey, value: [1])
            #expect(try kv.kvGet(longKey) == [1])
            try kv.kvPut(key: "日本語🎉".bytes, value: [2])
            #expect(try kv.kvGet("日本語🎉".bytes) == [2])
            let tooBig = [UInt8](repeating: 7, count: PluginStorage.maxValueBytes + 1)
            expectStorageError(.tooLarge) { try kv.kvPut(key: "big".bytes, value: tooBig) }
            expectStorageError(.tooLarge) { try kv.kvCompareAndSwap(key: "big".bytes, expected: nil, desired: tooBig) }
            #expect(try kv.kvGet("big".bytes) == nil)
            // Exactly 16 MiB, with the longest key, fits.
            let largest = [UInt8](repeating: 9, count: PluginStorage.maxValueBytes)
            try kv.kvPut(key: longKey, value: largest)
            #expect(try kv.kvGet(longKey)?.count == PluginStorage.maxValueBytes)
        }
    }

    @Test("list pages through keys in byte order with prefix, startAfter and limit")
    func listing() throws {
        try withStorage { kv, _, _ in
            let keys = ["a", "b/1", "b/2", "b/3", "b/30", "b0", "c", "é", "b/\u{7F}"]
            for key in keys { try kv.kvPut(key: key.bytes, value: [1]) }
            let all = try kv.kvList()
            #expect(all.keys == keys.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) })
            #expect(all.next == nil)

            let page1 = try kv.kvList(prefix: "b/".bytes, limit: 2)
            #expect(page1.keys == ["b/1".bytes, "b/2".bytes])
            #expect(page1.next == "b/2".bytes)
            let page2 = try kv.kvList(prefix: "b/".bytes, startAfter: page1.next, limit: 2)
            #expect(page2.keys == ["b/3".bytes, "b/30".bytes])
            let page3 = try kv.kvList(prefix: "b/".bytes, startAfter: page2.next, limit: 2)
            #expect(page3.keys == ["b/\u{7F}".bytes])
            #expect(page3.next == nil)
            // Exactly `limit` keys left: no next page announced.
            #expect(try kv.kvList(prefix: "b/3".bytes, limit: 2).next == nil)
            // startAfter before the prefix starts at the prefix; after it, nothing.
            #expect(try kv.kvList(prefix: "b/".bytes, startAfter: "a".bytes).keys.count == 5)
            #expect(try kv.kvList(prefix: "b/".bytes, startAfter: "c".bytes).keys.isEmpty)
            #expect(try kv.kvList(prefix: "zzz".bytes).keys.isEmpty)
            expectStorageError(.invalidArgument) { try kv.kvList(limit: -1) }
        }
    }

    @Test("list limit 0 means 1000 and larger limits are capped at 1000")
    func listLimits() throws {
        try withStorage { kv, _, _ in
            try kv.connection.transaction {
                for index in 0..<1005 { try kv.kvPut(key: "k\(1000 + index)".bytes, value: []) }
            }
            let defaultPage = try kv.kvList(prefix: "k".bytes)
            #expect(defaultPage.keys.count == 1000)
            #expect(defaultPage.next == "k1999".bytes)
            #expect(try kv.kvList(prefix: "k".bytes, limit: 5000).keys.count == 1000)
            #expect(try kv.kvList(prefix: "k".bytes, startAfter: defaultPage.next).keys.count == 5)
        }
    }

    @Test("entries expire after their TTL and are swept")
    func ttl() throws {
        try withStorage { kv, clock, _ in
            try kv.kvPut(key: "session".bytes, value: "s".bytes, ttlMs: 100)
            try kv.kvPut(key: "forever".bytes, value: "f".bytes)
            clock.advance(byMilliseconds: 99)
            #expect(try kv.kvGet("session".bytes) == "s".bytes)
            clock.advance(byMilliseconds: 1)
            #expect(try kv.kvGet("session".bytes) == nil)
            #expect(try kv.kvList().keys == ["forever".bytes])
            #expect(try kv.kvDelete(key: "session".bytes) == false)  // an expired entry is not "live"
            // Overwriting without TTL makes an entry permanent again.
            try kv.kvPut(key: "s2".bytes, value: [1], ttlMs: 10)
            try kv.kvPut(key: "s2".bytes, value: [2])
            try kv.kvPut(key: "s3".bytes, value: [3], ttlMs: 10)
            clock.advance(byMilliseconds: 1_000_000)
            #expect(try kv.kvGet("s2".bytes) == [2])
            #expect(try kv.sweepExpired() == 1)  // s3 (session was already deleted)
            #expect(try kv.connection.query("SELECT count(*) FROM _sb_kv").scalar == .integer(2))
            // A huge TTL saturates instead of overflowing into the past.
            try kv.kvPut(key: "long".bytes, value: [4], ttlMs: .max)
            #expect(try kv.kvGet("long".bytes) == [4])
        }
    }

    @Test("compare-and-swap: absent, match, mismatch, delete")
    func compareAndSwap() throws {
        try withStorage { kv, clock, _ in
            let key = "lock".bytes
            try kv.kvCompareAndSwap(key: key, expected: nil, desired: "v1".bytes)
            #expect(try kv.kvGet(key) == "v1".bytes)
            // Must be absent, but exists.
            expectStorageError(.conflict) { try kv.kvCompareAndSwap(key: key, expected: nil, desired: "x".bytes) }
            // Wrong expected value: nothing changes.
            expectStorageError(.conflict) {
                try kv.kvCompareAndSwap(key: key, expected: "v0".bytes, desired: "x".bytes)
            }
            #expect(try kv.kvGet(key) == "v1".bytes)
            try kv.kvCompareAndSwap(key: key, expected: "v1".bytes, desired: "v2".bytes, ttlMs: 50)
            #expect(try kv.kvGet(key) == "v2".bytes)
            // Expired counts as absent.
            clock.advance(byMilliseconds: 50)
            expectStorageError(.conflict) { try kv.kvCompareAndSwap(key: key, expected: "v2".bytes, desired: nil) }
            try kv.kvCompareAndSwap(key: key, expected: nil, desired: "v3".bytes)
            // Delete on match.
            try kv.kvCompareAndSwap(key: key, expected: "v3".bytes, desired: nil)
            #expect(try kv.kvGet(key) == nil)
            expectStorageError(.conflict) { try kv.kvCompareAndSwap(key: key, expected: "v3".bytes, desired: nil) }
            // Empty value is a value, distinct from absent.
            try kv.kvCompareAndSwap(key: key, expected: nil, desired: [])
            expectStorageError(.conflict) { try kv.kvCompareAndSwap(key: key, expected: nil, desired: [1]) }
            try kv.kvCompareAndSwap(key: key, expected: [], desired: [1])
            #expect(try kv.kvGet(key) == [1])
        }
    }

    @Test("concurrent compare-and-swap increments lose no update")
    func concurrentCAS() async throws {
        try await withTemporaryDirectoryAsync { dir in
            let provider = PluginStorageProvider(dataDirectory: dir, logger: quietLogger)
            let kv = try provider.storage(tenant: "acme", plugin: "echo", migrations: [])
            try kv.kvPut(key: "counter".bytes, value: "0".bytes)
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var conflicts = 0
                        var done = 0
                        while done < 25 {
                            let current = try kv.kvGet("counter".bytes) ?? []
                            let next = String(Int(String(decoding: current, as: UTF8.self))! + 1).bytes
                            do {
                                try kv.kvCompareAndSwap(key: "counter".bytes, expected: current, desired: next)
                                done += 1
                            } catch let error as StorageError where error.code == .conflict {
                                conflicts += 1
                            }
                        }
                        return conflicts
                    }
                }
                for try await _ in group {}
            }
            #expect(try kv.kvGet("counter".bytes) == "100".bytes)
        }
    }
}
