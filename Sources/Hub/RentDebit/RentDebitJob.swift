import Foundation
import HousingFinance
import Logging
import Postgres

/// The weekly rent debit run (DOMAIN.md, "Rent accounting"), desired-state: after the run for
/// week W the ledger holds, for every account, charge code and week up to W, exactly what the
/// rules say is due. Week W posts as ordinary debits (code = the charge code); a difference found
/// in an earlier week (an end date entered late, a back-dated rent change) posts as an adjustment
/// (`ADJ`, with the charge code kept) dated in the week it corrects. A second run of the same week
/// posts nothing. Rows go in by binary COPY, a chunk of accounts at a time (`accountsPerChunk`).
///
/// A back-dated change found after the latest week was posted need not wait for the next week:
/// an adjustments run (`RentDebitJob(adjustingThrough:)`, what `hub run rent-debit --through W`
/// does when W is already posted) posts the differences for the weeks up to W at once.
public struct RentDebitJob: Job {
    public static let name = "rent-debit"
    public static let reversal = ReversalRule.newestFirst

    public let week: RentWeek
    public let calendar: RentCalendar
    public let goLive: Day
    public let adjustmentCode: String
    /// For an adjustments run, which one it is of those for its week (1, 2...): its identity.
    public let adjustmentRun: Int?
    /// How many accounts are read, charged and posted at a time: the run holds one chunk's
    /// accounts, charges and postings, however many accounts there are (docs/performance.md,
    /// "Posting rows against the COPY limit"). The run is still one transaction: all chunks are
    /// posted, or none. The same rows and pence whatever the size.
    public var accountsPerChunk = RentDebitJob.defaultAccountsPerChunk
    /// 20,000 accounts: about 32,000 ledger rows a chunk, which the temporary table of the
    /// landlord's COPY keeps in the session's buffers (8 MB by default).
    public static let defaultAccountsPerChunk = 20_000

    public init(week: RentWeek, calendar: RentCalendar, goLive: Day, adjustmentCode: String = "ADJ") {
        self.week = week
        self.calendar = calendar
        self.goLive = goLive
        self.adjustmentCode = adjustmentCode
        self.adjustmentRun = nil
    }

    /// An adjustments run: week `week` is already posted; the accounts marked by back-dated
    /// changes are recalculated up to it and the differences posted now, nothing else.
    /// - Parameter number: which adjustments run of the week this is (1 for the first).
    public init(adjustingThrough week: RentWeek, number: Int, calendar: RentCalendar, goLive: Day, adjustmentCode: String = "ADJ") {
        self.week = week
        self.calendar = calendar
        self.goLive = goLive
        self.adjustmentCode = adjustmentCode
        self.adjustmentRun = number
    }

    /// Whether this run only adjusts weeks already posted.
    public var adjustsOnly: Bool { adjustmentRun != nil }

    /// The business key of an adjustments run: `2026-11-16 adjustments 1`.
    public static func adjustmentKey(week: RentWeek, number: Int) -> String { "\(week.monday.iso) adjustments \(number)" }

    public var businessKey: String { adjustmentRun.map { Self.adjustmentKey(week: week, number: $0) } ?? week.monday.iso }
    public var parameters: [String: String] {
        var parameters = [
            "week": week.monday.iso, "rent-year": week.rentYear.label,
            "week-number": String(week.rentYear.weekNumber(of: week) ?? 0), "go-live": goLive.iso,
            "free-week": String(calendar.isFree(week)),
        ]
        if let adjustmentRun { parameters["adjustments-run"] = String(adjustmentRun) }
        return parameters
    }

    public struct Report: JobReport {
        public var week: Day
        public var rentYear: String
        public var weekNumber: Int
        public var weeksInYear: Int
        public var freeWeek: Bool
        public var accountsDebited: Int
        public var entriesByCode: [String: Int]
        public var penceByCode: [String: Int64]
        public var adjustments: Int
        public var adjustmentsNetPence: Int64
        public var accountsRecalculated: Int
        /// Every account whose earlier weeks were adjusted, with the entries and the net.
        public var adjustedAccounts: [AdjustedAccount]
        /// True for an adjustments run: weeks already posted, nothing for a new week.
        public var adjustmentsOnly: Bool
        public var skipped: [String: Int]
        /// Every account skipped, with why (free weeks apart: then every account is).
        public var skippedAccounts: [SkippedAccount]
        public var warnings: [String]
        /// The run, to say where the whole list of skipped accounts is.
        public var runId: Int64
        public var isPreview: Bool

        enum CodingKeys: String, CodingKey {
            case week, rentYear, weekNumber, weeksInYear, freeWeek, accountsDebited, entriesByCode, adjustments
            case adjustmentsNetPence, accountsRecalculated, adjustedAccounts, adjustmentsOnly, skipped, skippedAccounts, warnings, runId, isPreview
            case penceByCode = "debitsByCodePence"
        }

