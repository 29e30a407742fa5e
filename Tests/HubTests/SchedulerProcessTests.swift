import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// Real `hub serve` processes against one test database, with the scheduler's accelerated test
/// clock (`HUB_TEST_CLOCK_START`, `_ANCHOR`, `_SPEED`, shared by every process of a test) so that
/// weekly slots come seconds apart while leases, heartbeats and the database keep real time.
@Suite(.serialized) struct SchedulerProcessTests {
    static let weeklyJob = """
        job: rent-debit
        schedule: "0 2 * * MON"
        catch-up: all
        retry:
          attempts: 10
          backoff-seconds: 1
          max-backoff-seconds: 2
        grace-minutes: 120
        """

    /// A configuration folder: hub.yaml, scheduler.yaml and Jobs/rent-debit.yaml.
    static func folder(lease: Double, heartbeat: Double, poll: Double, grace: Double) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Jobs"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        try """
            go-live: 2026-11-02
            rent-calendar: rent-calendar.yaml
            directories:
              inbox: inbox
            http:
              address: 127.0.0.1
              port: 0

            """.write(to: folder.appendingPathComponent("hub.yaml"), atomically: true, encoding: .utf8)
        try "{}\n".write(to: folder.appendingPathComponent("rent-calendar.yaml"), atomically: true, encoding: .utf8)
        try """
            jobs: Jobs
            lease-seconds: \(lease)
            heartbeat-seconds: \(heartbeat)
            poll-seconds: \(poll)
            inbox-poll-seconds: 1
            shutdown-grace-seconds: \(grace)

