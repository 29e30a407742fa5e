import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// Postings of a test, as one run: (account, code, pence, date, rent week).
struct TestPostings: Job {
    static let name = "test-postings"
    static var reversal: ReversalRule { .independent }
    var key: String
    var entries: [Entry]
    struct Entry: Sendable {
        var account: String
        var code: String
        var pence: Int64
        var date: String
        var week: String?
    }
    var businessKey: String { key }
    var parameters: [String: String] { [:] }
    struct Report: JobReport {
        var posted: Int
        var counts: [String: Int] { ["posted": posted] }
        var warnings: [String] { [] }
        func render() -> String { "" }
    }
    func run(in context: RunContext) throws -> Report {
        for e in entries {
            try context.connection.execute(
                """
                INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, rent_week, run_id)
                SELECT id, \(e.code), \(e.pence), \(e.date)::date, \(e.week)::date, \(context.runId) FROM rent_accounts WHERE account_ref = \(e.account)
                """)
        }
        return Report(posted: entries.count)
    }
}

/// A hub with accounts charged £100 a week from 2026-04-06 and the shipped arrears policy.
struct ArrearsFixture {
    let runner: Runner
    let db: Connection
    let config: HubConfig
    let policy: ArrearsConfig
    var postings = 0

    init(freeWeeks: [String] = []) throws {
        runner = try TestHub.runner()
        db = try runner.database.connect()
        config = TestHub.config(goLive: d("2026-04-06"))
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/arrears.yaml")
        policy = try ArrearsConfig.load(file: shipped)
        for monday in freeWeeks { try db.execute("INSERT INTO free_weeks (monday, rent_year) VALUES (\(d(monday)), '2026/27')") }
    }

    func tenancy(_ account: String, end: String? = nil) throws {
        try db.addTenancy(account: account, property: "P" + account, start: "2026-04-06", end: end, charges: [("DBR", 10_000, "2026-04-06", nil)])
    }

    /// Charges `weeks` weeks of £100 from 2026-04-06 (skipping the free ones).
    mutating func charge(_ account: String, weeks: Int, free: Set<String> = []) throws {
        var entries: [TestPostings.Entry] = []
        for n in 0..<weeks {
            let monday = d("2026-04-06") + 7 * n
            if free.contains(monday.iso) { continue }
            entries.append(.init(account: account, code: "DBR", pence: 10_000, date: monday.iso, week: monday.iso))
        }
        try post(entries)
    }

    mutating func pay(_ account: String, _ pence: Int64, on date: String, code: String = "RPY") throws {
        try post([.init(account: account, code: code, pence: -pence, date: date, week: nil)])
    }

    mutating func post(_ entries: [TestPostings.Entry]) throws {
        postings += 1
        _ = try runner.run(TestPostings(key: "p\(postings)", entries: entries), businessDate: d("2026-04-06"))
    }

    /// Direct Debit settings with the hub's rent calendar.
    var dd: DirectDebitConfig { DirectDebitConfig(rentCalendar: config.rentCalendar) }

    /// The account's figures (`.full`); the nightly review's lighter query must give it the same position.
    func position(_ account: String, on day: String) throws -> ArrearsAccount {
        let id = try ArrearsPositions.accountId(account, on: db)
        let full = try #require(try ArrearsPositions.load(on: d(day), accountId: id, config: policy, db: db).first)
        let review = try #require(try ArrearsPositions.load(on: d(day), accountId: id, detail: .review, config: policy, db: db).first)
        #expect(review.position == full.position, "the review's query gives \(account) on \(day) the position \(review.position)")
        return full
    }

    func review(_ day: String) throws -> ArrearsReviewJob.Report {
        try ArrearsRuns(runner: runner, config: config).review(on: d(day), policy: policy).report
    }

    func recommendation(_ report: ArrearsReviewJob.Report, _ account: String) -> String? {
        (report.sent + report.worklist).first { $0.account == account }?.stage
    }
}

