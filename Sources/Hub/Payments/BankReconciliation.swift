import Foundation
import HousingFinance
import Postgres

/// The morning bank reconciliation (`hub reconcile`): provider settlements on the bank statement
/// against the providers' files (the Direct Debit signature's against the collection runs and
/// ARUDD reports: `DDSettlementBatches`), and the statement's balances against the ledger.
public struct BankReconciliation: Codable, Sendable {
    /// A settlement matched to its files.
    public struct Matched: Codable, Hashable, Sendable {
        public var provider: String
        public var date: Day
        public var amountPence: Int64
        public var files: [String]
    }

    /// A settlement with no file yet, or whose files' money differs.
    public struct OpenSettlement: Codable, Hashable, Sendable {
        public var provider: String
        public var date: Day
        public var amountPence: Int64
        public var reference: String
        /// Open files of the provider in the settlement's window, if any.
        public var candidateFiles: [String]
        public var candidatePence: Int64?
        /// Settlement minus the files' money, when there are candidate files.
        public var differencePence: Int64?
    }

    /// A provider file (its money for one provider) not yet settled on the statement.
    public struct OpenBatch: Codable, Hashable, Sendable {
        public var provider: String
        public var file: String
        public var fileDate: Day
        public var entries: Int
        public var amountPence: Int64
        public var expectedBy: Day
        /// True when the settlement window has passed without a settlement.
        public var overdue: Bool
    }

    /// How one bank statement ties to the ledger.
    public struct StatementTie: Codable, Hashable, Sendable {
        public var file: String
        public var runId: Int64
        public var openingPence: Int64
        public var closingPence: Int64
        /// Closing minus opening: the money the statement says moved.
        public var movementPence: Int64
        /// Money in (+) or out (-) that the ledger holds on rent accounts for the statement's
        /// entries (found by each entry's key, also for entries first posted from an earlier file).
        public var rentPostingsPence: Int64
        /// Money held in suspense (SUS) for the statement's entries.
        public var suspensePence: Int64
        /// Provider settlements reconciled to provider files (whose payments the ledger holds
        /// from those files' own imports).
        public var reconciledSettlementsPence: Int64
        /// Provider settlements not yet reconciled to a file.
        public var openSettlementsPence: Int64
        /// Bank debits reported, not rent (charges, returned items), as money out.
        public var reportedPence: Int64
        /// Movement minus everything explained: zero when the statement ties.
        public var differencePence: Int64
    }

    public var date: Day
    public var matched: [Matched]
    public var openSettlements: [OpenSettlement]
    public var openBatches: [OpenBatch]
    public var statements: [StatementTie]

