import Logging
import NIOCore
import PluginAPI

/// An HTTP request for a plugin route, as plain values.
public struct PluginRequest: Sendable {
    public var method: String
    public var path: String
    public var query: String
    public var remoteAddress: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(
        method: String, path: String, query: String = "", remoteAddress: String = "",
        headers: [(name: String, value: String)] = [], body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.remoteAddress = remoteAddress
        self.headers = headers
        self.body = body
    }

    /// The first header named `name` (lowercase), if any.
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name }?.value
    }
}

/// Who the host has authenticated a request as: tenant routes (`SB_MOUNT_TENANT`) reach only
/// instances of the caller's tenant.
enum PluginCaller: Sendable, Hashable {
    /// Nobody: instance and alias routes only.
    case anonymous
    /// A tenant API key (or the admin token naming the tenant) for this tenant id.
    case tenant(String)
    /// A publishable widget key, bound to one instance (id): alias routes of that instance's
    /// plugin go to it rather than to the default instance.
    case widget(instanceId: String)
    /// The host itself (the conformance checker).
    case host

    func mayReach(_ route: RouteSpec, tenantId: String) -> Bool {
        guard route.mount == .tenant else { return true }
        switch self {
        case .anonymous, .widget: return false
        case .tenant(let id): return id == tenantId
        case .host: return true
        }
    }
}

/// What became of a request the runtime was asked to dispatch.
enum DispatchOutcome: Sendable {
    case noRoute
    case methodNotAllowed(allowed: [String])
    /// The route exists but the named (or default) instance is not running.
    case instanceNotFound(plugin: String, instance: String)
    /// The plugin answered (or failed); `finished` must be called once the body was sent.
    case answered(ResponseSlot.Head, plugin: String, finished: @Sendable () -> Void)
}

extension PluginRuntime {
    /// Route a request whose body is in hand to a plugin instance.
    func dispatch(_ request: PluginRequest, caller: PluginCaller = .anonymous) async -> DispatchOutcome {
        await dispatch(request, caller: caller) { request.body }
    }

    /// Route a request to a plugin instance and run its on_http_request on the plugin's threads.
    /// The instance is resolved first; `body` is read only when a running instance takes the
    /// request, so a request for an unknown instance never costs a body read.
    /// A tenant route's instance must belong to `caller`'s tenant; otherwise it does not exist.
    func dispatch<Failure: Error>(
        _ head: PluginRequest, caller: PluginCaller = .anonymous, body: () async throws(Failure) -> [UInt8]
    ) async throws(Failure) -> DispatchOutcome {
        var request = head
        var bodyRead = false
        var attempts = 0
        while true {
            attempts += 1
            let resolution = state.withLock { state -> (RouteTable.Resolution, RuntimeInstance?) in
                var resolution = state.routes.resolve(method: request.method, path: request.path)
                guard case .matched(var match) = resolution else { return (resolution, nil) }
                if match.instance == .defaultInstance {
                    match.instance = Self.aliasInstance(
                        plugin: match.plugin, caller: caller, host: request.header("host"), registry: state.registry)
                    resolution = .matched(match)
                }
                switch match.instance {
                case .named(let name): return (resolution, state.byName[match.plugin + "/" + name])
                case .defaultInstance: return (resolution, state.defaults[match.plugin])
                case .unavailable: return (resolution, nil)
                }
            }
            switch resolution.0 {
            case .notFound: return .noRoute
            case .methodNotAllowed(let allowed): return .methodNotAllowed(allowed: allowed)
            case .matched(let match):
                var name: String?
                if case .named(let named) = match.instance { name = named }
                guard let instance = resolution.1 else {
                    if match.instance == .unavailable {
                        return .instanceNotFound(plugin: match.plugin, instance: "(the widget key's)")
                    }
                    if attempts == 1, let entry = resolve(plugin: match.plugin, instance: name),
                        caller.mayReach(match.route, tenantId: entry.instance.tenantId),
                        await runningOrStart(id: entry.instance.id) != nil
                    {
                        continue
                    }
                    return .instanceNotFound(plugin: match.plugin, instance: name ?? "(default)")
                }
                guard caller.mayReach(match.route, tenantId: instance.record.tenantId) else {
                    return .instanceNotFound(plugin: match.plugin, instance: name ?? "(default)")
                }
                if !bodyRead {
                    request.body = try await body()
                    bodyRead = true
                }
                // A retiring instance refuses new work: resolve again to reach its replacement.
                guard instance.enter() else {
                    if attempts < 50 {
                        try? await Task.sleep(for: .milliseconds(2))
                        continue
                    }
                    return .instanceNotFound(plugin: match.plugin, instance: instance.record.name)
                }
                return await call(instance, match: match, request: request)
            }
        }
    }

    /// Which instance answers an alias route: the widget key's instance (none when the key
    /// belongs to another plugin), else the instance that claims the request's host name, else
    /// the plugin's default instance.
    static func aliasInstance(plugin: String, caller: PluginCaller, host: String?, registry: RegistryIndex)
        -> RouteTable.InstanceSelector
    {
        if case .widget(let id) = caller {
            guard let entry = registry.entry(id: id), entry.instance.plugin == plugin else { return .unavailable }
            return .named(entry.instance.name)
        }
        if let host, let entry = registry.lookup(hostname: host), entry.instance.plugin == plugin {
            return .named(entry.instance.name)
        }
        return .defaultInstance
    }

