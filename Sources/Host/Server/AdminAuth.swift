import Hummingbird

/// Bearer-token check for the admin API, compared in constant time.
/// Without a configured token the admin API is off and says so.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = HostRequestContext
    let token: [UInt8]?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let token else {
            throw Problem(
                status: 503, title: "Admin API Disabled",
                detail: "set SWITCHBOARD_ADMIN_TOKEN or [admin] token in the config file to enable the admin API")
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            Self.constantTimeEqual(Array(header.utf8.dropFirst(7)), token)
        else {
            var problem = Problem(status: 401, title: "Unauthorized", detail: "a valid admin bearer token is required")
                .response
            problem.headers[.wwwAuthenticate] = "Bearer"
            return problem
        }
        return try await next(request, context)
    }

    /// Equal length and bytes, taking the same time whatever the first difference.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count)
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