@Suite struct ArrearsTests {
    @Test func collectableArrearsLeaveTheCurrentWeekToItsGraceDaysAndCountWeeksOfRent() throws {
        var f = try ArrearsFixture()
        try f.tenancy("100000011")
        try f.charge("100000011", weeks: 4)
        try f.pay("100000011", 15_000, on: "2026-04-10")
        // Tuesday of week 4: £400 charged, £150 paid; the week's £100 is not yet arrears.
        let p = try f.position("100000011", on: "2026-04-28").position
        #expect(p.balance == Money(pence: 25_000))
        #expect(p.collectable == Money(pence: 15_000))
        #expect(p.weeksHundredths == 150 && p.weeksText == "1.50")
        #expect(p.weeklyCharge == Money(pence: 10_000))
        #expect(p.method == .cash)
        #expect(p.missedPayments == 2, "weeks 2 and 3 had no payment")
    }

    @Test func aFreeWeekIsNeverAMissedPayment() throws {
        var f = try ArrearsFixture(freeWeeks: ["2026-04-20"])
        try f.tenancy("100000011")
        try f.tenancy("100000029")
        for account in ["100000011", "100000029"] { try f.charge(account, weeks: 5, free: ["2026-04-20"]) }
        // Both pay each charged week; neither pays in the free week.
        for date in ["2026-04-06", "2026-04-13", "2026-04-27"] { try f.pay("100000011", 10_000, on: date) }
        for date in ["2026-04-06", "2026-04-27"] { try f.pay("100000029", 10_000, on: date) }
        let free = try f.position("100000011", on: "2026-04-22")
        #expect(free.position.freeWeek)
        #expect(free.position.missedPayments == 0)
        let after = try f.position("100000011", on: "2026-05-05").position
        #expect(after.missedPayments == 0, "the free week of 2026-04-20 is not a missed payment")
        #expect(!after.freeWeek)
        let other = try f.position("100000029", on: "2026-05-05").position
        #expect(other.missedPayments == 1, "only 2026-04-13, a charged week, was missed")
    }

    @Test func aDirectDebitNotYetDueIsNotArrearsNorAMissedPayment() throws {
        var f = try ArrearsFixture()
        try f.tenancy("100000011")
        try f.charge("100000011", weeks: 5)
        try f.pay("100000011", 43_333, on: "2026-04-06", code: "RDD")
        // 2026-05-01: four weeks charged since the collection, the next due 2026-05-07.
        let p = try f.position("100000011", on: "2026-05-01").position
        #expect(p.method == .directDebit)
        #expect(p.collectable <= .zero, "\(p)")
        #expect(p.missedPayments == 0)
        // Past the cycle with no collection: the charges are arrears and a collection was missed.
        let late = try f.position("100000011", on: "2026-05-12").position
        #expect(late.collectable > .zero)
        #expect(late.missedPayments == 1)
    }

    /// Accounts of every way of paying on £100 a week from 2026-04-06 (a free week 2026-05-18):
    /// cash, bank, Housing Benefit, Direct Debit (monthly, then stopped), Universal Credit, a
    /// former tenant, and one that pays nothing.
    static func everyWayOfPaying() throws -> (ArrearsFixture, [String]) {
        var f = try ArrearsFixture(freeWeeks: ["2026-05-18"])
        let free: Set<String> = ["2026-05-18"]
        let accounts = ["100000011", "100000029", "100000037", "100000045", "100000053", "100000061", "100000079"]
        for account in accounts {
            try f.tenancy(account, end: account == "100000061" ? "2026-06-14" : nil)
            try f.charge(account, weeks: 20, free: free)
        }
        for week in 0..<20 {
            let monday = d("2026-04-06") + 7 * week
            if free.contains(monday.iso) { continue }
            try f.pay("100000011", week % 4 == 3 ? 5_000 : 10_000, on: (monday + 4).iso)
            try f.pay("100000029", 10_000, on: (monday + 2).iso, code: "RSO")
            try f.pay("100000037", 10_000, on: monday.iso, code: "RHB")
            if week < 10 { try f.pay("100000061", 10_000, on: (monday + 1).iso, code: "RCP") }
        }
        for month in ["2026-04-07", "2026-05-07", "2026-06-07"] { try f.pay("100000045", 43_333, on: month, code: "RDD") }
        try f.pay("100000045", 20_000, on: "2026-07-24", code: "RPY")
        try f.pay("100000053", 30_000, on: "2026-05-01", code: "RPY")
        try ArrearsCases.record(account: "100000053", kind: "uc-claim", from: d("2026-05-04"), to: nil, note: "", db: f.db)
        return (f, accounts)
    }

