import Postgres

extension Connection {
    /// A 64-bit advisory-lock key for a name within the session's landlord: the same job of two
    /// landlords takes two different locks, so that their runs go in parallel (docs/scaling.md).
    public func landlordLockKey(_ name: String) throws -> Int64 {
        try queryOne("SELECT hashtextextended($1 || ' ' || hub_landlord(), 20261122)", [name])!.decode(Int64.self, 0)
    }

    /// Waits for the landlord's transaction-level advisory lock of a name (released at commit or rollback).
    public func landlordTransactionLock(_ name: String) throws {
        try execute("SELECT pg_advisory_xact_lock($1)", [try landlordLockKey(name)])
    }
}

extension Connection {
    /// Bulk-loads rows into a table of the schema, in one chunk of a `LandlordTableStream`:
    /// PostgreSQL refuses `COPY ... FROM` into a table under row-level security (every table since
    /// migration 0030), so the rows are copied into a temporary table and moved with one
    /// `INSERT ... SELECT`, where the landlord's default and policy apply as to any insert. All rows
    /// are in, or none.
    /// - Returns: the number of rows inserted.
    @discardableResult
    public func copyIntoLandlordTable(table: String, columns: [String], producer: (inout CopyRowWriter) throws -> Void) throws -> Int {
        var stream = try LandlordTableStream(into: table, columns: columns, on: self)
        try stream.append(producer)
        try stream.close()
        return stream.rows
    }
}

/// Rows posted to a table of the schema chunk by chunk, inside the caller's transaction (a run's):
/// the caller holds one chunk at a time, however many rows the whole posting has. Each chunk is
/// copied into a temporary table (made once, emptied after each chunk, dropped by `close()`) and
/// moved with one `INSERT ... SELECT`, where the landlord's default, the policy and the table's
/// triggers apply as to any insert; a table without row-level security (the benchmarks'
/// `--without-rls`) takes each chunk's COPY itself. All chunks are in, or none: the transaction
/// is the caller's.
public struct LandlordTableStream {
    let connection: Connection
    let table: String
    let list: String
    let columns: [String]
    /// The temporary table, or nil when the table takes COPY.
    let stage: String?
    /// Rows inserted so far.
    public private(set) var rows = 0
    /// Chunks posted so far.
    public private(set) var chunks = 0
    /// Time spent copying the chunks (into the temporary table, or the table itself).
    public private(set) var copying = Duration.zero
    /// Time spent moving them into the table (the insert, its indexes and its triggers).
    public private(set) var inserting = Duration.zero
    /// Whether a chunk waits in the temporary table (`stage`), not yet moved.
    private var staged = false
    /// Whether a chunk's move was sent by `appendSent` and its results not yet read.
    public private(set) var inFlight = false
    /// The moves sent by `appendSent`: their time from sending to their results read, the
    /// caller's work meanwhile included (`inserting` counts only the time waited for them).
    public private(set) var moving = Duration.zero
    private var sentAt = ContinuousClock.now

    /// Makes the temporary table (dropped by `close()`, or by the next stream into the same table).
    public init(into table: String, columns: [String], on connection: Connection) throws {
        self.connection = connection
        self.table = table
        self.columns = columns
        self.list = columns.joined(separator: ", ")
        if try connection.queryOne("SELECT relrowsecurity FROM pg_class WHERE oid = $1::regclass", [table])!.decode(Bool.self, 0) {
            // Named after the table (`COPY ledger_entries_copy ...` in pg_stat_activity).
            let stage = table + "_copy"
            try connection.execute("DROP TABLE IF EXISTS pg_temp.\(unescaped: stage)")
            try connection.execute(
                "CREATE TEMPORARY TABLE \(unescaped: stage) AS SELECT \(unescaped: list) FROM \(unescaped: table) WITH NO DATA")
            self.stage = stage
        } else {
            self.stage = nil
        }
    }

