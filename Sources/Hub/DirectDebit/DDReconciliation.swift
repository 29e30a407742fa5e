import Foundation
import HousingFinance
import Postgres

/// The Direct Debit side of the bank reconciliation (DOMAIN.md, "Reconciliation"): the bank
/// statement shows a day's collections as one credit, equal to the contra total of the collection
/// run whose entry day it is, and each ARUDD report's returns as debits. With a settlement
/// signature whose files are `direct-debit` (Config/payments.yaml), the payment import records
/// those statement entries as that signature's settlements (not suspense, not rent), and
/// `SettlementReconciler` settles them against the Direct Debit runs' batches, which
/// `recordBatches` makes: one per collection run (its contra total, dated its entry day, named
/// by its Standard 18 file) and one per returns run (minus its returns, dated the report's
/// processing day, named by its ARUDD file).
public enum DDSettlementBatches {
    /// Records a batch for every Direct Debit run that has none yet for the provider (the runs that
    /// committed, and the returns run in whose transaction this is: a failed run leaves no rows).
    /// - Returns: how many batches were recorded.
    @discardableResult
    public static func record(provider: String, on db: Connection) throws -> Int {
        var recorded = 0
        recorded += try db.queryOne(
            """
            WITH made AS (
                INSERT INTO provider_batches (run_id, provider, file_name, file_date, entries, amount_pence)
                SELECT c.run_id, \(provider),
                       COALESCE((SELECT f.file_name FROM outbound_files f WHERE f.run_id = c.run_id ORDER BY f.id LIMIT 1), 'dd-collection run ' || c.run_id),
                       c.entry_day, count(*)::integer, sum(c.amount_pence)::bigint
                FROM dd_collections c
                WHERE c.run_id IN (SELECT r.id FROM runs r WHERE r.job = 'dd-collection'
                                     AND NOT EXISTS (SELECT 1 FROM provider_batches b WHERE b.run_id = r.id AND b.provider = \(provider)))
                GROUP BY c.run_id, c.entry_day
                ON CONFLICT (run_id, provider, landlord) DO NOTHING
                RETURNING 1)
            SELECT count(*)::bigint FROM made
            """)!.int64(0).asInt
        recorded += try db.queryOne(
            """
            WITH made AS (
                INSERT INTO provider_batches (run_id, provider, file_name, file_date, entries, amount_pence)
                SELECT d.run_id, \(provider), COALESCE(min(r.parameters->>'file'), 'dd-returns run ' || d.run_id),
                       min(d.returned_on), count(*)::integer, -sum(d.amount_pence)::bigint
                FROM dd_returns d JOIN runs r ON r.id = d.run_id
                WHERE NOT EXISTS (SELECT 1 FROM provider_batches b WHERE b.run_id = d.run_id AND b.provider = \(provider))
                GROUP BY d.run_id
                ON CONFLICT (run_id, provider, landlord) DO NOTHING
                RETURNING 1)
            SELECT count(*)::bigint FROM made
            """)!.int64(0).asInt
        return recorded
    }
}

private extension Int64 {
    var asInt: Int { Int(self) }
}

/// The Direct Debit part of `hub reconcile` and `hub dd reconcile`: for a day, each collection
/// run whose entry day it is and each ARUDD report acted on that day, and the statement entry
/// that settled it, or why none did (no statement entry that day, or one whose amount differs:
/// a short credit, with the difference).
public struct DDReconciliation: Encodable, Sendable {
    public struct Line: Codable, Sendable, Hashable {
        /// `collections` (a run's contra) or `returns` (an ARUDD file).
        public var kind: String
        public var source: String
        public var runId: Int64
        public var count: Int
        /// Money in: the contra total of collections; minus the returns' total.
        public var amountPence: Int64
        /// The statement entry that settled it (reference and date), if one did.
        public var statementEntry: String?
        public var matched: Bool
        /// When not matched: the Direct Debit entries on the statement that day not yet settled.
        public var unsettledOnStatementPence: Int64?
        /// When not matched: the statement's entry minus this line (negative: short).
        public var differencePence: Int64?
    }

    public var date: Day
    /// The Direct Debit settlement signature (`files: [direct-debit]`), if the council has one.
    public var provider: String?
    public var lines: [Line]

    public var ties: Bool { lines.allSatisfy(\.matched) }

