import Foundation
import HousingFinance
import Hub
import HubDemo
import Logging
import Postgres
import Scheduler
import Testing

/// A clock the test moves by hand. Guarded by `lock`.
final class HandClock: @unchecked Sendable {
    private let lock = NSLock()
    private var instant: Date
    init(_ text: String) { instant = ISO8601DateFormatter().date(from: text)! }
    func now() -> Date { lock.withLock { instant } }
    func set(_ text: String) { lock.withLock { instant = ISO8601DateFormatter().date(from: text)! } }
}

/// The scheduler core against a real database with an injected clock: slots entered and claimed
/// once, leases taken over, the fence, retries, catch-up and health.
@Suite struct SchedulerCoreTests {
    static let goLive = d("2026-11-02")

    static func rentDebit(catchUp: CatchUpPolicy = .all, parameters: [String: String] = [:], name: String = "rent-debit", attempts: Int = 3) throws -> JobDefinition {
        JobDefinition(
            name: name, cron: try CronExpression("0 2 * * MON"), parameters: parameters, catchUp: catchUp,
            retry: RetryPolicy(attempts: attempts, backoffSeconds: 0, maxBackoffSeconds: 0), graceMinutes: 120, file: "Jobs/\(name).yaml")
    }

    struct Fixture {
        let database: HubDatabase
        let db: Connection
        let config: HubConfig
        let clock: HandClock

        func core(_ jobs: [JobDefinition], lease: Double = 30, heartbeat: Double = 10, host: String = "host-a") throws -> SchedulerCore {
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let runner = Runner(database: database, host: host, logger: logger)
            let clock = self.clock
            return SchedulerCore(
                catalog: try JobCatalog(jobs), launcher: JobLauncher(runner: runner, config: config),
                store: SlotStore(host: host, leaseSeconds: lease), heartbeatSeconds: heartbeat, logger: logger, now: { clock.now() })
        }

        func count(_ sql: SQLQuery, _ parameters: [any PostgresEncodable] = []) throws -> Int {
            try db.queryOne(sql, parameters)!.decode(Int.self, 0)
        }
    }

    func fixture(tenancies: Int = 3, at start: String = "2026-11-01T12:00:00Z") throws -> Fixture {
        let database = try TestHub.database()
        let db = try database.connect()
        for i in 1...tenancies {
            try db.addTenancy(account: String(format: "1%08d", i), property: "P\(i)", start: "2026-01-05", charges: [("DBR", 10000 + Int64(i), "2026-04-06", nil)])
        }
        return Fixture(database: database, db: db, config: TestHub.config(goLive: Self.goLive), clock: HandClock(start))
    }

    @Test func twoCoresCompetingRunASlotOnce() throws {
        let f = try fixture()
        let a = try f.core([Self.rentDebit()], host: "host-a")
        let b = try f.core([Self.rentDebit()], host: "host-b")
        try a.enterDue()  // the job is first seen on Sunday
        f.clock.set("2026-11-02T02:00:05Z")
        let results = ResultBox()
        let group = DispatchGroup()
        for core in [a, b] {
            DispatchQueue.global().async(group: group) {
                let outcome = Result { try core.tick() }
                results.add(outcome)
            }
        }
        group.wait()
        let all = try results.all.flatMap { try $0.get() }
        #expect(all.map(\.outcome) == [.completed], "exactly one core ran the slot: \(all)")
        #expect(all.first?.slot == "2026-11-02T02:00+00:00")
        #expect(try f.count("SELECT count(*) FROM scheduler_slots WHERE state = 'completed' AND attempts = 1") == 1)
        #expect(try f.count("SELECT count(*) FROM runs WHERE status = 'completed' AND slot = '2026-11-02T02:00+00:00'") == 1)
        #expect(try f.count("SELECT count(*) FROM ledger_entries") == 3)
    }

