/// A plugin route path: literal segments, `{name}` matching one segment, and a final `*`
/// matching the rest (possibly nothing).
struct RoutePattern: Sendable, Hashable {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
        case rest
    }

    let segments: [Segment]

    /// nil when the path is not a valid pattern.
    init?(_ path: String) {
        guard path.hasPrefix("/") else { return nil }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var segments: [Segment] = []
        for (index, part) in parts.enumerated() {
            if part == "*" {
                guard index == parts.count - 1 else { return nil }
                segments.append(.rest)
            } else if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                segments.append(.parameter(String(part.dropFirst().dropLast())))
            } else {
                guard !part.contains("{"), !part.contains("}"), !part.contains("*") else { return nil }
                segments.append(.literal(String(part)))
            }
        }
        self.segments = segments
    }

    /// Whether the path segments match.
    func matches<S: Collection>(_ path: S) -> Bool where S.Element == Substring {
        var iterator = path.makeIterator()
        for segment in segments {
            switch segment {
            case .rest:
                return true
            case .literal(let literal):
                guard let part = iterator.next(), part == literal else { return false }
            case .parameter:
                guard iterator.next() != nil else { return false }
            }
        }
        return iterator.next() == nil
    }
}
