import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// Starts the built `hub` executable with an environment, and kills it.
struct HubProcess {
    let pid: pid_t

    /// The `hub` executable built beside the test bundle.
    static var executable: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hub").path
    }

    static func start(_ arguments: [String], environment: [String: String], output: String, directory: String? = nil) throws -> HubProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // In another folder: through a shell that changes to it and becomes the hub.
        let argv: [String] = directory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0, executable] + arguments } ?? [executable] + arguments
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let envStrings: [String] = merged.map { "\($0.key)=\($0.value)" }
        let cEnvironment = envStrings.map { strdup($0) } + [nil]
        defer { for entry in cEnvironment { free(entry) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
        guard result == 0 else { throw PostgresError(.client, message: "cannot start hub: \(String(cString: strerror(result)))") }
        return HubProcess(pid: pid)
    }

    /// Waits for the process and returns its exit status (or 128 + signal).
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    func kill9() { _ = kill(pid, SIGKILL) }
}

@Suite struct KillTests {
    @Test func aRunKilledWhilePostingLeavesNothingAndRunsAgainToCompletion() throws {
        let database = try TestHub.database()
        let db = try database.connect()
        let accounts = 200_000
        try db.execute("""
            INSERT INTO properties (property_ref, address, postcode, bedrooms) SELECT 'P' || g, g || ' Long Road', 'AB1 2CD', 2 FROM generate_series(1, \(unescaped: String(accounts))) g;
            """)
        try db.execute("INSERT INTO weekly_charges (property_id, charge_code, weekly_pence, effective_from) SELECT id, 'DBR', 9000 + id % 1000, '2026-04-06' FROM properties")
        try db.execute("INSERT INTO tenancies (tenancy_ref, property_id, start_date, tenants) SELECT 'T' || id, id, '2020-01-06', ARRAY['Tenant ' || id] FROM properties")
        try db.execute("INSERT INTO rent_accounts (account_ref, tenancy_id) SELECT lpad(id::text, 9, '0'), id FROM tenancies")
        let expected = try db.queryOne("SELECT sum(weekly_pence) FROM weekly_charges")!.decode(Int64.self, 0)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "go-live: 2026-11-02\nrent-calendar: rent-calendar.yaml\n".write(to: folder.appendingPathComponent("hub.yaml"), atomically: true, encoding: .utf8)
        try "{}\n".write(to: folder.appendingPathComponent("rent-calendar.yaml"), atomically: true, encoding: .utf8)
        let environment = ["HUB_CONFIG": folder.appendingPathComponent("hub.yaml").path, "HUB_DATABASE_URL": database.connectionString]
        let arguments = ["run", "rent-debit", "--week", "2026-11-02", "--as-of", "2026-11-02"]

        let first = try HubProcess.start(arguments, environment: environment, output: folder.appendingPathComponent("first.log").path)
        // Kill it once its COPY into the ledger is under way.
        let watcher = try database.connect()
        var sawCopy = false
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if try watcher.queryOne(
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE 'COPY ledger_entries%'") != nil
            {
                sawCopy = true
                first.kill9()
                break
            }
            usleep(2000)
        }
        let status = first.wait()
        #expect(sawCopy, "the run's COPY was never seen: \((try? String(contentsOf: folder.appendingPathComponent("first.log"), encoding: .utf8)) ?? "")")
        #expect(status == 128 + SIGKILL)
        // The server notices the dead client and rolls its transaction back.
        for _ in 0..<500 {
            if try watcher.queryOne("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'hub' AND pid <> pg_backend_pid()")!.decode(Int.self, 0) == 0 { break }
            usleep(20000)
        }
        #expect(try watcher.queryOne("SELECT count(*) FROM ledger_entries")!.decode(Int.self, 0) == 0)
        #expect(try watcher.queryOne("SELECT count(*) FROM runs WHERE status = 'completed'")!.decode(Int.self, 0) == 0)

        let second = try HubProcess.start(arguments, environment: environment, output: folder.appendingPathComponent("second.log").path)
        #expect(second.wait() == 0, "\((try? String(contentsOf: folder.appendingPathComponent("second.log"), encoding: .utf8)) ?? "")")
        let ledger = try watcher.queryOne("SELECT count(*), sum(amount_pence), count(DISTINCT run_id) FROM ledger_entries")!
        #expect(try ledger.decode(Int.self, 0) == accounts)
        #expect(try ledger.decode(Int64.self, 1) == expected)
        #expect(try ledger.decode(Int.self, 2) == 1)
    }
}
