import Foundation
import HTTPTypes
import Hummingbird

/// The admin API's OpenAPI 3.1 document, `Admin/openapi.json` in the repository, served at
/// `/admin/v1/openapi.json`.
public enum OpenAPIDocument {
    /// The document's bytes (empty if the resource bundle is missing).
    public static let bytes: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let data = try? Data(contentsOf: url)
        else { return [] }
        return Array(data)
    }()

    static func response() -> Response {
        guard !bytes.isEmpty else {
            return Problem(status: 500, title: "Internal Server Error", detail: "openapi.json resource missing")
                .response
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
