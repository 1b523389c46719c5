import Hummingbird

/// Cursor pagination for admin lists: `?limit=` (1...200, default 50) and `?cursor=` (the
/// opaque `next_cursor` of the previous page). Answers `{items, next_cursor}`.
struct Page {
    static let defaultLimit = 50
    static let maxLimit = 200

    var limit: Int
    var cursor: String?

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        if let text = query.get("limit") {
            guard let value = Int(text), (1...Self.maxLimit).contains(value) else {
                throw Problem.unprocessable("limit must be an integer in 1...\(Self.maxLimit)", field: "limit")
            }
            limit = value
        } else {
            limit = Self.defaultLimit
        }
        cursor = query.get("cursor").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The page of `all` (in its stable order) after the cursor, and the cursor of the next page.
    func slice<T>(_ all: [T], id: (T) -> String) throws -> (items: ArraySlice<T>, next: String?) {
        var start = 0
        if let cursor {
            guard let index = all.firstIndex(where: { id($0) == cursor }) else {
                throw Problem.unprocessable("unknown cursor", field: "cursor")
            }
            start = index + 1
        }
        let end = min(start + limit, all.count)
        let items = all[start..<end]
        return (items, end < all.count ? items.last.map(id) : nil)
    }
}