        /// An account the week did not charge, and why.
        public struct SkippedAccount: Codable, Hashable, Sendable {
            public var account: String
            public var reason: String
        }

        /// An account whose earlier weeks were adjusted.
        public struct AdjustedAccount: Codable, Hashable, Sendable {
            public var account: String
            public var entries: Int
            public var netPence: Int64

            public init(account: String, entries: Int, netPence: Int64) {
                self.account = account
                self.entries = entries
                self.netPence = netPence
            }
        }

        public var counts: [String: Int] {
            var counts = ["accounts debited": accountsDebited, "adjustments": adjustments, "accounts recalculated": accountsRecalculated]
            for (reason, n) in skipped { counts["skipped: \(reason)"] = n }
            return counts
        }

        public func render() -> String {
            if adjustmentsOnly {
                var text = "Rent adjustments for back-dated changes, up to the week of \(week.iso) (already posted)\n"
                text += "  Adjustments to earlier weeks: \(Wording.count(adjustments, "entry")), net \(Money(pence: adjustmentsNetPence).formatted)"
                    + " (\(Wording.count(accountsRecalculated, "account")) recalculated, \(Wording.number(adjustedAccounts.count)) adjusted)\n"
                text += renderAdjustedAccounts()
                for warning in warnings { text += "  warning: \(warning)\n" }
                return text
            }
            var text = "Rent debit for the week of \(week.iso) (rent year \(rentYear), week \(weekNumber) of \(weeksInYear))\n"
            if freeWeek { text += "  This is a free week: no debits are raised.\n" }
            text += "  Accounts debited: \(Wording.number(accountsDebited))\n"
            if !entriesByCode.isEmpty {
                var table = TextTable([.init("Code"), .init("Entries", .right), .init("Amount", .right)])
                for code in entriesByCode.keys.sorted() {
                    table.add([code, Wording.number(entriesByCode[code]!), Money(pence: penceByCode[code] ?? 0).formatted])
                }
                text += table.render(indent: 2)
            }
            text += "  Adjustments to earlier weeks: \(Wording.count(adjustments, "entry")), net \(Money(pence: adjustmentsNetPence).formatted)"
                + " (\(Wording.count(accountsRecalculated, "account")) recalculated)\n"
            text += renderAdjustedAccounts()
            if !skipped.isEmpty {
                text += "  Accounts skipped: \(Wording.number(skipped.values.reduce(0, +)))\n"
                var table = TextTable([.init("Reason"), .init("Accounts", .right)])
                for reason in skipped.keys.sorted() { table.add([reason, Wording.number(skipped[reason]!)]) }
                text += table.render(indent: 4)
                if !skippedAccounts.isEmpty {
                    text += skipped[SkipReason.freeWeek.rawValue] != nil
                        ? "    Skipped other than for the free week: \(Wording.count(skippedAccounts.count, "account"))\n"
                        : "    The accounts:\n"
                    for line in LongList.lines(
                        skippedAccounts.map { "\($0.account) (\($0.reason))" }, seeAll: LongList.seeAll(runId: runId, preview: isPreview))
                    {
                        text += "      \(line)\n"
                    }
                }
            }
            for warning in warnings { text += "  warning: \(warning)\n" }
            return text
        }

        /// The accounts adjusted, as a table of the first few and where to read them all.
        func renderAdjustedAccounts() -> String {
            guard !adjustedAccounts.isEmpty else { return "" }
            var table = TextTable([.init("Account"), .init("Entries", .right), .init("Net", .right)])
            for account in adjustedAccounts.prefix(LongList.shown) {
                table.add([account.account, Wording.number(account.entries), Money(pence: account.netPence).formatted])
            }
            var text = table.render(indent: 4)
            if adjustedAccounts.count > LongList.shown {
                text += "    ... and \(Wording.number(adjustedAccounts.count - LongList.shown)) more: \(LongList.seeAll(runId: runId, preview: isPreview))\n"
            }
            return text
        }
    }

    struct Posting {
        var accountId: Int64
        var code: String
        var chargeCode: String
        var pence: Int64
        var week: Day
    }

    struct AccountTerms {
        var id: Int64
        var ref: String
        var propertyId: Int64
        var period: ChargeablePeriod
    }

    static let epoch = "DATE '1970-01-01'"
    static let farFuture = 2_000_000_000

