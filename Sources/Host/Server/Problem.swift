import Foundation
import HTTPTypes
import Hummingbird

/// An RFC 9457 problem document (`application/problem+json`), the shape of every error the host sends.
public struct Problem: Error, Sendable {
    public var status: Int
    public var title: String
    public var detail: String
    /// The request field at fault, when there is one.
    public var field: String?
    public var extra: [String: String] = [:]

    public init(status: Int, title: String, detail: String, field: String? = nil, extra: [String: String] = [:]) {
        self.status = status
        self.title = title
        self.detail = detail
        self.field = field
        self.extra = extra
    }

    static func badRequest(_ detail: String, field: String? = nil) -> Problem {
        Problem(status: 400, title: "Bad Request", detail: detail, field: field)
    }

    static func unprocessable(_ detail: String, field: String) -> Problem {
        Problem(status: 422, title: "Unprocessable Content", detail: detail, field: field)
    }

    static func notFound(_ detail: String) -> Problem { Problem(status: 404, title: "Not Found", detail: detail) }
    static func conflict(_ detail: String, field: String? = nil) -> Problem {
        Problem(status: 409, title: "Conflict", detail: detail, field: field)
    }

    /// The problem as an HTTP response.
    public var response: Response {
        var object: [String: Any] = ["type": "about:blank", "title": title, "status": status, "detail": detail]
        if let field { object["field"] = field }
        for (key, value) in extra { object[key] = value }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        return Response(
            status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// JSON responses for the admin API.
enum JSONResponse {
    static func make(_ object: Any, status: Int = 200) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func encode<T: Encodable>(_ value: T, status: Int = 200) -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
