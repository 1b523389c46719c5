import Foundation
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
    var tenant: String { pathParameter("tenant") }
    /// The `{id}` path parameter (for an instance also `plugin%2Fname`, decoded to `plugin/name`).
    var id: String { pathParameter("id") }

    /// A path parameter percent-decoded (the router hands them over as sent); "" when absent.
    private func pathParameter(_ name: String) -> String {
        guard let raw = parameters.get(name) else { return "" }
        return raw.removingPercentEncoding ?? raw
    }
}
