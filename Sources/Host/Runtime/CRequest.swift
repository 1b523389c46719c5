import PluginAPI

/// Builds the borrowed `sb_http_request_t` for one hook call: every string is pinned in one
/// contiguous arena for the duration of `body`, and nothing outlives the call.
enum CRequest {
    static func with<T>(
        _ request: PluginRequest, route: RouteSpec, subpath: String,
        _ body: (UnsafePointer<sb_http_request_t>) -> T
    ) -> T {
        var arena: [UInt8] = []
        var spans: [(Int, Int)] = []
        func add(_ string: String) {
            spans.append((arena.count, string.utf8.count))
            arena.append(contentsOf: string.utf8)
        }
        for part in [request.method, request.path, subpath, request.query, request.remoteAddress] { add(part) }
        for header in request.headers {
            add(header.name)
            add(header.value)
        }
        return arena.withUnsafeBufferPointer { base in
            func bytes(_ index: Int) -> sb_bytes_t {
                sb_bytes_t(ptr: base.baseAddress.map { $0 + spans[index].0 }, len: spans[index].1)
            }
            var headers: [sb_header_t] = []
            headers.reserveCapacity(request.headers.count)
            for index in 0..<request.headers.count {
                headers.append(sb_header_t(name: bytes(5 + 2 * index), value: bytes(6 + 2 * index)))
            }
            return headers.withUnsafeBufferPointer { headerBuffer in
                request.body.withUnsafeBufferPointer { bodyBuffer in
                    var raw = sb_http_request_t(
                        struct_size: UInt32(MemoryLayout<sb_http_request_t>.size),
                        route_index: UInt32(route.index),
                        method: bytes(0), path: bytes(1), subpath: bytes(2), query: bytes(3), remote_address: bytes(4),
                        headers: headerBuffer.baseAddress, header_count: headerBuffer.count,
                        body: sb_bytes_t(ptr: bodyBuffer.baseAddress, len: bodyBuffer.count))
                    return body(&raw)
                }
            }
        }
    }
}
