/// A one-dimensional PostgreSQL array, the one place where the hub writes and reads the array text
/// syntax (`{"a","b\"c",NULL}`).
///
/// Send it as one parameter and cast it in the statement:
///
/// ```swift
/// try db.query("SELECT id FROM sales_orders WHERE job_number = ANY(\(PostgresArray(numbers))::text[])")
/// ```
///
/// Every element is quoted (so text, numbers and dates all read back exactly), `\` and `"` are
/// escaped, and a nil element is `NULL`. Reading parses the server's output of an array column
/// (`run_ids::text`, `tenants::text`), quoted or not.
public struct PostgresArray: Hashable, Sendable, PostgresEncodable, PostgresDecodable {
    /// The elements in PostgreSQL's text input syntax of the element type; nil is NULL.
    public var elements: [String?]

    /// An array of text values.
    public init(_ values: some Sequence<String>) {
        elements = values.map { $0 }
    }

    /// An array of integers (for `bigint[]`, `int[]`).
    public init<Integer: BinaryInteger>(_ values: some Sequence<Integer>) {
        elements = values.map { String($0) }
    }

    /// An array of elements some of which may be NULL.
    public init(elements: [String?]) {
        self.elements = elements
    }

    /// The array literal. Built byte by byte: the payment import sends chunks of 10,000 keys.
    public var postgresValue: PostgresValue {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(elements.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        bytes.append(UInt8(ascii: "{"))
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard let element else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in element.utf8 {
                if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return .text(String(decoding: bytes, as: UTF8.self))
    }

    /// Reads a one-dimensional array as the server prints it.
    /// - Throws: `PostgresError` of kind `.decoding` when the text is not a one-dimensional array.
    public init(postgresText text: String) throws {
        let bytes = Array(text.utf8)
        func fail() -> PostgresError { PostgresError.decoding(String(text.prefix(40)), as: "an array") }
        // An array with explicit bounds ("[0:1]={...}") starts with its dimensions: skip them.
        var index = 0
        if bytes.first == UInt8(ascii: "[") {
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { throw fail() }
            index = equals + 1
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { throw fail() }
        index += 1
        let end = bytes.count - 1
        var elements: [String?] = []
        if index == end {
            self.elements = []
            return
        }
        while index <= end {
            var element: [UInt8] = []
            var quoted = false
            if bytes[index] == UInt8(ascii: "\"") {
                quoted = true
                index += 1
                while true {
                    guard index < end else { throw fail() }
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\\") {
                        guard index + 1 < end else { throw fail() }
                        element.append(bytes[index + 1])
                        index += 2
                    } else if byte == UInt8(ascii: "\"") {
                        index += 1
                        break
                    } else {
                        element.append(byte)
                        index += 1
                    }
                }
            } else {
                while index < end, bytes[index] != UInt8(ascii: ",") {
                    if bytes[index] == UInt8(ascii: "{") || bytes[index] == UInt8(ascii: "\"") { throw fail() }
                    if bytes[index] == UInt8(ascii: "\\") {
                        guard index + 1 < end else { throw fail() }
                        index += 1
                    }
                    element.append(bytes[index])
                    index += 1
                }
            }
            let value = String(decoding: element, as: UTF8.self)
            elements.append(!quoted && value.uppercased() == "NULL" ? nil : value)
            if index == end { break }
            guard bytes[index] == UInt8(ascii: ",") else { throw fail() }
            index += 1
            guard index < end else { throw fail() }
        }
        self.elements = elements
    }

    /// The elements as text; NULL elements are left out.
    public var strings: [String] { elements.compactMap { $0 } }

    /// The elements as integers.
    /// - Throws: `PostgresError` of kind `.decoding` when an element is NULL or not an integer.
    public func integers() throws -> [Int64] {
        try elements.map { element in
            guard let element, let value = Int64(element) else {
                throw PostgresError.decoding(element ?? "NULL", as: "Int64")
            }
            return value
        }
    }
}
