import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// `hub schedule`, `hub jobs`, `hub serve --once`, and `hub serve` reloading job files, watching
/// the inbox and serving /metrics: the built executable against a test database.
@Suite struct SchedulerCommandTests {
    typealias P = SchedulerProcessTests

    /// Runs the hub to its end: exit status and output.
    func hub(_ arguments: [String], _ environment: [String: String], in folder: URL) throws -> (Int32, String) {
        let output = folder.appendingPathComponent("out-\(UUID().uuidString).log")
        let process = try HubProcess.start(arguments, environment: environment, output: output.path)
        let status = process.wait()
        return (status, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    func setUp(tenancies: Int = 2) throws -> (HubDatabase, Connection, URL) {
        let database = try TestHub.database()
        let db = try database.connect()
        for i in 0..<tenancies {
            try db.addTenancy(account: String(format: "2%08d", i), property: "Q\(i)", start: "2026-01-05", charges: [("DBR", 12345, "2026-04-06", nil)])
        }
        return (database, db, try P.folder(lease: 5, heartbeat: 1, poll: 0.5, grace: 5))
    }

    @Test func scheduleListsTheNextFiveFiringsInLocalTimeAcrossTheAutumnChange() throws {
        let (database, _, folder) = try setUp(tenancies: 0)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
            job: payment-import
            schedule: "30 1 * * *"
            catch-up: latest
            retry: {attempts: 1, backoff-seconds: 0, max-backoff-seconds: 0}
            grace-minutes: 30

            """.write(to: folder.appendingPathComponent("Jobs/payment-import.yaml"), atomically: true, encoding: .utf8)
        let environment = ["HUB_CONFIG": folder.appendingPathComponent("hub.yaml").path, "HUB_DATABASE_URL": database.connectionString]
        let (status, output) = try hub(["schedule", "--from", "2026-10-23T12:00:00Z"], environment, in: folder)
        #expect(status == 0, "\(output)")
        #expect(output == """
            Job             Schedule     Time zone      Next firings (local time and UTC offset)
            payment-import  30 1 * * *   Europe/London  2026-10-24 Sat 01:30 +01:00
                                                        2026-10-25 Sun 01:30 +01:00
                                                        2026-10-26 Mon 01:30 +00:00
                                                        2026-10-27 Tue 01:30 +00:00
                                                        2026-10-28 Wed 01:30 +00:00
            rent-debit      0 2 * * MON  Europe/London  2026-10-26 Mon 02:00 +00:00
                                                        2026-11-02 Mon 02:00 +00:00
                                                        2026-11-09 Mon 02:00 +00:00
                                                        2026-11-16 Mon 02:00 +00:00
                                                        2026-11-23 Mon 02:00 +00:00

            """)
    }

    @Test func aBadJobFileIsRefusedAtStartNamingTheFileAndKey() throws {
        let (database, _, folder) = try setUp(tenancies: 0)
        defer { try? FileManager.default.removeItem(at: folder) }
        try P.weeklyJob.replacingOccurrences(of: "0 2 * * MON", with: "61 2 * * MON")
            .write(to: folder.appendingPathComponent("Jobs/rent-debit.yaml"), atomically: true, encoding: .utf8)
        let environment = ["HUB_CONFIG": folder.appendingPathComponent("hub.yaml").path, "HUB_DATABASE_URL": database.connectionString]
        let (status, output) = try hub(["serve"], environment, in: folder)
        #expect(status == 2)
        #expect(output.contains("error: Jobs/rent-debit.yaml: schedule: "), "\(output)")
    }

    @Test func serveOnceCatchesUpMissedWeeksAndJobsRunFiresOneNow() throws {
        let (database, db, folder) = try setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        var environment = P.environment(folder, database, clockStart: "2026-11-01T12:00:00Z", anchor: Date(), speed: 1)
        // First start: the job is seen; nothing before it is caught up.
        var (status, output) = try hub(["serve", "--once"], environment, in: folder)
        #expect(status == 0, "\(output)")
        #expect(output.contains("Nothing was due."))
        // Three Mondays later.
        environment["HUB_TEST_CLOCK_START"] = "2026-11-18T09:00:00Z"
        (status, output) = try hub(["serve", "--once"], environment, in: folder)
        #expect(status == 0, "\(output)")
        let lines = output.split(separator: "\n").filter { $0.hasPrefix("rent-debit ") }
        #expect(lines.count == 3, "\(output)")
        #expect(lines.first?.hasPrefix("rent-debit 2026-11-02T02:00+00:00: completed (runs ") == true)
        #expect(try db.queryOne("SELECT count(*) FROM runs WHERE status = 'completed'")!.decode(Int.self, 0) == 3)
        (status, output) = try hub(["serve", "--once"], environment, in: folder)
        #expect(output.contains("Nothing was due."), "nothing runs twice")

        // A manual firing of the next week, through the same path.
        (status, output) = try hub(["jobs", "run", "rent-debit", "--as-of", "2026-11-23", "--json"], environment, in: folder)
        #expect(status == 0, "\(output)")
        #expect(output.contains("\"outcome\" : \"completed\""))
        #expect(try db.queryOne("SELECT count(*) FROM runs WHERE status = 'completed' AND slot LIKE 'manual %' AND business_key = '2026-11-23'")!.decode(Int.self, 0) == 1)
        // A bad parameter is refused by name before anything is fired (exit 2).
        (status, output) = try hub(["jobs", "run", "rent-debit", "--param", "week=someday"], environment, in: folder)
        #expect(status == 2)
        #expect(output.contains("parameter week of rent-debit: 'someday' is not a date YYYY-MM-DD"), "\(output)")
        // An unknown job is reported, not a crash.
        (status, output) = try hub(["jobs", "run", "payroll-export"], environment, in: folder)
        #expect(status == 2)
        #expect(output.contains("there is no job 'payroll-export'"), "\(output)")

        (status, output) = try hub(["jobs", "list"], environment, in: folder)
        #expect(status == 0, "\(output)")
        let row = try #require(TextRows.row(output, with: "rent-debit"), "\(output)")
        #expect(row.prefix(4) == ["rent-debit", "0 2 * * MON", "all", "2026-11-23 Mon 02:00 +00:00"], "\(output)")
        // The last slot is the completed manual one: the bad week never made a slot.
        #expect(row.count == 10 && row[4].hasPrefix("manual ") && row[5] == "completed" && row[6] == "1" && row[8] == "this slot", "\(row) in \(output)")
        // And the job's last run, fired by the scheduler's manual slot.
        #expect(row[9].hasPrefix("run ") && !row[9].contains("by hand"), "\(row) in \(output)")
        #expect(!output.contains("someday"), "\(output)")
    }

    @Test func serveReloadsAChangedJobFileWithoutASignal() throws {
        let (database, db, folder) = try setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try (P.weeklyJob + "\nenabled: false\n").write(to: folder.appendingPathComponent("Jobs/rent-debit.yaml"), atomically: true, encoding: .utf8)
        let environment = P.environment(folder, database, clockStart: "2026-11-01T12:00:00Z", anchor: Date(), speed: 86_400)
        let serve = try HubProcess.start(["serve"], environment: environment, output: folder.appendingPathComponent("serve.log").path)
        defer { _ = kill(serve.pid, SIGKILL) }
        #expect(P.waitUntil(30) { P.log(folder, "serve.log").contains("scheduler started") })
        // The configured server's settings, as `hub db status` checks them, in the service's log.
        if try Connection(database.adminConnectionString!).queryOne("SHOW fsync")!.text(0) == "off" {
            #expect(P.log(folder, "serve.log").contains("server setting fsync: off"), "\(P.log(folder, "serve.log").prefix(3000))")
        }
        Thread.sleep(forTimeInterval: 1.5)
        try (P.weeklyJob + "\n").write(to: folder.appendingPathComponent("Jobs/rent-debit.yaml"), atomically: true, encoding: .utf8)
        #expect(try P.waitUntil(30) {
            try db.queryOne("SELECT count(*) FROM scheduler_slots WHERE job = 'rent-debit' AND state = 'completed'")!.decode(Int.self, 0) >= 1
        }, "\(P.log(folder, "serve.log").suffix(2000))")
        #expect(P.log(folder, "serve.log").contains("reason=a job file changed"))
        kill(serve.pid, SIGTERM)
        #expect(serve.wait() == 0)
    }

    @Test func serveReloadsJobFilesOnSighupWatchesTheInboxAndServesMetrics() throws {
        let (database, db, defaultFolder) = try setUp()
        try? FileManager.default.removeItem(at: defaultFolder)
        // Polls far apart: only SIGHUP can reload the job files here.
        let folder = try P.folder(lease: 5, heartbeat: 1, poll: 600, grace: 5)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Disabled at start.
        try (P.weeklyJob + "\nenabled: false\n").write(to: folder.appendingPathComponent("Jobs/rent-debit.yaml"), atomically: true, encoding: .utf8)
        try """
            job: payment-import
            schedule: "0 6 1 1 *"
            watch-inbox: true
            catch-up: latest
            retry: {attempts: 1, backoff-seconds: 0, max-backoff-seconds: 0}
            grace-minutes: 30

            """.write(to: folder.appendingPathComponent("Jobs/payment-import.yaml"), atomically: true, encoding: .utf8)
        // A day of the scheduler's clock per real second.
        let environment = P.environment(folder, database, clockStart: "2026-11-01T12:00:00Z", anchor: Date(), speed: 86_400)
        let log = folder.appendingPathComponent("serve.log")
        let serve = try HubProcess.start(["serve"], environment: environment, output: log.path)
        defer { _ = kill(serve.pid, SIGKILL) }
        #expect(P.waitUntil(30) { P.log(folder, "serve.log").contains("scheduler started") && P.log(folder, "serve.log").contains("port=") })
        // Clients that connect and hang half-way through a request, and clients that ask and hang
        // up at once: the scheduler below goes on, and the process lives.
        let served = P.log(folder, "serve.log")
        let port = try #require(served.range(of: "port=").map { Int(served[$0.upperBound...].prefix { $0.isNumber }) } ?? nil)
        let hanging = try (0..<5).map { _ in try rawClient(port: port, send: "GET /metrics HTTP/1.1\r\nHost: x\r\n") }
        defer { hanging.forEach { close($0) } }
        for _ in 0..<5 { hangUp(try rawClient(port: port, send: "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")) }
        Thread.sleep(forTimeInterval: 2)
        #expect(try db.queryOne("SELECT count(*) FROM scheduler_slots WHERE job = 'rent-debit'")!.decode(Int.self, 0) == 0)

        // Enabled, and SIGHUP.
        try (P.weeklyJob + "\n").write(to: folder.appendingPathComponent("Jobs/rent-debit.yaml"), atomically: true, encoding: .utf8)
        kill(serve.pid, SIGHUP)
        #expect(try P.waitUntil(30) {
            try db.queryOne("SELECT count(*) FROM scheduler_slots WHERE job = 'rent-debit' AND state = 'completed'")!.decode(Int.self, 0) >= 1
        }, "\(P.log(folder, "serve.log").suffix(2000))")
        #expect(P.log(folder, "serve.log").contains("reason=SIGHUP"))

        // A bank statement lands in the payment inbox's bank folder: payment-import fires at once
        // (not at its next slot) and imports it.
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interfaces/inbound/mt940/statement-20250107.sta")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox/bank"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: sample, to: folder.appendingPathComponent("inbox/bank/statement-20250107.sta"))
        #expect(try P.waitUntil(30) {
            try db.queryOne("SELECT 1 FROM scheduler_slots WHERE job = 'payment-import' AND slot LIKE 'inbox %' AND state = 'completed'") != nil
        }, "\(P.log(folder, "serve.log").suffix(2000))")
        #expect(try db.queryOne("SELECT count(*) FROM runs WHERE job = 'payment-import' AND status = 'completed'")!.decode(Int.self, 0) == 1,
                "\(P.log(folder, "serve.log").suffix(2000))")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("inbox/bank/statement-20250107.sta").path),
                "the imported file left the inbox")
        #expect(kill(serve.pid, 0) == 0, "the scheduler is still running")

        // /metrics and /health on the port the log names, while the clients above still hang.
        let metrics = try httpGet(port: port, path: "/metrics")
        #expect(metrics.hasPrefix("HTTP/1.1 200 OK"), "\(metrics.prefix(200))")
        #expect(metrics.contains("hub_scheduler_slots_total{job=\"rent-debit\",outcome=\"completed\"} "), "\(metrics)")
        #expect(metrics.contains("hub_job_last_success_timestamp_seconds{job=\"rent-debit\"} "))
        #expect(metrics.contains("hub_job_duration_seconds_count{job=\"rent-debit\"} "))
        // The configured server's settings as `hub db status` advises them: 1 as advised, 0 not.
        let fsync = try Connection(database.adminConnectionString!).queryOne("SHOW fsync")!.text(0)
        #expect(metrics.contains("hub_server_setting_as_advised{setting=\"fsync\"} \(fsync == "on" ? "1" : "0")"), "\(metrics)")
        #expect(metrics.contains("hub_server_setting_as_advised{setting=\"shared_buffers\"} "), "\(metrics)")
        let health = try httpGet(port: port, path: "/health")
        #expect(health.contains(" 200 OK\r\n") || health.contains(" 503 Service Unavailable\r\n"), "\(health)")
        #expect(try httpGet(port: port, path: "/nothing").contains(" 404 Not Found\r\n"))

        kill(serve.pid, SIGTERM)
        #expect(serve.wait() == 0)
    }
}
