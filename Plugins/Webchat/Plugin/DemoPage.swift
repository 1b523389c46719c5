import SwitchboardSDK
import WebchatCore

/// `GET /widget/demo?key=…&lang=…`: a page that embeds the widget the way a customer's site does.
enum DemoPage {
    static func respond(_ request: HTTPRequest, _ response: HTTPResponder) throws -> ResponseDisposition {
        let key = FormURLEncoded.value("key", in: request.query) ?? ""
        guard key.isEmpty || WidgetKey.isWellFormed(key) else {
            throw WebchatError.init(
                status: 422, code: .invalidField, "key is not a widget key (sb_widget_…)", field: "key")
        }
        let lang = FormURLEncoded.value("lang", in: request.query) ?? "en"
        guard lang.count <= 20, lang.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") }) else {
            throw WebchatError(
                status: 422, code: .invalidField, "lang must be a language tag such as pt-BR", field: "lang")
        }
        let keyAttribute = key.isEmpty ? "" : " data-key=\"\(key)\""
        let snippet = "&lt;script src=\"\(Self.origin(request))/widget.js\"\(keyAttribute) async&gt;&lt;/script&gt;"
        let html = """
            <!doctype html>
            <html lang="\(lang)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Webchat demo</title>
            <style>
              body { font-family: Georgia, serif; max-width: 720px; margin: 48px auto; padding: 0 20px; color: #222;
                line-height: 1.6; background: #fafaf7; }
              h1 { font-size: 2rem; margin-bottom: .25rem; }
              code, pre { background: #eee; border-radius: 6px; padding: 2px 6px; font-size: .9rem; }
              pre { padding: 12px; overflow-x: auto; }
              /* Hostile page styles: the widget lives in a shadow root, so these do not reach it. */
              button { background: hotpink !important; font-size: 30px !important; }
              div { letter-spacing: 3px; }
            </style>
            </head>
            <body>
            <h1>Webchat demo</h1>
            <p>This page embeds the chat widget exactly as a website would. Open the bubble in the corner
            and say hello: the reply streams in as the assistant writes it.</p>
            <pre>\(snippet)</pre>
            <p>Add <code>?lang=pt</code> or <code>?lang=es</code> to try the other languages.</p>
            <script src="/widget.js\(key.isEmpty ? "" : "?key=" + key)"\(keyAttribute) async></script>
            </body>
            </html>
            """
        try response.send(
            status: 200,
            headers: [
                HTTPHeader("content-type", "text/html; charset=utf-8"), HTTPHeader("cache-control", "no-store"),
            ], body: Array(html.utf8))
        return .answered
    }

    /// The origin to show in the snippet: this request's host when it is a plain host name (any
    /// other Host header shows a placeholder rather than reaching the page), http for loopback.
    static func origin(_ request: HTTPRequest) -> String {
        guard let host = request.header("host"), !host.isEmpty, host.count <= 255,
            host.utf8.allSatisfy({ b in
                (48...58).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == 45 || b == 46
            })
        else { return "https://YOUR-HOST" }
        let loopback = host.hasPrefix("127.") || host.hasPrefix("localhost")
        return (loopback ? "http://" : "https://") + host
    }
}