    enum CodingKeys: String, CodingKey { case date, provider, lines, ties }
    /// As `hub dd reconcile --json` and `direct_debit` of `hub reconcile --json` print it: with `ties`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(date, forKey: .date)
        try container.encodeIfPresent(provider, forKey: .provider)
        try container.encode(lines, forKey: .lines)
        try container.encode(ties, forKey: .ties)
    }

    /// The collections whose entry day is `date` and the returns acted on that day, each with the
    /// statement entry that settled it.
    public static func load(date: Day, settings: PaymentSettings, on db: Connection) throws -> DDReconciliation {
        let provider = settings.settlements.first(where: \.settlesDirectDebit)?.provider
        var lines: [Line] = []
        let runs = try db.query(
            """
            SELECT 'collections', c.run_id,
                   COALESCE((SELECT f.file_name FROM outbound_files f WHERE f.run_id = c.run_id ORDER BY f.id LIMIT 1), 'dd-collection run ' || c.run_id),
                   count(*)::bigint, sum(c.amount_pence)::bigint
            FROM dd_collections c WHERE c.entry_day = \(date) GROUP BY c.run_id
            UNION ALL
            SELECT 'returns', d.run_id, COALESCE(min(r.parameters->>'file'), 'dd-returns run ' || d.run_id), count(*)::bigint, -sum(d.amount_pence)::bigint
            FROM dd_returns d JOIN runs r ON r.id = d.run_id WHERE d.returned_on = \(date) GROUP BY d.run_id
            ORDER BY 1, 2
            """)
        for row in runs {
            let runId = row.int64(1)
            var line = Line(kind: row.text(0)!, source: row.text(2) ?? "run \(runId)", runId: runId, count: Int(row.int64(3)), amountPence: row.int64(4),
                            statementEntry: nil, matched: false)
            if let provider, let settled = try db.queryOne(
                """
                SELECT min(s.reference), min(s.booking_date), sum(s.amount_pence)::bigint, count(*)::bigint,
                       (SELECT count(*) FROM settlement_batches o WHERE o.settlement_id = min(s.id) AND o.batch_id <> min(b.id))::bigint
                FROM provider_batches b JOIN settlement_batches sb ON sb.batch_id = b.id JOIN bank_settlements s ON s.id = sb.settlement_id
                WHERE b.run_id = \(runId) AND b.provider = \(provider) AND b.status = 'reconciled' AND s.status = 'reconciled'
                HAVING count(*) > 0
                """)
            {
                let entries = settled.int64(3), others = settled.int64(4)
                let day = try settled.decode(Day.self, 1).iso
                line.statementEntry = (entries == 1 ? "\(settled.text(0) ?? "") on \(day), " : "\(Wording.count(Int(entries), "entry")) from \(day), ")
                    + Money(pence: settled.int64(2)).formatted + (others > 0 ? " with \(Wording.count(Int(others), "other file"))" : "")
                line.matched = true
            } else if let provider {
                // The signature's entries of the day not yet settled, on the line's side (credits for collections).
                let open = try db.queryOne(
                    """
                    SELECT count(*)::bigint, COALESCE(sum(amount_pence), 0)::bigint FROM bank_settlements
                    WHERE provider = \(provider) AND status = 'open' AND booking_date = \(date) AND (amount_pence > 0) = \(line.amountPence > 0)
                    """)!
                if open.int64(0) > 0 {
                    line.unsettledOnStatementPence = open.int64(1)
                    line.differencePence = open.int64(1) - line.amountPence
                }
            }
            lines.append(line)
        }
        return DDReconciliation(date: date, provider: provider, lines: lines)
    }

    public func render() -> String {
        guard !lines.isEmpty else { return "Direct Debit on \(date.iso): no collections or returns that day.\n" }
        var text = "Direct Debit on \(date.iso):\n"
        var table = TextTable([.init("What"), .init("From"), .init("Items", .right), .init("Amount", .right), .init("On the statement")])
        for line in lines {
            let entry = line.kind == "collections" ? "credit" : "debit"
            let status: String
            if let settled = line.statementEntry {
                status = settled
            } else if provider == nil {
                status = "NOT RECOGNISED: Config/payments.yaml has no settlement signature with files [direct-debit]"
            } else if let onStatement = line.unsettledOnStatementPence, let difference = line.differencePence {
                let money = Money(pence: abs(onStatement)).formatted
                let by = Money(pence: abs(difference)).formatted
                let direction = line.amountPence > 0 ? (difference < 0 ? "SHORT by \(by)" : "OVER by \(by)") : (difference > 0 ? "\(by) less returned" : "\(by) more returned")
                status = "DOES NOT TIE: the statement's Direct Debit \(entry)s that day are \(money): \(direction)"
            } else {
                status = "NOT FOUND: no Direct Debit \(entry) on the statement that day"
            }
            table.add([line.kind, line.source, Wording.number(line.count), Money(pence: line.amountPence).formatted, status])
        }
        text += table.render(indent: 2)
        text += ties ? "  Every collection and return ties to the statement.\n" : "  Not everything ties: check the statement of \(date.iso) is imported, and the bank's figures against the files above.\n"
        return text
    }
}
