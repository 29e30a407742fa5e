import Foundation
import HousingFinance
import Postgres

/// A slot this process holds: the row, the owner and the fencing token of this claim.
public struct SlotClaim: Hashable, Sendable {
    /// The row in `scheduler_slots`.
    public var id: Int64
    public var job: String
    public var slot: String
    public var slotAt: Date
    public var businessDate: Day
    public var parameters: [String: String]
    /// Who holds it (`SlotStore.owner`).
    public var owner: String
    /// The token of this claim: a later claim of the same row has a larger one.
    public var token: Int64
    /// Tries so far, counting this one.
    public var attempts: Int
    /// True when this claim took the slot over from a process whose lease expired.
    public var tookOver: Bool
}

/// A slot's row as `hub jobs list` and `/health` read it.
public struct SlotStatus: Hashable, Sendable, Codable {
    public var job: String
    public var slot: String
    public var slotAt: Date
    public var state: String
    public var owner: String?
    public var attempts: Int
    public var lastError: String?
    public var runIds: [Int64]
    public var finishedAt: Date?
}

/// The process lost its lease on a slot (it paused or was cut off, and another process took the
/// slot over): the run must not commit.
public struct LeaseLostError: Error, Hashable, Sendable, CustomStringConvertible {
    public var job: String
    public var slot: String
    public var reason: String
    public var description: String {
        "the scheduler's lease on \(job) slot \(slot) was lost (\(reason)); the run was rolled back and the slot's new owner runs it"
    }
}

/// The scheduler's table of slots and leases (`scheduler_slots`, `scheduler_jobs`, migration 0009):
/// all its SQL. Lease times are the database's clock, so that hosts whose clocks differ agree.
public struct SlotStore: Sendable {
    /// This process's identity as an owner: `<pid>@<host> <random>`.
    public let owner: String
    public let host: String
    public let pid: Int32
    /// How long a claim lasts without a heartbeat.
    public let leaseSeconds: Double

    /// Creates a store for one process.
    public init(host: String, pid: Int32 = getpid(), leaseSeconds: Double) {
        self.host = host
        self.pid = pid
        self.owner = "\(pid)@\(host) \(UUID().uuidString.prefix(8).lowercased())"
        self.leaseSeconds = leaseSeconds
    }

    /// How far a job's schedule was looked at, recording the job on first sight (then `now`, and
    /// nil is returned: nothing before the first start is caught up).
    public func checkedThrough(job: String, now: Date, on connection: Connection) throws -> Date? {
        let inserted = try connection.execute(
            "INSERT INTO scheduler_jobs (job, first_seen_at, checked_through) VALUES ($1, $2, $2) ON CONFLICT (landlord, job) DO NOTHING", [job, now])
        if inserted.affectedRows == 1 { return nil }
        return try connection.queryOne("SELECT checked_through FROM scheduler_jobs WHERE job = $1", [job])!.decode(Date.self, 0)
    }

    /// When a job was first seen by a scheduler.
    public func firstSeen(job: String, on connection: Connection) throws -> Date? {
        try connection.queryOne("SELECT first_seen_at FROM scheduler_jobs WHERE job = $1", [job])?.decode(Date.self, 0)
    }

    /// Enters due slots (each once, whoever enters it first) and moves the job's checked-through
    /// instant forward, in one transaction. Returns how many slots were new.
    @discardableResult
    public func enter(
        job: String, slots: [(key: String, at: Date, businessDate: Day, parameters: [String: String])], checkedThrough: Date,
        on connection: Connection
    ) throws -> Int {
        try connection.transaction { connection in
            var added = 0
            for slot in slots {
                added += try connection.execute(
                    """
                    INSERT INTO scheduler_slots (job, slot, slot_at, business_date, parameters, state)
                    VALUES ($1, $2, $3, $4, $5::jsonb, 'pending') ON CONFLICT (landlord, job, slot) DO NOTHING
                    """, [job, slot.key, slot.at, slot.businessDate, try Self.json(slot.parameters)]).affectedRows
            }
            try connection.execute(
                """
                INSERT INTO scheduler_jobs (job, first_seen_at, checked_through) VALUES ($1, $2, $2)
                ON CONFLICT (landlord, job) DO UPDATE SET checked_through = GREATEST(scheduler_jobs.checked_through, EXCLUDED.checked_through)
                """, [job, checkedThrough])
            return added
        }
    }

