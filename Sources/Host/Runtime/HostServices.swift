import Foundation
import Logging
import PluginAPI
import SwitchboardStorage

/// The host-services table handed to every plugin's on_init.
///
/// Every entry resolves its handle through `HostHandles`, validates its arguments, and never
/// traps on bad input from a plugin: it returns a status code instead.
enum HostServices {
    /// The one table, allocated once and never freed (plugins may keep the pointer).
    nonisolated(unsafe) static let table: UnsafePointer<sb_host_api_t> = {
        let pointer = UnsafeMutablePointer<sb_host_api_t>.allocate(capacity: 1)
        pointer.initialize(to: makeTable())
        return UnsafePointer(pointer)
    }()

    // swift-format-ignore
    private static func makeTable() -> sb_host_api_t {
        sb_host_api_t(
            struct_size: UInt32(MemoryLayout<sb_host_api_t>.size),
            abi_major: UInt16(SB_ABI_MAJOR),
            abi_minor: UInt16(SB_ABI_MINOR),
            bytes_free: { OwnedBytes.free($0) },
            log: { handle, level, message in HostServices.log(handle, level, message) },
            config_get: { handle, out in
                guard let out else { return SB_ERR_INVALID_ARGUMENT }
                guard let instance = HostHandles.instances.lookup(handle) else { return SB_ERR_INVALID_HANDLE }
                out.pointee = OwnedBytes.make(instance.snapshot.configJSON)
                return SB_OK
            },
            kv_get: { handle, key, out in HostServices.kvGet(handle, key, out) },
            kv_put: { handle, key, value, ttl in
                HostServices.withStorage(handle) { try $0.kvPut(key: key.rawBuffer, value: value.rawBuffer, ttlMs: ttl) }
            },
            kv_delete: { handle, key in HostServices.withStorage(handle) { _ = try $0.kvDelete(key: key.rawBuffer) } },
            kv_list: { handle, prefix, startAfter, limit, out in
                HostServices.kvList(handle, prefix, startAfter, limit, out)
            },
            kv_cas: { handle, key, expected, desired, ttl in
                HostServices.withStorage(handle) {
                    try $0.kvCompareAndSwap(
                        key: key.array, expected: expected?.pointee.array, desired: desired?.pointee.array, ttlMs: ttl)
                }
            },
            sql_exec: { handle, sql, params, count, outChanges, err in
                HostServices.sql(handle, sql, params, count, err) { storage, text, values in
                    let changes = try storage.sqlRun(text, values)
                    outChanges?.pointee = changes
                }
            },
            sql_query: { handle, sql, params, count, out, err in
                guard let out else { return SB_ERR_INVALID_ARGUMENT }
                return HostServices.sql(handle, sql, params, count, err) { storage, text, values in
                    out.pointee = OwnedBytes.make(try storage.sqlQuery(text, values).jsonData())
                }
            },
            http_fetch: { handle, request, out, err in HostServices.httpFetch(handle, request, out, err) },
            inbound_deliver: { handle, message, out, err in HostServices.deliverInbound(handle, message, out, err) },
            timer_start: { handle, delay, interval, userData, out in
                guard let out else { return SB_ERR_INVALID_ARGUMENT }
                guard let instance = HostHandles.instances.lookup(handle) else { return SB_ERR_INVALID_HANDLE }
                out.pointee = instance.startTimer(delayMs: delay, intervalMs: interval, userData: userData)
                return SB_OK
            },
            timer_cancel: { handle, timer in
                guard let instance = HostHandles.instances.lookup(handle), instance.ownsTimer(timer),
                    let entry = HostHandles.timers.remove(timer)
                else { return SB_ERR_INVALID_HANDLE }
                instance.forgetTimer(timer)
                entry.cancel()
                return SB_OK
            },
            counter_add: { handle, name, delta in
                HostServices.metric(handle, name) { instance, metricName in
                    instance.environment.metrics.increment(
                        "switchboard_plugin_counter_\(metricName)_total", by: Int64(clamping: delta), labels: instance.labels)
                }
            },
            histogram_record: { handle, name, value in
                guard value.isFinite else { return SB_ERR_INVALID_ARGUMENT }
                return HostServices.metric(handle, name) { instance, metricName in
                    instance.environment.metrics.recordValue(
                        "switchboard_plugin_histogram_\(metricName)", value, labels: instance.labels)
                }
            },
            response_send: { response, status, headers, count, body in
                guard let slot = HostHandles.responses.lookup(response) else { return SB_ERR_INVALID_HANDLE }
                guard let pairs = HostServices.headerPairs(headers, count) else { return SB_ERR_INVALID_ARGUMENT }
                let result = slot.send(status: Int(status), headers: pairs, body: body.array)
                if result == .ok { HostHandles.responses.remove(response) }
                return result.rawValue
            },
            response_stream_open: { response, status, headers, count in
                guard let slot = HostHandles.responses.lookup(response) else { return SB_ERR_INVALID_HANDLE }
                guard let pairs = HostServices.headerPairs(headers, count) else { return SB_ERR_INVALID_ARGUMENT }
                return slot.openStream(status: Int(status), headers: pairs).rawValue
            },
            response_stream_write: { response, chunk in
                guard let slot = HostHandles.responses.lookup(response) else { return SB_ERR_INVALID_HANDLE }
                return slot.write(chunk.rawBuffer).rawValue
            },
            response_stream_close: { response in
                guard let slot = HostHandles.responses.lookup(response) else { return SB_ERR_INVALID_HANDLE }
                let result = slot.close()
                if result == .ok { HostHandles.responses.remove(response) }
                return result.rawValue
            },
            output_write: { output, bytes in
                guard let buffer = HostHandles.outputs.lookup(output) else { return SB_ERR_INVALID_HANDLE }
                return buffer.append(bytes.rawBuffer) ? SB_OK : SB_ERR_TOO_LARGE
            },
            message_status: { handle, externalId, status, detail in
                HostServices.messageStatus(handle, externalId, status, detail)
            },
            instance_status_set: { handle, json in HostServices.instanceStatusSet(handle, json) },
            conversation_history: { handle, query, out, err in HostServices.conversationHistory(handle, query, out, err) },
            contact_forget: { handle, contact in HostServices.contactForget(handle, contact) }
        )
    }

