import CLibPQ

/// The rows of a statement's result, read in text format. Owns the libpq result and frees it.
public final class QueryResult {
    let result: OpaquePointer
    /// The number of rows.
    public let count: Int
    /// The column names, in order.
    public let columns: [String]
    /// The command tag's row count (rows inserted, updated, deleted or copied), where the command has one.
    public let affectedRows: Int

    init(_ result: OpaquePointer) {
        self.result = result
        count = Int(PQntuples(result))
        let fields = Int(PQnfields(result))
        columns = (0..<fields).map { PQfname(result, Int32($0)).map { String(cString: $0) } ?? "?column?" }
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    deinit { PQclear(result) }

    /// The row at an index.
    public subscript(index: Int) -> Row { Row(result: self, index: index) }

    /// Every row, in order.
    public var rows: [Row] { (0..<count).map { Row(result: self, index: $0) } }

    /// The index of a named column.
    public func column(_ name: String) throws -> Int {
        guard let index = columns.firstIndex(of: name) else {
            throw PostgresError(.decoding, message: "no column '\(name)' in result (columns: \(columns.joined(separator: ", ")))")
        }
        return index
    }

    func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(result, Int32(row), Int32(column)) == 1 }

    func text(_ row: Int, _ column: Int) -> String {
        String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }

    /// Calls `body` with the raw bytes of a value, without making a String: for hot loops.
    func withBytes<T>(_ row: Int, _ column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let pointer = PQgetvalue(result, Int32(row), Int32(column))!
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        return try pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            try body(UnsafeBufferPointer(start: $0, count: length))
        }
    }
}

/// One row of a result.
public struct Row {
    let result: QueryResult
    /// The row's index in its result.
    public let index: Int

    /// Whether the column holds NULL.
    public func isNull(_ column: Int) -> Bool { result.isNull(index, column) }

    /// Decodes a non-null column.
    /// - Throws: `PostgresError` when the value is NULL or not of that type.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, _ column: Int) throws -> T {
        guard column < result.columns.count else {
            throw PostgresError(.decoding, message: "column \(column) is out of range (\(result.columns.count) columns)")
        }
        if result.isNull(index, column) {
            throw PostgresError(.decoding, message: "column '\(result.columns[column])' is NULL where \(T.self) was expected")
        }
        return try T(postgresText: result.text(index, column))
    }

    /// Decodes a column that may be NULL.
    public func decode<T: PostgresDecodable>(_ type: T?.Type, _ column: Int) throws -> T? {
        if result.isNull(index, column) { return nil }
        return try T(postgresText: result.text(index, column))
    }

    /// Decodes a named column.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, _ name: String) throws -> T {
        try decode(type, try result.column(name))
    }

    /// Decodes a named column that may be NULL.
    public func decode<T: PostgresDecodable>(_ type: T?.Type, _ name: String) throws -> T? {
        try decode(type, try result.column(name))
    }

    /// The text of a column, or nil for NULL.
    public func text(_ column: Int) -> String? { result.isNull(index, column) ? nil : result.text(index, column) }

    /// Reads a `numeric` (or integer) column as pence: `12.34` is 1234.
    public func pence(_ column: Int) throws -> Int64 {
        guard let text = text(column) else {
            throw PostgresError(.decoding, message: "column '\(result.columns[column])' is NULL where pence were expected")
        }
        return try penceFromNumeric(text)
    }

    /// Reads an integer column without making a String (for hot loops); 0 for NULL.
    public func int64(_ column: Int) -> Int64 {
        result.withBytes(index, column) { bytes in
            var value: Int64 = 0
            var negative = false
            for b in bytes {
                if b == UInt8(ascii: "-") { negative = true } else { value = value &* 10 &+ Int64(b &- 48) }
            }
            return negative ? -value : value
        }
    }
}