    /// Claims the oldest slot of a job that may run now: pending, a retry whose time has come, or
    /// running under a lease that expired (its process died). A job's slots run in order, one at a
    /// time: a slot is not claimed while an older one of the same job is unfinished or another
    /// process holds a live lease on one. Returns nil when there is nothing to claim.
    ///
    /// - Parameter id: claim only this slot (a manual or inbox slot) when given.
    public func claimNext(job: String, id: Int64? = nil, on connection: Connection) throws -> SlotClaim? {
        guard let row = try connection.queryOne(
            """
            WITH candidate AS (
                SELECT s.id, s.state FROM scheduler_slots s
                WHERE s.job = $1 AND ($4::bigint IS NULL OR s.id = $4)
                  AND (s.state = 'pending'
                       OR (s.state = 'retry-wait' AND s.next_attempt_at <= clock_timestamp())
                       OR (s.state = 'running' AND s.lease_expires_at <= clock_timestamp()))
                  AND NOT EXISTS (
                      SELECT 1 FROM scheduler_slots o WHERE o.job = s.job AND o.id <> s.id
                        AND ((o.state IN ('pending', 'retry-wait', 'running') AND (o.slot_at, o.id) < (s.slot_at, s.id))
                             OR (o.state = 'running' AND o.lease_expires_at > clock_timestamp())))
                ORDER BY s.slot_at, s.id
                LIMIT 1
                FOR UPDATE OF s SKIP LOCKED
            )
            UPDATE scheduler_slots t
            SET state = 'running', owner = $2, owner_host = $5, owner_pid = $6, fencing_token = nextval('scheduler_fencing_tokens'),
                lease_expires_at = clock_timestamp() + make_interval(secs => $3::float8), heartbeat_at = clock_timestamp(),
                claimed_at = clock_timestamp(), attempts = t.attempts + 1, next_attempt_at = NULL,
                takeovers = t.takeovers + CASE WHEN candidate.state = 'running' THEN 1 ELSE 0 END
            FROM candidate WHERE t.id = candidate.id
            RETURNING t.id, t.job, t.slot, t.slot_at, t.business_date, t.parameters::text, t.fencing_token, t.attempts, candidate.state = 'running'
            """, [job, owner, String(leaseSeconds), id, host, Int(pid)])
        else { return nil }
        let parameters = try JSONDecoder().decode([String: String].self, from: Data((row.text(5) ?? "{}").utf8))
        return SlotClaim(
            id: try row.decode(Int64.self, 0), job: try row.decode(String.self, 1), slot: try row.decode(String.self, 2),
            slotAt: try row.decode(Date.self, 3), businessDate: try row.decode(Day.self, 4), parameters: parameters, owner: owner,
            token: try row.decode(Int64.self, 6), attempts: try row.decode(Int.self, 7), tookOver: try row.decode(Bool.self, 8))
    }

    /// Renews the lease of a claim; false when it is no longer this claim's (expired or taken over).
    public func heartbeat(_ claim: SlotClaim, on connection: Connection) throws -> Bool {
        try connection.execute(
            """
            UPDATE scheduler_slots SET lease_expires_at = clock_timestamp() + make_interval(secs => $4::float8), heartbeat_at = clock_timestamp()
            WHERE id = $1 AND owner = $2 AND fencing_token = $3 AND state = 'running' AND lease_expires_at > clock_timestamp()
            """, [claim.id, claim.owner, claim.token, String(leaseSeconds)]).affectedRows == 1
    }

    /// The fence: inside a run's transaction, locks the claim's row (SELECT ... FOR UPDATE, held
    /// until the run commits, so that nobody can take the slot over in between) and checks that
    /// this claim still holds it with an unexpired lease.
    /// - Throws: `LeaseLostError` when it does not, so that the run rolls back.
    public func fence(_ claim: SlotClaim, on connection: Connection) throws {
        guard let row = try connection.queryOne(
            """
            SELECT owner, fencing_token, state, lease_expires_at > clock_timestamp(), lease_expires_at
            FROM scheduler_slots WHERE id = $1 FOR UPDATE
            """, [claim.id])
        else { throw LeaseLostError(job: claim.job, slot: claim.slot, reason: "its row is gone") }
        let owner = row.text(0)
        let token = try row.decode(Int64?.self, 1)
        if owner != claim.owner || token != claim.token {
            throw LeaseLostError(job: claim.job, slot: claim.slot, reason: "now held by \(owner ?? "nobody") with token \(token.map(String.init) ?? "none")")
        }
        if row.text(2) != "running" || row.text(3) != "t" {
            throw LeaseLostError(job: claim.job, slot: claim.slot, reason: "the lease expired at \(try row.decode(Date?.self, 4).map(Timestamp.text) ?? "?")")
        }
    }

