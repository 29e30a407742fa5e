import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// Balances carried forward (migration 0042): positions and balances read from a carried balance
/// plus each account's later entries are the whole ledger's, and stay so whatever is posted after.
@Suite struct CarriedBalancesTests {
    /// A year of rent from 2026-04-06 for accounts paying every way there is, some stopping early,
    /// one whose only Direct Debit was returned long ago.
    static func aYearOfPaying() throws -> (ArrearsFixture, [String]) {
        var f = try ArrearsFixture(freeWeeks: ["2026-12-21", "2026-12-28"])
        let free: Set<String> = ["2026-12-21", "2026-12-28"]
        let accounts = ["100000011", "100000029", "100000037", "100000045", "100000053", "100000061", "100000079", "100000087"]
        for account in accounts {
            try f.tenancy(account, end: account == "100000061" ? "2026-11-29" : nil)
            try f.charge(account, weeks: 52, free: free)
        }
        for week in 0..<52 {
            let monday = d("2026-04-06") + 7 * week
            if free.contains(monday.iso) { continue }
            try f.pay("100000011", week % 4 == 3 ? 5_000 : 10_000, on: (monday + 4).iso)
            try f.pay("100000029", 10_000, on: (monday + 2).iso, code: "RSO")
            if week < 40 { try f.pay("100000037", 10_000, on: monday.iso, code: "RHB") }
            if week < 30 { try f.pay("100000061", 10_000, on: (monday + 1).iso, code: "RCP") }
            if week % 2 == 0 && week > 20 { try f.pay("100000087", 20_000, on: (monday + 3).iso, code: "RBR") }
        }
        for month in 0..<12 {
            let day = Day(year: 2026 + (month + 3) / 12, month: (month + 3) % 12 + 1, day: 7)!
            try f.pay("100000045", 43_333, on: day.iso, code: "RDD")
        }
        // 100000053 paid once, in May, by a Direct Debit returned a week later.
        try f.pay("100000053", 30_000, on: "2026-05-01", code: "RDD")
        try f.post([.init(account: "100000053", code: "RDN", pence: 30_000, date: "2026-05-08", week: nil)])
        try ArrearsCases.record(account: "100000053", kind: "uc-claim", from: d("2026-05-04"), to: nil, note: "", db: f.db)
        return (f, accounts)
    }