    // MARK: - Logging

    private static func log(_ handle: sb_instance_t, _ level: Int32, _ message: sb_bytes_t) {
        let text = String(decoding: message.rawBuffer.prefix(16 * 1024), as: UTF8.self)
        let logLevel: Logger.Level =
            switch level {
            case SB_LOG_TRACE: .trace
            case SB_LOG_DEBUG: .debug
            case SB_LOG_INFO: .info
            case SB_LOG_WARNING: .warning
            default: .error
            }
        if let instance = HostHandles.instances.lookup(handle) {
            instance.logger.log(level: logLevel, "\(text)")
        } else if let logger = PluginLoggers.logger {
            logger.log(level: logLevel, "\(text)")
        }
    }

    // MARK: - Storage

    static func withStorage(_ handle: sb_instance_t, _ body: (any PluginStore) throws -> Void) -> sb_status_t {
        guard let instance = HostHandles.instances.lookup(handle) else { return SB_ERR_INVALID_HANDLE }
        do {
            try body(try instance.storage())
            return SB_OK
        } catch {
            return status(for: error).rawValue
        }
    }

    private static func kvGet(
        _ handle: sb_instance_t, _ key: sb_bytes_t, _ out: UnsafeMutablePointer<sb_owned_bytes_t>?
    )
        -> sb_status_t
    {
        guard let out else { return SB_ERR_INVALID_ARGUMENT }
        return withStorage(handle) { storage in
            guard let value = try storage.kvGet(key.rawBuffer) else {
                throw StorageError(.notFound, "no such key")
            }
            out.pointee = OwnedBytes.make(value)
        }
    }

    private static func kvList(
        _ handle: sb_instance_t, _ prefix: sb_bytes_t, _ startAfter: sb_bytes_t, _ limit: UInt32,
        _ out: UnsafeMutablePointer<sb_owned_bytes_t>?
    ) -> sb_status_t {
        guard let out else { return SB_ERR_INVALID_ARGUMENT }
        return withStorage(handle) { storage in
            let page = try storage.kvList(
                prefix: prefix.array, startAfter: startAfter.len == 0 ? nil : startAfter.array, limit: Int(limit))
            var json = #"{"keys":["#
            for (index, key) in page.keys.enumerated() {
                if index > 0 { json += "," }
                json += JSONText.quote(String(decoding: key, as: UTF8.self))
            }
            json += #"],"next":"#
            json += page.next.map { JSONText.quote(String(decoding: $0, as: UTF8.self)) } ?? "null"
            json += "}"
            out.pointee = OwnedBytes.make(Array(json.utf8))
        }
    }

