import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PluginAPI
import SwitchboardStorage

extension HostServices {
    /// Outbound HTTP for plugins. Blocks the calling (plugin worker) thread.
    static func httpFetch(
        _ handle: sb_instance_t, _ request: UnsafePointer<sb_http_fetch_request_t>?,
        _ out: UnsafeMutablePointer<sb_http_fetch_response_t>?, _ err: UnsafeMutablePointer<sb_error_t>?
    ) -> sb_status_t {
        guard let request, let out else {
            writeError(err, "request and out must not be NULL")
            return SB_ERR_INVALID_ARGUMENT
        }
        guard let instance = HostHandles.instances.lookup(handle) else { return SB_ERR_INVALID_HANDLE }
        guard Int(out.pointee.struct_size) >= MemoryLayout<sb_http_fetch_response_t>.size else {
            writeError(err, "out->struct_size must be at least \(MemoryLayout<sb_http_fetch_response_t>.size)")
            return SB_ERR_INVALID_ARGUMENT
        }
        let fetch: sb_http_fetch_request_t = zeroFilledCopy(
            of: UnsafeRawPointer(request), declaredSize: Int(request.pointee.struct_size))
        guard let method = fetch.method.utf8String, !method.isEmpty, let url = fetch.url.utf8String,
            url.hasPrefix("http://") || url.hasPrefix("https://")
        else {
            writeError(err, "method must be non-empty and url an absolute http(s) URL")
            return SB_ERR_INVALID_ARGUMENT
        }
        guard let headers = headerPairs(fetch.headers, fetch.header_count) else {
            writeError(err, "invalid header")
            return SB_ERR_INVALID_ARGUMENT
        }
        let limits = instance.environment.limits
        let timeout: TimeAmount =
            fetch.timeout_ms == 0
            ? .nanoseconds(Int64(limits.defaultFetchTimeout.components.seconds) * 1_000_000_000)
            : .milliseconds(Int64(min(fetch.timeout_ms, 300_000)))
        do {
            var outbound = try HTTPClient.Request(url: url, method: HTTPMethod(rawValue: method.uppercased()))
            for header in headers { outbound.headers.add(name: header.name, value: header.value) }
            if fetch.body.len > 0 { outbound.body = .bytes(fetch.body.array) }
            let response = try instance.environment.httpClient.execute(
                request: outbound, deadline: .now() + timeout
            ).wait()
            let bodyBytes = response.body.map { Array($0.readableBytesView) } ?? []
            guard bodyBytes.count <= limits.maxFetchResponseBody else {
                writeError(err, "response body larger than \(limits.maxFetchResponseBody) bytes")
                return SB_ERR_TOO_LARGE
            }
            var headersJSON = "["
            for (index, header) in response.headers.enumerated() {
                if index > 0 { headersJSON += "," }
                headersJSON += "[\(JSONText.quote(header.name)),\(JSONText.quote(header.value))]"
            }
            headersJSON += "]"
            let known = Int(out.pointee.struct_size)
            var result = sb_http_fetch_response_t()
            result.struct_size = out.pointee.struct_size
            result.status = UInt32(response.status.code)
            result.headers_json = OwnedBytes.make(Array(headersJSON.utf8))
            result.body = OwnedBytes.make(bodyBytes)
            withUnsafeBytes(of: &result) { raw in
                UnsafeMutableRawPointer(out).copyMemory(
                    from: raw.baseAddress!, byteCount: min(known, MemoryLayout<sb_http_fetch_response_t>.size))
            }
            instance.environment.metrics.increment("switchboard_plugin_http_fetch_total", labels: instance.labels)
            return SB_OK
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            writeError(err, "timed out after \(timeout.nanoseconds / 1_000_000) ms")
            return SB_ERR_TIMEOUT
        } catch {
            writeError(err, "request failed: \(error)")
            return SB_ERR_IO
        }
    }

    /// Hand an inbound message to the conversation core: stored durably before returning.
    static func deliverInbound(
        _ handle: sb_instance_t, _ message: sb_bytes_t, _ out: UnsafeMutablePointer<sb_owned_bytes_t>?,
        _ err: UnsafeMutablePointer<sb_error_t>?
    ) -> sb_status_t {
        guard let instance = HostHandles.instances.lookup(handle) else { return SB_ERR_INVALID_HANDLE }
        let inbound: InboundMessage
        do {
            inbound = try InboundMessage(json: message.rawBuffer)
        } catch {
            writeError(err, "\(error)")
            return SB_ERR_INVALID_ARGUMENT
        }
        let snapshot = instance.snapshot
        let input = inbound.input(tenantId: snapshot.tenant.id, instanceId: snapshot.instance.id)
        let streams = instance.environment.replyStreams
        // Expected before the commit: the reply worker may start before submit returns.
        if inbound.stream { streams.expect(instanceId: input.instanceId, externalId: input.externalId) }
        let submitted = instance.environment.writer.submit(input, streamed: inbound.stream)
        if inbound.stream {
            let outcome = try? submitted.get()
            let streamed = outcome.flatMap { $0.replyQueued && !$0.duplicate ? $0.message.id : nil }
            streams.settle(instanceId: input.instanceId, externalId: input.externalId, inboundId: streamed)
        }
        switch submitted {
        case .success(let outcome):
            instance.environment.metrics.increment(
                "switchboard_inbound_messages_total", labels: instance.labels + [("duplicate", "\(outcome.duplicate)")])
            if let out {
                let json = """
                    {"message_id":\(JSONText.quote(outcome.message.id)),\
                    "conversation_id":\(JSONText.quote(outcome.conversationId)),\
                    "duplicate":\(outcome.duplicate),"reply_queued":\(outcome.replyQueued)}
                    """
                out.pointee = OwnedBytes.make(Array(json.utf8))
            }
            return SB_OK
        case .failure(let error):
            writeError(err, "could not store the message: \(error)")
            return status(for: error).rawValue
        }
    }
}

