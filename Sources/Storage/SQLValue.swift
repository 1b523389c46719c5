/// One SQLite value: a bound parameter or a result cell.
///
/// The five cases are SQLite's five storage classes. An empty `.blob([])` is
/// bound as a zero-length BLOB, never as NULL.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLValue {
    /// The integer, or nil when this is not `.integer`.
    public var int64Value: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The number as a Double for `.integer` and `.real`, else nil.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .real(let value): return value
        default: return nil
        }
    }

    /// The text, or nil when this is not `.text`.
    public var stringValue: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// The bytes, or nil when this is not `.blob`.
    public var blobValue: [UInt8]? {
        if case .blob(let value) = self { return value }
        return nil
    }

    /// True for `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension SQLValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByNilLiteral
{
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(nilLiteral: ()) { self = .null }
}

/// The full answer to a query: column names and rows of values.
public struct QueryResult: Sendable, Hashable {
    /// Column names, as SQLite reports them (`AS` aliases included).
    public var columns: [String]
    /// Rows; every row has `columns.count` values.
    public var rows: [[SQLValue]]

    /// Makes a result.
    public init(columns: [String], rows: [[SQLValue]]) {
        self.columns = columns
        self.rows = rows
    }

    /// The values of the first row, or nil when there are no rows.
    public var firstRow: [SQLValue]? { rows.first }

    /// The first column of the first row, or nil when there are no rows.
    public var scalar: SQLValue? { rows.first?.first }
}