    /// Builds the reconciliation as at a date.
    /// - Parameters:
    ///   - date: the statement day to tie; open items up to it are listed.
    ///   - settings: the providers' settlement signatures.
    public static func load(date: Day, settings: PaymentSettings, on db: Connection) throws -> BankReconciliation {
        var report = BankReconciliation(date: date, matched: [], openSettlements: [], openBatches: [], statements: [])
        let signatures = Dictionary(settings.settlements.map { ($0.provider, $0) }, uniquingKeysWith: { a, _ in a })
        func matching(_ provider: String) -> SettlementMatching {
            let signature = signatures[provider]
            return SettlementMatching(delay: signature?.delay ?? 1, window: signature?.window ?? 2, holidays: settings.bankHolidays)
        }

        for row in try db.query(
            """
            SELECT s.provider, s.booking_date, s.amount_pence, string_agg(b.file_name, ', ' ORDER BY b.file_date, b.id)
            FROM bank_settlements s JOIN settlement_batches sb ON sb.settlement_id = s.id JOIN provider_batches b ON b.id = sb.batch_id
            WHERE s.status = 'reconciled' AND s.booking_date = $1 GROUP BY s.landlord, s.id ORDER BY s.provider, s.id
            """, [date])
        {
            report.matched.append(Matched(
                provider: try row.decode(String.self, 0), date: try row.decode(Day.self, 1), amountPence: try row.decode(Int64.self, 2),
                files: (try row.decode(String.self, 3)).components(separatedBy: ", ")))
        }

        struct BatchRow { var id: Int64; var provider: String; var file: String; var date: Day; var entries: Int; var pence: Int64 }
        let batches = try db.query(
            "SELECT id, provider, file_name, file_date, entries, amount_pence FROM provider_batches WHERE status = 'open' AND file_date <= $1 ORDER BY file_date, id",
            [date]
        ).map { BatchRow(
            id: try $0.decode(Int64.self, 0), provider: try $0.decode(String.self, 1), file: try $0.decode(String.self, 2),
            date: try $0.decode(Day.self, 3), entries: try $0.decode(Int.self, 4), pence: try $0.decode(Int64.self, 5)) }
        var explained: Set<Int64> = []
        for row in try db.query(
            "SELECT provider, booking_date, amount_pence, reference FROM bank_settlements WHERE status = 'open' AND booking_date <= $1 ORDER BY booking_date, id",
            [date])
        {
            let provider = try row.decode(String.self, 0)
            let day = try row.decode(Day.self, 1)
            let candidates = batches.filter { $0.provider == provider && matching(provider).inWindow(fileDate: $0.date, settlementDate: day) }
            explained.formUnion(candidates.map(\.id))
            let amount = try row.decode(Int64.self, 2)
            let sum = candidates.isEmpty ? nil : candidates.reduce(Int64(0)) { $0 + $1.pence }
            report.openSettlements.append(OpenSettlement(
                provider: provider, date: day, amountPence: amount, reference: try row.decode(String.self, 3),
                candidateFiles: candidates.map(\.file), candidatePence: sum, differencePence: sum.map { amount - $0 }))
        }
        for batch in batches where !explained.contains(batch.id) {
            let rule = matching(batch.provider)
            let expected = rule.expected(for: batch.date)
            let latest = settings.bankHolidays.addingWorkingDays((signatures[batch.provider]?.delay ?? 1) + (signatures[batch.provider]?.window ?? 2), to: batch.date)
            report.openBatches.append(OpenBatch(
                provider: batch.provider, file: batch.file, fileDate: batch.date, entries: batch.entries, amountPence: batch.pence,
                expectedBy: expected, overdue: latest < date))
        }

        // Each bank statement of the day against the ledger.
        for file in try db.query(
            """
            SELECT f.run_id, f.file_name, f.opening_pence, f.closing_pence FROM payment_files f JOIN runs r ON r.id = f.run_id
            WHERE f.format IN ('mt940', 'camt053') AND f.file_date = $1 AND r.status = 'completed' AND r.reversed_by_run_id IS NULL
              AND f.opening_pence IS NOT NULL AND f.closing_pence IS NOT NULL
            ORDER BY f.run_id
            """, [date])
        {
            let runId = try file.decode(Int64.self, 0)
            let sums = try db.queryOne(
                """
                WITH entries AS (
                    SELECT e.direction, e.amount_pence, COALESCE(first.outcome, e.outcome) AS outcome,
                           COALESCE(first.entry_key, e.entry_key) AS entry_key, COALESCE(first.run_id, e.run_id) AS post_run
                    FROM payment_entries e LEFT JOIN payment_entries first ON first.id = e.first_entry_id
                    WHERE e.run_id = $1 AND NOT (e.outcome = 'skipped' AND e.first_entry_id IS NULL))
                SELECT
                    COALESCE((SELECT -sum(l.amount_pence) FROM entries x JOIN ledger_entries l ON l.source_ref = x.entry_key AND l.run_id = x.post_run
                              WHERE x.outcome = 'posted'), 0),
                    COALESCE((SELECT -sum(g.amount_pence) FROM entries x JOIN gl_postings g ON g.source_ref = x.entry_key AND g.run_id = x.post_run
                              WHERE x.outcome = 'suspense' AND g.code IN ('SUS', 'SHB')), 0),
                    COALESCE((SELECT sum(s.amount_pence) FROM entries x JOIN bank_settlements s ON s.entry_key = x.entry_key AND s.run_id = x.post_run
                              WHERE x.outcome = 'settlement' AND s.status = 'reconciled'), 0),
                    COALESCE((SELECT sum(s.amount_pence) FROM entries x JOIN bank_settlements s ON s.entry_key = x.entry_key AND s.run_id = x.post_run
                              WHERE x.outcome = 'settlement' AND s.status = 'open'), 0),
                    COALESCE((SELECT -sum(x.amount_pence) FROM entries x WHERE x.outcome = 'reported'), 0)
                """, [runId])!
            let opening = try file.decode(Int64.self, 2)
            let closing = try file.decode(Int64.self, 3)
            let rent = try sums.decode(Int64.self, 0), suspense = try sums.decode(Int64.self, 1)
            let reconciled = try sums.decode(Int64.self, 2), open = try sums.decode(Int64.self, 3), reported = try sums.decode(Int64.self, 4)
            report.statements.append(StatementTie(
                file: try file.decode(String.self, 1), runId: runId, openingPence: opening, closingPence: closing, movementPence: closing - opening,
                rentPostingsPence: rent, suspensePence: suspense, reconciledSettlementsPence: reconciled, openSettlementsPence: open,
                reportedPence: reported, differencePence: closing - opening - (rent + suspense + reconciled + open + reported)))
        }
        return report
    }