    /// Each account's figures as JSON, to compare every one of them at once.
    static func figures(_ accounts: [ArrearsAccount]) throws -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try accounts.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
    }

    /// Compares the carried and whole-ledger readings of every day from `first` to `last`.
    static func compare(_ f: ArrearsFixture, from first: Day, through last: Day) throws -> Int {
        var compared = 0
        for day in stride(from: first, through: last, by: 4) {
            for detail in [ArrearsPositions.Detail.full, .review] {
                let carried = try ArrearsPositions.load(on: day, detail: detail, config: f.policy, db: f.db)
                let whole = try ArrearsPositions.load(on: day, detail: detail, wholeLedger: true, config: f.policy, db: f.db)
                #expect(try figures(carried) == figures(whole), "positions on \(day.iso) (\(detail))")
                compared += carried.count
            }
            let pair = try ArrearsPositions.load(on: [day, day - 7], config: f.policy, db: f.db)
            let wholePair = try ArrearsPositions.load(on: [day, day - 7], wholeLedger: true, config: f.policy, db: f.db)
            #expect(try pair.map(figures) == wholePair.map(figures), "the report's two days at \(day.iso)")
            #expect(try AccountBalance.all(asOf: day, on: f.db) == AccountBalance.all(asOf: day, wholeLedger: true, on: f.db), "balances at \(day.iso)")
        }
        return compared
    }

    @Test func positionsAndBalancesFromCarriedBalancesAreTheWholeLedgers() throws {
        let (f, accounts) = try Self.aYearOfPaying()
        #expect(try CarriedBalances.through(on: f.db) == nil)
        let through = try CarriedBalances.carryForward(through: d("2026-05-31"), on: f.db)
        #expect(through == d("2026-05-31"))
        // The balances carried are the ledger's to that date, account by account.
        let carried = Dictionary(uniqueKeysWithValues: try f.db.query(
            "SELECT a.account_ref, c.balance_pence FROM ledger_carried c JOIN rent_accounts a ON a.id = c.account_id"
        ).map { (try $0.decode(String.self, 0), try $0.decode(Int64.self, 1)) })
        let ledger = Dictionary(uniqueKeysWithValues: try AccountBalance.all(asOf: through, wholeLedger: true, on: f.db).map { ($0.account, $0.balancePence) })
        #expect(carried == ledger)
        #expect(Set(carried.keys) == Set(accounts))

        // Positions from 189 days after the date read the carried balances; earlier days the whole
        // ledger (both compared, so the comparison covers the switch too).
        let compared = try Self.compare(f, from: d("2026-11-20"), through: d("2027-04-12"))
        #expect(compared == 2 * Array(stride(from: d("2026-11-20"), through: d("2027-04-12"), by: 4)).count * accounts.count)
        // What the comparison covered: each way of paying, and 100000053's last payment and return,
        // both before the carried date, found behind it.
        let positions = try ArrearsPositions.load(on: d("2027-01-15"), config: f.policy, db: f.db)
        #expect(Set(positions.map(\.position.method)).isSuperset(of: [.cash, .bank, .housingBenefit, .directDebit, .universalCredit]))
        let early = try #require(positions.first { $0.account == "100000053" })
        #expect(early.lastPayment == d("2026-05-01") && early.lastDirectDebitReturn == d("2026-05-08"))

        // Moving forward adds each account's entries between the dates, and never goes back.
        #expect(try CarriedBalances.carryForward(through: d("2026-09-30"), on: f.db) == d("2026-09-30"))
        #expect(try CarriedBalances.carryForward(through: d("2026-06-30"), on: f.db) == d("2026-09-30"))
        #expect(try Self.compare(f, from: d("2027-04-07"), through: d("2027-04-30")) > 0)
        let verification = try LedgerVerification.verify(on: f.db)
        #expect(verification.isIntact && verification.carriedThrough == d("2026-09-30"))
    }

    @Test func anEntryPostedLaterButDatedBeforeTheCarriedDateJoinsItsCarriedBalance() throws {
        var (f, _) = try Self.aYearOfPaying()
        try CarriedBalances.carryForward(through: d("2026-08-31"), on: f.db)
        func carried(_ account: String) throws -> Int64? {
            try f.db.queryOne(
                "SELECT c.balance_pence FROM ledger_carried c JOIN rent_accounts a ON a.id = c.account_id WHERE a.account_ref = \(account)"
            )?.decode(Int64.self, 0)
        }
        let before = try #require(try carried("100000079"))
        // A back-dated adjustment, a Direct Debit collected and returned, and a payment on the date
        // itself (carried); one the day after (not).
        try f.post([
            .init(account: "100000079", code: "ADJ", pence: -2_500, date: "2026-04-13", week: "2026-04-13"),
            .init(account: "100000079", code: "RDD", pence: -4_000, date: "2026-08-03", week: nil),
            .init(account: "100000079", code: "RDN", pence: 4_000, date: "2026-08-10", week: nil),
            .init(account: "100000079", code: "RPY", pence: -1_000, date: "2026-08-31", week: nil),
            .init(account: "100000079", code: "RPY", pence: -700, date: "2026-09-01", week: nil),
        ])
        #expect(try carried("100000079") == before - 3_500)
        let dates = try #require(try f.db.queryOne(
            "SELECT c.last_receipt, c.last_direct_debit, c.last_return FROM ledger_carried c JOIN rent_accounts a ON a.id = c.account_id WHERE a.account_ref = '100000079'"))
        #expect(try dates.decode(Day?.self, 0) == d("2026-08-31") && dates.decode(Day?.self, 1) == d("2026-08-03") && dates.decode(Day?.self, 2) == d("2026-08-10"))
        #expect(try Self.compare(f, from: d("2027-03-09"), through: d("2027-03-31")) > 0)
        #expect(try LedgerVerification.verify(on: f.db).isIntact)
        // An entry naming no account is refused with the ledger's own message, not the carried table's.
        let refused = #expect(throws: PostgresError.self) {
            try f.db.execute(
                "INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id) SELECT 999999, 'RPY', -100, DATE '2026-05-01', max(id) FROM runs")
        }
        #expect(refused?.description.contains("ledger_entries_account_id_fkey") == true)
    }

    @Test func theNightlyReviewCarriesBalancesForwardAndRecommendsWhatTheWholeLedgerWould() throws {
        let (carried, _) = try Self.aYearOfPaying()
        let report = try carried.review("2027-01-18")
        #expect(try CarriedBalances.through(on: carried.db) == d("2027-01-18") - CarriedBalances.margin)
        let marks = try #require(try carried.db.queryOne("SELECT carried_by FROM ledger_carried_marks"))
        #expect(try !marks.decode(String.self, 0).isEmpty)
        // The same ledger with its balances carried to a date too late for the day: the review
        // cannot move it back, so it reads the whole ledger, and recommends the same.
        let (whole, _) = try Self.aYearOfPaying()
        try CarriedBalances.carryForward(through: d("2027-01-01"), on: whole.db)
        let wholeReport = try whole.review("2027-01-18")
        #expect(try CarriedBalances.through(on: whole.db) == d("2027-01-01"))
        #expect(report.sent.count + report.worklist.count > 0)
        #expect(report.carriedThrough == d("2027-01-18") - CarriedBalances.margin && wholeReport.carriedThrough == nil)
        #expect(report.render().contains("Balances carried forward to \((d("2027-01-18") - CarriedBalances.margin).iso)"))
        var same = report
        same.carriedThrough = nil
        #expect(same.render() == wholeReport.render())
        // The next night's review moves the date on by a day.
        _ = try carried.review("2027-01-19")
        #expect(try CarriedBalances.through(on: carried.db) == d("2027-01-19") - CarriedBalances.margin)
    }

    @Test func verificationNamesACarriedBalanceThatIsNotTheLedgers() throws {
        let (f, _) = try Self.aYearOfPaying()
        try CarriedBalances.carryForward(through: d("2026-10-31"), on: f.db)
        #expect(try LedgerVerification.verify(on: f.db).isIntact)
        // Nobody but the two functions writes the table: the hub's own login may not.
        #expect(throws: PostgresError.self) { try f.db.execute("UPDATE ledger_carried SET balance_pence = balance_pence + 1") }
        // A superuser's change behind the hub's back is found and named.
        let admin = try Connection(try #require(f.runner.database.adminConnectionString))
        try admin.execute("UPDATE ledger_carried SET balance_pence = balance_pence + 100 WHERE account_id = (SELECT id FROM rent_accounts WHERE account_ref = '100000029')")
        try admin.execute("UPDATE ledger_carried SET last_receipt = NULL WHERE account_id = (SELECT id FROM rent_accounts WHERE account_ref = '100000011')")
        let verification = try LedgerVerification.verify(on: f.db)
        #expect(!verification.isIntact)
        #expect(verification.problems.map(\.message) == [
            "account 100000011's last receipt, Direct Debit and return carried forward to 2026-10-31 are none, none, none, but its ledger entries to that date say 2026-10-30, none, none",
            "account 100000029's balance carried forward to 2026-10-31 is £1.00, but its ledger entries to that date sum to £0.00",
        ])
        // What reads the carried balances shows the change (so they are what it read), from the
        // first day they serve; an earlier day reads the whole ledger.
        func balance(_ day: String, wholeLedger: Bool = false) throws -> Int64? {
            try AccountBalance.all(asOf: d(day), wholeLedger: wholeLedger, on: f.db).first { $0.account == "100000029" }?.balancePence
        }
        #expect(try balance("2026-11-15") == balance("2026-11-15", wholeLedger: true).map { $0 + 100 })
        #expect(try balance("2026-10-30") == balance("2026-10-30", wholeLedger: true))
        func position(_ day: String, wholeLedger: Bool = false) throws -> Int64? {
            try ArrearsPositions.load(on: d(day), accountId: ArrearsPositions.accountId("100000029", on: f.db), detail: .review, wholeLedger: wholeLedger,
                                      config: f.policy, db: f.db).first?.position.balance.pence
        }
        let firstServed = d("2026-10-31") + CarriedBalances.reach
        #expect(try position(firstServed.iso) == position(firstServed.iso, wholeLedger: true).map { $0 + 100 })
        #expect(try position((firstServed - 1).iso) == position((firstServed - 1).iso, wholeLedger: true))
    }
}
