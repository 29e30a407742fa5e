import Foundation
import HousingFinance
import InterfaceFiles
import Postgres

/// `hub run dd-collection --date D`: the Direct Debit collection of one input day (DOMAIN.md,
/// "Direct Debit"). Takes every collection whose entry day is D + 2 working days (due dates
/// that are not working days move to the next one), the re-presentations due then, and the
/// AUDDIS lodgements waiting; posts each collection to its rent account (`RDD`, dated the entry
/// day) and writes one Standard 18 file, all in the run's transaction. The file is delivered to
/// the outbox after commit, exactly once (a file lost in between is delivered at the next start).
///
/// Set-based: the collections are chosen, their amounts computed (weekly charges in force on the
/// due date x the factor of `DDAmountRule`, rounded half up, plus the extra amount) and checked
/// against the advance notices in one statement into a staging table (hash joins, no lookup per
/// row); one statement posts the ledger entries and the collections; the file is streamed from a
/// cursor through the writer into storage, so memory stays flat whatever the number of collections.
public struct DDCollectionJob: Job {
    public static let name = "dd-collection"
    public static let reversal = ReversalRule.never("its Standard 18 file has gone to Bacs; a collection is undone by its return (ARUDD), never by reversing the run")

    /// The input day: the day the file is submitted.
    public let inputDay: Day
    public let config: DirectDebitConfig

    public init(inputDay: Day, config: DirectDebitConfig) throws {
        guard config.calendar.isWorkingDay(inputDay) else {
            throw RunError(.badInput, "\(inputDay.iso) is not a Bacs working day (a weekend or an England and Wales bank holiday); collection files are submitted on working days only")
        }
        self.inputDay = inputDay
        self.config = config
    }

    public var entryDay: Day { config.calendar.entryDay(forInput: inputDay) }
    public var processingDay: Day { config.calendar.processingDay(forEntry: entryDay) }
    public var businessKey: String { inputDay.iso }
    public var parameters: [String: String] { ["date": inputDay.iso, "entry-day": entryDay.iso, "processing-day": processingDay.iso] }

    /// A collection whose amount is not the computed one.
    public struct Held: Codable, Sendable, Hashable {
        public var account: String
        public var due: Day
        public var computedPence: Int64
        public var collectedPence: Int64
        public var reason: String
    }

    public struct Report: JobReport {
        public var inputDay: Day
        public var processingDay: Day
        public var entryDay: Day
        public var dueDays: [Day]
        public var collections: Int
        public var collectedPence: Int64
        public var byCode: [String: Int]
        public var lodgements: [String: Int]
        public var represented: Int
        /// Changed amounts collected at the previous amount, and collections withheld (no notice in time).
        public var previousAmount: [Held]
        public var withheld: [Held]
        public var heldCount: Int
        public var fileName: String?
        public var sequence: Int64?
        public var sha256: String?
        public var warnings: [String]

        public var counts: [String: Int] {
            ["collections": collections, "re-presentations": represented, "lodgements": lodgements.values.reduce(0, +),
             "files": fileName == nil ? 0 : 1, "previous amount": previousAmount.count, "withheld": withheld.count]
        }