    /// The date of the latest bank statement imported (and not reversed), if any.
    public static func latestStatementDate(on db: Connection) throws -> Day? {
        try db.queryOne(
            """
            SELECT max(f.file_date) FROM payment_files f JOIN runs r ON r.id = f.run_id
            WHERE f.format IN ('mt940', 'camt053') AND r.reversed_by_run_id IS NULL
            """)?.decode(Day?.self, 0)
    }

    /// The reconciliation as people read it.
    public func render() -> String {
        func money(_ pence: Int64) -> String { Money(pence: pence).formatted }
        var text = "Bank reconciliation for \(date.iso)\n"
        text += "\nSettlements reconciled to provider files on \(date.iso): \(matched.count)\n"
        if !matched.isEmpty {
            var table = TextTable([.init("Provider"), .init("Amount", .right), .init("Provider files")])
            for match in matched { table.add([match.provider, money(match.amountPence), match.files.joined(separator: " + ")]) }
            text += table.render(indent: 2)
        }
        text += "\nSettlements on the statement not yet reconciled: \(openSettlements.count)\n"
        if !openSettlements.isEmpty {
            var table = TextTable([.init("Date"), .init("Provider"), .init("Amount", .right), .init("Reference", maxWidth: 30), .init("Why")])
            for open in openSettlements {
                let why: String
                if let difference = open.differencePence, let files = open.candidatePence {
                    why = "amount differs: \(difference < 0 ? "SHORT" : "OVER") by \(money(abs(difference))) against the files \(open.candidateFiles.joined(separator: ", ")) (\(money(files)))"
                } else {
                    why = "no provider file yet"
                }
                table.add([open.date.iso, open.provider, money(open.amountPence), open.reference, why])
            }
            text += table.render(indent: 2)
        }
        text += "\nProvider files with no settlement yet: \(openBatches.count)\n"
        if !openBatches.isEmpty {
            var table = TextTable([
                .init("File date"), .init("Provider"), .init("File"), .init("Payments", .right), .init("Amount", .right),
                .init("Settlement expected"), .init(""),
            ])
            for batch in openBatches {
                table.add([
                    batch.fileDate.iso, batch.provider, batch.file, Wording.number(batch.entries), money(batch.amountPence),
                    batch.expectedBy.iso, batch.overdue ? "OVERDUE" : "",
                ])
            }
            text += table.render(indent: 2)
        }
        text += "\nBank statement against the ledger\n"
        if statements.isEmpty { text += "  No bank statement dated \(date.iso) has been imported.\n" }
        for tie in statements {
            text += "  Statement \(tie.file) (run \(tie.runId)): opening \(money(tie.openingPence)), closing \(money(tie.closingPence))\n"
            var table = TextTable([.init(""), .init("Amount", .right)])
            table.add(["movement on the statement (closing - opening)", money(tie.movementPence)])
            table.add(["compared with:", ""])
            table.add(["  payments on rent accounts in the ledger (by entry key)", money(tie.rentPostingsPence)])
            table.add(["  held in suspense (SUS)", money(tie.suspensePence)])
            table.add(["  settlements reconciled to provider files", money(tie.reconciledSettlementsPence)])
            table.add(["  settlements not yet reconciled", money(tie.openSettlementsPence)])
            table.add(["  bank debits reported, not rent", money(tie.reportedPence)])
            table.add(["difference", money(tie.differencePence)])
            text += table.render(indent: 4)
            text += tie.differencePence == 0 ? "    Ties to the penny.\n" : "    DOES NOT TIE.\n"
        }
        return text
    }
}
