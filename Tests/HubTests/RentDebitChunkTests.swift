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

    /// Four weeks posted with back-dated changes between them (adjustments in a week's run and in
    /// an adjustments run), `accountsPerChunk` accounts a chunk: the runs, and the database.
    func postFourWeeks(accountsPerChunk chunk: Int) throws -> ([RunOutcome<RentDebitJob.Report>], Connection) {
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
        return (all, db)
    }

    /// The rent debit read each chunk on the run's own connection, one after the other, before it
    /// read ahead on a second connection. What that sequential run posted for `postFourWeeks` is
    /// recorded here (every ledger row as text: account, codes, week, date and pence; their count,
    /// sum and MD5 digest, and each run's figures): the run that reads ahead posts the same, to
    /// the penny.
    @Test func aRunReadingAheadPostsWhatTheSequentialRunPosted() throws {
        let (runs, db) = try postFourWeeks(accountsPerChunk: 3)
        let row = try #require(try db.queryOne(
            """
            SELECT count(*), sum(l.amount_pence),
                   md5(string_agg(concat_ws(' ', a.account_ref, l.code, l.charge_code, l.rent_week, l.entry_date, l.amount_pence), E'\\n'
                       ORDER BY a.account_ref, l.code, l.charge_code, l.rent_week, l.entry_date, l.amount_pence))
            FROM ledger_entries l JOIN rent_accounts a ON a.id = l.account_id
            """))
        #expect([row.int64(0), row.int64(1)] == [105, 437_900])
        #expect(row.text(2) == "f97e97395d39e7c8c8a7f6e49302fb9d")
        let figures = runs.map { run in
            let byCode = run.report.penceByCode.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return "\(run.record.businessKey): \(run.report.accountsDebited) debited (\(byCode)); \(run.report.adjustments) adjustments, net \(run.report.adjustmentsNetPence)"
        }
        #expect(figures == [
            "2026-11-02: 12 debited (DBR 93363, DHE 1900, DSC 4818); 0 adjustments, net 0",
            "2026-11-09: 13 debited (DBR 107327, DHE 2100, DSC 5857); 0 adjustments, net 0",
            "2026-11-16: 16 debited (DBR 128409, DHE 2500, DSC 6724); 0 adjustments, net 0",
            "2026-11-23: 14 debited (DBR 118201, DHE 2100, DSC 6384); 10 adjustments, net -54922",
            "2026-11-23 adjustments 1: 0 debited (); 6 adjustments, net 13139",
        ])
    }

    @Test func aRunOfManyChunksPostsTheSameRowsAsOneChunk() throws {
        var outcomes: [[RunOutcome<RentDebitJob.Report>]] = []
        var ledgers: [[[String]]] = []
        for chunk in [3, RentDebitJob.defaultAccountsPerChunk] {
            let (all, db) = try postFourWeeks(accountsPerChunk: chunk)
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
        // The run's reader stopped with it, its session closed.
        #expect(try readersGone(db))
        #expect(try db.queryOne("SELECT count(*) FROM ledger_entries")!.decode(Int.self, 0) == 0)
        #expect(try db.queryOne("SELECT count(*) FROM runs WHERE status = 'completed'")!.decode(Int.self, 0) == 0)
        // Run again: the whole week, every account once.
        let outcome = try runner.run(job, businessDate: Self.goLive)
        #expect(outcome.report.accountsDebited == 6000)
        #expect(try db.queryOne("SELECT count(*), sum(amount_pence) FROM ledger_entries").map { [$0.int64(0), $0.int64(1)] } == [6000, expected])
    }

    /// Each chunk's insert into the ledger runs on the server while the next chunk is read and
    /// charged: an insert the ledger refuses fails the run with the ledger's own error (read when
    /// the run next turns to the server), posts nothing, and the week runs again once the cause is
    /// gone.
    @Test func aChunkTheLedgerRefusesWhileTheNextIsChargedFailsTheRunWithItsOwnError() throws {
        let runner = try TestHub.runner()
        var runs = RentDebitRuns(runner: runner, config: TestHub.config(goLive: Self.goLive))
        runs.accountsPerChunk = 3
        let db = try runner.database.connect()
        try seed(db)
        // The ledger refuses the rows of the account in the third chunk (the seventh account).
        let admin = try runner.database.admin()
        try admin.execute(
            """
            CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.account_id = (SELECT id FROM rent_accounts ORDER BY id OFFSET 6 LIMIT 1) THEN
                    RAISE EXCEPTION 'test: the ledger refuses this account';
                END IF;
                RETURN NEW;
            END $$
            """)
        try admin.execute("CREATE TRIGGER test_refuse BEFORE INSERT ON ledger_entries FOR EACH ROW EXECUTE FUNCTION test_refuse()")
        let job = runs.job(for: RentWeek(containing: Self.goLive))
        #expect {
            _ = try runner.run(job, businessDate: Self.goLive)
        } throws: { error in
            "\(error)".contains("test: the ledger refuses this account")
        }
        #expect(try db.queryOne("SELECT count(*) FROM ledger_entries")!.decode(Int.self, 0) == 0)
        let failed = try db.queryOne("SELECT error FROM runs WHERE status = 'failed'")?.text(0) ?? ""
        #expect(failed.contains("test: the ledger refuses this account"), "\(failed)")
        #expect(try readersGone(db))

        try admin.execute("DROP TRIGGER test_refuse ON ledger_entries")
        let outcome = try runner.run(job, businessDate: Self.goLive)
        #expect(outcome.report.accountsDebited == 12)
        #expect(try db.queryOne("SELECT count(*) FROM ledger_entries")!.decode(Int.self, 0) == outcome.report.entriesByCode.values.reduce(0, +))
    }

    /// Runs `job` on a thread of its own while a test session holds a SHARE lock on the ledger, so
    /// that the run stops at its first insert into the ledger, its snapshot exported and its reader
    /// started (and one or two chunks read ahead, no more); then calls `whileStopped`, releases the
    /// lock and waits for the run. Deterministic: every step waits for what the database shows.
    func run(
        _ job: RentDebitJob, on runner: Runner, businessDate: Day, whileStopped: (Connection) throws -> Void
    ) throws -> Result<RunOutcome<RentDebitJob.Report>, any Error> {
        let admin = try runner.database.admin()
        try admin.execute("BEGIN")
        try admin.execute("LOCK TABLE ledger_entries IN SHARE MODE")
        let done = DispatchSemaphore(value: 0)
        let result = RunResult()
        Thread {
            result.value = Result { try runner.run(job, businessDate: businessDate) }
            done.signal()
        }.start()
        let watcher = try runner.database.admin()
        let deadline = Date().addingTimeInterval(120)
        while try watcher.queryOne(
            """
            SELECT 1 FROM pg_locks l JOIN pg_stat_activity r ON r.pid = l.pid
            WHERE NOT l.granted AND l.relation = 'ledger_entries'::regclass AND r.datname = current_database()
              AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1)
            """, [RunContext.snapshotReaderName]) == nil
        {
            try #require(Date() < deadline, "the run never reached the ledger")
            usleep(10_000)
        }
        try whileStopped(watcher)
        try admin.execute("COMMIT")
        done.wait()
        return result.value!
    }

    /// The go-live week posted in chunks of 2 accounts, then a back-dated change before the next
    /// run: 400000012's tenancy ended on 5 November.
    func goLiveWeekPostedThenAnEndBackDated() throws -> (Runner, RentDebitRuns, Connection) {
        let runner = try TestHub.runner()
        var runs = RentDebitRuns(runner: runner, config: TestHub.config(goLive: Self.goLive))
        runs.accountsPerChunk = 2
        let db = try runner.database.connect()
        try seed(db)
        try runs.postThrough(RentWeek(containing: Self.goLive), businessDate: Self.goLive)
        try db.execute("UPDATE tenancies SET end_date = '2026-11-05' WHERE tenancy_ref = '400000012-T'")
        return (runner, runs, db)
    }

    /// Waits (a minute at most) until no run's reader has a session left; whether none has.
    func readersGone(_ db: Connection) throws -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while try db.queryOne(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
            [RunContext.snapshotReaderName])!.decode(Int.self, 0) > 0
        {
            if Date() > deadline { return false }
            usleep(10_000)
        }
        return true
    }

    final class RunResult: @unchecked Sendable {
        var value: Result<RunOutcome<RentDebitJob.Report>, any Error>?
    }

    /// The run reads its accounts and charges in the snapshot it took at its start, on a second
    /// connection: a charge changed by another session while the run is posting (after the
    /// snapshot, before the reader reached the account) is not seen half-way; the mark that change
    /// made stays for the next run, which adjusts the week. The marks the run did see are cleared.
    @Test func aRunReadsTheSnapshotOfItsStartAndLeavesLaterMarksForTheNextRun() throws {
        let (runner, runs, db) = try goLiveWeekPostedThenAnEndBackDated()
        // 400000021 starts on Saturday 7 November: two days of £90.67 in the go-live week.
        #expect(try db.posted(account: "400000021", week: "2026-11-02") == 2591)

        // While the run is stopped at its first chunk (its reader a few chunks ahead, no more),
        // 400000021's rent (the 11th of 12 chunks) goes up from £90.67 to £99.99 a week, and
        // 400000022's tenancy (the 12th), starting on Tuesday 10 November, is moved to start a
        // week later, each committed at once.
        let week = RentWeek(containing: d("2026-11-09"))
        let outcome = try run(runs.job(for: week), on: runner, businessDate: week.monday) { other in
            try other.execute("UPDATE weekly_charges SET weekly_pence = 9999 WHERE property_id = (SELECT id FROM properties WHERE property_ref = 'P11')")
            try other.execute("UPDATE tenancies SET start_date = '2026-11-17' WHERE tenancy_ref = '400000022-T'")
        }.get()
        #expect(outcome.record.status == "completed")
        #expect(try readersGone(db))
        // Both charged as things stood when the run started.
        #expect(try db.posted(account: "400000021", week: "2026-11-09") == 9067)
        let charged = try db.posted(account: "400000022", week: "2026-11-09")
        #expect(charged > 0)
        #expect(outcome.report.adjustedAccounts.map(\.account) == ["400000012"])
        #expect(try db.posted(account: "400000012", week: "2026-11-02") == 4682)  // £81.94 x 4/7
        // The mark the run saw is cleared; the one committed after its snapshot is kept.
        let marked = try db.query("SELECT DISTINCT a.account_ref FROM rent_recalc r JOIN rent_accounts a ON a.id = r.account_id ORDER BY 1").map { $0.text(0)! }
        #expect(marked == ["400000021", "400000022"])

        // The next run sees both changes and adjusts the weeks before it: the new rent (changed
        // from 6 April: every week posted) by £99.99 - £90.67 for 9 November and two days of it
        // for 2 November; 400000022's week of 9 November (its rent and service charge) credited.
        let next = try #require(try runs.postThrough(RentWeek(containing: d("2026-11-16")), businessDate: d("2026-11-16")).first)
        #expect(next.report.adjustedAccounts.sorted { $0.account < $1.account } == [
            .init(account: "400000021", entries: 2, netPence: 932 + 266), .init(account: "400000022", entries: 2, netPence: -charged),
        ])
        #expect(try db.posted(account: "400000022", week: "2026-11-09") == 0)
        #expect(try db.posted(account: "400000021", week: "2026-11-02") == 2857)
        #expect(try db.posted(account: "400000021", week: "2026-11-09") == 9999)
        #expect(try db.posted(account: "400000021", week: "2026-11-16") == 9999)
        #expect(try db.queryOne("SELECT count(*) FROM rent_recalc")!.decode(Int.self, 0) == 0)
    }

    /// Each landlord's run reads on its second connection under the landlord's row-level security,
    /// as on the first: two landlords with the same account references each post their own two
    /// accounts' rent for the week, the other landlord's neither read nor charged.
    @Test func aLandlordsRunReadsOnlyItsOwnRowsOnItsSecondConnection() throws {
        let (council, north) = try LandlordTests.twoLandlords()
        for (database, pence) in [(council, Int64(10_000)), (north, Int64(7_000))] {
            let db = try database.connect()
            let ledger = try db.query(
                "SELECT a.account_ref, l.amount_pence FROM ledger_entries l JOIN rent_accounts a ON a.id = l.account_id ORDER BY 1"
            ).map { "\($0.text(0)!) \($0.int64(1))" }
            #expect(ledger == ["100000011 \(pence)", "100000020 \(pence + 1)"])
            #expect(try readersGone(db))
        }
    }

    /// The reader's session ended mid-run fails the run: nothing is posted, the marks stay, and the
    /// run goes again to completion.
    @Test func aRunWhoseReaderIsEndedPostsNothingAndRunsAgain() throws {
        let (runner, runs, db) = try goLiveWeekPostedThenAnEndBackDated()
        let ledger = try self.ledger(db)
        let week = RentWeek(containing: d("2026-11-09"))
        let result = try run(runs.job(for: week), on: runner, businessDate: week.monday) { other in
            let ended = try other.queryOne(
                "SELECT pg_terminate_backend(pid, 60000) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
                [RunContext.snapshotReaderName])
            try #require(try ended?.decode(Bool.self, 0) == true)
        }
        #expect(throws: PostgresError.self) { try result.get() }
        #expect(try self.ledger(db) == ledger)
        #expect(try db.queryOne("SELECT count(*) FROM runs WHERE business_key = '2026-11-09' AND status = 'failed'")!.decode(Int.self, 0) == 1)
        #expect(try db.queryOne("SELECT count(*) FROM rent_recalc")!.decode(Int.self, 0) > 0)
        // Nothing of the reader is left behind.
        #expect(try readersGone(db))

        let again = try #require(try runs.postThrough(week, businessDate: week.monday).first)
        #expect(again.record.status == "completed")
        #expect(again.report.adjustedAccounts.map(\.account) == ["400000012"])
        #expect(try db.posted(account: "400000021", week: "2026-11-09") == 9067)
        #expect(try db.queryOne("SELECT count(*) FROM rent_recalc")!.decode(Int.self, 0) == 0)
    }
}
