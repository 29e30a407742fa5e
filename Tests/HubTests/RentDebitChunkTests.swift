import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// The rent debit posts a chunk of accounts at a time (memory flat as accounts grow), still as one
/// all-or-nothing run with the same rows and pence whatever the chunk's size.
@Suite struct RentDebitChunkTests {
    static let goLive = d("2026-11-02")

    /// Tenancies of every kind the rule distinguishes: whole weeks, mid-week starts and ends, a
    /// rent change mid-week, two and three charges, a property sold, a tenancy not started yet.
    func seed(_ db: Connection) throws {
        for i in 0..<25 {
            let start = Day(iso: "2026-10-05")! + (i * 3)
            var charges: [(code: String, pence: Int64, from: String, to: String?)] = [("DBR", 8000 + Int64(i) * 97, "2026-04-06", i % 4 == 0 ? "2026-11-11" : nil)]
            if i % 4 == 0 { charges.append(("DBR", 9100 + Int64(i), "2026-11-12", nil)) }
            if i % 3 == 0 { charges.append(("DSC", 1200 + Int64(i), "2026-04-06", nil)) }
            if i % 5 == 0 { charges.append(("DHE", 700, "2026-04-06", nil)) }
            try db.addTenancy(
                account: "4000000\(10 + i)", property: "P\(i)", start: start.iso, end: i % 6 == 1 ? (start + 30 + i).iso : nil, charges: charges,
                ownedTo: i == 7 ? "2026-11-20" : nil)
        }
    }

    /// Every ledger row as a person would check it: account, codes, week, date and pence.
    func ledger(_ db: Connection) throws -> [[String]] {
        try db.query(
            """
            SELECT a.account_ref, l.code, l.charge_code, l.rent_week::text, l.entry_date::text, l.amount_pence::text
            FROM ledger_entries l JOIN rent_accounts a ON a.id = l.account_id ORDER BY 1, 2, 3, 4, 5, 6
            """
        ).map { row in (0..<6).map { row.text($0) ?? "" } }
    }

    @Test func aRunOfManyChunksPostsTheSameRowsAsOneChunk() throws {
        var outcomes: [[RunOutcome<RentDebitJob.Report>]] = []
        var ledgers: [[[String]]] = []
        for chunk in [3, RentDebitJob.defaultAccountsPerChunk] {
            let runner = try TestHub.runner()
            var runs = RentDebitRuns(runner: runner, config: TestHub.config(goLive: Self.goLive))
            runs.accountsPerChunk = chunk
            let db = try runner.database.connect()
            try seed(db)
            var all = try runs.postThrough(RentWeek(containing: d("2026-11-16")), businessDate: d("2026-11-16"))
            // Back-dated changes: ends entered late, a start moved: adjustments in the next week's
            // run, then an adjustments run for a week already posted.
            try db.execute("UPDATE tenancies SET end_date = '2026-11-08' WHERE tenancy_ref IN ('400000012-T', '400000015-T', '400000019-T')")
            all += try runs.postThrough(RentWeek(containing: d("2026-11-23")), businessDate: d("2026-11-23"))
            // Tenancies that started after go-live (4 and 10 November) started a week earlier.
            try db.execute("UPDATE tenancies SET start_date = start_date - 7 WHERE tenancy_ref IN ('400000020-T', '400000022-T')")
            all += try runs.postThrough(RentWeek(containing: d("2026-11-23")), businessDate: d("2026-11-24"))
            outcomes.append(all)
            ledgers.append(try ledger(db))
        }
        let (small, whole) = (outcomes[0], outcomes[1])
        try #require(small.map(\.record.businessKey) == ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-23 adjustments 1"])
        #expect(small.map(\.record.businessKey) == whole.map(\.record.businessKey))
        #expect(!ledgers[0].isEmpty)
        #expect(ledgers[0] == ledgers[1])
        #expect(small[3].report.adjustments > 0 && small[4].report.adjustments > 0)
        for (a, b) in zip(small, whole) {
            #expect(a.report.accountsDebited == b.report.accountsDebited)
            #expect(a.report.entriesByCode == b.report.entriesByCode)
            #expect(a.report.penceByCode == b.report.penceByCode)
            #expect(a.report.adjustments == b.report.adjustments)
            #expect(a.report.adjustmentsNetPence == b.report.adjustmentsNetPence)
            #expect(a.report.adjustedAccounts == b.report.adjustedAccounts)
            #expect(a.report.skipped == b.report.skipped)
            #expect(a.report.skippedAccounts.map(\.account).sorted() == b.report.skippedAccounts.map(\.account).sorted())
            #expect(a.record.totals.map(\.pence) == b.record.totals.map(\.pence))
        }
    }