        public func render() -> String {
            var text = "Direct Debit collection: input day \(inputDay.iso), processing \(processingDay.iso), entry day \(entryDay.iso)\n"
            text += "  Due dates taken: \(dueDays.map(\.iso).joined(separator: ", "))\n"
            text += "  Collections: \(Wording.number(collections)), \(Money(pence: collectedPence).formatted)"
            let codes = byCode.keys.sorted().map { "\($0) \(Wording.number(byCode[$0]!))" }.joined(separator: ", ")
            text += codes.isEmpty ? "\n" : " (codes \(codes))\n"
            if represented > 0 { text += "  Re-presented (18): \(Wording.number(represented))\n" }
            let lodged = lodgements.keys.sorted().map { "\($0) \(Wording.number(lodgements[$0]!))" }.joined(separator: ", ")
            text += "  AUDDIS lodgements: \(lodged.isEmpty ? "none" : lodged)\n"
            if let fileName, let sequence {
                text += "  File bacs #\(sequence): \(fileName)\n  SHA-256 \(sha256 ?? "")\n"
            } else {
                text += "  Nothing to collect or lodge: no file was made.\n"
            }
            if !previousAmount.isEmpty || !withheld.isEmpty {
                text += "Advance notice not in time (\(Wording.number(heldCount))):\n"
                var table = TextTable([.init("Account"), .init("Due"), .init("Computed", .right), .init("Collected", .right), .init("Why")])
                for held in previousAmount + withheld {
                    table.add([held.account, held.due.iso, Money(pence: held.computedPence).formatted, Money(pence: held.collectedPence).formatted, held.reason])
                }
                text += table.render(indent: 2)
                if heldCount > previousAmount.count + withheld.count {
                    text += "  ... \(Wording.number(heldCount - previousAmount.count - withheld.count)) more: hub dd mandates list\n"
                }
            }
            for warning in warnings { text += "  warning: \(warning)\n" }
            return text
        }
    }

    /// How many held collections the report lists.
    static let heldListLimit = 50
    /// The memory each sort or hash of the run's statements may take in the server (its transaction only).
    static let workMem = "64MB"

