import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// The rent debit run against a real database: back-dated changes, invariants, a real kill.
@Suite struct RentDebitTests {
    static let goLive = d("2026-11-02")

    func setUp(calendar: RentCalendar = .none) throws -> (Runner, RentDebitRuns, Connection) {
        let runner = try TestHub.runner()
        let runs = RentDebitRuns(runner: runner, config: TestHub.config(goLive: Self.goLive, calendar: calendar))
        return (runner, runs, try runner.database.connect())
    }

    @discardableResult
    func post(_ runs: RentDebitRuns, through: String) throws -> [RunOutcome<RentDebitJob.Report>] {
        try runs.postThrough(RentWeek(containing: d(through)), businessDate: d(through))
    }

    @Test func endDateEnteredAfterThreeWeeksWereChargedPostsThreeCreditAdjustments() throws {
        let (_, runs, db) = try setUp()
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", 10000, "2026-04-06", nil)])
        try post(runs, through: "2026-11-16")
        #expect(try db.posted(account: "100000011") == 30000)
        // The tenant had left on Sunday 1 November: nothing was due for the three weeks.
        try db.execute("UPDATE tenancies SET end_date = '2026-11-01'")
        let outcome = try #require(try post(runs, through: "2026-11-23").first)
        #expect(outcome.report.adjustments == 3)
        #expect(outcome.report.adjustmentsNetPence == -30000)
        for week in ["2026-11-02", "2026-11-09", "2026-11-16"] {
            #expect(try db.posted(account: "100000011", week: week, code: "ADJ") == -10000)
            #expect(try db.posted(account: "100000011", week: week) == 0)
        }
        #expect(try db.posted(account: "100000011", week: "2026-11-23") == 0)
        #expect(try db.posted(account: "100000011") == 0)
    }

    @Test func startDateMovedEarlierAfterChargingPostsDebitAdjustments() throws {
        let (_, runs, db) = try setUp()
        // Starts Wednesday 11 November: the week of 9 November is 5 days.
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-11-11", charges: [("DBR", 10000, "2026-04-06", nil)])
        try post(runs, through: "2026-11-16")
        #expect(try db.posted(account: "100000011", week: "2026-11-02") == 0)
        #expect(try db.posted(account: "100000011", week: "2026-11-09") == 7143)
        // The start was really Wednesday 4 November.
        try db.execute("UPDATE tenancies SET start_date = '2026-11-04'")
        let outcome = try #require(try post(runs, through: "2026-11-23").first)
        #expect(try db.posted(account: "100000011", week: "2026-11-02", code: "ADJ") == 7143)
        #expect(try db.posted(account: "100000011", week: "2026-11-09", code: "ADJ") == 2857)
        #expect(try db.posted(account: "100000011", week: "2026-11-09") == 10000)
        #expect(outcome.report.adjustments == 2)
        #expect(try db.posted(account: "100000011", week: "2026-11-23", code: "DBR") == 10000)
    }

    @Test func backDatedRentChangeAdjustsByDaysInTheWeeksItCovers() throws {
        let (_, runs, db) = try setUp()
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", 10000, "2026-04-06", nil)])
        try post(runs, through: "2026-11-16")
        // A rent increase to £105 from Thursday 12 November, entered late: a new row, the old one closed.
        try db.execute("UPDATE weekly_charges SET effective_to = '2026-11-11'")
        try db.execute("INSERT INTO weekly_charges (property_id, charge_code, weekly_pence, effective_from) SELECT id, 'DBR', 10500, '2026-11-12' FROM properties")
        try post(runs, through: "2026-11-23")
        // Week of 9 November: 3 days at 100 + 4 at 105 = 10285.71 -> 10286, so +286; week of 16 November +500.
        #expect(try db.posted(account: "100000011", week: "2026-11-09", code: "ADJ") == 286)
        #expect(try db.posted(account: "100000011", week: "2026-11-16", code: "ADJ") == 500)
        #expect(try db.posted(account: "100000011", week: "2026-11-02", code: "ADJ") == 0)
        #expect(try db.posted(account: "100000011", week: "2026-11-23") == 10500)
    }