    /// Posts one chunk: the rows `producer` writes.
    public mutating func append(_ producer: (inout CopyRowWriter) throws -> Void) throws {
        chunks += 1
        let clock = ContinuousClock.now
        guard let stage else {
            rows += try connection.copyIn(table: table, columns: columns, producer: producer)
            copying += ContinuousClock.now - clock
            return
        }
        try connection.copyIn(table: stage, columns: columns, producer: producer)
        let copied = ContinuousClock.now
        copying += copied - clock
        rows += try connection.execute(
            "INSERT INTO \(unescaped: table) (\(unescaped: list)) SELECT \(unescaped: list) FROM pg_temp.\(unescaped: stage)").affectedRows
        // Made in this transaction: emptied in place, its pages kept in the session's buffers.
        try connection.execute("TRUNCATE pg_temp.\(unescaped: stage)")
        inserting += ContinuousClock.now - copied
    }

    /// Posts one chunk as `append` does, but sends its move without waiting for it: the caller
    /// works on the next chunk while the server moves this one. The move's results are read by the
    /// next `appendSent`, or by `receive()`, which must come before the connection is asked
    /// anything else; after a failure, `abandon()` reads and drops them so that the transaction
    /// can be rolled back. A failed move throws from the call that reads it.
    public mutating func appendSent(_ producer: (inout CopyRowWriter) throws -> Void) throws {
        try receive()
        try stage(producer)
        guard let script = moveScript else { return }  // a table that takes COPY has it already
        try connection.sendScript(SQLQuery(unescaped: script))
        sentAt = ContinuousClock.now
        inFlight = true
    }

    /// Waits for the move `appendSent` sent, if any, and counts it.
    public mutating func receive() throws {
        guard inFlight else { return }
        inFlight = false
        let clock = ContinuousClock.now
        let results = try connection.receiveScript()
        moved(results[...], waited: ContinuousClock.now - clock)
        moving += ContinuousClock.now - sentAt
    }

    /// After a failure elsewhere: reads and drops the results of a move still in flight, so that
    /// the connection can roll the transaction back.
    public mutating func abandon() {
        guard inFlight else { return }
        inFlight = false
        _ = try? connection.receiveScript()
    }

    /// Runs `body`, which posts chunks with `appendSent`, then reads the last move sent; if
    /// anything fails, reads and drops it instead, so that the transaction can be rolled back.
    public mutating func sendingMoves(_ body: (inout LandlordTableStream) throws -> Void) throws {
        do {
            try body(&self)
            try receive()
        } catch {
            abandon()
            throw error
        }
    }

    /// Copies one chunk into the temporary table and leaves it there: the caller sends
    /// `moveScript` with other statements at once (`Connection.sendScript`) and works on the next
    /// chunk while the server moves this one, then counts the move with `moved(_:waited:)`. A
    /// table that takes COPY itself gets the chunk at once (`moveScript` is then nil).
    public mutating func stage(_ producer: (inout CopyRowWriter) throws -> Void) throws {
        precondition(!staged, "a staged chunk must be moved before the next is staged")
        chunks += 1
        let clock = ContinuousClock.now
        defer { copying += ContinuousClock.now - clock }
        guard let stage else {
            rows += try connection.copyIn(table: table, columns: columns, producer: producer)
            return
        }
        try connection.copyIn(table: stage, columns: columns, producer: producer)
        staged = true
    }

    /// The statements that move the staged chunk into the table and empty the temporary table
    /// (two results, in this order), or nil when no chunk waits.
    public var moveScript: String? {
        guard let stage, staged else { return nil }
        return "INSERT INTO \(table) (\(list)) SELECT \(list) FROM pg_temp.\(stage); TRUNCATE pg_temp.\(stage)"
    }

    /// Counts a move sent with `moveScript`: its two results, and the time the caller waited
    /// for them after its own work.
    public mutating func moved(_ results: ArraySlice<QueryResult>, waited: Duration) {
        rows += results.first?.affectedRows ?? 0
        inserting += waited
        staged = false
    }

    /// Reads the move still in flight, if any, and drops the temporary table.
    public mutating func close() throws {
        try receive()
        if let stage { try connection.execute("DROP TABLE IF EXISTS pg_temp.\(unescaped: stage)") }
    }
}
