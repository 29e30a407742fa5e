import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// Agreements collected by Direct Debit (docs/arrears.md, "Agreements by Direct Debit"): the
/// instalment carried onto the mandate's extra amount, notified, collected, counted, and removed
/// when the agreement ends.
@Suite struct ArrearsDirectDebitTests {
    static let policy: ArrearsConfig = {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/arrears.yaml")
        return try! ArrearsConfig.load(file: shipped)
    }()

    /// £100 a week from 6 April 2026, charged each Monday through `through` except the free weeks.
    func charge(_ w: DDWorld, _ account: String, through: String) throws {
        let free: Set<Day> = [d("2026-12-21"), d("2026-12-28"), d("2027-03-22"), d("2027-03-29")]
        let entries = stride(from: d("2026-04-06"), through: d(through), by: 7).filter { !free.contains($0) }.map {
            TestPostings.Entry(account: account, code: "DBR", pence: 10_000, date: $0.iso, week: $0.iso)
        }
        _ = try w.runner.run(TestPostings(key: "charges \(account)", entries: entries), businessDate: d("2026-04-06"))
    }

    func pay(_ w: DDWorld, _ account: String, _ pence: Int64, on date: String, key: String) throws {
        _ = try w.runner.run(TestPostings(key: key, entries: [.init(account: account, code: "RPY", pence: -pence, date: date, week: nil)]), businessDate: d(date))
    }

    func review(_ w: DDWorld, _ day: String) throws -> ArrearsReviewJob.Report {
        try w.runner.run(ArrearsReviewJob(day: d(day), config: Self.policy, directDebit: w.dd), businessDate: d(day)).report
    }

    func balance(_ w: DDWorld, _ account: String, on day: String) throws -> Int64 {
        try w.count("SELECT sum(amount_pence) FROM ledger_entries l JOIN rent_accounts a ON a.id = l.account_id WHERE a.account_ref = \(account) AND l.entry_date <= \(d(day))")
    }

    /// Agree -> notice due -> a collection before the notice is in time keeps the old amount ->
    /// after it the new amount is collected and counts toward the agreement -> completion removes
    /// the extra amount, again with notice.
    @Test func anAgreementOnADirectDebitIsCollectedAfterNoticeAndEndsWithTheExtraRemoved() throws {
        let w = try DDWorld()
        try w.tenancy("10000031", weekly: 10_000)
        try charge(w, "10000031", through: "2027-03-01")
        // Paid up to 2026-12-31 but £400 short; then a monthly mandate on the 1st, notified £400.00 (48 debit weeks / 12).
        let chargedByThen = try balance(w, "10000031", on: "2026-12-31")
        try pay(w, "10000031", chargedByThen - 40_000, on: "2026-12-31", key: "before")
        try w.loadMandates(["10000031,J SMITH,200000,11111111,monthly,1,2027-01-01,400.00,2026-12-01"])
        _ = try w.collect(d("2026-12-30"))  // 1 January 2027 is a bank holiday: entry day Monday 4 January, £400.00
        #expect(try w.count("SELECT count(*) FROM dd_collections WHERE amount_pence = 40000 AND due_date = '2027-01-01'") == 1)

        // 25 January: £5 a week agreed; the mandate is monthly, so £21.67 a month (5 x 52 / 12, rounded up).
        let made = try ArrearsCases.agree(
            account: "10000031", instalment: Money(pence: 500), frequency: .weekly, start: d("2027-01-25"), lumpSum: .zero, today: d("2027-01-25"),
            directDebit: w.dd, db: w.db)
        let carried = try #require(made.directDebit)
        #expect(carried.extra == Money(pence: 2_167) && carried.frequency == .monthly && carried.previousExtra == .zero)
        #expect(carried.firstCollection == d("2027-03-01"), "1 February is within ten working days of the next notice; 1 March is not")
        #expect(carried.words.contains("the Direct Debit's extra amount is now £21.67 monthly (was £0.00)"))
        let mandate = try #require(try MandateStore.open(account: "10000031", on: w.db))
        #expect(mandate.id == carried.mandateId && mandate.extraPence == 2_167 && mandate.status == "live")
        let history = try MandateHistory.load(account: "10000031", on: w.db)
        let amended = try #require(history.events.first { $0.action == "amended" })
        #expect(amended.reason?.contains("arrears agreement \(made.id): £5.00 weekly from 2027-01-25 collected as an extra £21.67 monthly") == true)
        #expect(amended.actor == (try w.db.queryOne("SELECT session_user::text")!.text(0)!), "who made the change")
        #expect(history.lodgements.count == 0, "the same instruction: no AUDDIS record")
        let record = try #require(try ArrearsCases.agreements(live: true, accountId: try ArrearsPositions.accountId("10000031", on: w.db), db: w.db).first)
        #expect(record.directDebitExtraAmount == Money(pence: 2_167) && record.directDebitFrequency == "monthly" && record.directDebitExtra)

        // The notice is due and sent on the 25th, for the first collection after: 1 February.
        let notices = try w.runner.run(DDNoticesJob(date: d("2027-01-25"), config: w.dd), businessDate: d("2027-01-25"))
        #expect(notices.report.notices == 1)
        #expect(try w.count("SELECT count(*) FROM dd_notices WHERE mandate_id = \(mandate.id) AND amount_pence = 42167 AND first_date = '2027-02-01' AND sent_on = '2027-01-25'") == 1)

        // 1 February: the notice was not 10 working days before, so the previous £400.00 is collected.
        let february = try w.collect(d("2027-01-28"))
        #expect(february.report.previousAmount.map(\.account) == ["10000031"])
        #expect(try w.count("SELECT amount_pence FROM dd_collections WHERE run_id = \(february.record.id)") == 40_000)
        #expect(try w.count("SELECT computed_pence FROM dd_collections WHERE run_id = \(february.record.id)") == 42_167)
        // 1 March: in time, rent and instalment.
        let march = try w.collect(d("2027-02-25"))
        #expect(march.report.previousAmount.isEmpty)
        #expect(try w.count("SELECT amount_pence FROM dd_collections WHERE run_id = \(march.record.id)") == 42_167)

        // The collections count toward the agreement: kept although no weekly instalment came in cash.
        let kept = try review(w, "2027-03-01")
        #expect(kept.agreementsKept == 1 && kept.agreementsBreached.isEmpty)
        let days = try ArrearsAgreements.history(agreementId: made.id, db: w.db)
        #expect(days.allSatisfy { $0.state == "kept" })
        #expect(days.last?.day == d("2027-03-01") && days.last?.actual == days.last?.expected)

        // The tenant clears the rest: completed, and the review removes the extra amount in its run.
        #expect(try balance(w, "10000031", on: "2027-03-03") == 7_833, "£300 + six weeks' rent - £400.00 - £421.67")
        try pay(w, "10000031", try balance(w, "10000031", on: "2027-03-03"), on: "2027-03-03", key: "clear")
        let completed = try review(w, "2027-03-03")
        #expect(completed.agreementsCompleted == ["10000031"])
        let after = try #require(try MandateStore.open(account: "10000031", on: w.db))
        #expect(after.extraPence == 0 && after.id != mandate.id)
        let removal = try #require(try MandateHistory.load(account: "10000031", on: w.db).events.last { $0.action == "amended" })
        #expect(removal.reason?.contains("arrears agreement \(made.id) completed on 2027-03-03: the extra amount ends") == true)
        #expect(try w.count("SELECT count(*) FROM dd_mandate_events WHERE action = 'amended' AND run_id IS NOT NULL AND mandate_id = \(mandate.id)") == 1)
        // Its notice, then the April collection takes the rent alone.
        let april = try w.runner.run(DDNoticesJob(date: d("2027-03-04"), config: w.dd), businessDate: d("2027-03-04"))
        #expect(april.report.notices == 1)
        let aprilRun = try w.collect(d("2027-03-30"))
        #expect(try w.count("SELECT amount_pence FROM dd_collections WHERE run_id = \(aprilRun.record.id)") == 40_000)
    }