    @Test func aSlotWhoseProcessDiedIsTakenOverAfterItsLease() throws {
        let f = try fixture()
        let dead = try f.core([Self.rentDebit()], lease: 1, host: "dead-host")
        let alive = try f.core([Self.rentDebit()], lease: 1, host: "live-host")
        try dead.enterDue()
        f.clock.set("2026-11-02T02:00:00Z")
        try dead.enterDue()
        // The first process claims the slot and dies before running it: no heartbeat, no run.
        let claim = try #require(try dead.store.claimNext(job: "rent-debit", on: f.db))
        #expect(claim.attempts == 1 && !claim.tookOver)
        #expect(alive.work(job: "rent-debit").isEmpty, "a live lease is not taken over")
        Thread.sleep(forTimeInterval: 1.3)
        let results = alive.work(job: "rent-debit")
        #expect(results.map(\.outcome) == [.completed])
        #expect(results.first?.tookOver == true)
        #expect(results.first?.attempt == 2)
        let row = try #require(try f.db.queryOne("SELECT owner, takeovers, fencing_token > $1, array_length(run_ids, 1) FROM scheduler_slots", [claim.token]))
        #expect(row.text(0) == alive.store.owner)
        #expect(try row.decode(Int.self, 1) == 1)
        #expect(row.text(2) == "t")
        #expect(try row.decode(Int.self, 3) == 1)
        // The dead process, come back, can record nothing: its token is stale.
        #expect(try dead.store.finish(claim, .failed("late"), on: f.db) == false)
        #expect(try f.count("SELECT count(*) FROM ledger_entries") == 3)
    }

    @Test func theFenceRefusesACommitAfterTheLeaseWasLost() throws {
        let f = try fixture()
        let paused = try f.core([Self.rentDebit()], lease: 30, host: "paused-host")
        let other = try f.core([Self.rentDebit()], lease: 30, host: "other-host")
        try paused.enterDue()
        f.clock.set("2026-11-02T02:00:00Z")
        try paused.enterDue()
        let claim = try #require(try paused.store.claimNext(job: "rent-debit", on: f.db))
        let thief = try f.database.connect()
        var stolen: SlotClaim?
        #expect(throws: LeaseLostError.self) {
            _ = try paused.launcher.launch(
                job: "rent-debit", parameters: [:], businessDate: claim.businessDate, slot: claim.slot,
                beforeCommit: { connection in
                    // The run has posted (uncommitted) when the process pauses past its lease and
                    // another process takes the slot over.
                    #expect(try connection.queryOne("SELECT count(*) FROM ledger_entries")!.decode(Int.self, 0) == 3)
                    try thief.execute("UPDATE scheduler_slots SET lease_expires_at = clock_timestamp() - interval '1 second'")
                    stolen = try other.store.claimNext(job: "rent-debit", on: thief)
                    try paused.store.fence(claim, on: connection)
                })
        }
        #expect(stolen?.tookOver == true)
        #expect(try f.count("SELECT count(*) FROM ledger_entries") == 0, "the paused run rolled back: nothing posted")
        #expect(try f.count("SELECT count(*) FROM runs WHERE status = 'completed'") == 0)
        // The new owner runs the slot to completion.
        let result = other.execute(try #require(stolen), control: thief)
        #expect(result.outcome == .completed)
        #expect(try f.count("SELECT count(*) FROM ledger_entries") == 3)
        #expect(try f.count("SELECT count(*) FROM runs WHERE status = 'completed' AND slot = $1", [claim.slot]) == 1)
    }

    /// Holds the ledger locked for a while from another session, so that a run waits that long.
    func holdLedger(_ f: Fixture, for seconds: Double) throws {
        let holder = try f.database.admin()
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE")
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { _ = try? holder.execute("ROLLBACK") }
    }

    @Test func heartbeatsKeepTheLeaseOfARunLongerThanTheLease() throws {
        let f = try fixture()
        let core = try f.core([Self.rentDebit()], lease: 1, heartbeat: 0.25)
        try core.enterDue()
        f.clock.set("2026-11-02T02:00:00Z")
        try core.enterDue()
        try holdLedger(f, for: 2.5)
        let results = core.work(job: "rent-debit")
        #expect(results.map(\.outcome) == [.completed], "\(results)")
        #expect(try #require(results.first).seconds > 2)
        #expect(try f.count("SELECT count(*) FROM ledger_entries") == 3)
    }