    @Test func aRecalculationWithNothingChangedPostsNothing() throws {
        let (_, runs, db) = try setUp()
        for i in 0..<20 {
            try db.addTenancy(account: "1000001\(10 + i)", property: "P\(i)", start: "2025-0\(1 + i % 9)-1\(i % 10)",
                              end: i % 4 == 0 ? "2026-11-1\(i % 10)" : nil, charges: [("DBR", 9000 + Int64(i) * 37, "2026-04-06", nil)])
        }
        try post(runs, through: "2026-11-16")
        let before = try db.queryOne("SELECT count(*), sum(amount_pence) FROM ledger_entries")!
        // Mark every account as changed from long ago, without changing anything.
        try db.execute("INSERT INTO rent_recalc (account_id, from_date) SELECT id, '2020-01-01' FROM rent_accounts")
        let outcome = try #require(try post(runs, through: "2026-11-23").first)
        #expect(outcome.report.accountsRecalculated == 20)
        #expect(outcome.report.adjustments == 0)
        #expect(try db.queryOne("SELECT count(*) FROM ledger_entries WHERE code = 'ADJ'")!.decode(Int.self, 0) == 0)
        _ = before
    }

    @Test func aBackDatedChangeToPostedWeeksIsPostedWhenTheWeekIsRunAgain() throws {
        let (_, runs, db) = try setUp()
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", 10000, "2026-04-06", nil)])
        try post(runs, through: "2026-11-16")
        // Nothing changed: running through the posted week again posts nothing and keeps no run.
        #expect(try post(runs, through: "2026-11-16").isEmpty)
        // The tenant left on Sunday 15 November: the week of 16 November was not due.
        try db.execute("UPDATE tenancies SET end_date = '2026-11-15'")
        let pending = try #require(try RentDebitJob.pendingAdjustments(on: db, calendar: .none, goLive: Self.goLive))
        #expect(pending.accounts == 1)
        #expect(pending.netPence == -10000)
        // The dry run shows the account it would adjust and posts nothing.
        let preview = try #require(try runs.postThrough(RentWeek(containing: d("2026-11-16")), businessDate: d("2026-11-17"), preview: true).first)
        #expect(preview.isPreview)
        #expect(preview.report.adjustmentsOnly)
        #expect(preview.report.adjustedAccounts == [.init(account: "100000011", entries: 1, netPence: -10000)])
        #expect(preview.render().contains("100000011"))
        #expect(try db.posted(account: "100000011") == 30000)
        // The run posts the difference now, not with the next new week.
        let outcome = try #require(try post(runs, through: "2026-11-16").first)
        #expect(outcome.record.businessKey == "2026-11-16 adjustments 1")
        #expect(outcome.report.adjustments == 1)
        #expect(try db.posted(account: "100000011", week: "2026-11-16", code: "ADJ") == -10000)
        #expect(try db.posted(account: "100000011") == 20000)
        // Again: nothing changed since, nothing posted.
        #expect(try post(runs, through: "2026-11-16").isEmpty)
        // The next week adjusts nothing twice.
        let next = try #require(try post(runs, through: "2026-11-23").first)
        #expect(next.report.adjustments == 0)
        #expect(try db.posted(account: "100000011") == 20000)
        // A second change to the same week gets a second adjustments run of its own.
        try db.execute("UPDATE tenancies SET end_date = '2026-11-18'")
        let second = try #require(try post(runs, through: "2026-11-23").first)
        #expect(second.record.businessKey == "2026-11-23 adjustments 1")
        #expect(try db.posted(account: "100000011", week: "2026-11-16") == 4286)
        // Adjustments runs are reversed like the weeks, newest first.
        let reversal = try runs.runner.run(ReversalJob(originalRunId: second.record.id, reason: "test"), businessDate: d("2026-11-24"))
        #expect(reversal.report.entriesReversed == 1)
    }