    /// Replaced by a new agreement: the extra amount changes; paid separately: removed; cancelled:
    /// removed. An account without a live mandate keeps its instalments as agreed.
    @Test func aReplacedOrCancelledAgreementChangesOrRemovesTheExtraAmount() throws {
        let w = try DDWorld()
        try w.tenancy("10000041", weekly: 10_000)
        try w.tenancy("10000042", weekly: 10_000)
        for account in ["10000041", "10000042"] { try charge(w, account, through: "2027-01-25") }
        try w.loadMandates(["10000041,A JONES,200000,22222222,weekly,5,2027-01-01,92.31,2026-12-01"])
        func agree(_ account: String, _ pence: Int64, _ frequency: ArrearsAgreement.Frequency, separately: Bool = false) throws -> ArrearsCases.Made {
            try ArrearsCases.agree(
                account: account, instalment: Money(pence: pence), frequency: frequency, start: d("2027-01-25"), lumpSum: .zero, paidSeparately: separately,
                today: d("2027-01-25"), directDebit: w.dd, db: w.db)
        }
        let first = try agree("10000041", 2_000, .monthly)
        #expect(first.directDebit?.extra == Money(pence: 462) && first.directDebit?.frequency == .weekly, "£20 x 12 / 52 = £4.615..., rounded up")
        let second = try agree("10000041", 1_000, .fortnightly)
        #expect(second.directDebit?.extra == Money(pence: 500) && second.directDebit?.previousExtra == Money(pence: 462))
        let third = try agree("10000041", 1_000, .fortnightly, separately: true)
        #expect(third.directDebit == nil && third.releasedMandateId != nil)
        #expect(try MandateStore.open(account: "10000041", on: w.db)?.extraPence == 0)
        let fourth = try agree("10000041", 700, .weekly)
        #expect(try MandateStore.open(account: "10000041", on: w.db)?.extraPence == 700)
        let (cancelled, mandate) = try ArrearsCases.cancelAgreement(account: "10000041", reason: "tenant moved to a payment plan with the council's welfare team", on: d("2027-01-27"), directDebit: w.dd, db: w.db)
        #expect(cancelled == fourth.id && mandate?.extraPence == 0)
        let statuses = try w.db.query("SELECT status FROM arrears_agreements g JOIN rent_accounts a ON a.id = g.account_id WHERE a.account_ref = '10000041' ORDER BY g.id").map { $0.text(0)! }
        #expect(statuses == ["cancelled", "cancelled", "cancelled", "cancelled"])
        let reasons = try MandateHistory.load(account: "10000041", on: w.db).events.filter { $0.action == "amended" }.compactMap(\.reason)
        #expect(reasons.count == 5 && reasons.last?.hasSuffix("cancelled: tenant moved to a payment plan with the council's welfare team") == true)
        #expect(throws: RunError.self) { try ArrearsCases.cancelAgreement(account: "10000041", reason: "again", on: d("2027-01-28"), directDebit: w.dd, db: w.db) }
        // No mandate: nothing carried.
        #expect(try agree("10000042", 500, .weekly).directDebit == nil)
    }
}