    public func run(in context: RunContext) throws -> Report {
        if adjustsOnly { return try adjust(in: context) }
        let db = context.connection
        let goLiveWeek = RentWeek(containing: goLive)
        guard week >= goLiveWeek else {
            throw RunError(.refused, "the week of \(week.monday.iso) is before the hub's go-live week (\(goLiveWeek.monday.iso)); nothing is charged before go-live")
        }
        if week > goLiveWeek {
            let previous = week.advanced(by: -1)
            let posted = try db.queryOne(
                "SELECT 1 FROM runs WHERE job = $1 AND business_key = $2 AND status = 'completed' AND reversed_by_run_id IS NULL",
                [RentDebitJob.name, previous.monday.iso])
            guard posted != nil else {
                throw RunError(.refused, "the week of \(previous.monday.iso) has not been posted yet; weeks post in order: run `hub run rent-debit --through \(week.monday.iso)`")
            }
        }
        var warnings: [String] = []
        try synchroniseFreeWeeks(db, warnings: &warnings, lastPosted: week.advanced(by: -1))

        // The marks of back-dated changes are taken (with the earliest day affected) in the same
        // statement that exports the run's snapshot, which everything the run computes from is
        // then read in, on a second connection (`readAhead`).
        // In the go-live week there is nothing before it to recalculate: the marks are taken
        // without being read (every account is marked as it is loaded, and reading them would
        // hold a row per account in memory).
        let (snapshot, recalc) = try takeMarks(db, reading: week > goLiveWeek)

        var report = Report(
            week: week.monday, rentYear: week.rentYear.label, weekNumber: week.rentYear.weekNumber(of: week) ?? 0,
            weeksInYear: week.rentYear.weekCount, freeWeek: calendar.isFree(week), accountsDebited: 0, entriesByCode: [:],
            penceByCode: [:], adjustments: 0, adjustmentsNetPence: 0, accountsRecalculated: 0, adjustedAccounts: [], adjustmentsOnly: false,
            skipped: [:], skippedAccounts: [], warnings: [], runId: context.runId, isPreview: context.isPreview)
        var phases = Phases()
        var ledger = try LandlordTableStream(into: "ledger_entries", columns: Self.ledgerColumns, on: db)

        // The reader reads, in the run's snapshot, what the week holds already, then this week's
        // accounts a chunk at a time, then the accounts marked for recalculation a chunk at a
        // time, one or two chunks ahead of the posting here.
        let pipe = try readAhead(context, snapshot: snapshot, thisWeek: true, marks: recalc, through: week.advanced(by: -1))
        defer { pipe.stop() }
        var postedThisWeek: [Int64: [String: Int64]] = [:]
        var tally = AdjustmentTally()
        var accountsRead = 0
        // Each chunk's move into the ledger is sent without waiting: the next chunk is read and
        // charged while the server inserts this one (`appendSent`).
        try ledger.sendingMoves { ledger in
            reading: while true {
                let waited = ContinuousClock.now
                let item = try pipe.next()
                phases.waiting += ContinuousClock.now - waited
                switch item {
                case .piece(.postedThisWeek(let posted)):
                    postedThisWeek = posted
                case .piece(.accounts(let accounts, let charges)):
                    let clock = ContinuousClock.now
                    accountsRead += accounts.count
                    let postings = charge(accounts, charges: charges, postedThisWeek: postedThisWeek, report: &report)
                    phases.computing += ContinuousClock.now - clock
                    try write(postings, to: &ledger, runId: context.runId)
                case .piece(.adjustments(let chunk)):
                    let clock = ContinuousClock.now
                    let adjustments = adjustments(chunk, marks: recalc, goLiveWeek: goLiveWeek, through: week.advanced(by: -1))
                    tally.add(adjustments)
                    try write(adjustments, to: &ledger, runId: context.runId)
                    phases.adjusting += ContinuousClock.now - clock
                case .done(let reading):
                    phases.reading = reading
                    break reading
                case .failed(let error):
                    throw error
                }
            }
        }
        if !recalc.isEmpty {
            report.accountsRecalculated = recalc.count
            try report.record(tally, db: db)
        }

        if accountsRead == 0 { warnings.append("there are no live tenancies: nothing to charge") }
        report.warnings = warnings
        try ledger.close()
        phases.log(context.logger, accounts: accountsRead, ledger: ledger)
        return report
    }