    @Test func aRunThatOutlivesItsLeaseWithoutHeartbeatsCannotCommit() throws {
        let f = try fixture()
        // Heartbeats far apart: the lease of one second runs out while the run waits.
        let core = try f.core([Self.rentDebit()], lease: 1, heartbeat: 60)
        try core.enterDue()
        f.clock.set("2026-11-02T02:00:00Z")
        try core.enterDue()
        try holdLedger(f, for: 2)
        let results = core.work(job: "rent-debit")
        #expect(results.map(\.outcome) == [.leaseLost], "\(results)")
        #expect(results.first?.message?.contains("lease") == true)
        #expect(try f.count("SELECT count(*) FROM ledger_entries") == 0, "nothing posted")
        #expect(try f.count("SELECT count(*) FROM runs WHERE status = 'completed'") == 0)
        #expect(try f.count("SELECT count(*) FROM runs WHERE status = 'failed' AND error LIKE '%lease%'") == 1, "the failed run is recorded")
        // Nobody took the slot over: it is released and runs again at the next poll.
        let again = core.work(job: "rent-debit")
        #expect(again.map(\.outcome) == [.completed])
        #expect(again.first?.attempt == 2)
        #expect(try f.count("SELECT count(*) FROM ledger_entries") == 3)
    }

    @Test func aTransientFailureIsRetriedAndARefusalIsNot() throws {
        let f = try fixture()
        let name = try f.db.queryOne("SELECT current_database()")!.decode(String.self, 0)
        try f.database.admin().execute("ALTER DATABASE \(unescaped: f.db.quoteIdentifier(name)) SET lock_timeout = '300ms'")
        let badWeek = try Self.rentDebit(parameters: ["week": "next monday"])
        let core = try f.core([Self.rentDebit(), try Self.rentDebit(name: "not-a-job")])
        try core.enterDue()
        f.clock.set("2026-11-02T02:00:00Z")
        // Someone holds the ledger locked: the run times out waiting (SQLSTATE 55P03).
        let holder = try f.database.admin()
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE")
        let first = try core.tick()
        #expect(first.map(\.job) == ["not-a-job", "rent-debit"])
        let refused = try #require(first.first { $0.job == "not-a-job" })
        #expect(refused.outcome == .refused)
        #expect(refused.message?.contains("there is no job 'not-a-job'") == true)
        let retried = try #require(first.first { $0.job == "rent-debit" })
        #expect(retried.outcome == .retrying, "\(retried)")
        #expect(retried.message?.contains("55P03") == true)
        try holder.execute("ROLLBACK")
        let second = try core.tick()
        #expect(second.map(\.job) == ["rent-debit"], "the refusal is not tried again")
        #expect(second.first?.outcome == .completed)
        #expect(second.first?.attempt == 2)
        #expect(try f.count("SELECT count(*) FROM scheduler_slots WHERE job = 'not-a-job' AND state = 'refused' AND attempts = 1") == 1)
        #expect(try f.count("SELECT count(*) FROM ledger_entries") == 3)

        // Bad input from the job file is refused and reported, not retried.
        core.catalog = try JobCatalog([badWeek])
        f.clock.set("2026-11-09T02:00:00Z")
        let bad = try core.tick()
        #expect(bad.map(\.outcome) == [.refused])
        #expect(bad.first?.message?.contains("parameter week of rent-debit: 'next monday' is not a date YYYY-MM-DD") == true, "\(bad)")
        #expect(try core.tick().isEmpty)
    }

    @Test func aRunWhoseConnectionIsLostIsRetried() throws {
        let f = try fixture()
        let core = try f.core([Self.rentDebit()])
        try core.enterDue()
        f.clock.set("2026-11-02T02:00:00Z")
        try core.enterDue()
        // The run waits on a lock; meanwhile its session is terminated (as when the network drops).
        let holder = try f.database.admin()
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE")
        let killer = try f.database.connect()
        let holderPID = holder.backendPID
        DispatchQueue.global().async {
            for _ in 0..<100 {
                if let n = try? killer.queryOne(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1",
                    [Int(holderPID)])?.decode(Int.self, 0), n > 0 { return }
                usleep(50_000)
            }
        }
        let first = core.work(job: "rent-debit")
        #expect(first.map(\.outcome) == [.retrying], "\(first)")
        try holder.execute("ROLLBACK")
        let second = core.work(job: "rent-debit")
        #expect(second.map(\.outcome) == [.completed])
        #expect(second.first?.attempt == 2)
        #expect(try f.count("SELECT count(*) FROM ledger_entries") == 3)
    }

