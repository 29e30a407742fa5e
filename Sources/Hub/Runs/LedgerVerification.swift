import Foundation
import HousingFinance
import Postgres

/// `hub db verify`: checks that the ledger is what the runs sealed when they completed.
///
/// Each completed run's seal (migration 0019) holds the id and hash of each of its ledger entries,
/// the run's count and sum, the ledger's running count and sum after it, and a hash chained from
/// the previous seal's. Verification recomputes all of it from the ledger as it stands, so an entry
/// changed, added or removed behind the hub's back (by a superuser with its triggers disabled), or
/// a seal edited, is found and named with its run and entry. One run's entries are read at a time.
public struct LedgerVerification: Sendable, Encodable {
    /// Something that does not add up, with the run and entry it concerns.
    public struct Problem: Sendable, Encodable, Hashable {
        public var runId: Int64?
        public var entryId: Int64?
        public var message: String
    }

    public var runsChecked: Int
    public var entriesChecked: Int64
    /// The ledger's running count and sum after the last sealed run.
    public var runningEntries: Int64
    public var runningPence: Int64
    /// The last seal's hash: written down elsewhere, it also shows that no seal was remade later.
    public var head: String
    /// The date balances are carried forward through (migration 0042), each checked against the
    /// ledger's entries to that date; nil where they are not carried.
    public var carriedThrough: Day?
    public var problems: [Problem]

    public var isIntact: Bool { problems.isEmpty }

    /// At most this many entries are named for one run.
    static let entriesNamedPerRun = 10
    /// An entry's hash as the seal took it (0019), from the columns of `l` (0040: the same value
    /// as `ledger_entry_hash(l)`, without building the whole row).
    static let entryHash =
        "ledger_entry_hash_of(l.id, l.account_id, l.code, l.charge_code, l.amount_pence, l.entry_date, l.rent_week, l.run_id, l.description, l.source_ref, l.reverses_entry_id)"

    public static func verify(on connection: Connection) throws -> LedgerVerification {
        var problems: [Problem] = []
        for row in try connection.query(
            """
            SELECT r.id, r.job FROM runs r WHERE r.status = 'completed'
              AND NOT EXISTS (SELECT FROM run_seals s WHERE s.run_id = r.id) ORDER BY r.id
            """)
        {
            let id = try row.decode(Int64.self, 0)
            problems.append(Problem(runId: id, entryId: nil, message: "run \(id) (\(row.text(1) ?? "?")) is completed but was never sealed"))
        }
        for row in try connection.query(
            "SELECT s.run_id, r.status FROM run_seals s JOIN runs r ON r.id = s.run_id WHERE r.status <> 'completed' ORDER BY s.seq")
        {
            let id = try row.decode(Int64.self, 0)
            problems.append(Problem(runId: id, entryId: nil, message: "run \(id) is sealed but its record says \(row.text(1) ?? "?")"))
        }
        for row in try connection.query(
            """
            SELECT l.run_id, min(l.id), count(*) FROM ledger_entries l
            WHERE NOT EXISTS (SELECT FROM run_seals s WHERE s.run_id = l.run_id) GROUP BY l.run_id ORDER BY l.run_id
            """)
        {
            let run = try row.decode(Int64.self, 0)
            let first = try row.decode(Int64.self, 1)
            problems.append(Problem(
                runId: run, entryId: first,
                message: "\(try row.decode(Int64.self, 2)) ledger entries (the first is entry \(first)) belong to run \(run), which has no seal"))
        }

        // The chain, seal by seal, each recomputed and its entries compared with the ledger's.
        var previousChain = String(repeating: "0", count: 64)
        var runningEntries: Int64 = 0
        var runningPence: Int64 = 0
        var expectedSeq: Int64 = 1
        var runs = 0
        var entries: Int64 = 0
        let seals = try connection.query(
            """
            SELECT s.run_id, s.seq, s.entries, s.pence, s.running_entries, s.running_pence, s.previous_chain, s.chain,
                   run_seal_chain(s.previous_chain, s.run_id, s.entries, s.pence, s.entry_ids, s.entry_hashes) = s.chain,
                   a.n, a.p, (a.ids = s.entry_ids AND a.hashes = s.entry_hashes)
            FROM run_seals s CROSS JOIN LATERAL (
                SELECT count(*) AS n, COALESCE(sum(l.amount_pence), 0) AS p,
                       COALESCE(array_agg(l.id ORDER BY l.id), '{}') AS ids,
                       COALESCE(array_agg(\(unescaped: Self.entryHash) ORDER BY l.id), '{}') AS hashes
                FROM ledger_entries l WHERE l.run_id = s.run_id) a
            ORDER BY s.seq
            """)
        for seal in seals {
            let run = try seal.decode(Int64.self, 0)
            let seq = try seal.decode(Int64.self, 1)
            let sealedEntries = try seal.decode(Int64.self, 2)
            let sealedPence = try seal.decode(Int64.self, 3)
            let chain = try seal.decode(String.self, 7)
            runs += 1
            if seq != expectedSeq {
                problems.append(Problem(runId: run, entryId: nil, message: "run \(run)'s seal is number \(seq) in the chain where \(expectedSeq) was expected (a seal is missing)"))
            }
            if try seal.decode(String.self, 6) != previousChain {
                problems.append(Problem(runId: run, entryId: nil, message: "run \(run)'s seal does not follow the seal before it in the chain"))
            }
            if try !seal.decode(Bool.self, 8) {
                problems.append(Problem(runId: run, entryId: nil, message: "run \(run)'s seal was changed: its hash does not match what it holds"))
            }
            runningEntries += sealedEntries
            runningPence += sealedPence
            if try seal.decode(Int64.self, 4) != runningEntries || seal.decode(Int64.self, 5) != runningPence {
                problems.append(Problem(runId: run, entryId: nil, message: "the ledger's running totals break at run \(run)'s seal"))
            }
            let actualEntries = try seal.decode(Int64.self, 9)
            let actualPence = try seal.decode(Int64.self, 10)
            let sameEntries = try seal.decode(Bool.self, 11)
            entries += actualEntries
            if actualEntries != sealedEntries || actualPence != sealedPence || !sameEntries {
                problems.append(Problem(
                    runId: run, entryId: nil,
                    message: "run \(run)'s ledger entries are not what it sealed: \(actualEntries) entries, \(Money(pence: actualPence).formatted) now; "
                        + "\(sealedEntries) entries, \(Money(pence: sealedPence).formatted) when it completed"))
                problems += try entryDifferences(run: run, on: connection)
            }
            previousChain = chain
            expectedSeq = seq + 1
        }
        if let head = try connection.queryOne("SELECT seq, chain, running_entries, running_pence FROM run_seal_head") {
            if try head.decode(Int64.self, 0) != expectedSeq - 1 || head.decode(String.self, 1) != previousChain
                || head.decode(Int64.self, 2) != runningEntries || head.decode(Int64.self, 3) != runningPence
            {
                problems.append(Problem(runId: nil, entryId: nil, message: "the chain's head does not match its last seal"))
            }
        }
        // Balances carried forward, each against its account's entries to the date.
        let carried = try CarriedBalances.differences(limit: entriesNamedPerRun, on: connection)
        problems += carried.differences.map { Problem(runId: nil, entryId: nil, message: $0) }
        return LedgerVerification(
            runsChecked: runs, entriesChecked: entries, runningEntries: runningEntries, runningPence: runningPence, head: previousChain,
            carriedThrough: carried.through, problems: problems)
    }