    public func run(in context: RunContext) throws -> Report {
        let db = context.connection
        let calendar = config.calendar
        let entry = entryDay
        let processing = processingDay
        let days = calendar.dueDays(forEntry: entry)
        // One collection run at a time: mandates and lodgements are read and marked here.
        try db.landlordTransactionLock("hub dd-collection")

        // 1. AUDDIS lodgements waiting: 0C for cancelled mandates, 0N for mandates still pending.
        let lodged = try db.query(
            """
            WITH sent AS (
                UPDATE dd_lodgements l SET sent_run_id = \(context.runId), entry_day = \(entry)
                FROM dd_mandates m
                WHERE l.sent_run_id IS NULL AND m.id = l.mandate_id AND (l.code <> '0N' OR m.status = 'pending')
                RETURNING l.code, l.mandate_id),
            live AS (
                UPDATE dd_mandates m SET status = 'live', lodged_entry_day = \(entry)
                FROM sent s WHERE s.code = '0N' AND m.id = s.mandate_id AND m.status = 'pending'
                RETURNING m.id),
            events AS (
                INSERT INTO dd_mandate_events (mandate_id, action, old_status, new_status, reason, run_id)
                SELECT id, 'lodged', 'pending', 'live', 'AUDDIS 0N in the collection file for ' || \(entry.iso), \(context.runId) FROM live
                RETURNING 1)
            SELECT code, count(*)::bigint FROM sent GROUP BY code
            """)
        var lodgements: [String: Int] = [:]
        for row in lodged { lodgements[row.text(0)!] = Int(row.int64(1)) }

        // 2. The collections due, their amounts computed and checked against the notices.
        let rule = config.amountRule
        func list(_ values: [String]) -> PostgresArray { PostgresArray(values) }
        let factors = DDFrequency.allCases.map { frequency in days.map { rule.factor(frequency, on: $0) } }
        let cutoffs = days.map { calendar.holidays.addingWorkingDays(-config.noticeWorkingDays, to: $0) }
        try db.execute("DROP TABLE IF EXISTS dd_due")
        // The staging sorts and hashes of 200,000 collections fit in memory (the server's default of 4 MB spills them to disk).
        try db.execute("SELECT set_config('work_mem', \(Self.workMem), true)")
        // One pass over the live mandates: the window's days are computed once (win), the due rows
        // once (due, materialised: the planner cannot estimate which mandates a day takes, so it is
        // never inlined into the joins below), then the weekly charges in force and the latest
        // notice in time are joined to them as sets, not looked up row by row.
        try db.execute(
            """
            CREATE TEMPORARY TABLE dd_due ON COMMIT DROP AS
            WITH win AS MATERIALIZED (
                SELECT w.*, extract(day FROM w.day)::int AS dom, extract(isodow FROM w.day)::int AS dow
                FROM unnest(\(list(days.map(\.iso)))::date[], \(list(cutoffs.map(\.iso)))::date[],
                    \(list(factors[0].map { String($0.numerator) }))::bigint[], \(list(factors[0].map { String($0.denominator) }))::bigint[],
                    \(list(factors[1].map { String($0.numerator) }))::bigint[], \(list(factors[1].map { String($0.denominator) }))::bigint[],
                    \(list(factors[2].map { String($0.numerator) }))::bigint[], \(list(factors[2].map { String($0.denominator) }))::bigint[],
                    \(list(factors[3].map { String($0.numerator) }))::bigint[], \(list(factors[3].map { String($0.denominator) }))::bigint[])
                    AS w(day, cutoff, n1, d1, n2, d2, n4, d4, nm, dm)),
            due AS MATERIALIZED (
                SELECT m.id AS mandate_id, m.account_id, m.reference, w.day AS due_date, m.extra_pence, t.end_date, t.property_id,
                       m.frequency, w.cutoff,
                       CASE m.frequency WHEN 'weekly' THEN w.n1 WHEN 'fortnightly' THEN w.n2 WHEN 'four-weekly' THEN w.n4 ELSE w.nm END AS num,
                       CASE m.frequency WHEN 'weekly' THEN w.d1 WHEN 'fortnightly' THEN w.d2 WHEN 'four-weekly' THEN w.d4 ELSE w.dm END AS den
                FROM win w
                JOIN dd_mandates m ON m.status = 'live' AND m.start_date <= w.day
                     AND (m.lodged_entry_day IS NULL OR m.lodged_entry_day <= \(entry))
                     AND ((m.frequency = 'monthly' AND m.collection_day = w.dom)
                       OR (m.frequency <> 'monthly' AND m.collection_day = w.dow
                           -- weekly: every such weekday; fortnightly and four-weekly: counted from the first collection day
                           AND (m.frequency = 'weekly'
                                OR (w.day - (m.start_date + ((m.collection_day - extract(isodow FROM m.start_date)::int + 7) % 7)))
                                   % (7 * CASE m.frequency WHEN 'fortnightly' THEN 2 ELSE 4 END) = 0)))
                JOIN rent_accounts a ON a.id = m.account_id
                JOIN tenancies t ON t.id = a.tenancy_id
                WHERE w.day >= t.start_date AND (t.end_date IS NULL OR w.day <= t.end_date)
                  AND NOT EXISTS (SELECT 1 FROM dd_collections c WHERE c.mandate_id = m.id AND c.due_date = w.day AND c.represents_collection_id IS NULL)),
            charges AS (
                SELECT d.mandate_id, d.due_date, sum(wc.weekly_pence)::bigint AS weekly
                FROM due d JOIN weekly_charges wc ON wc.property_id = d.property_id AND wc.effective_from <= d.due_date
                     AND (wc.effective_to IS NULL OR wc.effective_to >= d.due_date)
                GROUP BY 1, 2),
            notified AS (
                SELECT DISTINCT ON (n.mandate_id, d.due_date) n.mandate_id, d.due_date, n.amount_pence
                FROM due d JOIN dd_notices n ON n.mandate_id = d.mandate_id AND n.sent_on <= d.cutoff AND n.first_date <= d.due_date
                ORDER BY n.mandate_id, d.due_date, n.first_date DESC, n.sent_on DESC, n.id DESC)
            SELECT d.mandate_id, d.account_id, d.reference, d.due_date,
                   (COALESCE(c.weekly, 0) * d.num * 2 + d.den) / (2 * d.den) + d.extra_pence AS computed_pence,
                   n.amount_pence AS notified_pence, COALESCE(n.amount_pence, 0) AS amount_pence,
                   -- 01: the first collection under an instruction lodged by the hub (0N); the
                   -- collections are looked up by the mandate reference they carry (indexed)
                   CASE WHEN EXISTS (SELECT 1 FROM dd_lodgements l WHERE l.mandate_id = d.mandate_id AND l.code = '0N')
                             AND NOT EXISTS (SELECT 1 FROM dd_collections x WHERE x.reference = d.reference AND x.mandate_id = d.mandate_id) THEN '01'
                        WHEN d.end_date IS NOT NULL AND
                             (CASE WHEN d.frequency = 'monthly' THEN (d.due_date + interval '1 month')::date
                                   ELSE d.due_date + 7 * CASE d.frequency WHEN 'weekly' THEN 1 WHEN 'fortnightly' THEN 2 ELSE 4 END END) > d.end_date
                        THEN '19' ELSE '17' END AS transaction_code,
                   NULL::bigint AS represents_collection_id
            FROM due d
            LEFT JOIN charges c ON c.mandate_id = d.mandate_id AND c.due_date = d.due_date
            LEFT JOIN notified n ON n.mandate_id = d.mandate_id AND n.due_date = d.due_date
            """)
        // Re-presentations due (reason 0 returns, once, while the mandate is live).
        try db.execute(
            """
            INSERT INTO dd_due (mandate_id, account_id, reference, due_date, computed_pence, notified_pence, amount_pence, transaction_code, represents_collection_id)
            SELECT c.mandate_id, c.account_id, c.reference, r.represent_on, r.amount_pence, r.amount_pence, r.amount_pence, '18', c.id
            FROM dd_returns r JOIN dd_collections c ON c.id = r.collection_id JOIN dd_mandates m ON m.id = c.mandate_id
            WHERE r.represent_on = ANY(\(list(days.map(\.iso)))::date[]) AND m.status = 'live'
              AND NOT EXISTS (SELECT 1 FROM dd_collections x WHERE x.represents_collection_id = c.id)
            """)

        // The planner needs the staged rows' size to join them to their postings by hash.
        try db.execute("ANALYZE dd_due")

        // 3. What is held back for want of notice in time.
        let heldRows = try db.query(
            """
            SELECT a.account_ref, d.due_date, d.computed_pence, d.amount_pence, d.notified_pence IS NULL, count(*) OVER ()
            FROM dd_due d JOIN rent_accounts a ON a.id = d.account_id
            WHERE d.amount_pence <> d.computed_pence AND d.computed_pence > 0
            ORDER BY a.account_ref, d.due_date LIMIT \(Self.heldListLimit)
            """)
        var previous: [Held] = [], withheld: [Held] = []
        var heldCount = 0
        for row in heldRows {
            heldCount = Int(row.int64(5))
            let none = try row.decode(Bool.self, 4)
            let held = Held(
                account: row.text(0)!, due: try row.decode(Day.self, 1), computedPence: row.int64(2), collectedPence: row.int64(3),
                reason: none ? "no amount notified \(config.noticeWorkingDays) working days before: not collected"
                    : "new amount not notified \(config.noticeWorkingDays) working days before: previous amount collected")
            if none { withheld.append(held) } else { previous.append(held) }
        }

        // 4. Post: one RDD per collection, dated the entry day, then the collections with their entries.
        let description = "Direct Debit, entry day " + entry.iso
        try db.execute(
            """
            WITH posted AS (
                INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id, description, source_ref)
                SELECT d.account_id, 'RDD', -d.amount_pence, \(entry), \(context.runId),
                       \(description)::text || CASE WHEN d.represents_collection_id IS NULL THEN ', due ' ELSE ', re-presented, due ' END || d.due_date,
                       d.reference
                FROM dd_due d WHERE d.amount_pence > 0
                RETURNING id, account_id, description)
            INSERT INTO dd_collections (run_id, mandate_id, account_id, due_date, entry_day, processing_day, transaction_code, amount_pence,
                                        computed_pence, reference, ledger_entry_id, represents_collection_id)
            SELECT \(context.runId), d.mandate_id, d.account_id, d.due_date, \(entry), \(processing), d.transaction_code, d.amount_pence,
                   d.computed_pence, d.reference, p.id, d.represents_collection_id
            FROM dd_due d JOIN posted p ON p.account_id = d.account_id
                AND p.description = \(description)::text || CASE WHEN d.represents_collection_id IS NULL THEN ', due ' ELSE ', re-presented, due ' END || d.due_date
            WHERE d.amount_pence > 0
            """)
        let summary = try db.query(
            "SELECT transaction_code, count(*)::bigint, COALESCE(sum(amount_pence), 0)::bigint FROM dd_collections WHERE run_id = \(context.runId) GROUP BY 1 ORDER BY 1")
        var byCode: [String: Int] = [:]
        var collected: Int64 = 0
        for row in summary {
            byCode[row.text(0)!] = Int(row.int64(1))
            collected += row.int64(2)
        }
        let collections = byCode.values.reduce(0, +)
        var report = Report(
            inputDay: inputDay, processingDay: processing, entryDay: entry, dueDays: days, collections: collections, collectedPence: collected,
            byCode: byCode, lodgements: lodgements, represented: byCode["18"] ?? 0, previousAmount: previous, withheld: withheld,
            heldCount: heldCount, warnings: [])
        guard collections > 0 || !lodgements.isEmpty else { return report }

        // 5. The Standard 18 file, streamed from a cursor into storage.
        let file = try OutboundFile.storeStreamed(interface: config.interface, in: context) { sequence, sink in
            let submission = BacsStandard18Writer.Submission(
                serviceUserNumber: config.serviceUserNumber, serviceUserName: config.serviceUserName, sortCode: config.sortCode,
                accountNumber: config.accountNumber, accountName: config.accountName, serialNumber: Int((sequence - 1) % 999_999 + 1),
                created: inputDay, processingDay: processing, contraNarrative: "RENT DD " + entry.iso)
            var stream = try BacsStandard18Stream(submission: submission, sink: sink)
            try Self.streamRecords(runId: context.runId, on: db, into: &stream)
            let totals = try stream.finish()
            let name = ExportsConfig.fileName(
                config.fileNamePattern, ["sequence": sixDigits(sequence), "entry": entry.compactISO, "date": inputDay.compactISO])
            return (name, [
                "collections": String(collections), "total": Money(pence: collected).plain, "lodgements": String(lodgements.values.reduce(0, +)),
                "entry-day": entry.iso, "processing-day": processing.iso, "debit-records": String(totals.debitRecords),
                "credit-records": String(totals.creditRecords), "contra": totals.credits.plain,
            ])
        }
        report.fileName = file.fileName
        report.sequence = file.sequence
        report.sha256 = file.sha256
        return report
    }