    /// This week's postings for a chunk of accounts (the difference between what is due and what
    /// the week holds already), counted into the report.
    func charge(_ accounts: [AccountTerms], charges: [Int64: [ChargeSpan]], postedThisWeek: [Int64: [String: Int64]], report: inout Report) -> [Posting] {
        var postings: [Posting] = []
        postings.reserveCapacity(accounts.count * 2)
        for account in accounts {
            let already = postedThisWeek[account.id] ?? [:]
            switch RentDebitRule.due(week: week, calendar: calendar, period: account.period, charges: charges[account.propertyId] ?? []) {
            case .success(let due):
                var debited = false
                for (code, pence) in due.sorted(by: { $0.key < $1.key }) {
                    let difference = pence - (already[code] ?? 0)
                    if difference != 0 {
                        postings.append(Posting(accountId: account.id, code: code, chargeCode: code, pence: difference, week: week.monday))
                        report.entriesByCode[code, default: 0] += 1
                        report.penceByCode[code, default: 0] += difference
                        debited = true
                    }
                }
                for (code, pence) in already where due[code] == nil && pence != 0 {
                    postings.append(Posting(accountId: account.id, code: code, chargeCode: code, pence: -pence, week: week.monday))
                    report.entriesByCode[code, default: 0] += 1
                    report.penceByCode[code, default: 0] -= pence
                }
                if debited { report.accountsDebited += 1 }
            case .failure(let skip):
                report.skipped[skip.reason.rawValue, default: 0] += 1
                if skip.reason != .freeWeek {
                    report.skippedAccounts.append(.init(account: account.ref, reason: skip.reason.rawValue))
                }
                for (code, pence) in already where pence != 0 {
                    postings.append(Posting(accountId: account.id, code: code, chargeCode: code, pence: -pence, week: week.monday))
                    report.entriesByCode[code, default: 0] += 1
                    report.penceByCode[code, default: 0] -= pence
                }
            }
        }
        return postings
    }

    /// Takes the marks of back-dated changes (each account's earliest day affected) and exports
    /// the run's snapshot, in one statement and so in one snapshot: the marks taken are those of
    /// the changes the snapshot sees (a change and its mark are written by the same transaction)
    /// and the run's own; a mark committed after the snapshot is not seen by the delete either,
    /// and stays for the next run, which sees its change.
    /// - Parameter reading: false takes the marks without reading them (returns none).
    func takeMarks(_ db: Connection, reading: Bool = true) throws -> (snapshot: String, marks: [Int64: Day]) {
        guard reading else {
            let result = try db.execute("WITH taken AS (DELETE FROM rent_recalc) SELECT pg_export_snapshot()")
            guard result.count == 1, let snapshot = result[0].text(0) else {
                throw PostgresError(.client, message: "the run's snapshot was not exported")
            }
            return (snapshot, [:])
        }
        let result = try db.execute(
            """
            WITH taken AS (DELETE FROM rent_recalc RETURNING account_id, from_date),
                 snapshot AS MATERIALIZED (SELECT pg_export_snapshot() AS name)
            SELECT s.name, m.account_id, m.from_day
            FROM snapshot s LEFT JOIN (SELECT account_id, min(from_date) - \(unescaped: RentDebitJob.epoch) AS from_day FROM taken GROUP BY account_id) m ON true
            """)
        var marks: [Int64: Day] = [:]
        marks.reserveCapacity(result.count)
        for i in 0..<result.count where !result[i].isNull(1) {
            marks[result[i].int64(1)] = Day(daysSinceEpoch: Int(result[i].int64(2)))
        }
        guard result.count > 0, let snapshot = result[0].text(0) else {
            throw PostgresError(.client, message: "the run's snapshot was not exported")
        }
        return (snapshot, marks)
    }

    /// What the run's reader hands over, in this order.
    enum Read {
        /// What this week holds already (an adjustment posted to it, a reversed run's entries and
        /// their contras): only sums other than zero (none for a week not yet posted).
        case postedThisWeek([Int64: [String: Int64]])
        /// A chunk of this week's accounts (every account whose tenancy has not ended before the
        /// week, in the order of their ids), with the charges of their properties.
        case accounts([AccountTerms], charges: [Int64: [ChargeSpan]])
        /// A chunk of the accounts marked for recalculation.
        case adjustments(AdjustmentChunk)
    }

