import Foundation

/// A parameter as sent to the server: NULL, text in PostgreSQL's input syntax, or binary bytes
/// (used for bytea). Values are always sent as parameters, never spliced into SQL text.
public enum PostgresValue: Hashable, Sendable {
    case null
    case text(String)
    case binary([UInt8])
}

/// A Swift value that can be sent as a statement parameter.
public protocol PostgresEncodable {
    /// The value as a parameter.
    var postgresValue: PostgresValue { get }
}

/// A Swift value that can be read from a column in text format.
public protocol PostgresDecodable {
    /// Reads the value from PostgreSQL's text output.
    /// - Throws: `PostgresError` of kind `.decoding` when the text is not such a value.
    init(postgresText text: String) throws
}

extension PostgresValue: PostgresEncodable {
    public var postgresValue: PostgresValue { self }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresValue: PostgresValue { self?.postgresValue ?? .null }
}

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .text(self) }
    public init(postgresText text: String) { self = text }
}

extension Substring: PostgresEncodable {
    public var postgresValue: PostgresValue { .text(String(self)) }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .text(String(self)) }
    public init(postgresText text: String) throws {
        guard let value = Int(text) else { throw PostgresError.decoding(text, as: "Int") }
        self = value
    }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .text(String(self)) }
    public init(postgresText text: String) throws {
        guard let value = Int64(text) else { throw PostgresError.decoding(text, as: "Int64") }
        self = value
    }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .text(String(self)) }
    public init(postgresText text: String) throws {
        guard let value = Int32(text) else { throw PostgresError.decoding(text, as: "Int32") }
        self = value
    }
}

extension Double: PostgresDecodable {
    public init(postgresText text: String) throws {
        guard let value = Double(text) else { throw PostgresError.decoding(text, as: "Double") }
        self = value
    }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .text(self ? "true" : "false") }
    public init(postgresText text: String) throws {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw PostgresError.decoding(text, as: "Bool")
        }
    }
}

extension Array: PostgresEncodable where Element == UInt8 {
    public var postgresValue: PostgresValue { .binary(self) }
}

extension Array: PostgresDecodable where Element == UInt8 {
    /// Reads bytea in the hex output format (`\x0102...`).
    public init(postgresText text: String) throws {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw PostgresError.decoding(String(text.prefix(20)), as: "bytea")
        }
        func nibble(_ c: UInt8) throws -> UInt8 {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: throw PostgresError.decoding(String(text.prefix(20)), as: "bytea")
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var i = 2
        while i < utf8.count {
            bytes.append(try nibble(utf8[i]) << 4 | nibble(utf8[i + 1]))
            i += 2
        }
        self = bytes
    }
}

extension Date: PostgresEncodable, PostgresDecodable {
    /// Sent as an ISO 8601 instant in UTC for timestamptz columns.
    public var postgresValue: PostgresValue {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return .text(formatter.string(from: self))
    }

    /// Reads timestamptz text as the session prints it (the hub's sessions use UTC and ISO style:
    /// `2026-11-22 10:15:30.123456+00`).
    public init(postgresText text: String) throws {
        var normalized = text.replacingOccurrences(of: " ", with: "T")
        // Offsets come as +00 or +05:30; ISO 8601 wants +00:00.
        if let plus = normalized.lastIndex(where: { $0 == "+" || $0 == "-" }), plus > normalized.index(normalized.startIndex, offsetBy: 10) {
            let offset = normalized[normalized.index(after: plus)...]
            if offset.count == 2 { normalized += ":00" }
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: normalized) { self = date; return }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: normalized) { self = date; return }
        throw PostgresError.decoding(text, as: "Date")
    }
}

extension PostgresError {
    static func decoding(_ text: String, as type: String) -> PostgresError {
        PostgresError(.decoding, message: "cannot read '\(text)' as \(type)")
    }
}

/// Reads `numeric` text such as `12.34`, `-0.05` or `1200` as an integer number of pence.
/// - Throws: `PostgresError` of kind `.decoding` if the value has a fraction of a penny.
public func penceFromNumeric(_ text: String) throws -> Int64 {
    var negative = false
    var body = Substring(text)
    if body.first == "-" { negative = true; body = body.dropFirst() }
    let parts = body.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2, let whole = Int64(parts[0]) else { throw PostgresError.decoding(text, as: "pence") }
    var fraction = parts.count == 2 ? String(parts[1]) : ""
    while fraction.count > 2 && fraction.hasSuffix("0") { fraction.removeLast() }
    guard fraction.count <= 2 else { throw PostgresError.decoding(text, as: "pence (it has a fraction of a penny)") }
    while fraction.count < 2 { fraction += "0" }
    guard let pennies = Int64(fraction) else { throw PostgresError.decoding(text, as: "pence") }
    let total = whole * 100 + pennies
    return negative ? -total : total
}
