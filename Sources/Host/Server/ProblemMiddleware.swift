import Hummingbird

/// Turns the errors Hummingbird raises itself (no route: 404; a body over a limit: 413) into
/// problem documents, like every other error the host sends.
///
/// - Important: Add it to the router before any route: a router middleware covers only the
///   routes added after it, and the router's not-found answer.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = HostRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            switch error.status {
            case .notFound where (error as? HTTPError)?.body == nil:
                throw Problem.noRoute(request.method.rawValue, request.uri.path)
            default:
                throw Problem(
                    status: Int(error.status.code), title: error.status.reasonPhrase,
                    detail: (error as? HTTPError)?.body ?? error.status.reasonPhrase)
            }
        }
    }
}

extension Problem {
    /// The answer for a method and path the host does not serve.
    static func noRoute(_ method: String, _ path: String) -> Problem {
        Problem(status: 404, title: "Not Found", detail: "no route for \(method) \(path)")
    }
}