    /// Starts the run's reader: a second connection (`RunContext.snapshotReader`) in the run's
    /// snapshot, reading on a thread of its own at most two chunks ahead of the posting. It ends
    /// its transaction when it has read everything, fails or is stopped; its error fails the run.
    /// - Parameters:
    ///   - thisWeek: read this week's accounts (a week's run; not an adjustments run).
    ///   - marks: the accounts to recalculate, read after this week's, up to `through`.
    func readAhead(
        _ context: RunContext, snapshot: String, thisWeek: Bool, marks: [Int64: Day], through lastWeek: RentWeek
    ) throws -> ReadAhead<Read, Duration> {
        // Held here only: let go (its session closed) as soon as the reader ends, not when the
        // pipe is freed.
        var session: Connection? = try context.snapshotReader(snapshot)
        let ids = marks.keys.sorted()
        return ReadAhead(capacity: 2) { hand in
            guard let reader = session else { throw PostgresError(.client, message: "the run's reader was started twice") }
            session = nil
            defer { _ = try? reader.execute("ROLLBACK") }
            var reading = Duration.zero
            func read<T>(_ body: () throws -> T) rethrows -> T {
                let clock = ContinuousClock.now
                defer { reading += ContinuousClock.now - clock }
                return try body()
            }
            if thisWeek {
                try hand(.postedThisWeek(read {
                    var posted: [Int64: [String: Int64]] = [:]
                    for row in try reader.query(
                        "SELECT account_id, charge_code, sum(amount_pence) FROM ledger_entries WHERE rent_week = $1 AND charge_code IS NOT NULL GROUP BY 1, 2 HAVING sum(amount_pence) <> 0",
                        [week.monday])
                    {
                        posted[row.int64(0), default: [:]][row.text(1)!] = row.int64(2)
                    }
                    return posted
                }))
                // Each chunk by the primary keys: as fast as one query over every account, where
                // a cursor over that query took five times as long.
                var lastAccount = Int64.min
                while true {
                    let (accounts, charges) = try read {
                        let accounts = try loadAccounts(
                            reader, where: "(t.end_date IS NULL OR t.end_date >= $1) AND a.id > $2", [week.monday, lastAccount],
                            then: "ORDER BY a.id LIMIT \(max(1, accountsPerChunk))")
                        guard !accounts.isEmpty else { return (accounts, [Int64: [ChargeSpan]]()) }
                        let charges = try loadCharges(
                            reader, where: "property_id = ANY($1::bigint[]) AND effective_from <= $2 AND (effective_to IS NULL OR effective_to >= $3)",
                            [PostgresArray(Set(accounts.map(\.propertyId)).sorted()), week.sunday, week.monday])
                        return (accounts, charges)
                    }
                    guard let last = accounts.last else { break }
                    lastAccount = last.id
                    try hand(.accounts(accounts, charges: charges))
                }
            }
            let size = max(1, accountsPerChunk)
            for start in stride(from: 0, to: ids.count, by: size) {
                try hand(.adjustments(read { try readAdjustmentChunk(reader, Array(ids[start..<min(start + size, ids.count)]), through: lastWeek) }))
            }
            return reading
        }
    }

    /// An adjustments run: the accounts marked by back-dated changes are recalculated up to this
    /// (already posted) week, and the differences posted as adjustments. When later weeks are
    /// posted too, the accounts stay marked from the week after, for the run that covers them.
    func adjust(in context: RunContext) throws -> Report {
        let db = context.connection
        guard try db.queryOne(
            "SELECT 1 FROM runs WHERE job = $1 AND business_key = $2 AND status = 'completed' AND reversed_by_run_id IS NULL",
            [RentDebitJob.name, week.monday.iso]) != nil
        else {
            throw RunError(.refused, "the week of \(week.monday.iso) has not been posted yet: run `hub run rent-debit --through \(week.monday.iso)`, which posts it with its adjustments")
        }
        // A free week changed anywhere in the weeks posted (even after this one) marks the accounts.
        let latestPosted = try db.queryOne(
            "SELECT max(business_key) FROM runs WHERE job = $1 AND business_key ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' AND status = 'completed' AND reversed_by_run_id IS NULL",
            [RentDebitJob.name])?.text(0).flatMap { Day(iso: $0) }.map { RentWeek(containing: $0) } ?? week
        var warnings: [String] = []
        try synchroniseFreeWeeks(db, warnings: &warnings, lastPosted: max(week, latestPosted))
        let (snapshot, marks) = try takeMarks(db)
        let laterPosted = latestPosted > week
        if laterPosted && !marks.isEmpty {
            try db.execute(
                "INSERT INTO rent_recalc (account_id, from_date) SELECT unnest($1::bigint[]), $2",
                ["{" + marks.keys.sorted().map(String.init).joined(separator: ",") + "}", week.advanced(by: 1).monday])
            warnings.append("later weeks are posted too: the accounts stay marked from the week of \(week.advanced(by: 1).monday.iso) for the next run")
        }
        var report = Report(
            week: week.monday, rentYear: week.rentYear.label, weekNumber: week.rentYear.weekNumber(of: week) ?? 0,
            weeksInYear: week.rentYear.weekCount, freeWeek: calendar.isFree(week), accountsDebited: 0, entriesByCode: [:],
            penceByCode: [:], adjustments: 0, adjustmentsNetPence: 0, accountsRecalculated: marks.count, adjustedAccounts: [],
            adjustmentsOnly: true, skipped: [:], skippedAccounts: [], warnings: [], runId: context.runId, isPreview: context.isPreview)
        var ledger = try LandlordTableStream(into: "ledger_entries", columns: Self.ledgerColumns, on: db)
        var tally = AdjustmentTally()
        let pipe = try readAhead(context, snapshot: snapshot, thisWeek: false, marks: marks, through: week)
        defer { pipe.stop() }
        try ledger.sendingMoves { ledger in
            reading: while true {
                switch try pipe.next() {
                case .piece(.adjustments(let chunk)):
                    let adjustments = adjustments(chunk, marks: marks, goLiveWeek: RentWeek(containing: goLive), through: week)
                    tally.add(adjustments)
                    try write(adjustments, to: &ledger, runId: context.runId)
                case .piece(.postedThisWeek), .piece(.accounts):
                    break
                case .done:
                    break reading
                case .failed(let error):
                    throw error
                }
            }
        }
        try report.record(tally, db: db)
        try ledger.close()
        report.warnings = warnings
        return report
    }

