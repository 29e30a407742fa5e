import Foundation
import HousingFinance
import InterfaceFiles
import Postgres

/// The general-ledger export (DOMAIN.md, "General ledger interface"): every posting (view
/// `postings`: rent ledger entries and gl_postings) dated up to `through` and not yet exported
/// goes into exactly one line of one balanced journal, stored as an outbound file with the run
/// and delivered after commit.
///
/// Set-based: one statement marks the postings (`gl_exported`) and sums them by source, code,
/// charge code and sign; only those few dozen sums come to Swift, where the financial map turns
/// them into journal lines. An unmapped code refuses the whole export and nothing is marked (the
/// transaction rolls back). The business key is the `through` date: each day's or period's export
/// runs once; postings that arrive later for an earlier date go in the next export.
public struct GLExportJob: Job {
    public static let name = "gl-export"
    public static let reversal = JobRules.reversal(of: "gl-export")

    /// Postings dated up to this day are exported.
    public let through: Day
    /// The accounting period the journal is for (Unit4's `YYYYMM`): the month of `through` unless given.
    public let period: (year: Int, month: Int)
    public let settings: ExportsConfig.GL

    /// - Parameters:
    ///   - through: export postings dated up to this day.
    ///   - period: the accounting period, default the month of `through`.
    ///   - settings: format, map, names.
    public init(through: Day, period: (year: Int, month: Int)? = nil, settings: ExportsConfig.GL) {
        self.through = through
        self.period = period ?? (through.year, through.month)
        self.settings = settings
    }

    /// The export of a whole period (`2026-11`): postings dated up to its last day.
    /// - Throws: `RunError.badInput` for text that is not `YYYY-MM`.
    public static func period(_ text: String, settings: ExportsConfig.GL) throws -> GLExportJob {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let month = Int(parts[1]),
              let first = Day(year: year, month: month, day: 1)
        else { throw RunError(.badInput, "period '\(text)' is not a month YYYY-MM (for example 2026-11)") }
        return GLExportJob(through: first.endOfMonth, period: (year, month), settings: settings)
    }

    public var periodText: String { String(period.year) + (period.month < 10 ? "0" : "") + String(period.month) }
    public var businessKey: String { through.iso }
    public var parameters: [String: String] {
        ["through": through.iso, "period": periodText, "format": settings.format.rawValue, "interface": settings.interface]
    }

    /// What the export did.
    public struct Report: JobReport {
        public var through: Day
        public var period: String
        public var format: String
        public var interface: String
        /// The file, nil when there was nothing to export (and `send-empty` is off).
        public var fileName: String?
        public var sequence: Int64?
        public var sha256: String?
        public var postings: Int
        public var postingsBySource: [String: Int]
        public var lines: Int
        public var debitPence: Int64
        public var creditPence: Int64
        public var firstDate: Day?
        public var lastDate: Day?
        /// The tenant debtors control account and its net movement in the journal.
        public var controlAccount: String
        public var controlMovementPence: Int64
        /// The net movement of the rent accounts in the ledger for the same postings.
        public var ledgerMovementPence: Int64
        public var reconciles: Bool
        public var warnings: [String]

        public var counts: [String: Int] {
            ["postings exported": postings, "journal lines": lines, "files": fileName == nil ? 0 : 1]
        }

        public func render() -> String {
            var text = "General-ledger export through \(through.iso) (period \(period), \(format))\n"
            if let fileName, let sequence {
                text += "  File \(interface) #\(sequence): \(fileName)\n  SHA-256 \(sha256 ?? "")\n"
            } else {
                text += "  No postings to export: no file was made.\n"
            }
            let sources = postingsBySource.keys.sorted().map { "\($0) \(Wording.number(postingsBySource[$0]!))" }.joined(separator: ", ")
            text += "  Postings exported: \(Wording.number(postings))\(sources.isEmpty ? "" : " (\(sources))")"
            if let firstDate, let lastDate { text += ", dated \(firstDate.iso) to \(lastDate.iso)" }
            text += "\n  Journal lines: \(Wording.number(lines)); debits \(Money(pence: debitPence).formatted), credits \(Money(pence: creditPence).formatted)"
            text += debitPence == creditPence ? " (balanced)\n" : " (NOT BALANCED)\n"
            text += "Reconciliation:\n"
            var table = TextTable([.init("Net movement"), .init("Amount", .right)])
            table.add(["on debtors control account \(controlAccount) in the journal", Money(pence: controlMovementPence).formatted])
            table.add(["of the rent accounts in the ledger (same postings)", Money(pence: ledgerMovementPence).formatted])
            text += table.render(indent: 2)
            text += reconciles ? "  They tie.\n" : "  They DO NOT tie: difference \(Money(pence: controlMovementPence - ledgerMovementPence).formatted).\n"
            for warning in warnings { text += "  warning: \(warning)\n" }
            return text
        }
    }