    /// How a claimed slot ended.
    public enum Finish: Sendable {
        /// Done: every run it needed is committed (or there was nothing to do).
        case completed
        /// Refused by the job (bad input, a business rule): not retried.
        case refused(String)
        /// Failed and not retried (no tries left, or not a transient failure).
        case failed(String)
        /// A transient failure: tried again after this many seconds.
        case retry(after: Double, error: String)
    }

    /// Records how a claim ended, if this claim still holds the slot (false otherwise). The slot's
    /// run ids are those of the completed runs carrying the slot's key.
    @discardableResult
    public func finish(_ claim: SlotClaim, _ finish: Finish, on connection: Connection) throws -> Bool {
        let state: String
        var error: String?
        var retryAfter: Double?
        switch finish {
        case .completed: state = "completed"
        case .refused(let message): state = "refused"; error = message
        case .failed(let message): state = "failed"; error = message
        case .retry(let after, let message): state = "retry-wait"; error = message; retryAfter = after
        }
        return try connection.execute(
            """
            UPDATE scheduler_slots s SET state = $4, last_error = COALESCE($5, s.last_error), lease_expires_at = NULL,
                next_attempt_at = CASE WHEN $6::float8 IS NULL THEN NULL ELSE clock_timestamp() + make_interval(secs => $6::float8) END,
                finished_at = CASE WHEN $4 = 'retry-wait' THEN NULL ELSE clock_timestamp() END,
                run_ids = ARRAY(SELECT r.id FROM runs r WHERE r.job = s.job AND r.slot = s.slot AND r.status = 'completed' ORDER BY r.id)
            WHERE id = $1 AND owner = $2 AND fencing_token = $3
            """, [claim.id, claim.owner, claim.token, state, error, retryAfter.map { String($0) }]).affectedRows == 1
    }

    /// Enters one slot outside the schedule (a manual or inbox firing) and returns its row id; an
    /// existing slot of the same key is returned as it is.
    public func enterOne(
        job: String, key: String, at: Date, businessDate: Day, parameters: [String: String], on connection: Connection
    ) throws -> (id: Int64, isNew: Bool) {
        if let row = try connection.queryOne(
            """
            INSERT INTO scheduler_slots (job, slot, slot_at, business_date, parameters, state)
            VALUES ($1, $2, $3, $4, $5::jsonb, 'pending') ON CONFLICT (landlord, job, slot) DO NOTHING RETURNING id
            """, [job, key, at, businessDate, try Self.json(parameters)])
        {
            return (try row.decode(Int64.self, 0), true)
        }
        return (try connection.queryOne("SELECT id FROM scheduler_slots WHERE job = $1 AND slot = $2", [job, key])!.decode(Int64.self, 0), false)
    }

    /// The slot of a job with a key, if entered.
    public func status(job: String, slot: String, on connection: Connection) throws -> SlotStatus? {
        try connection.queryOne("\(unescaped: Self.statusSelect) WHERE job = $1 AND slot = $2", [job, slot]).map(Self.status)
    }

    /// The most recent slot of each job (by firing instant).
    public func latest(on connection: Connection) throws -> [String: SlotStatus] {
        var result: [String: SlotStatus] = [:]
        for row in try connection.query(
            "SELECT DISTINCT ON (job) \(unescaped: Self.statusColumns) FROM scheduler_slots ORDER BY job, slot_at DESC, id DESC")
        {
            let status = try Self.status(row)
            result[status.job] = status
        }
        return result
    }

    /// The most recent finished slot of each job that completed.
    public func lastCompleted(on connection: Connection) throws -> [String: SlotStatus] {
        var result: [String: SlotStatus] = [:]
        for row in try connection.query(
            "SELECT DISTINCT ON (job) \(unescaped: Self.statusColumns) FROM scheduler_slots WHERE state = 'completed' ORDER BY job, finished_at DESC, id DESC")
        {
            let status = try Self.status(row)
            result[status.job] = status
        }
        return result
    }

    static let statusColumns = "job, slot, slot_at, state, owner, attempts, last_error, run_ids::text, finished_at"
    static let statusSelect = "SELECT " + statusColumns + " FROM scheduler_slots"

    static func status(_ row: Row) throws -> SlotStatus {
        let ids = try row.decode(PostgresArray?.self, 7)?.integers() ?? []
        return SlotStatus(
            job: try row.decode(String.self, 0), slot: try row.decode(String.self, 1), slotAt: try row.decode(Date.self, 2),
            state: try row.decode(String.self, 3), owner: row.text(4), attempts: try row.decode(Int.self, 5), lastError: row.text(6),
            runIds: ids, finishedAt: try row.decode(Date?.self, 8))
    }

    static func json(_ parameters: [String: String]) throws -> String {
        try HubJSON.text(parameters)
    }
}
