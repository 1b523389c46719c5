import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The server's front door: plugin routes from the live route table, everything else
/// (health, metrics, admin) from the host's own router. Counts every request for /metrics.
struct HostResponder<HostRoutes: HTTPResponder>: HTTPResponder where HostRoutes.Context == HostRequestContext {
    let runtime: PluginRuntime
    let hostRoutes: HostRoutes
    let limits: RuntimeLimits
    /// Binds plugins' tenant routes (`/v1/plugins/…`) to a tenant before they are dispatched.
    let tenantAuth: TenantAuthenticator

    func respond(to request: Request, context: HostRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await route(request, context: context)
        } catch let problem as Problem {
            response = problem.response
        } catch {
            // Anything else is the host's own failure: logged, and answered in the same shape.
            context.logger.error(
                "request failed",
                metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)"])
            response =
                Problem(status: 500, title: "Internal Server Error", detail: "the host could not answer; see its log")
                .response
        }
        let elapsed = ContinuousClock.now - started
        let labels = [("method", request.method.rawValue), ("status", "\(response.status.code)")]
        runtime.metrics.increment("switchboard_http_requests_total", labels: labels)
        runtime.metrics.recordDuration(
            "switchboard_http_request_duration_seconds",
            nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000,
            labels: [("method", request.method.rawValue)])
        return response
    }

    private func route(_ request: Request, context: HostRequestContext) async throws -> Response {
        let path = request.uri.path
        var caller = PluginCaller.anonymous
        var headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        // HTTP/1's Host header arrives as the request's authority: plugins see it as `host`.
        if let authority = request.head.authority { headers.insert((name: "host", value: authority), at: 0) }
        if path.hasPrefix(RouteTable.tenantPrefix) {
            // A plugin's tenant route: the caller proves its tenant first, and its key never
            // reaches the plugin.
            caller = .tenant(try tenantAuth.authenticate(request).id)
            headers.removeAll { TenantAuthenticator.credentialHeaders.contains($0.name.lowercased()) }
        } else if RouteTable.isReservedHostPath(path) {
            return try await hostRoutes.respond(to: request, context: context)
        } else if let instanceId = try tenantAuth.widgetInstance(request) {
            // A publishable widget key picks the instance of the plugin's alias routes.
            caller = .widget(instanceId: instanceId)
        }
        let head = PluginRequest(
            method: request.method.rawValue, path: path, query: request.uri.query ?? "",
            remoteAddress: context.remoteAddress, headers: headers)
        // The instance is resolved before the body is read: an unknown instance or a suspended
        // tenant answers at once, whatever the body.
        let outcome = try await runtime.dispatch(head, caller: caller) { [limits] () async throws(Problem) -> [UInt8] in
            do {
                return Array(try await request.body.collect(upTo: limits.maxRequestBody).readableBytesView)
            } catch {
                throw Problem(
                    status: 413, title: "Content Too Large",
                    detail: "request body larger than \(limits.maxRequestBody) bytes")
            }
        }
        switch outcome {
        case .noRoute:
            return try await hostRoutes.respond(to: request, context: context)
        case .methodNotAllowed(let allowed):
            var response = Problem(
                status: 405, title: "Method Not Allowed", detail: "use \(allowed.joined(separator: ", "))"
            ).response
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        case .instanceNotFound(let plugin, let instance):
            if let tenant = runtime.suspendedTenant(plugin: plugin, instance: instance) {
                throw Problem(
                    status: 403, title: "Tenant Suspended",
                    detail: "tenant \(tenant) is suspended; nothing of theirs is processed")
            }
            throw Problem.notFound("no running instance \"\(instance)\" of plugin \(plugin)")
        case .answered(let head, let plugin, let finished):
            return Self.response(head, plugin: plugin, finished: finished)
        }
    }

    /// Turn a plugin's answer into a Hummingbird response.
    static func response(_ head: ResponseSlot.Head, plugin: String, finished: @escaping @Sendable () -> Void)
        -> Response
    {
        switch head {
        case .failed(let reason):
            return Problem(
                status: reason.contains("did not answer within") ? 504 : 502, title: "Plugin Error", detail: reason,
                extra: ["plugin": plugin]
            ).response
        case .complete(let status, let headers, let body):
            return Response(
                status: .init(code: status), headers: fields(headers),
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        case .stream(let status, let headers, let chunks):
            let body = ResponseBody { writer in
                defer { finished() }
                for await chunk in chunks {
                    try await writer.write(chunk)
                }
                try await writer.finish(nil)
            }
            return Response(status: .init(code: status), headers: fields(headers), body: body)
        }
    }

    private static func fields(_ headers: [HeaderPair]) -> HTTPFields {
        var fields = HTTPFields()
        for header in headers {
            guard let name = HTTPField.Name(header.name) else { continue }
            fields.append(HTTPField(name: name, value: header.value))
        }
        return fields
    }
}
