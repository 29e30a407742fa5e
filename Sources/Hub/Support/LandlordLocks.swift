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