    /// The entries of a run that differ from its seal: changed, added or gone.
    static func entryDifferences(run: Int64, on connection: Connection) throws -> [Problem] {
        try connection.query(
            """
            WITH sealed AS (SELECT unnest(entry_ids) AS id, unnest(entry_hashes) AS h FROM run_seals WHERE run_id = $1),
                 actual AS (SELECT l.id, \(unescaped: Self.entryHash) AS h, l.run_id FROM ledger_entries l WHERE l.run_id = $1),
                 moved AS (SELECT l.id, l.run_id FROM ledger_entries l JOIN sealed s ON s.id = l.id WHERE l.run_id <> $1)
            SELECT COALESCE(s.id, a.id), s.id IS NULL, a.id IS NULL, (SELECT m.run_id FROM moved m WHERE m.id = s.id)
            FROM sealed s FULL JOIN actual a ON a.id = s.id
            WHERE s.h IS DISTINCT FROM a.h ORDER BY 1 LIMIT \(unescaped: String(entriesNamedPerRun))
            """, [run]
        ).map { row in
            let id = try row.decode(Int64.self, 0)
            let message: String
            if try row.decode(Bool.self, 1) {
                message = "entry \(id) was added to run \(run) after it completed"
            } else if try row.decode(Bool.self, 2) {
                if let other = try row.decode(Int64?.self, 3) {
                    message = "entry \(id) of run \(run) was moved to run \(other)"
                } else {
                    message = "entry \(id) of run \(run) is gone from the ledger"
                }
            } else {
                message = "entry \(id) of run \(run) was changed after the run completed"
            }
            return Problem(runId: run, entryId: id, message: message)
        }
    }

    /// The result as people read it.
    public func render() -> String {
        var text = "Checked \(Wording.count(runsChecked, "completed run")) and \(Wording.count(Int(entriesChecked), "ledger entry")): "
        text += "running totals \(Wording.count(Int(runningEntries), "entry")), \(Money(pence: runningPence).formatted); chain head \(head).\n"
        if problems.isEmpty {
            text += "The ledger is intact: every entry is as its run sealed it, and the chain is unbroken.\n"
            if let carriedThrough {
                text += "Every balance carried forward to \(carriedThrough.iso) is the sum of its account's entries to that date.\n"
            }
        } else {
            text += "THE LEDGER HAS BEEN CHANGED OUTSIDE THE HUB: \(Wording.count(problems.count, "problem")).\n"
            for problem in problems { text += "  " + problem.message + "\n" }
        }
        return text
    }
}