    @Test func aRunCutOffAfterSomeChunksPostsNothingAndRunsAgainToCompletion() throws {
        let database = try TestHub.database()
        let admin = try database.admin()
        try admin.execute("INSERT INTO properties (property_ref, address, postcode, bedrooms) SELECT 'P' || g, g || ' Long Road', 'AB1 2CD', 2 FROM generate_series(1, 6000) g")
        try admin.execute("INSERT INTO weekly_charges (property_id, charge_code, weekly_pence, effective_from) SELECT id, 'DBR', 9000 + id % 1000, '2026-04-06' FROM properties")
        try admin.execute("INSERT INTO tenancies (tenancy_ref, property_id, start_date, tenants) SELECT 'T' || id, id, '2020-01-06', ARRAY['Tenant ' || id] FROM properties")
        try admin.execute("INSERT INTO rent_accounts (account_ref, tenancy_id) SELECT lpad(id::text, 9, '0'), id FROM tenancies")
        let expected = try admin.queryOne("SELECT sum(weekly_pence) FROM weekly_charges")!.decode(Int64.self, 0)
        let runner = Runner(database: database, host: "test-host", logger: try TestHub.runner().logger)
        var runs = RentDebitRuns(runner: runner, config: TestHub.config(goLive: Self.goLive))
        runs.accountsPerChunk = 50
        let job = runs.job(for: RentWeek(containing: Self.goLive))
        let seen = Outcomes()
        // One thread runs the week; the other waits until the run has copied its third chunk (two
        // chunks already in the ledger, uncommitted) and ends the run's session.
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            if index == 0 {
                do {
                    _ = try runner.run(job, businessDate: Self.goLive)
                    seen.add("completed")
                } catch {
                    seen.add("failed")
                }
                return
            }
            do {
                let watcher = try database.admin()
                var starts = Set<String>()
                let deadline = Date().addingTimeInterval(120)
                while Date() < deadline {
                    guard let row = try watcher.queryOne(
                        "SELECT pid, query_start::text FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY ledger_entries_copy%'")
                    else { continue }
                    starts.insert(row.text(1) ?? "")
                    if starts.count >= 3 {
                        try watcher.execute("SELECT pg_terminate_backend($1)", [row.int64(0)])
                        seen.add("terminated")
                        return
                    }
                }
            } catch {
                seen.add("watcher: \(error)")
            }
        }
        #expect(Set(seen.all) == ["terminated", "failed"], "\(seen.all)")
        let db = try database.connect()
        #expect(try db.queryOne("SELECT count(*) FROM ledger_entries")!.decode(Int.self, 0) == 0)
        #expect(try db.queryOne("SELECT count(*) FROM runs WHERE status = 'completed'")!.decode(Int.self, 0) == 0)
        // Run again: the whole week, every account once.
        let outcome = try runner.run(job, businessDate: Self.goLive)
        #expect(outcome.report.accountsDebited == 6000)
        #expect(try db.queryOne("SELECT count(*), sum(amount_pence) FROM ledger_entries").map { [$0.int64(0), $0.int64(1)] } == [6000, expected])
    }
}