    @Test func aTransientFailureWithNoTriesLeftFailsTheSlot() throws {
        let f = try fixture()
        let name = try f.db.queryOne("SELECT current_database()")!.decode(String.self, 0)
        try f.database.admin().execute("ALTER DATABASE \(unescaped: f.db.quoteIdentifier(name)) SET lock_timeout = '200ms'")
        let core = try f.core([Self.rentDebit(attempts: 1)])
        try core.enterDue()
        f.clock.set("2026-11-02T02:00:00Z")
        let holder = try f.database.admin()
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE")
        #expect(try core.tick().map(\.outcome) == [.failed])
        try holder.execute("ROLLBACK")
        #expect(try core.tick().isEmpty)
        #expect(try f.count("SELECT count(*) FROM scheduler_slots WHERE state = 'failed' AND last_error LIKE '%55P03%'") == 1)
    }

    @Test func afterDowntimeCatchUpAllRunsEachMissedWeekInOrder() throws {
        let f = try fixture()
        let core = try f.core([Self.rentDebit(catchUp: .all)])
        try core.enterDue()
        f.clock.set("2026-11-25T10:00:00Z")  // down for three Mondays and more
        let results = try core.tick()
        #expect(results.map(\.slot) == ["2026-11-02T02:00+00:00", "2026-11-09T02:00+00:00", "2026-11-16T02:00+00:00", "2026-11-23T02:00+00:00"])
        #expect(results.allSatisfy { $0.outcome == .completed && $0.runIds.count == 1 })
        let weeks = try f.db.query("SELECT business_key FROM runs WHERE status = 'completed' ORDER BY id").map { $0.text(0) ?? "" }
        #expect(weeks == ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"])
        #expect(try f.count("SELECT count(*) FROM ledger_entries") == 12)
        #expect(try core.tick().isEmpty, "nothing runs twice")
    }

    @Test func afterDowntimeCatchUpLatestRunsOneSlotThatPostsEveryMissedWeek() throws {
        let f = try fixture()
        let core = try f.core([Self.rentDebit(catchUp: .latest)])
        try core.enterDue()
        f.clock.set("2026-11-25T10:00:00Z")
        let results = try core.tick()
        #expect(results.map(\.slot) == ["2026-11-23T02:00+00:00"])
        #expect(results.first?.runIds.count == 4, "the launcher posts every week not yet posted, oldest first")
        #expect(try f.count("SELECT count(*) FROM ledger_entries") == 12)
    }

    @Test func afterDowntimeCatchUpNoneWaitsForTheNextSlot() throws {
        let f = try fixture()
        let core = try f.core([Self.rentDebit(catchUp: .none)])
        try core.enterDue()
        f.clock.set("2026-11-25T10:00:00Z")
        #expect(try core.tick().isEmpty)
        f.clock.set("2026-11-30T02:00:30Z")
        let results = try core.tick()
        #expect(results.map(\.slot) == ["2026-11-30T02:00+00:00"])
        #expect(results.first?.runIds.count == 5, "the rent debit itself still posts every unposted week")
    }

    @Test func aManualFiringRunsThroughTheSamePathOnce() throws {
        let f = try fixture()
        let core = try f.core([Self.rentDebit()])
        let result = try #require(try core.fire(job: "rent-debit", key: "manual 1", businessDate: d("2026-11-04"), parameters: [:]))
        #expect(result.outcome == .completed)
        #expect(try f.count("SELECT count(*) FROM runs WHERE status = 'completed' AND slot = 'manual 1' AND business_key = '2026-11-02'") == 1)
        #expect(try core.fire(job: "rent-debit", key: "manual 1", businessDate: d("2026-11-04"), parameters: [:]) == nil, "a finished slot is not run again")
        let again = try #require(try core.fire(job: "rent-debit", key: "manual 2", businessDate: d("2026-11-04"), parameters: ["week": "2026-11-02"]))
        #expect(again.outcome == .completed)
        #expect(again.runIds.isEmpty, "the week was posted already: nothing more to do")
    }