            """.write(to: folder.appendingPathComponent("scheduler.yaml"), atomically: true, encoding: .utf8)
        try (weeklyJob + "\n").write(to: folder.appendingPathComponent("Jobs/rent-debit.yaml"), atomically: true, encoding: .utf8)
        return folder
    }

    static func environment(_ folder: URL, _ database: HubDatabase, clockStart: String, anchor: Date, speed: Double) -> [String: String] {
        [
            "HUB_CONFIG": folder.appendingPathComponent("hub.yaml").path, "HUB_DATABASE_URL": database.connectionString,
            "HUB_TEST_CLOCK_START": clockStart, "HUB_TEST_CLOCK_ANCHOR": String(anchor.timeIntervalSince1970),
            "HUB_TEST_CLOCK_SPEED": String(speed), "HUB_LOG_LEVEL": "info",
        ]
    }

    static func log(_ folder: URL, _ name: String) -> String {
        (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    static func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(100_000)
        }
        return try condition()
    }

    /// Many tenancies, so that one rent debit run takes long enough to be killed in the middle.
    static func manyTenancies(_ db: Connection, _ accounts: Int) throws -> Int64 {
        try db.execute("INSERT INTO properties (property_ref, address, postcode, bedrooms) SELECT 'P' || g, g || ' Long Road', 'AB1 2CD', 2 FROM generate_series(1, \(unescaped: String(accounts))) g")
        try db.execute("INSERT INTO weekly_charges (property_id, charge_code, weekly_pence, effective_from) SELECT id, 'DBR', 9000 + id % 1000, '2026-04-06' FROM properties")
        try db.execute("INSERT INTO tenancies (tenancy_ref, property_id, start_date, tenants) SELECT 'T' || id, id, '2020-01-06', ARRAY['Tenant ' || id] FROM properties")
        try db.execute("INSERT INTO rent_accounts (account_ref, tenancy_id) SELECT lpad(id::text, 9, '0'), id FROM tenancies")
        return try db.queryOne("SELECT sum(weekly_pence) FROM weekly_charges")!.decode(Int64.self, 0)
    }

    /// Waits until the rent debit's COPY into the ledger is under way.
    static func waitForCopy(_ watcher: Connection, seconds: Double = 120) throws -> Bool {
        try waitUntil(seconds) {
            try watcher.queryOne(
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE 'COPY ledger_entries%'") != nil
        }
    }

    /// Waits until no session of a hub process is left on the database (the server has rolled
    /// back whatever a dead process left open).
    static func waitForHubSessionsToEnd(_ watcher: Connection) throws {
        _ = try waitUntil(20) {
            try watcher.queryOne(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'hub' AND pid <> pg_backend_pid()")!
                .decode(Int.self, 0) == 0
        }
    }

    @Test func twoServeProcessesRunEachOfTwentyWeeklySlotsExactlyOnce() throws {
        let database = try TestHub.database()
        let db = try database.connect()
        for i in 1...5 {
            try db.addTenancy(account: String(format: "1%08d", i), property: "P\(i)", start: "2026-01-05", charges: [("DBR", 10000 + Int64(i), "2026-04-06", nil)])
        }
        let folder = try Self.folder(lease: 5, heartbeat: 1, poll: 0.5, grace: 10)
        defer { try? FileManager.default.removeItem(at: folder) }
        // One week of the scheduler's clock per real second: a Monday slot every second.
        let environment = Self.environment(folder, database, clockStart: "2026-11-01T12:00:00Z", anchor: Date().addingTimeInterval(1), speed: 604_800)
        let first = try HubProcess.start(["serve"], environment: environment, output: folder.appendingPathComponent("first.log").path)
        let second = try HubProcess.start(["serve"], environment: environment, output: folder.appendingPathComponent("second.log").path)
        let reached = try Self.waitUntil(120) {
            try db.queryOne("SELECT count(*) FROM scheduler_slots WHERE state = 'completed' AND slot_at >= '2026-11-02'")!.decode(Int.self, 0) >= 20
        }
        kill(first.pid, SIGTERM)
        kill(second.pid, SIGTERM)
        let statuses = [first.wait(), second.wait()]
        let logs = Self.log(folder, "first.log") + Self.log(folder, "second.log")
        #expect(reached, "twenty slots did not complete: \(logs.suffix(3000))")
        #expect(statuses == [0, 0], "\(logs.suffix(3000))")

        let slots = try db.query("SELECT slot, slot_at, state, attempts, takeovers, owner_host, owner FROM scheduler_slots ORDER BY slot_at")
        #expect(slots.count >= 20)
        for slot in slots {
            #expect(slot.text(2) == "completed", "slot \(slot.text(0) ?? "") is \(slot.text(2) ?? "")")
            #expect(try slot.decode(Int.self, 3) == 1, "slot \(slot.text(0) ?? "") was claimed \(slot.text(3) ?? "") times")
            #expect(try slot.decode(Int.self, 4) == 0)
        }
        // Every Monday between the first and the last slot, none missing, none twice.
        let instants = try slots.map { try $0.decode(Date.self, 1) }
        let weeks = Int((instants.last!.timeIntervalSince(instants.first!) / 604_800).rounded()) + 1
        #expect(instants.count == weeks)
        #expect(Set(slots.compactMap { $0.text(0) }).count == slots.count)
        // Each claim was logged once, by one of the two processes.
        let claimed = logs.components(separatedBy: "slot claimed").count - 1
        #expect(claimed == slots.count, "\(claimed) claims logged for \(slots.count) slots")
        let owners = Dictionary(grouping: slots.compactMap { $0.text(6) }, by: { $0 }).mapValues(\.count)
        print("SchedulerProcessTests: \(slots.count) slots, claims per process \(owners.values.sorted())")

        // The ledger: each rent week from go-live to the last slot posted exactly once.
        let lastWeek = try db.queryOne("SELECT max(business_date) FROM scheduler_slots")!.decode(Day.self, 0)
        let postedWeeks = RentWeek(containing: d("2026-11-02")).monday.distance(to: RentWeek(containing: lastWeek).monday) / 7 + 1
        #expect(try db.queryOne("SELECT count(*) FROM runs WHERE status = 'completed'")!.decode(Int.self, 0) == postedWeeks)
        #expect(try db.queryOne("SELECT count(DISTINCT business_key) FROM runs WHERE status = 'completed'")!.decode(Int.self, 0) == postedWeeks)
        #expect(try db.queryOne("SELECT count(*) FROM ledger_entries")!.decode(Int.self, 0) == postedWeeks * 5)
        #expect(try db.queryOne("SELECT count(*) FROM (SELECT account_id, rent_week FROM ledger_entries GROUP BY 1, 2 HAVING count(*) > 1) t")!.decode(Int.self, 0) == 0)
    }

    @Test func aSchedulerKilledDuringARunIsTakenOverAndTheLedgerEqualsAnUninterruptedRun() throws {
        let database = try TestHub.database()
        let db = try database.connect()
        let accounts = 200_000
        let expected = try Self.manyTenancies(db, accounts)
        let folder = try Self.folder(lease: 3, heartbeat: 1, poll: 0.5, grace: 10)
        defer { try? FileManager.default.removeItem(at: folder) }
        let environment = Self.environment(folder, database, clockStart: "2026-11-02T01:59:58Z", anchor: Date(), speed: 1)

        let first = try HubProcess.start(["serve"], environment: environment, output: folder.appendingPathComponent("first.log").path)
        let watcher = try database.connect()
        let sawCopy = try Self.waitForCopy(watcher)
        first.kill9()
        let killedAt = Date()
        #expect(first.wait() == 128 + SIGKILL)
        #expect(sawCopy, "the run's COPY was never seen: \(Self.log(folder, "first.log"))")
        #expect(try db.queryOne("SELECT state FROM scheduler_slots")?.text(0) == "running", "the dead process still holds the slot")

        let second = try HubProcess.start(["serve"], environment: environment, output: folder.appendingPathComponent("second.log").path)
        let completed = try Self.waitUntil(240) {
            try db.queryOne("SELECT 1 FROM scheduler_slots WHERE state = 'completed'") != nil
        }
        kill(second.pid, SIGTERM)
        #expect(second.wait() == 0, "\(Self.log(folder, "second.log").suffix(3000))")
        #expect(completed, "the slot was not taken over: \(Self.log(folder, "second.log").suffix(3000))")

        let slot = try #require(try db.queryOne("SELECT slot, attempts, takeovers, array_length(run_ids, 1), owner_pid, claimed_at FROM scheduler_slots"))
        #expect(slot.text(0) == "2026-11-02T02:00+00:00")
        #expect(try slot.decode(Int.self, 1) >= 2)
        #expect(try slot.decode(Int.self, 2) == 1, "taken over once")
        #expect(try slot.decode(Int.self, 3) == 1)
        #expect(try slot.decode(Int32.self, 4) == second.pid)
        let ledger = try #require(try db.queryOne("SELECT count(*), sum(amount_pence), count(DISTINCT run_id) FROM ledger_entries"))
        #expect(try ledger.decode(Int.self, 0) == accounts)
        #expect(try ledger.decode(Int64.self, 1) == expected)
        #expect(try ledger.decode(Int.self, 2) == 1)
        #expect(try db.queryOne("SELECT count(*) FROM runs WHERE status = 'completed' AND slot = '2026-11-02T02:00+00:00'")!.decode(Int.self, 0) == 1)
        let takeover = Self.log(folder, "second.log").contains("slot taken over after its lease expired")
        #expect(takeover)
        let claimedAt = try slot.decode(Date.self, 5)
        print("SchedulerProcessTests: the slot was taken over \(String(format: "%.1f", claimedAt.timeIntervalSince(killedAt))) s after the kill (lease 3 s, heartbeat 1 s, poll 0.5 s)")
    }

    @Test func sigtermDuringARunExitsWithinTheGraceAndLeavesNoHalfPostedRun() throws {
        let database = try TestHub.database()
        let db = try database.connect()
        let accounts = 200_000
        let expected = try Self.manyTenancies(db, accounts)
        let folder = try Self.folder(lease: 3, heartbeat: 1, poll: 0.5, grace: 1)
        defer { try? FileManager.default.removeItem(at: folder) }
        let environment = Self.environment(folder, database, clockStart: "2026-11-02T01:59:58Z", anchor: Date(), speed: 1)

        let first = try HubProcess.start(["serve"], environment: environment, output: folder.appendingPathComponent("first.log").path)
        let watcher = try database.connect()
        #expect(try Self.waitForCopy(watcher), "the run's COPY was never seen: \(Self.log(folder, "first.log"))")
        let signalled = Date()
        kill(first.pid, SIGTERM)
        let status = first.wait()
        let took = Date().timeIntervalSince(signalled)
        #expect(status == 0 || status == 75, "\(Self.log(folder, "first.log").suffix(2000))")
        #expect(took < 6, "exited \(took) s after SIGTERM; the bound is the grace (1 s) plus the time to stop")
        try Self.waitForHubSessionsToEnd(watcher)
        let entries = try db.queryOne("SELECT count(*) FROM ledger_entries")!.decode(Int.self, 0)
        let runs = try db.queryOne("SELECT count(*) FROM runs WHERE status = 'completed'")!.decode(Int.self, 0)
        #expect((entries == 0 && runs == 0) || (entries == accounts && runs == 1), "half posted: \(entries) entries, \(runs) runs")
        print("SchedulerProcessTests: SIGTERM mid-run: exit \(status) after \(String(format: "%.1f", took)) s with \(entries) entries (\(status == 0 ? "the run finished" : "rolled back"))")

        // Another scheduler finishes the slot (taking it over if it was abandoned).
        let second = try HubProcess.start(["serve"], environment: environment, output: folder.appendingPathComponent("second.log").path)
        let completed = try Self.waitUntil(240) { try db.queryOne("SELECT 1 FROM scheduler_slots WHERE state = 'completed'") != nil }
        kill(second.pid, SIGTERM)
        #expect(second.wait() == 0)
        #expect(completed, "\(Self.log(folder, "second.log").suffix(2000))")
        let ledger = try #require(try db.queryOne("SELECT count(*), sum(amount_pence), count(DISTINCT run_id) FROM ledger_entries"))
        #expect(try ledger.decode(Int.self, 0) == accounts)
        #expect(try ledger.decode(Int64.self, 1) == expected)
        #expect(try ledger.decode(Int.self, 2) == 1)
    }
}