    /// What the next rent debit run would adjust for the back-dated changes marked so far, up to
    /// `through` (by default the latest week posted; nil when no week is posted): read only,
    /// nothing is consumed.
    public static func pendingAdjustments(
        on db: Connection, calendar: RentCalendar, goLive: Day, adjustmentCode: String = "ADJ", through: RentWeek? = nil
    ) throws -> PendingAdjustments? {
        guard let latest = try through?.monday ?? db.queryOne(
            "SELECT max(business_key) FROM runs WHERE job = $1 AND business_key ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' AND status = 'completed' AND reversed_by_run_id IS NULL",
            [RentDebitJob.name])?.text(0).flatMap({ Day(iso: $0) })
        else { return nil }
        let week = RentWeek(containing: latest)
        var marks: [Int64: Day] = [:]
        for row in try db.query("SELECT account_id, min(from_date) - \(unescaped: RentDebitJob.epoch) FROM rent_recalc GROUP BY account_id") {
            marks[row.int64(0)] = Day(daysSinceEpoch: Int(row.int64(1)))
        }
        let job = RentDebitJob(adjustingThrough: week, number: 0, calendar: calendar, goLive: goLive, adjustmentCode: adjustmentCode)
        var tally = AdjustmentTally()
        let ids = marks.keys.sorted()
        let size = max(1, job.accountsPerChunk)
        for start in stride(from: 0, to: ids.count, by: size) {
            let chunk = try job.readAdjustmentChunk(db, Array(ids[start..<min(start + size, ids.count)]), through: week)
            tally.add(job.adjustments(chunk, marks: marks, goLiveWeek: RentWeek(containing: goLive), through: week))
        }
        return PendingAdjustments(through: week.monday, accounts: tally.byAccount.count, entries: tally.entries, netPence: tally.netPence)
    }

    /// The ledger's columns the rent debit writes.
    static let ledgerColumns = ["account_id", "code", "charge_code", "amount_pence", "entry_date", "rent_week", "run_id"]

    /// Posts one chunk's postings to the ledger (nothing for none), sending the move without
    /// waiting for it (the caller reads it with `receive()` before using the connection again).
    func write(_ postings: [Posting], to ledger: inout LandlordTableStream, runId: Int64) throws {
        guard !postings.isEmpty else { return }
        try ledger.appendSent { rows in
            for posting in postings {
                try rows.beginRow(columns: 7)
                rows.write(posting.accountId)
                rows.write(posting.code)
                rows.write(posting.chargeCode)
                rows.write(posting.pence)
                rows.writeDate(daysSince1970: posting.week.daysSinceEpoch)
                rows.writeDate(daysSince1970: posting.week.daysSinceEpoch)
                rows.write(runId)
            }
        }
    }

    /// A chunk of accounts marked for recalculation: their terms, their properties' charges (all
    /// of them) and what the ledger holds for them by week and charge code up to the last week.
    struct AdjustmentChunk {
        var accounts: [AccountTerms]
        var charges: [Int64: [ChargeSpan]]
        var posted: [Int64: [Day: [String: Int64]]]
    }

    /// Reads a chunk of accounts marked for recalculation (`accountsPerChunk` of them).
    func readAdjustmentChunk(_ db: Connection, _ ids: [Int64], through lastWeek: RentWeek) throws -> AdjustmentChunk {
        let idList = PostgresArray(ids)
        let accounts = try loadAccounts(db, where: "a.id = ANY($1::bigint[])", [idList])
        let charges = try loadCharges(db, where: "property_id = ANY($1::bigint[])", [PostgresArray(Set(accounts.map(\.propertyId)).sorted())])
        var posted: [Int64: [Day: [String: Int64]]] = [:]
        for row in try db.query(
            "SELECT account_id, rent_week - \(unescaped: RentDebitJob.epoch), charge_code, sum(amount_pence) FROM ledger_entries WHERE account_id = ANY($1::bigint[]) AND rent_week <= $2 AND charge_code IS NOT NULL GROUP BY 1, 2, 3",
            [idList, lastWeek.monday])
        {
            posted[row.int64(0), default: [:]][Day(daysSinceEpoch: Int(row.int64(1))), default: [:]][row.text(2)!] = row.int64(3)
        }
        return AdjustmentChunk(accounts: accounts, charges: charges, posted: posted)
    }

