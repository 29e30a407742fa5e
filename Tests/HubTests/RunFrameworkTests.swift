import Dispatch
import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

@Suite struct RunFrameworkTests {
    @Test func aRunInProgressElsewhereIsRefusedAtOnce() throws {
        let runner = try TestHub.runner()
        let runs = RentDebitRuns(runner: runner, config: TestHub.config(goLive: d("2026-11-02")))
        let other = try runner.database.connect()
        // Another process holds the run's lock, as a run in progress does.
        try other.execute("BEGIN")
        #expect(try other.tryAdvisoryTransactionLock(try other.landlordLockKey("run rent-debit 2026-11-02")))
        let error = try #require(throws: RunError.self) {
            try runner.run(runs.job(for: RentWeek(containing: d("2026-11-02"))), businessDate: d("2026-11-02"))
        }
        #expect(error.code == .inProgress)
        try other.execute("ROLLBACK")
        _ = try runner.run(runs.job(for: RentWeek(containing: d("2026-11-02"))), businessDate: d("2026-11-02"))
    }

    @Test func twoRunsStartedTogetherPostTheWeekOnce() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        try db.execute("INSERT INTO properties (property_ref, address, postcode, bedrooms) SELECT 'P' || g, 'x', 'y', 1 FROM generate_series(1, 3000) g")
        try db.execute("INSERT INTO weekly_charges (property_id, charge_code, weekly_pence, effective_from) SELECT id, 'DBR', 10000, '2026-04-06' FROM properties")
        try db.execute("INSERT INTO tenancies (tenancy_ref, property_id, start_date, tenants) SELECT 'T' || id, id, '2020-01-06', ARRAY['t'] FROM properties")
        try db.execute("INSERT INTO rent_accounts (account_ref, tenancy_id) SELECT lpad(id::text, 9, '0'), id FROM tenancies")
        let runs = RentDebitRuns(runner: runner, config: TestHub.config(goLive: d("2026-11-02")))
        let job = runs.job(for: RentWeek(containing: d("2026-11-02")))
        let outcomes = Outcomes()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do {
                _ = try runner.run(job, businessDate: d("2026-11-02"))
                outcomes.add("completed")
            } catch let error as RunError {
                outcomes.add(error.code.rawValue)
            } catch {
                outcomes.add("unexpected: \(error)")
            }
        }
        let results = outcomes.all
        #expect(results.filter { $0 == "completed" }.count == 1, "\(results)")
        #expect(results.allSatisfy { ["completed", "in-progress", "already-completed"].contains($0) }, "\(results)")
        #expect(try db.queryOne("SELECT count(*), sum(amount_pence) FROM ledger_entries")!.decode(Int.self, 0) == 3000)
        #expect(try db.queryOne("SELECT count(*) FROM runs WHERE status = 'completed'")!.decode(Int.self, 0) == 1)
    }

    @Test func unwindingRefusesWhenALaterRunCannotBeReversedAndSaysWhich() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", 10000, "2026-04-06", nil)])
        let runs = RentDebitRuns(runner: runner, config: TestHub.config(goLive: d("2026-11-02")))
        let first = try runs.postThrough(RentWeek(containing: d("2026-11-02")), businessDate: d("2026-11-02"))[0]
        _ = try runs.postThrough(RentWeek(containing: d("2026-11-09")), businessDate: d("2026-11-09"))
        // A journal went to the finance system after the first week.
        let export = try runner.database.admin().queryOne(
            "INSERT INTO runs (job, business_key, business_date, host, status, finished_at) VALUES ('gl-export', '2026-11', '2026-11-10', 'h', 'completed', now()) RETURNING id")!
            .decode(Int64.self, 0)
        let error = try #require(throws: RunError.self) { try UnwindPlan.back(to: first.record.id, on: db) }
        #expect(error.code == .refused)
        #expect(error.message.contains("run \(export) (gl-export 2026-11) cannot be reversed"))
        #expect(try db.posted(account: "100000011") == 20000)
    }

    @Test func aFailedRunIsRecordedAndCanRunAgain() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        struct Failing: Job {
            static let name = "test-failing"
            static let reversal = ReversalRule.independent
            let fail: Bool
            var businessKey: String { "k" }
            var parameters: [String: String] { [:] }
            struct Report: JobReport {
                var counts: [String: Int] { [:] }
                var warnings: [String] { [] }
                func render() -> String { "ok" }
            }
            struct Broken: Error, CustomStringConvertible { var description: String { "the file was unreadable" } }
            func run(in context: RunContext) throws -> Report {
                try context.connection.execute("INSERT INTO audit_events (action, entity, entity_ref, run_id) VALUES ('x', 'y', 'z', $1)", [context.runId])
                if fail { throw Broken() }
                return Report()
            }
        }
        #expect(throws: Failing.Broken.self) { try runner.run(Failing(fail: true), businessDate: d("2026-11-02")) }
        let failed = try #require(try RunRecord.list(job: "test-failing", on: db).first)
        #expect(failed.status == "failed")
        #expect(failed.error == "the file was unreadable")
        #expect(failed.operator.isEmpty == false)
        #expect(try db.queryOne("SELECT count(*) FROM audit_events")!.decode(Int.self, 0) == 0)
        let outcome = try runner.run(Failing(fail: false), businessDate: d("2026-11-02"))
        #expect(outcome.record.status == "completed")
        #expect(outcome.record.host == "test-host")
    }
}

/// Results gathered from several threads; confined to its lock.
final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String] = []
    func add(_ value: String) { lock.lock(); values.append(value); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return values }
}
