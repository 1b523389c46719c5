import Hummingbird
import NIOCore

/// The request context for every route: Hummingbird's core storage plus the client address.
public struct HostRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address as text ("" when unknown).
    public let remoteAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? ""
    }

    /// Bodies are bounded per route by the host (plugin bodies by `RuntimeLimits.maxRequestBody`).
    public var maxUploadSize: Int { 64 * 1024 * 1024 }
}

extension HostRequestContext {
    /// The `{tenant}` path parameter (an id or a slug).
    var tenant: String { parameters.get("tenant") ?? "" }
    /// The `{id}` path parameter.
    var id: String { parameters.get("id") ?? "" }
}