    /// Recomputes the weeks from each marked account's earliest affected day to `lastWeek`, and
    /// gives the adjustments that make the ledger hold what is due (every account's in one chunk).
    func adjustments(_ chunk: AdjustmentChunk, marks: [Int64: Day], goLiveWeek: RentWeek, through lastWeek: RentWeek) -> [Posting] {
        var adjustments: [Posting] = []
        for account in chunk.accounts {
            let from = max(RentWeek(containing: marks[account.id]!), goLiveWeek)
            guard from <= lastWeek else { continue }
            let accountCharges = chunk.charges[account.propertyId] ?? []
            for earlier in stride(from: from, through: lastWeek, by: 1) {
                let due = (try? RentDebitRule.due(week: earlier, calendar: calendar, period: account.period, charges: accountCharges).get()) ?? [:]
                let already = chunk.posted[account.id]?[earlier.monday] ?? [:]
                for code in Set(due.keys).union(already.keys).sorted() {
                    let difference = (due[code] ?? 0) - (already[code] ?? 0)
                    if difference != 0 {
                        adjustments.append(Posting(accountId: account.id, code: adjustmentCode, chargeCode: code, pence: difference, week: earlier.monday))
                    }
                }
            }
        }
        return adjustments
    }

    /// The accounts' terms (the account, its tenancy and property, its opening balance's date)
    /// that meet `condition`, then `then` (an order and a limit).
    func loadAccounts(_ db: Connection, where condition: String, _ parameters: [any PostgresEncodable], then: String = "") throws -> [AccountTerms] {
        try parseAccounts(db.execute(SQLQuery(unescaped: accountsQuery(where: condition) + " " + then), parameters))
    }

    func accountsQuery(where condition: String) -> String {
        let far = RentDebitJob.farFuture
        let epoch = RentDebitJob.epoch
        return """
            SELECT a.id, a.account_ref, t.property_id, t.start_date - \(epoch), COALESCE(t.end_date - \(epoch), \(far)),
                   p.owned_from - \(epoch), COALESCE(p.owned_to - \(epoch), \(far)),
                   COALESCE(ob.as_of - \(epoch), 0)
            FROM rent_accounts a JOIN tenancies t ON t.id = a.tenancy_id JOIN properties p ON p.id = t.property_id
            LEFT JOIN opening_balances ob ON ob.account_id = a.id
            WHERE \(condition)
            """
    }

    func parseAccounts(_ result: QueryResult) -> [AccountTerms] {
        let far = RentDebitJob.farFuture
        var accounts: [AccountTerms] = []
        accounts.reserveCapacity(result.count)
        for i in 0..<result.count {
            let row = result[i]
            func day(_ column: Int) -> Day { Day(daysSinceEpoch: Int(row.int64(column))) }
            func optionalDay(_ column: Int) -> Day? { let d = row.int64(column); return d == Int64(far) ? nil : Day(daysSinceEpoch: Int(d)) }
            accounts.append(AccountTerms(
                id: row.int64(0), ref: row.text(1)!, propertyId: row.int64(2),
                period: ChargeablePeriod(
                    tenancyStart: day(3), tenancyEnd: optionalDay(4), ownedFrom: day(5), ownedTo: optionalDay(6),
                    firstChargeableDay: max(goLive, day(7)))))
        }
        return accounts
    }

    func loadCharges(_ db: Connection, where condition: String, _ parameters: [any PostgresEncodable]) throws -> [Int64: [ChargeSpan]] {
        let far = RentDebitJob.farFuture
        let result = try db.execute(
            """
            SELECT property_id, charge_code, weekly_pence, effective_from - \(unescaped: RentDebitJob.epoch), COALESCE(effective_to - \(unescaped: RentDebitJob.epoch), \(unescaped: String(far)))
            FROM weekly_charges WHERE \(unescaped: condition)
            """, parameters)
        var charges: [Int64: [ChargeSpan]] = [:]
        var codes: [String: String] = [:]  // one String per distinct code, shared
        for i in 0..<result.count {
            let row = result[i]
            let text = row.text(1)!
            let code = codes[text] ?? { codes[text] = text; return text }()
            let to = row.int64(4)
            charges[row.int64(0), default: []].append(ChargeSpan(
                code: code, weeklyPence: row.int64(2), from: Day(daysSinceEpoch: Int(row.int64(3))),
                to: to == Int64(far) ? nil : Day(daysSinceEpoch: Int(to))))
        }
        return charges
    }

