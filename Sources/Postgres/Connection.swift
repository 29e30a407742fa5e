import CLibPQ
import Foundation

/// A connection to PostgreSQL over libpq.
///
/// A connection is used by one thread at a time: libpq connections are not thread-safe. The
/// pool and `ConnectionPool.withConnection` hand each connection to one caller at a time, and run
/// blocking calls on Dispatch queues, never on the Swift concurrency pool. That confinement is why
/// the type is `@unchecked Sendable`: it may move between threads, never be shared by two.
public final class Connection: @unchecked Sendable {
    let handle: OpaquePointer
    private var transactionDepth = 0
    private var savepointCounter = 0

    /// Connects with a libpq connection string: a URL (`postgresql://user@host/db`) or
    /// key/value pairs (`host=/tmp port=5432 dbname=hub`). The session is set to UTC and ISO
    /// dates so that values read back the same everywhere.
    /// - Throws: `PostgresError` of kind `.connection` with libpq's message.
    public init(_ connectionString: String, applicationName: String = "hub") throws {
        guard let handle = PQconnectdb(connectionString) else {
            throw PostgresError(.connection, message: "libpq could not allocate a connection")
        }
        self.handle = handle
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
            // No PQfinish here: every stored property is set, so deinit runs when init throws and
            // finishes the handle (finishing it here too was a double free).
            throw PostgresError(.connection, message: "cannot connect to PostgreSQL: \(message)")
        }
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        try execute(
            """
            SELECT set_config('TimeZone', 'UTC', false), set_config('DateStyle', 'ISO, YMD', false), \
            set_config('client_encoding', 'UTF8', false), set_config('application_name', \(applicationName), false)
            """)
    }

    deinit { PQfinish(handle) }

    /// Whether the connection is still usable.
    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// The server's process id for this session.
    public var backendPID: Int32 { PQbackendPID(handle) }

    /// Whether a transaction is open on this connection.
    public var inTransaction: Bool { transactionDepth > 0 }

    /// Runs one statement with parameters (`$1`, `$2`...). Values are never spliced into the text.
    /// - Returns: the rows, if any.
    /// - Throws: `PostgresError` with the SQLSTATE, message, detail and the statement.
    @discardableResult
    public func execute(_ query: SQLQuery, _ parameters: [any PostgresEncodable] = []) throws -> QueryResult {
        let sql = query.sql
        let result = withParameters(query.parameters(parameters)) { count, values, lengths, formats in
            PQexecParams(handle, sql, count, nil, values, lengths, formats, 0)
        }
        return try check(result, sql)
    }

    /// Runs one statement and returns its rows.
    public func query(_ query: SQLQuery, _ parameters: [any PostgresEncodable] = []) throws -> [Row] {
        try execute(query, parameters).rows
    }

    /// Runs a statement expected to return at most one row, and returns it.
    public func queryOne(_ query: SQLQuery, _ parameters: [any PostgresEncodable] = []) throws -> Row? {
        let result = try execute(query, parameters)
        return result.count > 0 ? result[0] : nil
    }

    /// Runs one or more statements without parameters (for migrations and set-up scripts: trusted
    /// text from the hub's own resources, never a value from outside).
    public func executeScript(_ sql: String) throws {
        guard let result = PQexec(handle, sql) else { throw lastError(sql) }
        _ = try check(result, sql)
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws. Nested
    /// calls become savepoints, so an inner failure can be caught without losing the outer work.
    public func transaction<T>(_ body: (Connection) throws -> T) throws -> T {
        if transactionDepth > 0 { return try savepoint(body) }
        try execute("BEGIN")
        transactionDepth = 1
        do {
            let value = try body(self)
            transactionDepth = 0
            try execute("COMMIT")
            return value
        } catch {
            transactionDepth = 0
            if isHealthy { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` inside a savepoint of the current transaction: released if it returns, rolled
    /// back to if it throws (the outer transaction goes on).
    public func savepoint<T>(_ body: (Connection) throws -> T) throws -> T {
        precondition(transactionDepth > 0, "savepoint outside a transaction")
        savepointCounter += 1
        let name = "sp\(savepointCounter)"
        try execute("SAVEPOINT \(unescaped: name)")
        transactionDepth += 1
        do {
            let value = try body(self)
            transactionDepth -= 1
            try execute("RELEASE SAVEPOINT \(unescaped: name)")
            return value
        } catch {
            transactionDepth -= 1
            if isHealthy { _ = try? execute("ROLLBACK TO SAVEPOINT \(unescaped: name)") }
            throw error
        }
    }

    /// Quotes an identifier (a table or channel name) for SQL text.
    public func quoteIdentifier(_ name: String) -> String {
        guard let quoted = PQescapeIdentifier(handle, name, name.utf8.count) else { return "\"\"" }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    // MARK: - Internals

    func withParameters<R>(
        _ parameters: [any PostgresEncodable],
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) throws -> R
    ) rethrows -> R {
        let values = parameters.map(\.postgresValue)
        var pointers: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        pointers.reserveCapacity(values.count)
        for value in values {
            switch value {
            case .null:
                pointers.append(nil); lengths.append(0); formats.append(0)
            case .text(let text):
                pointers.append(strdup(text)); lengths.append(0); formats.append(0)
            case .binary(let bytes):
                let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
                bytes.withUnsafeBytes { raw in
                    if let base = raw.baseAddress { memcpy(buffer, base, bytes.count) }
                }
                pointers.append(buffer); lengths.append(Int32(bytes.count)); formats.append(1)
            }
        }
        defer { for pointer in pointers { free(pointer) } }
        return try pointers.map { UnsafePointer($0) }.withUnsafeBufferPointer { valuePointers in
            try lengths.withUnsafeBufferPointer { lengthPointers in
                try formats.withUnsafeBufferPointer { formatPointers in
                    try body(Int32(values.count), valuePointers.baseAddress, lengthPointers.baseAddress, formatPointers.baseAddress)
                }
            }
        }
    }

    func check(_ result: OpaquePointer?, _ sql: String) throws -> QueryResult {
        guard let result else { throw lastError(sql) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_PIPELINE_SYNC:
            return QueryResult(result)
        default:
            let error = serverError(result, sql)
            PQclear(result)
            throw error
        }
    }

    func serverError(_ result: OpaquePointer, _ sql: String?) -> PostgresError {
        func field(_ code: UInt8) -> String? {
            guard let value = PQresultErrorField(result, Int32(code)) else { return nil }
            return String(cString: value)
        }
        let sqlState = field(UInt8(ascii: "C"))
        var message = field(UInt8(ascii: "M")) ?? String(cString: PQresultErrorMessage(result))
        message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        let kind: PostgresError.Kind = (!isHealthy || sqlState?.hasPrefix("08") == true) ? .connection : .server
        return PostgresError(
            kind, message: message.isEmpty ? "the statement failed" : message, sqlState: sqlState,
            detail: field(UInt8(ascii: "D")), hint: field(UInt8(ascii: "H")), statement: sql)
    }

    func lastError(_ sql: String?) -> PostgresError {
        let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresError(isHealthy ? .client : .connection, message: message.isEmpty ? "libpq failed" : message, statement: sql)
    }
}