extension HostServices {
    /// A delivery report for an outbound message (ABI 1.1): statuses only move forward.
    static func messageStatus(_ handle: sb_instance_t, _ externalId: sb_bytes_t, _ status: sb_bytes_t, _ detail: sb_bytes_t)
        -> sb_status_t
    {
        guard let instance = HostHandles.instances.lookup(handle) else { return SB_ERR_INVALID_HANDLE }
        let id = String(decoding: externalId.rawBuffer.prefix(1024), as: UTF8.self)
        let name = String(decoding: status.rawBuffer.prefix(32), as: UTF8.self)
        guard !id.isEmpty, let parsed = MessageStatus(rawValue: name), [.sent, .delivered, .read, .failed].contains(parsed)
        else { return SB_ERR_INVALID_ARGUMENT }
        let reason = detail.len == 0 ? nil : String(decoding: detail.rawBuffer.prefix(4096), as: UTF8.self)
        do {
            let moved = try instance.environment.conversations.advanceStatus(
                instanceId: instance.snapshot.instance.id, externalId: id, to: parsed, error: reason)
            if moved {
                instance.environment.metrics.increment(
                    "switchboard_message_status_total", labels: instance.labels + [("status", name)])
            }
            return SB_OK
        } catch let error as StorageError where error.code == .notFound {
            return SB_ERR_NOT_FOUND
        } catch {
            return HostServices.status(for: error).rawValue
        }
    }
}

extension HostServices {
    /// Largest status object a plugin may publish (a QR code image fits easily).
    static let maxInstanceStatus = 256 * 1024

    /// The channel's own view of an instance (ABI 1.2), stored for operators.
    static func instanceStatusSet(_ handle: sb_instance_t, _ json: sb_bytes_t) -> sb_status_t {
        guard let instance = HostHandles.instances.lookup(handle) else { return SB_ERR_INVALID_HANDLE }
        guard json.len <= maxInstanceStatus else { return SB_ERR_TOO_LARGE }
        let bytes = Data(json.rawBuffer)
        guard (try? JSONSerialization.jsonObject(with: bytes)) is [String: Any] else { return SB_ERR_INVALID_ARGUMENT }
        do {
            try instance.environment.database.setInstanceStatus(
                instanceId: instance.snapshot.instance.id, json: String(decoding: bytes, as: UTF8.self))
            return SB_OK
        } catch {
            return HostServices.status(for: error).rawValue
        }
    }
}

/// An inbound message as a plugin hands it over (see `inbound_deliver` in the header).
struct InboundMessage: Sendable {
    struct Invalid: Error, CustomStringConvertible {
        let field: String
        let reason: String
        var description: String { "\(field): \(reason)" }
    }

    var externalId: String
    var from: String
    var fromName: String?
    var text: String
    var threadKey: String?
    var timestamp: Int64?
    var metadataJSON: String?
    var attachmentsJSON: String?
    var fromHuman = false
    /// The plugin wants the reply streamed to it (`on_reply_event`, ABI 1.3).
    var stream = false

    init(json: UnsafeRawBufferPointer) throws {
        guard json.count <= 1 << 20 else { throw Invalid(field: "message", reason: "larger than 1 MiB") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw Invalid(field: "message", reason: "not a JSON object")
        }
        func required(_ key: String) throws -> String {
            guard let value = object[key] as? String, !value.isEmpty else {
                throw Invalid(field: key, reason: "required non-empty string")
            }
            return value
        }
        externalId = try required("external_id")
        from = try required("from")
        guard let text = object["text"] as? String else { throw Invalid(field: "text", reason: "required string") }
        self.text = text
        fromName = object["from_name"] as? String
        threadKey = object["thread_key"] as? String
        timestamp = (object["timestamp"] as? NSNumber)?.int64Value
        if let human = object["from_human"] {
            guard SettingsSchema.isBool(human), let flag = human as? Bool else {
                throw Invalid(field: "from_human", reason: "must be true or false")
            }
            fromHuman = flag
        }
        if let stream = object["stream"] {
            guard SettingsSchema.isBool(stream), let flag = stream as? Bool else {
                throw Invalid(field: "stream", reason: "must be true or false")
            }
            self.stream = flag
        }
        if let attachments = object["attachments"] {
            guard let list = attachments as? [Any], JSONSerialization.isValidJSONObject(list) else {
                throw Invalid(field: "attachments", reason: "must be a JSON array")
            }
            attachmentsJSON = String(decoding: try JSONSerialization.data(withJSONObject: list), as: UTF8.self)
        }
        if let metadata = object["metadata"] {
            guard JSONSerialization.isValidJSONObject(metadata) else {
                throw Invalid(field: "metadata", reason: "must be a JSON object")
            }
            metadataJSON = String(decoding: try JSONSerialization.data(withJSONObject: metadata), as: UTF8.self)
        }
    }

    func input(tenantId: String, instanceId: String) -> InboundInput {
        InboundInput(
            tenantId: tenantId, instanceId: instanceId, externalId: externalId, from: from, fromName: fromName,
            text: text, threadKey: threadKey, attachments: attachmentsJSON, metadata: metadataJSON,
            fromHuman: fromHuman, sentAt: timestamp.map { $0 < 100_000_000_000 ? $0 * 1000 : $0 })
    }
}