    /// Brings `free_weeks` up to date with the configured calendar. A free week added or removed
    /// for a week already posted marks every account for recalculation from that week.
    func synchroniseFreeWeeks(_ db: Connection, warnings: inout [String], lastPosted: RentWeek) throws {
        let configured = Set(calendar.allFreeMondays)
        let stored = Set(try db.query("SELECT monday - \(unescaped: RentDebitJob.epoch) FROM free_weeks").map { Day(daysSinceEpoch: Int($0.int64(0))) })
        let changed = configured.symmetricDifference(stored)
        guard !changed.isEmpty else { return }
        for monday in configured.subtracting(stored) {
            try db.execute("INSERT INTO free_weeks (monday, rent_year) VALUES ($1, $2)", [monday, RentWeek(containing: monday).rentYear.label])
        }
        for monday in stored.subtracting(configured) {
            try db.execute("DELETE FROM free_weeks WHERE monday = $1", [monday])
        }
        if let earliest = changed.filter({ $0 <= lastPosted.monday }).min() {
            try db.execute("INSERT INTO rent_recalc (account_id, from_date) SELECT id, $1 FROM rent_accounts", [earliest])
            warnings.append("the rent calendar's free weeks changed for weeks already posted (from \(earliest.iso)); every account is recalculated from then")
        }
        try db.execute(
            "INSERT INTO audit_events (action, entity, entity_ref, details) VALUES ('update', 'rent-calendar', 'free-weeks', jsonb_build_object('changed', $1::text))",
            [changed.sorted().map(\.iso).joined(separator: ",")])
    }
}

/// What the next rent debit run will adjust for back-dated changes already made.
public struct PendingAdjustments: Codable, Hashable, Sendable {
    /// The latest week posted: the adjustments are for weeks up to it.
    public var through: Day
    public var accounts: Int
    public var entries: Int
    public var netPence: Int64

    /// One line for a report: how many accounts, the net, and the command that shows them.
    public var sentence: String {
        "the next rent debit run will adjust \(Wording.count(accounts, "account")) for weeks already posted "
            + "(\(Wording.count(entries, "entry")), net \(Money(pence: netPence).formatted)): "
            + "`hub run rent-debit --through \(through.iso) --dry-run` shows them"
    }
}

/// The adjustments of a run counted as they are posted, a chunk at a time.
struct AdjustmentTally {
    var entries = 0
    var netPence: Int64 = 0
    var byAccount: [Int64: (entries: Int, pence: Int64)] = [:]

    mutating func add(_ adjustments: [RentDebitJob.Posting]) {
        for posting in adjustments {
            entries += 1
            netPence += posting.pence
            byAccount[posting.accountId, default: (0, 0)].entries += 1
            byAccount[posting.accountId, default: (0, 0)].pence += posting.pence
        }
    }
}

extension RentDebitJob {
    /// Where the run's time went, logged when it has posted (`HUB_LOG_LEVEL=info`).
    struct Phases {
        /// The reader's time reading in the run's snapshot, on its own connection while the run posts.
        var reading = Duration.zero
        /// The run's time waiting for the reader (a chunk not read yet).
        var waiting = Duration.zero
        var computing = Duration.zero
        /// Computing and posting the adjustments to earlier weeks.
        var adjusting = Duration.zero

        func log(_ logger: Logger, accounts: Int, ledger: LandlordTableStream) {
            func seconds(_ duration: Duration) -> String {
                String(format: "%.2f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
            }
            logger.info("rent debit posted", metadata: [
                "accounts": "\(accounts)", "ledger_rows": "\(ledger.rows)", "chunks": "\(ledger.chunks)",
                "reading_s": "\(seconds(reading))", "waiting_s": "\(seconds(waiting))", "computing_s": "\(seconds(computing))",
                "copy_s": "\(seconds(ledger.copying))", "insert_s": "\(seconds(ledger.moving))", "insert_waited_s": "\(seconds(ledger.inserting))",
                "adjusting_s": "\(seconds(adjusting))",
            ])
        }
    }
}

extension RentDebitJob.Report {
    /// Counts the adjustments into the report, with the accounts they adjust (by reference).
    mutating func record(_ tally: AdjustmentTally, db: Connection) throws {
        adjustments += tally.entries
        adjustmentsNetPence += tally.netPence
        guard !tally.byAccount.isEmpty else { return }
        var names: [Int64: String] = [:]
        for row in try db.query(
            "SELECT id, account_ref FROM rent_accounts WHERE id = ANY($1::bigint[])", [PostgresArray(tally.byAccount.keys.sorted())])
        {
            names[row.int64(0)] = row.text(1)
        }
        adjustedAccounts = tally.byAccount.map { AdjustedAccount(account: names[$0.key] ?? String($0.key), entries: $0.value.entries, netPence: $0.value.pence) }
            .sorted { $0.account < $1.account }
    }
}