    @Test func healthFailsWhenASlotIsMissedBeyondItsGraceAndWhenTheDatabaseIsGone() throws {
        let f = try fixture()
        let core = try f.core([Self.rentDebit()])
        try core.enterDue()
        let health = HealthCheck(core: core)
        #expect(health.evaluate().healthy)
        f.clock.set("2026-11-02T03:59:00Z")
        #expect(health.evaluate().healthy, "within its two hours' grace")
        f.clock.set("2026-11-02T04:01:00Z")
        let verdict = health.evaluate()
        #expect(!verdict.healthy)
        #expect(verdict.problems == ["rent-debit: slot 2026-11-02T02:00+00:00 has not run and is more than 120 minutes late"])
        _ = try core.tick()
        #expect(health.evaluate().healthy)

        f.clock.set("2026-11-09T05:00:00Z")
        #expect(health.evaluate().problems == ["rent-debit: slot 2026-11-09T02:00+00:00 has not run and is more than 120 minutes late"])

        let gone = try f.core([Self.rentDebit()])
        let unreachable = SchedulerCore(
            catalog: gone.catalog,
            launcher: JobLauncher(runner: Runner(database: HubDatabase(connectionString: "host=127.0.0.1 port=1 connect_timeout=2"), host: "x", logger: gone.logger), config: f.config),
            store: gone.store, heartbeatSeconds: 10, logger: gone.logger, now: { Date() })
        let down = HealthCheck(core: unreachable).evaluate()
        #expect(!down.healthy)
        #expect(down.problems.first?.hasPrefix("the database does not answer") == true)
    }
}

/// Results gathered from several threads. Guarded by `lock`.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Result<[SlotResult], any Error>] = []
    func add(_ item: Result<[SlotResult], any Error>) { lock.withLock { items.append(item) } }
    var all: [Result<[SlotResult], any Error>] { lock.withLock { items } }
}

/// A client connected to a local port that has sent some text (and may send no more).
func rawClient(port: Int, send text: String) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
    let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard connected == 0 else {
        close(fd)
        throw PostgresError(.client, message: "cannot connect to port \(port)")
    }
    _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    return fd
}

/// Hangs up at once with a reset, unread answer and all.
func hangUp(_ fd: Int32) {
    var option = linger(l_onoff: 1, l_linger: 0)
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    close(fd)
}

/// A plain HTTP GET over a socket: the whole answer as text.
func httpGet(port: Int, path: String) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
    let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard connected == 0 else { throw PostgresError(.client, message: "cannot connect to port \(port)") }
    // The server answers in HTTP/1.1; "Connection: close" has it close once it has answered.
    var timeout = timeval(tv_sec: 30, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    var answer = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = read(fd, &buffer, buffer.count)
        if n <= 0 { break }
        answer.append(contentsOf: buffer[0..<n])
    }
    return String(decoding: answer, as: UTF8.self)
}

@Suite struct SchedulerDemoTests {
    @Test func theDemoCatchesUpTheMissedMondaysInOrder() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", 10000, "2026-04-06", nil)])
        let jobs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Jobs").standardizedFileURL
        let now = ISO8601DateFormatter().date(from: "2026-11-18T10:00:00Z")!
        let text = try SchedulerDemo.run(runner: runner, config: TestHub.config(goLive: d("2026-11-02")), jobsDirectory: jobs, now: now)
        #expect(text.contains("  rent-debit 2026-11-09T02:00+00:00: completed (runs "), "\(text)")
        #expect(text.contains("  rent-debit 2026-11-16T02:00+00:00: completed (runs "), "\(text)")
        #expect(text.contains("  payment-import 2026-11-18T10:00+00:00: "), "\(text)")
        #expect(try db.posted(account: "100000011") == 30000, "weeks of 2, 9 and 16 November")
    }
}
