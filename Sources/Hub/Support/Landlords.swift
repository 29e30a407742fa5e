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
    /// Bulk-loads rows into a table of the schema. PostgreSQL refuses `COPY ... FROM` into a table
    /// under row-level security (every table since migration 0030), so the rows are copied into a
    /// temporary table of the same columns (no policy, no WAL) and moved with one
    /// `INSERT ... SELECT`, where the landlord's default and policy apply as to any insert. All rows
    /// are in, or none.
    /// - Returns: the number of rows inserted.
    @discardableResult
    public func copyIntoLandlordTable(table: String, columns: [String], producer: (inout CopyRowWriter) throws -> Void) throws -> Int {
        // A table without row-level security (switched off by `Benchmarks/rent-debit
        // --without-rls` to measure its cost) takes the COPY itself.
        guard try queryOne("SELECT relrowsecurity FROM pg_class WHERE oid = $1::regclass", [table])!.decode(Bool.self, 0) else {
            return try copyIn(table: table, columns: columns, producer: producer)
        }
        let list = columns.joined(separator: ", ")
        // Named after the table (`COPY ledger_entries_copy ...` in pg_stat_activity); temporary
        // tables come first on the search path.
        let stage = table + "_copy"
        try execute("DROP TABLE IF EXISTS pg_temp.\(unescaped: stage)")
        try execute("CREATE TEMPORARY TABLE \(unescaped: stage) AS SELECT \(unescaped: list) FROM \(unescaped: table) WITH NO DATA")
        try copyIn(table: stage, columns: columns, producer: producer)
        let inserted = try execute("INSERT INTO \(unescaped: table) (\(unescaped: list)) SELECT \(unescaped: list) FROM pg_temp.\(unescaped: stage)")
        try execute("DROP TABLE pg_temp.\(unescaped: stage)")
        return inserted.affectedRows
    }
}
