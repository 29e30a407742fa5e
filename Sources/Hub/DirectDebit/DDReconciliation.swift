import Foundation
import HousingFinance
import Postgres

/// The Direct Debit part of the morning reconciliation (DOMAIN.md, "Reconciliation"): the bank
/// statement shows a day's collections as one credit, equal to the contra total of the file
/// whose entry day it is, and each ARUDD report's returns as a debit of their total. Statement
/// entries are those imported by `payment-import` (a `direct-debit` settlement signature in
/// Config/payments.yaml keeps the credit out of suspense).
public struct DDReconciliation: Codable, Sendable {
    public struct Line: Codable, Sendable, Hashable {
        /// `collections` (a run's contra) or `returns` (an ARUDD file).
        public var kind: String
        public var source: String
        public var runId: Int64
        public var count: Int
        public var amountPence: Int64
        /// The statement entry of the same amount that day, if there is one.
        public var statementEntry: String?
        public var matched: Bool
    }

    public var date: Day
    public var lines: [Line]

    public var ties: Bool { lines.allSatisfy(\.matched) }

    /// The collections whose entry day is `date` and the returns acted on that day, each matched
    /// to a statement entry of its amount dated that day.
    public static func load(date: Day, on db: Connection) throws -> DDReconciliation {
        var lines: [Line] = []
        var used: Set<Int64> = []
        func statement(_ direction: String, _ pence: Int64) throws -> (Int64, String)? {
            let ids = PostgresArray(used)
            return try db.queryOne(
                """
                SELECT e.id, e.reference || ' (' || e.position || ')' FROM payment_entries e
                WHERE e.booking_date = \(date) AND e.direction = \(direction) AND e.amount_pence = \(pence) AND e.outcome <> 'skipped'
                  AND NOT e.released AND NOT (e.id = ANY(\(ids)::bigint[]))
                ORDER BY e.id LIMIT 1
                """).map { ($0.int64(0), $0.text(1) ?? "") }
        }
        let runs = try db.query(
            """
            SELECT c.run_id, f.file_name, count(*)::bigint, sum(c.amount_pence)::bigint
            FROM dd_collections c LEFT JOIN outbound_files f ON f.run_id = c.run_id
            WHERE c.entry_day = \(date) GROUP BY c.run_id, f.file_name ORDER BY c.run_id
            """)
        for row in runs {
            let pence = row.int64(3)
            let entry = try statement("credit", pence)
            if let entry { used.insert(entry.0) }
            lines.append(Line(kind: "collections", source: row.text(1) ?? "run \(row.int64(0))", runId: row.int64(0), count: Int(row.int64(2)),
                              amountPence: pence, statementEntry: entry?.1, matched: entry != nil))
        }
        let returns = try db.query(
            """
            SELECT r.run_id, u.parameters->>'file', count(*)::bigint, sum(r.amount_pence)::bigint
            FROM dd_returns r JOIN runs u ON u.id = r.run_id WHERE r.returned_on = \(date) GROUP BY 1, 2 ORDER BY 1
            """)
        for row in returns {
            let pence = row.int64(3)
            let entry = try statement("debit", pence)
            if let entry { used.insert(entry.0) }
            lines.append(Line(kind: "returns", source: row.text(1) ?? "run \(row.int64(0))", runId: row.int64(0), count: Int(row.int64(2)),
                              amountPence: pence, statementEntry: entry?.1, matched: entry != nil))
        }
        return DDReconciliation(date: date, lines: lines)
    }

    public func render() -> String {
        guard !lines.isEmpty else { return "Direct Debit on \(date.iso): no collections or returns that day.\n" }
        var text = "Direct Debit on \(date.iso):\n"
        var table = TextTable([.init("What"), .init("From"), .init("Items", .right), .init("Amount", .right), .init("On the statement")])
        for line in lines {
            table.add([line.kind, line.source, Wording.number(line.count), Money(pence: line.amountPence).formatted,
                       line.statementEntry ?? "NOT FOUND: no \(line.kind == "collections" ? "credit" : "debit") of this amount that day"])
        }
        text += table.render(indent: 2)
        text += ties ? "  Every collection and return ties to the statement.\n" : "  Not everything ties: check the statement of \(date.iso) is imported.\n"
        return text
    }
}