    public func run(in context: RunContext) throws -> Report {
        let db = context.connection
        // One export at a time: a second waits here, then sees the first one's marks.
        try db.landlordTransactionLock("hub gl-export")
        // Wait for the runs still inserting postings and hold new ones back until this commits, so
        // that no posting below the new low-water mark can appear after it (ids are given out
        // before their transactions commit).
        try db.execute("SELECT lock_postings_for_export()")
        // Every posting below the last export's marks was exported: read only from there on, so the
        // export's cost follows the postings since then, not the years of history behind them.
        let marks = try db.queryOne("SELECT ledger_from, gl_from FROM gl_export_marks ORDER BY run_id DESC LIMIT 1")
        let ledgerFrom = try marks?.decode(Int64.self, 0) ?? 0
        let glFrom = try marks?.decode(Int64.self, 1) ?? 0
        // Mark every posting not yet exported and sum them, in one pass over the postings. The
        // postings exported before, from the marks on, are few (those dated on or before an
        // earlier export's day but given ids after a posting it left for later): `posting_id >=`
        // the mark lets the planner read them in one range of gl_exported's key and hash them,
        // where probing the key once per posting descended its whole depth each time (four
        // levels at five years of history: 480,000 of the export's 730,000 buffers for 120,200
        // postings; docs/performance.md, "History: what each job pays for it").
        let rows = try db.query(
            """
            WITH todo AS MATERIALIZED (
                SELECT 'ledger'::text AS source, l.id AS posting_id, l.code, l.charge_code AS analysis, l.amount_pence, l.entry_date
                FROM ledger_entries l
                WHERE l.id >= \(ledgerFrom) AND l.entry_date <= \(through)
                  AND NOT EXISTS (SELECT 1 FROM gl_exported e WHERE e.source = 'ledger' AND e.posting_id = l.id AND e.posting_id >= \(ledgerFrom))
                UNION ALL
                SELECT 'gl'::text, g.id, g.code, g.analysis, g.amount_pence, g.entry_date
                FROM gl_postings g
                WHERE g.id >= \(glFrom) AND g.entry_date <= \(through)
                  AND NOT EXISTS (SELECT 1 FROM gl_exported e WHERE e.source = 'gl' AND e.posting_id = g.id AND e.posting_id >= \(glFrom))),
            marked AS (
                INSERT INTO gl_exported (source, posting_id, run_id) SELECT source, posting_id, \(context.runId) FROM todo)
            SELECT source, code, analysis, sign(amount_pence)::int, sum(amount_pence)::bigint, count(*)::bigint,
                   min(posting_id), min(entry_date), max(entry_date)
            FROM todo GROUP BY source, code, analysis, sign(amount_pence)
            ORDER BY source, code, analysis, sign(amount_pence)
            """)
        // The new marks: the lowest posting left unexported, else the next id. Every posting from
        // the old marks on dated up to `through` is exported now (the todo above, under the lock),
        // so only those dated after it are candidates: the scan reads the postings since the old
        // marks, and probes gl_exported only for the later-dated ones (none, most days), where
        // probing it for every posting since the marks read 721,000 buffers at five years.
        // Under row-level security (0030) the planner cannot estimate the landlord's share of a
        // table not yet analysed (a ledger just posted): it guessed 115 rows of 156,000 and scanned a
        // materialised copy of the day's marks once per posting (minutes for the demo). Without
        // materialising it hashes the marks or probes their index per posting, both linear.
        // Since 0032 the run that posted the ledger analyses it when it completes, and this query
        // plans a merge or hash anti-join without the setting; but the marks just written above,
        // in this transaction, are still a guess (3 rows for 202,000), so the setting stays
        // (docs/performance.md, "Statistics after large posts").
        try db.execute("SET LOCAL enable_material = off")
        defer { _ = try? db.execute("RESET enable_material") }
        try db.execute(
            """
            INSERT INTO gl_export_marks (run_id, ledger_from, gl_from) VALUES (\(context.runId),
                COALESCE((SELECT min(l.id) FROM ledger_entries l WHERE l.id >= \(ledgerFrom) AND l.entry_date > \(through)
                          AND NOT EXISTS (SELECT 1 FROM gl_exported e WHERE e.source = 'ledger' AND e.posting_id = l.id)),
                         (SELECT COALESCE(max(id), 0) + 1 FROM ledger_entries)),
                COALESCE((SELECT min(g.id) FROM gl_postings g WHERE g.id >= \(glFrom) AND g.entry_date > \(through)
                          AND NOT EXISTS (SELECT 1 FROM gl_exported e WHERE e.source = 'gl' AND e.posting_id = g.id)),
                         (SELECT COALESCE(max(id), 0) + 1 FROM gl_postings)))
            """)
        var groups: [JournalGroup] = []
        var bySource: [String: Int] = [:]
        var ledgerMovement: Int64 = 0
        for row in rows {
            let source = try row.decode(String.self, 0)
            let amount = try row.decode(Int64.self, 4)
            let count = try row.decode(Int.self, 5)
            bySource[source, default: 0] += count
            if source == "ledger" { ledgerMovement += amount }
            groups.append(JournalGroup(
                code: try row.decode(String.self, 1), chargeCode: try row.decode(String?.self, 2), amount: Money(pence: amount),
                postingCount: count, firstPostingId: try row.decode(Int64.self, 6),
                firstDate: try row.decode(Day.self, 7), lastDate: try row.decode(Day.self, 8)))
        }
        let journal: Journal
        do { journal = try Journal(groups: groups, map: settings.map) } catch {
            let list = error.codes.map { "  \($0.code): \(Wording.count($0.postingCount, "posting")) (first posting id \($0.firstEntryId))" }
            throw RunError(
                .badInput,
                "the general-ledger export through \(through.iso) is refused: \(Wording.count(error.codes.count, "transaction code")) \(error.codes.count == 1 ? "has" : "have") no mapping in \(settings.map.file):\n"
                    + list.joined(separator: "\n")
                    + "\nAdd \(error.codes.count == 1 ? "it" : "them") to the financial map and run the export again; nothing was exported or marked.")
        }
        let postings = bySource.values.reduce(0, +)
        var warnings: [String] = []
        let reconciles = journal.debtorsControlMovement.pence == ledgerMovement
        if !reconciles {
            warnings.append(
                "the journal's net movement on \(settings.map.debtorsControlAccount) (\(journal.debtorsControlMovement.formatted)) does not tie to the rent accounts' movement in the ledger (\(Money(pence: ledgerMovement).formatted)): check that every rent account code, and only those, maps to the debtors control account")
        }
        var report = Report(
            through: through, period: periodText, format: settings.format.rawValue, interface: settings.interface,
            postings: postings, postingsBySource: bySource, lines: journal.totals.lineCount,
            debitPence: journal.totals.debits.pence, creditPence: journal.totals.credits.pence,
            firstDate: journal.firstDate, lastDate: journal.lastDate, controlAccount: settings.map.debtorsControlAccount,
            controlMovementPence: journal.debtorsControlMovement.pence, ledgerMovementPence: ledgerMovement,
            reconciles: reconciles, warnings: warnings)
        guard postings > 0 || settings.sendEmpty else { return report }

        let file = try OutboundFile.store(interface: settings.interface, in: context) { sequence in
            let name = ExportsConfig.fileName(
                settings.fileNamePattern,
                ["sequence": sixDigits(sequence), "through": through.compactISO, "period": periodText, "date": context.businessDate.compactISO])
            let content = try write(journal, sequence: sequence)
            let totals = [
                "lines": String(journal.totals.lineCount), "debits": journal.totals.debits.plain, "credits": journal.totals.credits.plain,
                "postings": String(postings), "through": through.iso, "period": periodText, "format": settings.format.rawValue,
                "control-account": settings.map.debtorsControlAccount, "control-movement": journal.debtorsControlMovement.plain,
                "ledger-movement": Money(pence: ledgerMovement).plain,
            ]
            return (name, content, totals)
        }
        report.fileName = file.fileName
        report.sequence = file.sequence
        report.sha256 = file.sha256
        return report
    }

    /// The journal in the configured format.
    func write(_ journal: Journal, sequence: Int64) throws -> [UInt8] {
        let batchId = settings.unit4BatchPrefix + sixDigits(sequence)
        do {
            switch settings.format {
            case .unit4:
                return try Unit4JournalWriter(batch: .init(
                    batchId: batchId, client: settings.unit4Client, interface: settings.unit4Interface,
                    periodYear: period.year, periodMonth: period.month, voucherDate: through, transactionDate: through,
                    externalReference: "GL-" + sixDigits(sequence), voucherType: settings.unit4VoucherType,
                    transactionType: settings.unit4TransactionType, taxCode: settings.unit4TaxCode)
                ).write(journal)
            case .oracle:
                return try OracleJournalWriter(batch: .init(
                    ledger: settings.oracleLedger, accountingDate: through, batchName: "Housing finance through \(through.iso)",
                    journalName: batchId, groupId: Int(sequence), entities: settings.oracleEntities,
                    source: settings.oracleSource, category: settings.oracleCategory)
                ).write(journal)
            }
        } catch {
            throw RunError(.badInput, "the journal cannot be written: \(error). Correct the setting in Config/\(ExportsConfig.fileName) or the financial map.")
        }
    }
}