    private static func sql(
        _ handle: sb_instance_t, _ sql: sb_bytes_t, _ params: UnsafePointer<sb_sql_value_t>?, _ count: Int,
        _ err: UnsafeMutablePointer<sb_error_t>?, _ body: (any PluginStore, String, [SQLValue]) throws -> Void
    ) -> sb_status_t {
        guard let text = sql.utf8String, !text.isEmpty else {
            writeError(err, "SQL must be non-empty UTF-8")
            return SB_ERR_INVALID_ARGUMENT
        }
        guard count == 0 || params != nil, count <= 999 else {
            writeError(err, "parameters: NULL array or more than 999")
            return SB_ERR_INVALID_ARGUMENT
        }
        var values: [SQLValue] = []
        values.reserveCapacity(count)
        for index in 0..<count {
            guard let value = sqlValue(params![index]) else {
                writeError(err, "parameter \(index + 1): unknown type or invalid UTF-8")
                return SB_ERR_INVALID_ARGUMENT
            }
            values.append(value)
        }
        guard let instance = HostHandles.instances.lookup(handle) else { return SB_ERR_INVALID_HANDLE }
        do {
            try body(try instance.storage(), text, values)
            return SB_OK
        } catch {
            writeError(err, String(describing: error))
            return status(for: error).rawValue
        }
    }

    private static func sqlValue(_ value: sb_sql_value_t) -> SQLValue? {
        switch value.type {
        case SB_SQL_NULL: .null
        case SB_SQL_INTEGER: .integer(value.integer)
        case SB_SQL_REAL: .real(value.real)
        case SB_SQL_TEXT: value.bytes.utf8String.map { .text($0) }
        case SB_SQL_BLOB: .blob(value.bytes.array)
        default: nil
        }
    }

    // MARK: - Metrics

    private static func metric(_ handle: sb_instance_t, _ name: sb_bytes_t, _ body: (RuntimeInstance, String) -> Void)
        -> sb_status_t
    {
        guard let instance = HostHandles.instances.lookup(handle) else { return SB_ERR_INVALID_HANDLE }
        guard let metricName = name.utf8String, (1...64).contains(metricName.utf8.count),
            metricName.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 })
        else { return SB_ERR_INVALID_ARGUMENT }
        body(instance, metricName)
        return SB_OK
    }

    // MARK: - Helpers

    static func headerPairs(_ headers: UnsafePointer<sb_header_t>?, _ count: Int) -> [HeaderPair]? {
        guard count == 0 || headers != nil, count <= 256 else { return nil }
        var pairs: [HeaderPair] = []
        for index in 0..<count {
            let header = headers![index]
            guard let name = header.name.utf8String, !name.isEmpty, let value = header.value.utf8String,
                HTTPHeaderRules.isValid(name: name, value: value)
            else { return nil }
            pairs.append(HeaderPair(name: name, value: value))
        }
        return pairs
    }

    /// Map any error from storage or the runtime to an ABI status.
    static func status(for error: any Error) -> ABIStatus {
        guard let error = error as? StorageError else { return .internal }
        switch error.code {
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .denied: return .denied
        case .invalidArgument: return .invalidArgument
        case .tooLarge: return .tooLarge
        case .busy, .timeout: return .timeout
        case .io: return .io
        default: return .internal
        }
    }
}

/// Header names and values a plugin may set: no control characters that could split a response.
enum HTTPHeaderRules {
    static func isValid(name: String, value: String) -> Bool {
        name.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }
            && value.utf8.allSatisfy { $0 == 9 || ($0 >= 32 && $0 != 127) }
    }
}

/// The logger used for plugin-level log lines (SB_NO_INSTANCE), set while a runtime exists.
enum PluginLoggers {
    nonisolated(unsafe) private static var current: Logger?
    private static let lock = NSLock()

    static func install(_ logger: Logger) {
        lock.lock()
        defer { lock.unlock() }
        if current == nil { current = logger }
    }

    static var logger: Logger? {
        lock.lock()
        defer { lock.unlock() }
        return current
    }
}