    /// The shipped financial map (the GL export's), for the report's debtors control account.
    static func shippedMap() throws -> FinancialMap {
        try FinancialMap(csv: try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/financial-map.csv"), encoding: .utf8), file: "financial-map.csv")
    }

    @Test func theReviewsQueryGivesEveryAccountTheSamePositionAsTheFullOne() throws {
        let (f, accounts) = try Self.everyWayOfPaying()
        let ids = Dictionary(uniqueKeysWithValues: try accounts.map { (try ArrearsPositions.accountId($0, on: f.db), $0) })
        var compared = 0
        for day in stride(from: d("2026-04-06"), through: d("2026-08-31"), by: 3) {
            let full = try ArrearsPositions.load(on: day, config: f.policy, db: f.db)
            let review = try ArrearsPositions.load(on: day, detail: .review, config: f.policy, db: f.db)
            #expect(review.map(\.account) == full.map(\.account))
            for (r, a) in zip(review, full) {
                #expect(r.position == a.position, "\(ids[a.accountId] ?? a.account) on \(day.iso): review \(r.position), full \(a.position)")
                #expect(r.tenant == a.tenant && r.addressLines == a.addressLines && r.postcode == a.postcode && r.tenancyEnd == a.tenancyEnd)
                compared += 1
            }
        }
        #expect(compared == 50 * accounts.count)
        // The methods the positions saw, so the comparison covered each.
        let methods = Set(try ArrearsPositions.load(on: d("2026-06-10"), detail: .review, config: f.policy, db: f.db).map(\.position.method))
        #expect(methods == [.cash, .bank, .housingBenefit, .directDebit, .universalCredit, .none])
    }

    @Test func everyStageOfTheLadderInTurn() throws {
        var f = try ArrearsFixture()
        try f.tenancy("100000011")
        try f.tenancy("100000029")
        try f.charge("100000011", weeks: 30)
        try f.charge("100000029", weeks: 30)
        // 100000029 owes £7 (reminder SMS band £5 to £9.99); 100000011 pays nothing.
        try f.pay("100000029", 10_000 * 8 - 700, on: "2026-04-07")
        let db = f.db
        try db.execute("INSERT INTO tenant_phones (account_id, phone) SELECT id, '07700 900123' FROM rent_accounts WHERE account_ref = '100000029'")

        var report = try f.review("2026-06-02")
        #expect(f.recommendation(report, "100000029") == "reminder-sms")
        #expect(f.recommendation(report, "100000011") == "first-letter")
        let file = try #require(report.lettersFile)
        let csv = try String(contentsOf: f.config.outbox.appendingPathComponent("arrears-letters/\(file)"), encoding: .utf8)
        let lines = csv.split(separator: "\r\n")
        #expect(lines.first == "template,channel,recipient_name,address_line_1,address_line_2,address_line_3,address_line_4,postcode,phone_number,account,arrears,weekly_rent,stage")
        #expect(lines.contains("ARREARS-SMS-REMINDER,sms,A Tenant,,,,,,07700 900123,100000029,7.00,100.00,reminder-sms"), "\(csv)")
        #expect(lines.contains { $0.hasPrefix("ARREARS-LETTER-1,letter,A Tenant,1 P100000011 Street,,,,AB1 2CD,,100000011,") }, "\(csv)")

        // Exactly once: the day's review does not run twice, and its file was written once.
        let again = try #require(throws: RunError.self) { try f.review("2026-06-02") }
        #expect(again.code == .alreadyCompleted)
        #expect(try db.queryOne("SELECT count(*) FROM outbound_files WHERE interface = 'arrears-letters'")!.decode(Int.self, 0) == 1)

        // 13 days after the first letter: too soon for the second.
        report = try f.review("2026-06-15")
        #expect(f.recommendation(report, "100000011") == nil)
        report = try f.review("2026-06-16")
        #expect(f.recommendation(report, "100000011") == "second-letter")
        // 4 or more weeks of rent, after the second letter, 14 days on: a notice, for an officer.
        report = try f.review("2026-06-30")
        #expect(report.worklist.map(\.account) == ["100000011"])
        #expect(report.worklist[0].stage == "nosp" && report.worklist[0].reason.contains("weeks of rent (from 4.00)"))
        #expect(try ArrearsWorklist.load(db: db).map(\.account) == ["100000011"])
        // Not yet acted on: recommended again the next day.
        #expect(f.recommendation(try f.review("2026-07-01"), "100000011") == "nosp")
        let notice = try ArrearsCases.act(account: "100000011", stage: "nosp", note: "served by hand", on: d("2026-07-01"), config: f.policy, db: db)
        #expect(notice.served == d("2026-07-01") && notice.expires == d("2027-07-01"))
        #expect(try ArrearsWorklist.load(db: db).isEmpty)
        // The court warning waits 28 days after the notice, while it is in force.
        #expect(f.recommendation(try f.review("2026-07-28"), "100000011") == nil)
        #expect(f.recommendation(try f.review("2026-07-29"), "100000011") == "court-warning")
        // The application for a court date: 14 days after the warning, for an officer.
        #expect(f.recommendation(try f.review("2026-08-11"), "100000011") == nil)
        report = try f.review("2026-08-12")
        #expect(report.worklist.first { $0.account == "100000011" }?.stage == "court-application")
        // Who did each: the officer's act is audited with its author.
        let audit = try db.queryOne("SELECT actor, details->>'stage' FROM audit_events WHERE entity = 'arrears-case' AND action = 'act'")!
        #expect(try audit.decode(String.self, 1) == "nosp" && !(try audit.decode(String.self, 0)).isEmpty)
        let automatic = try db.query(
            "SELECT x.stage FROM arrears_actions x JOIN rent_accounts a ON a.id = x.account_id WHERE a.account_ref = '100000011' AND x.automatic AND x.run_id IS NOT NULL ORDER BY x.id")
        #expect(try automatic.map { try $0.decode(String.self, 0) } == ["first-letter", "second-letter", "court-warning"])
    }

    @Test func aNoticeOutOfForceStopsTheCourtStages() {
        let stages = [
            Arrears.Stage(name: "nosp", title: "Notice", automatic: false, channel: "action", servesNotice: true),
            Arrears.Stage(name: "court-warning", title: "Warning", automatic: true, channel: "letter", template: "W", after: "nosp", noticeInForce: true),
        ]
        let position = Arrears.position(
            .init(balance: Money(pence: 100_000), currentWeekCharge: .zero, weeklyCharge: Money(pence: 10_000), freeWeek: false, method: .cash),
            on: d("2027-08-02"), graceDays: 7)
        let expired = Arrears.CaseState(stage: "nosp", stageDay: d("2026-07-01"), noticeServed: d("2026-07-01"), noticeExpires: d("2027-07-01"))
        let r = Arrears.recommend(position: position, state: expired, stages: stages, on: d("2027-08-02"))
        #expect(r.stage == nil && r.reason.contains("no notice in force"))
        let inForce = Arrears.recommend(position: position, state: expired, stages: stages, on: d("2027-06-30"))
        #expect(inForce.stage?.name == "court-warning")
    }

    @Test func pausesStopRecommendations() throws {
        var f = try ArrearsFixture()
        let accounts = ["100000011", "100000029", "100000037", "100000045", "100000053", "100000061"]
        for account in accounts {
            try f.tenancy(account)
            try f.charge(account, weeks: 10)
        }
        try ArrearsCases.pause(account: "100000011", until: d("2026-06-20"), reason: "in hospital", db: f.db)
        try ArrearsCases.record(account: "100000029", kind: "court-date", from: d("2026-07-01"), to: nil, note: "", db: f.db)
        try ArrearsCases.record(account: "100000037", kind: "eviction-date", from: d("2026-06-25"), to: nil, note: "", db: f.db)
        try ArrearsCases.record(account: "100000045", kind: "hb-claim", from: d("2026-05-01"), to: nil, note: "", db: f.db)
        // A kept agreement: weekly instalments of £10 on top of the rent, paid.
        _ = try ArrearsCases.agree(account: "100000053", instalment: Money(pence: 1_000), frequency: .weekly, start: d("2026-06-01"), lumpSum: .zero, today: d("2026-06-01"), directDebit: f.dd, db: f.db)
        try f.pay("100000053", 11_000, on: "2026-06-01")
        try f.pay("100000053", 11_000, on: "2026-06-08")
        let report = try f.review("2026-06-10")
        #expect(report.paused == 5)
        #expect(report.sent.map(\.account) == ["100000061"], "only the case with no pause")
        #expect(report.agreementsKept == 1)
        // The officer's pause ends on its day.
        let later = try f.review("2026-06-21")
        #expect(later.sent.map(\.account).contains("100000011"))
        #expect(try f.db.queryOne("SELECT actor FROM audit_events WHERE action = 'pause'") != nil)
    }

    @Test func agreementsAreKeptBreachedAndCompletedAndABreachReturnsTheCase() throws {
        var f = try ArrearsFixture()
        for account in ["100000011", "100000029", "100000037"] {
            try f.tenancy(account)
            try f.charge(account, weeks: 12)
            try f.pay(account, 10_000 * 6, on: "2026-04-10")
        }
        // £200 owed before 2026-06-01: 8 weeks charged, 6 paid.
        for account in ["100000011", "100000029", "100000037"] {
            _ = try ArrearsCases.agree(account: account, instalment: Money(pence: 5_000), frequency: .weekly, start: d("2026-06-01"), lumpSum: .zero, today: d("2026-06-01"), directDebit: f.dd, db: f.db)
        }
        let start = try #require(try ArrearsCases.agreements(live: true, accountId: nil, db: f.db).first).agreement.startingBalance
        #expect(start == Money(pence: 20_000))
        // 100000011 keeps: rent plus £50 each Monday.
        for date in ["2026-06-01", "2026-06-08", "2026-06-15"] { try f.pay("100000011", 15_000, on: date) }
        // 100000029 pays nothing: above the expected balance from the first day.
        // 100000037 clears everything on the second day.
        try f.pay("100000037", 41_000, on: "2026-06-02")
        let report = try f.review("2026-06-16")
        #expect(report.agreementsKept == 1)
        #expect(report.agreementsBreached == ["100000029"])
        #expect(report.agreementsCompleted == ["100000037"])
        let all = try ArrearsCases.agreements(live: false, accountId: nil, db: f.db)
        let byAccount = Dictionary(uniqueKeysWithValues: try all.map { (try f.db.queryOne("SELECT account_ref FROM rent_accounts WHERE id = \($0.accountId)")!.decode(String.self, 0), $0) })
        #expect(byAccount["100000011"]?.status == "live")
        #expect(byAccount["100000029"]?.status == "breached")
        #expect(byAccount["100000037"]?.status == "completed")
        // Each day's state is kept: the breach came after 5 days above (the tolerance).
        let days = try ArrearsAgreements.history(agreementId: byAccount["100000029"]!.id, db: f.db)
        #expect(days.map(\.state) == ["behind", "behind", "behind", "behind", "behind", "breached"])
        #expect(days.last?.daysAbove == 6 && days.last?.day == d("2026-06-06"))
        let kept = try ArrearsAgreements.history(agreementId: byAccount["100000011"]!.id, db: f.db)
        #expect(kept.count == 16 && kept.allSatisfy { $0.state == "kept" })
        // The breach returns the case to the stages: recommended a letter.
        #expect(f.recommendation(report, "100000029") == "first-letter")
        #expect(f.recommendation(report, "100000011") == nil)
    }

    @Test func writeOffBandsAreEnforcedByTheDatabase() throws {
        var f = try ArrearsFixture()
        try f.tenancy("100000011", end: "2026-05-03")
        try f.charge("100000011", weeks: 4)
        let pid = UInt32.random(in: 0...UInt32.max)
        let proposer = "income_officer_a_\(pid)"
        let officer = "income_officer_b_\(pid)"
        let manager = "income_manager_\(pid)"
        let finance = "finance_clerk_\(pid)"
        let admin = try f.runner.database.admin()
        try admin.execute("CREATE ROLE \(unescaped: proposer) LOGIN IN ROLE hub_income")
        try admin.execute("CREATE ROLE \(unescaped: officer) LOGIN IN ROLE hub_income")
        try admin.execute("CREATE ROLE \(unescaped: manager) LOGIN IN ROLE hub_income_manager")
        try admin.execute("CREATE ROLE \(unescaped: finance) LOGIN IN ROLE hub_finance")
        func connect(_ role: String) throws -> Connection {
            let c = try f.runner.database.admin()
            try c.execute("SET SESSION AUTHORIZATION \(unescaped: role)")
            return c
        }
        // A current tenancy is not written off.
        try f.tenancy("100000029")
        #expect(throws: RunError.self) { try WriteOffs.propose(account: "100000029", reason: "x", on: d("2026-06-01"), db: try connect(proposer)) }
        // A reason longer than the ledger's description can hold is refused, naming the limit.
        #expect {
            try WriteOffs.propose(account: "100000011", reason: String(repeating: "untraced ", count: 60), on: d("2026-06-01"), db: try connect(proposer))
        } throws: { error in "\(error)".contains("540 characters") && "\(error)".contains("at most 500") }
        let proposal = try WriteOffs.propose(account: "100000011", reason: "not traced", on: d("2026-06-01"), db: try connect(proposer))
        #expect(proposal.amount == Money(pence: 40_000) && proposal.kind == "arrears" && proposal.proposedBy == proposer)

        // An officer's band is £50: refused by the job, and by the database on a direct update.
        let asOfficer = try connect(officer)
        let refused = try #require(throws: RunError.self) {
            try f.runner.run(WriteOffApprovalJob(writeOffId: proposal.id, note: "ok", day: d("2026-06-01")), on: asOfficer, businessDate: d("2026-06-01"))
        }
        #expect(refused.code == .refused && refused.message.contains("hub_income_manager"))
        let direct = try #require(throws: PostgresError.self) {
            try asOfficer.execute("UPDATE writeoffs SET status = 'approved', decided_by = session_user WHERE id = \(proposal.id)")
        }
        #expect(direct.sqlState == "HUB22")
        // A finance clerk has no privilege on write-offs at all.
        #expect(throws: PostgresError.self) {
            try connect(finance).execute("UPDATE writeoffs SET status = 'approved', decided_by = session_user WHERE id = \(proposal.id)")
        }
        // The one who proposed may not approve, whatever the band.
        #expect(throws: PostgresError.self) {
            try connect(proposer).execute("UPDATE writeoffs SET status = 'approved', decided_by = session_user WHERE id = \(proposal.id)")
        }
        // The manager approves: WOF posted, the balance cleared.
        let outcome = try f.runner.run(WriteOffApprovalJob(writeOffId: proposal.id, note: "agreed", day: d("2026-06-01")), on: try connect(manager), businessDate: d("2026-06-01"))
        #expect(outcome.record.operator == manager)
        #expect(try f.db.posted(account: "100000011", code: "WOF") == -40_000)
        #expect(try f.db.posted(account: "100000011") == 0)
        #expect(try WriteOffs.find(proposal.id, db: f.db)?.decidedBy == manager)

        // Money received later is written on first (WON), up to what was written off.
        try f.pay("100000011", 15_000, on: "2026-07-01")
        #expect(try f.db.posted(account: "100000011", code: "WON") == 15_000)
        try f.pay("100000011", 30_000, on: "2026-07-08")
        #expect(try f.db.posted(account: "100000011", code: "WON") == 40_000)
        #expect(try f.db.posted(account: "100000011") == -5_000, "the part beyond the debt is a credit")
        // A small credit on the closed account: written off the same way, within the officer's band.
        let credit = try WriteOffs.propose(account: "100000011", reason: "small credit", on: d("2026-07-09"), db: try connect(proposer))
        #expect(credit.kind == "credit" && credit.amount == Money(pence: -5_000))
        _ = try f.runner.run(WriteOffApprovalJob(writeOffId: credit.id, note: "small", day: d("2026-07-09")), on: try connect(officer), businessDate: d("2026-07-09"))
        #expect(try f.db.posted(account: "100000011") == 0)
    }

    @Test func theReportTiesToTheLedgerAndTheDebtorsControl() throws {
        var f = try ArrearsFixture()
        try f.tenancy("100000011")
        try f.tenancy("100000029")
        try f.tenancy("100000037", end: "2026-04-26")
        try f.charge("100000011", weeks: 10)
        try f.charge("100000029", weeks: 10)
        try f.charge("100000037", weeks: 3)
        try f.pay("100000011", 100_000, on: "2026-04-10")
        try f.pay("100000029", 20_000, on: "2026-04-10")
        let report = try ArrearsReport.build(asOf: d("2026-06-10"), config: f.policy, map: try Self.shippedMap(), db: f.db)
        #expect(report.tiesToLedger && report.total == Money(pence: 110_000))
        #expect(report.tiesToControl, "\(report.render())")
        #expect(report.current.first { $0.band == "4 to 8 weeks" }?.accounts == 1, "£700 collectable of £100 a week")
        #expect(report.current.first { $0.band == "in credit or clear" }?.accounts == 1)
        #expect(report.former.first { $0.band == "ended under 3 months ago" }?.balance == Money(pence: 30_000))
        #expect(report.render().contains("ties"))
    }

    @Test func theReportReadsTheDayAndTheWeekBeforeInOnePassWithTheTwoPassesFigures() throws {
        let (f, accounts) = try Self.everyWayOfPaying()
        let map = try Self.shippedMap()
        var bandsSeen = Set<String>()
        var moved = 0
        for day in stride(from: d("2026-04-06"), through: d("2026-08-31"), by: 4) {
            // Two passes, as the report read them before: each day's full figures on its own.
            let now = try ArrearsPositions.load(on: day, config: f.policy, db: f.db)
            let before = try ArrearsPositions.load(on: day - 7, config: f.policy, db: f.db)
            let pair = try ArrearsPositions.load(on: [day, day - 7], config: f.policy, db: f.db)
            for (one, two) in [(pair[0], now), (pair[1], before)] {
                #expect(one.map(\.account) == two.map(\.account) && one.count == accounts.count)
                for (a, b) in zip(one, two) {
                    #expect(a.position == b.position, "\(a.account) on \(day.iso): one pass \(a.position), two passes \(b.position)")
                    #expect(a.tenancyEnd == b.tenancyEnd && a.accountId == b.accountId)
                }
            }
            let onePass = try ArrearsReport.build(asOf: day, config: f.policy, map: map, db: f.db)
            let twoPasses = try ArrearsReport.build(asOf: day, now: now, before: before, map: map, db: f.db)
            #expect(onePass.render() == twoPasses.render(), "on \(day.iso):\n\(onePass.render())\nagainst\n\(twoPasses.render())")
            #expect(try HubJSON.encoder().encode(onePass) == HubJSON.encoder().encode(twoPasses))
            for band in onePass.current + onePass.former where band.accounts > 0 { bandsSeen.insert(band.band) }
            moved += onePass.casesEntered + onePass.casesCleared
        }
        // The days compared covered arrears of several bands, a former tenant's debt and cases moving.
        #expect(bandsSeen.count >= 4, "\(bandsSeen)")
        #expect(bandsSeen.contains("ended under 3 months ago") && moved > 0)
    }

    @Test func aBadPolicyIsRefusedNamingTheKey() throws {
        let bad = "stages:\n  - name: one\n    automatic: true\n    template: T\n  - name: two\n    automatic: false\n    after: three\n"
        let error = try #require(throws: ConfigError.self) { try ArrearsConfig.parse(bad, file: "arrears.yaml") }
        #expect(error.description == "arrears.yaml: stages[1].after: 'three' is not an earlier stage of the ladder")
        let amount = "stages:\n  - name: one\n    automatic: false\n    arrears-from: lots\n"
        #expect(throws: ConfigError.self) { try ArrearsConfig.parse(amount, file: "arrears.yaml") }
        let unknown = "grace: 3\nstages:\n  - name: one\n    automatic: false\n"
        let third = try #require(throws: ConfigError.self) { try ArrearsConfig.parse(unknown, file: "arrears.yaml") }
        #expect(third.key == "grace")
    }

    /// Early warning from each account's own ledger: a steady payer is not flagged; one whose
    /// payments turn short, and one who claims Universal Credit, are flagged with the reasons in
    /// words before they fall into arrears, and the back-test counts them.
    @Test func earlyWarningFlagsDriftBeforeArrearsAndTheBackTestCountsIt() throws {
        var f = try ArrearsFixture()
        for account in ["100000011", "100000029", "100000037"] {
            try f.tenancy(account)
            try f.charge(account, weeks: 35)
        }
        for week in 0..<35 {
            let monday = d("2026-04-06") + 7 * week
            try f.pay("100000011", 10_000, on: (monday + 4).iso)
            if week < 20 { try f.pay("100000029", 10_000, on: (monday + 4).iso) } else if week < 24 { try f.pay("100000029", 7_500, on: (monday + 5).iso) }
            if week < 24 { try f.pay("100000037", 10_000, on: monday.iso, code: "RHB") }
        }
        try ArrearsCases.record(account: "100000037", kind: "uc-claim", from: d("2026-09-21"), to: nil, note: "moving to Universal Credit", db: f.db)
        // Monday of week 23: £75 owed after three short weeks (less than a week's rent: not yet in arrears).
        let flags = try ArrearsEarlyWarning.atRisk(on: d("2026-09-14"), config: f.policy, db: f.db)
        #expect(flags.map(\.account) == ["100000029"])
        #expect(flags.first?.reasons == ["balance up £75.00 in four weeks", "already £75.00 in arrears"])
        #expect(flags.first?.score == 35)
        // The claim, on its Monday: flagged although nothing is owed yet (the week's rent is within its grace days).
        let claim = try ArrearsEarlyWarning.atRisk(on: d("2026-09-21"), config: f.policy, db: f.db).first { $0.account == "100000037" }
        #expect(claim?.reasons == ["a Universal Credit claim"])

        let test = try ArrearsEarlyWarning.backTest(through: d("2026-11-30"), config: f.policy, db: f.db)
        #expect(test.mondays.first == d("2026-07-06") && test.mondays.last == d("2026-10-05"))
        #expect(test.result == EarlyWarning.BackTest(flagged: 2, flaggedFellIn: 2, fellIn: 2, stayedClear: 1, flaggedStayedClear: 0))
        #expect(test.render().contains("precision: 100.00%; recall: 100.00%; steady accounts flagged: 0.00%"))
    }
}