    private func call(_ instance: RuntimeInstance, match: RouteTable.Match, request: PluginRequest) async
        -> DispatchOutcome
    {
        let slot = ResponseSlot()
        let responseHandle = HostHandles.responses.insert(slot)
        instance.registerResponse(responseHandle, slot)
        let started = ContinuousClock.now
        let hooks = instance.plugin.hooks
        let pointer = instance.pointer
        let result: (sb_status_t, String?)
        do {
            result = try await instance.plugin.run {
                var error = ErrorBuffer()
                let status = CRequest.with(request, route: match.route, subpath: match.subpath) { raw in
                    hooks.raw.on_http_request!(pointer.raw, raw, responseHandle, &error.raw)
                }
                return (status, error.message)
            }
        } catch {
            result = (SB_ERR_UNAVAILABLE, "plugin worker threads stopped")
        }
        recordHook("on_http_request", instance, status: result.0, since: started)
        let status = ABIStatus(result.0)
        if status == .pending {
            let timeout = environment.limits.pendingResponseTimeout
            Task {
                try? await Task.sleep(for: timeout)
                if !slot.isAnswered { slot.abandon(reason: "plugin did not answer within \(timeout)") }
            }
        } else if !slot.isAnswered {
            let reason =
                status == .ok
                ? "plugin returned without answering"
                : "plugin failed (\(status)): \(result.1 ?? "no reason given")"
            if status != .ok {
                instance.logger.warning(
                    "on_http_request failed", metadata: ["status": "\(status)", "error": "\(result.1 ?? "")"])
            }
            slot.abandon(reason: reason)
        }
        let head = await slot.head()
        let finished: @Sendable () -> Void = {
            HostHandles.responses.remove(responseHandle)
            instance.forgetResponse(responseHandle)
            instance.leave()
        }
        if case .stream = head {
            return .answered(head, plugin: instance.plugin.name, finished: finished)
        }
        finished()
        return .answered(head, plugin: instance.plugin.name, finished: {})
    }

    /// Count a hook call, its errors and its latency for /metrics.
    func recordHook(
        _ hook: String, _ instance: RuntimeInstance, status: sb_status_t, since started: ContinuousClock.Instant
    ) {
        let labels = [("plugin", instance.plugin.name), ("hook", hook)]
        metrics.increment("switchboard_plugin_hook_calls_total", labels: labels)
        if status != SB_OK && status != SB_PENDING {
            metrics.increment("switchboard_plugin_hook_errors_total", labels: labels)
        }
        let elapsed = ContinuousClock.now - started
        metrics.recordDuration(
            "switchboard_plugin_hook_duration_seconds",
            nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000,
            labels: labels)
    }
}

/// Why an outbound send failed.
public struct SendError: Error, Sendable, CustomStringConvertible {
    public var status: String
    public var reason: String
    public var description: String { "send failed (\(status)): \(reason)" }
}

extension PluginRuntime {
    /// Hand the plugin one event of a streamed reply (`on_reply_event`, ABI 1.3). Returns false
    /// when the instance is not running or its plugin has no such hook (nothing to stream to).
    @discardableResult
    public func replyEvent(instanceId: String, eventJSON: [UInt8]) async -> Bool {
        guard let instance = runningInstance(id: instanceId), let hook = instance.plugin.hooks.raw.on_reply_event,
            instance.enter()
        else { return false }
        defer { instance.leave() }
        let pointer = instance.pointer
        let started = ContinuousClock.now
        let ran: Void? = try? await instance.plugin.run {
            eventJSON.withUnsafeBufferPointer { bytes in
                hook(pointer.raw, sb_bytes_t(ptr: bytes.baseAddress, len: bytes.count))
            }
        }
        recordHook("on_reply_event", instance, status: ran == nil ? SB_ERR_UNAVAILABLE : SB_OK, since: started)
        return ran != nil
    }

    /// Ask an instance's plugin to send one message; returns the JSON result the plugin wrote.
    public func send(instanceId: String, messageJSON: [UInt8]) async throws -> [UInt8] {
        guard let instance = await runningOrStart(id: instanceId), instance.enter() else {
            throw SendError(status: "unavailable", reason: "instance \(instanceId) is not running")
        }
        defer { instance.leave() }
        let output = OutputBuffer()
        let outputHandle = HostHandles.outputs.insert(output)
        defer { HostHandles.outputs.remove(outputHandle) }
        let hooks = instance.plugin.hooks
        let pointer = instance.pointer
        let (status, message, started) = try await instance.plugin.sends.withPermit {
            let started = ContinuousClock.now  // the hook's time, not the wait for a permit
            let (status, message) = try await instance.plugin.run {
                var error = ErrorBuffer()
                let status = messageJSON.withUnsafeBufferPointer { bytes in
                    hooks.raw.on_send!(
                        pointer.raw, sb_bytes_t(ptr: bytes.baseAddress, len: bytes.count), outputHandle, &error.raw)
                }
                return (status, error.message)
            }
            return (status, message, started)
        }
        recordHook("on_send", instance, status: status, since: started)
        guard status == SB_OK else {
            throw SendError(status: "\(ABIStatus(status))", reason: message ?? "no reason given")
        }
        return output.contents
    }
}
