/// A SQL statement whose values are bound by the type system.
///
/// Write it as a string literal; every interpolated value becomes a bind parameter (`$1`, `$2`...)
/// and is never spliced into the text:
///
/// ```swift
/// try db.query("SELECT balance FROM rent_accounts WHERE account_ref = \(reference)")
/// ```
///
/// The literal parts are `StaticString`s, so a `String` built at run time cannot become SQL text by
/// accident. A trusted piece of SQL (a column list chosen from constants, an identifier quoted with
/// `Connection.quoteIdentifier`) must be marked as such: `\(unescaped: columns)`. A query can be
/// spliced into another (`\(otherQuery)`), keeping its own binds. Statements written with
/// positional parameters (`"... WHERE id = $1"` and a parameter array) are literals too.
public struct SQLQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    enum Segment: Sendable {
        case text(String)
        case bind(Int)
    }

    var segments: [Segment]
    /// The bound values, in the order of their `$n` placeholders.
    public private(set) var binds: [PostgresValue]

    public init(stringLiteral value: StaticString) {
        segments = [.text(value.description)]
        binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        segments = stringInterpolation.segments
        binds = stringInterpolation.binds
    }

    /// A statement from trusted text (a migration file, SQL assembled from constants). Never pass
    /// text that holds a value from a file, a person or the command line.
    public init(unescaped sql: String) {
        segments = [.text(sql)]
        binds = []
    }

    /// The statement text with `$n` placeholders.
    public var sql: String {
        var text = ""
        for segment in segments {
            switch segment {
            case .text(let piece): text += piece
            case .bind(let index): text += "$\(index + 1)"
            }
        }
        return text
    }

    public var description: String { sql }

    /// Appends another query (its binds renumbered after this one's).
    public mutating func append(_ other: SQLQuery) {
        Self.splice(other, into: &segments, binds: &binds)
    }

    /// Adds a query's segments and binds after others, its `$n` numbered on from theirs.
    static func splice(_ other: SQLQuery, into segments: inout [Segment], binds: inout [PostgresValue]) {
        let offset = binds.count
        for segment in other.segments {
            switch segment {
            case .text: segments.append(segment)
            case .bind(let index): segments.append(.bind(index + offset))
            }
        }
        binds += other.binds
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        public typealias StringLiteralType = StaticString
        var segments: [Segment] = []
        var binds: [PostgresValue] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            segments.reserveCapacity(interpolationCount * 2 + 1)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: StaticString) {
            segments.append(.text(literal.description))
        }

        /// A value: sent as a bind parameter.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            segments.append(.bind(binds.count))
            binds.append(value.postgresValue)
        }

        /// An optional value: sent as a bind parameter (NULL when nil).
        public mutating func appendInterpolation(_ value: (some PostgresEncodable)?) {
            segments.append(.bind(binds.count))
            binds.append(value?.postgresValue ?? .null)
        }

        /// Trusted SQL text, spliced as written: constants, identifiers quoted by the server's rules.
        public mutating func appendInterpolation(unescaped sql: String) {
            segments.append(.text(sql))
        }

        /// Another query, with its binds.
        public mutating func appendInterpolation(_ query: SQLQuery) {
            SQLQuery.splice(query, into: &segments, binds: &binds)
        }
    }

    /// The parameters to send: the query's own binds, or the positional ones given with it.
    func parameters(_ positional: [any PostgresEncodable]) -> [any PostgresEncodable] {
        precondition(
            binds.isEmpty || positional.isEmpty,
            "a SQLQuery with interpolated values cannot also take positional parameters")
        return binds.isEmpty ? positional : binds.map { $0 as any PostgresEncodable }
    }
}