    @Test func runningAWeekTwicePostsNothingTheSecondTime() throws {
        let (runner, runs, db) = try setUp()
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", 10000, "2026-04-06", nil)])
        try post(runs, through: "2026-11-02")
        let error = try #require(throws: RunError.self) {
            try runner.run(runs.job(for: RentWeek(containing: d("2026-11-02"))), businessDate: d("2026-11-02"))
        }
        #expect(error.code == .alreadyCompleted)
        #expect(error.message.contains("already completed by run"))
        // The latest week can be reversed, so the refusal says how; an earlier one cannot be
        // reversed before the later weeks, so the refusal says that instead.
        let latest = try #require(error.runId)
        #expect(error.message.contains("Reverse run \(latest) first"), "\(error.message)")
        #expect(try runs.postThrough(RentWeek(containing: d("2026-11-02")), businessDate: d("2026-11-02")).isEmpty)
        #expect(try db.posted(account: "100000011") == 10000)
        let later = try #require(try post(runs, through: "2026-11-09").first)
        let earlier = try #require(throws: RunError.self) {
            try runner.run(runs.job(for: RentWeek(containing: d("2026-11-02"))), businessDate: d("2026-11-09"))
        }
        #expect(!earlier.message.contains("Reverse run"), "\(earlier.message)")
        #expect(earlier.message.contains("cannot be reversed before the later run \(later.record.id)"), "\(earlier.message)")
    }

    @Test func weeksPostInOrder() throws {
        let (runner, runs, _) = try setUp()
        let error = try #require(throws: RunError.self) {
            try runner.run(runs.job(for: RentWeek(containing: d("2026-11-16"))), businessDate: d("2026-11-16"))
        }
        #expect(error.code == .refused)
        #expect(error.message.contains("2026-11-09 has not been posted"))
        let early = try #require(throws: RunError.self) {
            try runner.run(runs.job(for: RentWeek(containing: d("2026-10-26"))), businessDate: d("2026-10-26"))
        }
        #expect(early.message.contains("before the hub's go-live"))
    }

    @Test func dryRunPrintsTheSameReportAndPostsNothing() throws {
        let (runner, runs, db) = try setUp()
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", 10000, "2026-04-06", nil), ("DSC", 1500, "2026-04-06", nil)])
        let preview = try runner.run(runs.job(for: RentWeek(containing: Self.goLive)), businessDate: Self.goLive, preview: true)
        #expect(preview.isPreview)
        #expect(preview.render().contains("PREVIEW"))
        #expect(try db.queryOne("SELECT count(*) FROM ledger_entries")!.decode(Int.self, 0) == 0)
        #expect(try db.queryOne("SELECT count(*) FROM runs")!.decode(Int.self, 0) == 0)
        let real = try runner.run(runs.job(for: RentWeek(containing: Self.goLive)), businessDate: Self.goLive)
        #expect(real.report.penceByCode == preview.report.penceByCode)
        #expect(real.report.accountsDebited == preview.report.accountsDebited)
        #expect(real.record.totals.map(\.pence) == preview.record.totals.map(\.pence))
    }

    @Test func throughTenWeeksEqualsTenSingleRuns() throws {
        let (runnerA, runsA, dbA) = try setUp()
        let (runnerB, runsB, dbB) = try setUp()
        for db in [dbA, dbB] {
            for i in 0..<30 {
                let start = Day(iso: "2026-10-01")! + (i * 5)
                try db.addTenancy(account: "2000000\(10 + i)", property: "P\(i)", start: start.iso,
                                  end: i % 3 == 0 ? (start + 40 + i).iso : nil,
                                  charges: [("DBR", 8000 + Int64(i) * 111, "2026-04-06", i % 5 == 0 ? "2026-12-02" : nil)]
                                      + (i % 5 == 0 ? [("DBR", 9100, "2026-12-03", nil)] : []))
            }
        }
        let through = RentWeek(containing: Self.goLive).advanced(by: 9)
        let outcomes = try runsA.postThrough(through, businessDate: through.monday)
        #expect(outcomes.count == 10)
        for week in stride(from: RentWeek(containing: Self.goLive), through: through, by: 1) {
            _ = try runnerB.run(runsB.job(for: week), businessDate: week.monday)
        }
        let query: SQLQuery = "SELECT a.account_ref, l.code, l.charge_code, l.rent_week::text, sum(l.amount_pence) FROM ledger_entries l JOIN rent_accounts a ON a.id = l.account_id GROUP BY 1,2,3,4 ORDER BY 1,2,3,4"
        let ledgerA = try dbA.query(query).map { row in (0..<5).map { c in row.text(c) ?? "" } }
        let ledgerB = try dbB.query(query).map { row in (0..<5).map { c in row.text(c) ?? "" } }
        #expect(!ledgerA.isEmpty)
        #expect(ledgerA == ledgerB)
        _ = runnerA
    }

    @Test func freeWeeksAndTheCalendarChangingLater() throws {
        let calendar = try RentCalendar(freeWeeks: [RentYear(startingIn: 2026): [d("2026-11-09")]])
        let (runner, _, db) = try setUp(calendar: calendar)
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", 10000, "2026-04-06", nil)])
        let runs = RentDebitRuns(runner: runner, config: TestHub.config(goLive: Self.goLive, calendar: calendar))
        let outcomes = try runs.postThrough(RentWeek(containing: d("2026-11-16")), businessDate: d("2026-11-16"))
        #expect(outcomes[1].report.freeWeek)
        #expect(try db.posted(account: "100000011", week: "2026-11-09") == 0)
        #expect(try db.posted(account: "100000011") == 20000)
        // The council decides the week of 9 November was not free after all.
        let corrected = RentDebitRuns(runner: runner, config: TestHub.config(goLive: Self.goLive, calendar: .none))
        let next = try #require(try corrected.postThrough(RentWeek(containing: d("2026-11-23")), businessDate: d("2026-11-23")).first)
        #expect(next.report.warnings.contains { $0.contains("free weeks changed") })
        #expect(try db.posted(account: "100000011", week: "2026-11-09", code: "ADJ") == 10000)
        #expect(try db.posted(account: "100000011") == 40000)
    }

    @Test func reversalNetsEveryBalanceToZeroAndWeeksReverseNewestFirst() throws {
        let (runner, runs, db) = try setUp()
        for i in 0..<10 {
            try db.addTenancy(account: "3000000\(10 + i)", property: "P\(i)", start: "2026-0\(1 + i % 9)-15", charges: [("DBR", 7000 + Int64(i) * 250, "2026-04-06", nil)])
        }
        let outcomes = try post(runs, through: "2026-11-16")
        let balancesBefore = try AccountBalance.all(asOf: d("2026-12-31"), on: db)
        #expect(balancesBefore.allSatisfy { $0.balancePence > 0 })
        // The oldest week cannot be reversed while later weeks stand.
        let refused = try #require(throws: RunError.self) {
            try runner.run(ReversalJob(originalRunId: outcomes[0].record.id, reason: "test"), businessDate: d("2026-11-20"))
        }
        #expect(refused.message.contains("newest first"))
        // Unwind all three, newest first.
        let plan = try UnwindPlan.back(to: 0, on: db)
        #expect(plan.runs.map(\.id) == outcomes.map(\.record.id).reversed())
        for run in plan.runs {
            _ = try runner.run(ReversalJob(originalRunId: run.id, reason: "wrong charges loaded"), businessDate: d("2026-11-20"))
        }
        let balancesAfter = try AccountBalance.all(asOf: d("2026-12-31"), on: db)
        #expect(balancesAfter.allSatisfy { $0.balancePence == 0 })
        #expect(try db.queryOne("SELECT count(*) FROM runs WHERE job = 'rent-debit' AND reversed_by_run_id IS NULL")!.decode(Int.self, 0) == 0)
        // Nothing was deleted: the original entries are still there beside their contras.
        #expect(try db.queryOne("SELECT count(*) FROM ledger_entries WHERE reverses_entry_id IS NOT NULL")!.decode(Int.self, 0) == 30)
        // The weeks can be posted again after the reversal.
        let again = try post(runs, through: "2026-11-16")
        #expect(again.count == 3)
        #expect(try AccountBalance.all(asOf: d("2026-12-31"), on: db) == balancesBefore)
        // A reversal cannot be reversed.
        let reversal = try #require(try RunRecord.list(job: "reversal", on: db).first)
        #expect(throws: RunError.self) { try runner.run(ReversalJob(originalRunId: reversal.id, reason: "x"), businessDate: d("2026-11-20")) }
    }

    @Test func statementShowsEntriesWithRunningBalance() throws {
        let (_, runs, db) = try setUp()
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-11-04", charges: [("DBR", 10000, "2026-04-06", nil)], tenants: ["Ann Smith", "Bob Smith"])
        try post(runs, through: "2026-11-16")
        let statement = try AccountStatement.load(account: "100000011", from: d("2026-11-09"), to: nil, on: db)
        #expect(statement.balanceBroughtForwardPence == 7143)
        #expect(statement.entries.map(\.amountPence) == [10000, 10000])
        #expect(statement.entries.map(\.balancePence) == [17143, 27143])
        #expect(statement.closingBalancePence == 27143)
        #expect(statement.tenants == ["Ann Smith", "Bob Smith"])
        let json = try HubJSON.text(statement)
        for key in ["\"account\"", "\"balance_brought_forward_pence\":7143", "\"entries\"", "\"amount_pence\":10000", "\"run_id\"", "\"balance_pence\":17143", "\"closing_balance_pence\":27143", "\"from\":\"2026-11-09\""] {
            #expect(json.contains(key), "\(json)")
        }
        // As people read it: one row per entry, amounts and balances in pounds, right-aligned.
        let text = statement.render()
        #expect(text.contains("Balance brought forward at 2026-11-09: £71.43"), "\(text)")
        #expect(TextRows.row(text, with: "2026-11-16") == ["2026-11-16", "DBR", "Basic rent, week of 2026-11-16", "£100.00", "£271.43", String(statement.entries[1].runId)], "\(text)")
        #expect(text.contains("Closing balance: £271.43 (arrears); 2 entries"), "\(text)")
        // The whole account (no dates), and a period closed at both ends: the dates bound the
        // entries read (inclusive), the balance runs on from what came before.
        let whole = try AccountStatement.load(account: "100000011", from: nil, to: nil, on: db)
        #expect(whole.balanceBroughtForwardPence == 0 && whole.entries.map(\.amountPence) == [7143, 10000, 10000])
        #expect(whole.entries.map(\.date).suffix(2) == [d("2026-11-09"), d("2026-11-16")] && whole.entries[0].date < d("2026-11-09"))
        #expect(whole.closingBalancePence == 27143)
        let week = try AccountStatement.load(account: "100000011", from: d("2026-11-09"), to: d("2026-11-15"), on: db)
        #expect(week.balanceBroughtForwardPence == 7143 && week.entries.map(\.balancePence) == [17143] && week.closingBalancePence == 17143)
        let upTo = try AccountStatement.load(account: "100000011", from: nil, to: d("2026-11-09"), on: db)
        #expect(upTo.entries.map(\.amountPence) == [7143, 10000] && upTo.closingBalancePence == 17143)
        #expect(throws: RunError.self) { try AccountStatement.load(account: "999999999", from: nil, to: nil, on: db) }
    }
}