    /// Streams the run's collections (01 first, then 17, 18, 19) and its lodgements (0C before 0N)
    /// into the writer, a few thousand rows at a time.
    static func streamRecords(runId: Int64, on db: Connection, into stream: inout BacsStandard18Stream) throws {
        try db.execute(
            """
            DECLARE dd_file CURSOR FOR
            SELECT 0 AS part, c.transaction_code, m.sort_code, m.account_number, m.payer_name, c.reference, c.amount_pence, c.id
            FROM dd_collections c JOIN dd_mandates m ON m.id = c.mandate_id WHERE c.run_id = \(runId)
            UNION ALL
            SELECT 1, l.code, l.sort_code, l.account_number, l.payer_name, l.reference, 0, l.id
            FROM dd_lodgements l WHERE l.sent_run_id = \(runId)
            ORDER BY 1, 2, 6, 8
            """)
        while true {
            let rows = try db.query("FETCH 5000 FROM dd_file")
            if rows.isEmpty { break }
            for row in rows {
                let code = row.text(1)!
                if try row.decode(Int.self, 0) == 0 {
                    try stream.add(BacsStandard18Writer.Collection(
                        sortCode: row.text(2)!, accountNumber: row.text(3)!, accountName: row.text(4)!, reference: row.text(5)!,
                        amount: Money(pence: row.int64(6)), transactionCode: BacsStandard18Writer.TransactionCode(rawValue: code)!))
                } else {
                    try stream.addInstruction(
                        BacsStandard18Stream.InstructionCode(rawValue: code)!, sortCode: row.text(2)!, accountNumber: row.text(3)!,
                        accountName: row.text(4)!, reference: row.text(5)!)
                }
            }
        }
        try db.execute("CLOSE dd_file")
    }
}
