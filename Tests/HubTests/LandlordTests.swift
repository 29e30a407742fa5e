import Foundation
import HousingFinance
import Hub
import Logging
import Postgres
import Testing

/// Several landlords (councils) in one database (migration 0030, docs/scaling.md): every table
/// carries the landlord key under forced row-level security, and a session set to one landlord
/// neither sees nor changes another's rows, whatever role it acts as.
@Suite struct LandlordTests {
    static let other = "north"

    /// A database with the same account reference and a posted rent week in two landlords: the
    /// default one (`council`) and `north`, each added as docs/scaling.md says (`hub db migrate`
    /// with its configuration).
    static func twoLandlords() throws -> (council: HubDatabase, north: HubDatabase) {
        let council = try TestHub.database()
        let north = council.forLandlord(other)
        try north.migrate()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let config = TestHub.config(goLive: d("2026-04-06"))
        for (database, pence) in [(council, Int64(10_000)), (north, Int64(7_000))] {
            let db = try database.connect()
            try db.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", pence, "2026-04-06", nil)])
            try db.addTenancy(account: "100000020", property: "P2", start: "2026-01-05", charges: [("DBR", pence + 1, "2026-04-06", nil)])
            _ = try RentDebitRuns(runner: Runner(database: database, host: "test-host", logger: logger), config: config)
                .postThrough(RentWeek(containing: d("2026-04-06")), businessDate: d("2026-04-06"))
        }
        return (council, north)
    }

    /// Every table of the schema (the migrator's own record excepted), as a list of names.
    static func tables(_ admin: Connection) throws -> [String] {
        try admin.query(
            """
            SELECT c.relname::text FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations' ORDER BY 1
            """
        ).map { try $0.decode(String.self, 0) }
    }

    @Test func everyTableHasTheLandlordKeyForcedRowLevelSecurityAndLandlordScopedKeys() throws {
        let database = try TestHub.database()
        let admin = try database.admin()
        var problems: [String] = []
        let rows = try admin.query(
            """
            SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity,
                   a.attnotnull IS TRUE, COALESCE(pg_get_expr(d.adbin, d.adrelid), ''),
                   EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'landlord_only' AND p.polcmd = '*'
                           AND pg_get_expr(p.polqual, p.polrelid) = '(landlord = hub_landlord())'
                           AND pg_get_expr(p.polwithcheck, p.polrelid) = '(landlord = hub_landlord())'),
                   (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
            FROM pg_class c
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'landlord' AND NOT a.attisdropped
            LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations' ORDER BY 1
            """)
        #expect(rows.count >= 60)
        for row in rows {
            let table = row.text(0) ?? "?"
            if try !row.decode(Bool.self, 3) { problems.append("\(table): no landlord column NOT NULL (migration 0030 adds it to every table)") }
            if row.text(4) != "hub_landlord()" { problems.append("\(table): landlord's default is \(row.text(4) ?? "none"), not hub_landlord()") }
            if try !row.decode(Bool.self, 1) || !row.decode(Bool.self, 2) { problems.append("\(table): row-level security not enabled and forced") }
            if try !row.decode(Bool.self, 5) || row.decode(Int.self, 6) != 1 { problems.append("\(table): not exactly the one policy landlord_only") }
        }
        // Every unique key and every foreign key starts from the landlord: the same reference once
        // per landlord, and a row points only at rows of its own landlord.
        for row in try admin.query(
            """
            SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
            WHERE i.indisunique AND c.relnamespace = 'public'::regnamespace AND c.relname <> 'schema_migrations'
              AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = 'landlord' AND a.attnum = ANY (i.indkey))
            """) {
            problems.append("unique index \(row.text(0) ?? "?") does not include the landlord")
        }
        for row in try admin.query(
            """
            SELECT f.conname::text, f.conrelid::regclass::text FROM pg_constraint f
            WHERE f.contype = 'f' AND f.connamespace = 'public'::regnamespace
              AND (NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = f.conrelid AND a.attname = 'landlord' AND a.attnum = ANY (f.conkey))
                OR NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = f.confrelid AND a.attname = 'landlord' AND a.attnum = ANY (f.confkey)))
            """) {
            problems.append("foreign key \(row.text(0) ?? "?") of \(row.text(1) ?? "?") does not join landlord to landlord")
        }
        #expect(problems.isEmpty, "\(problems.count) tables or keys are not landlord-safe:\n\(problems.joined(separator: "\n"))")
    }

    @Test func eachLandlordSeesOnlyItsOwnAccountsLedgerAndRunsAndTheSameReferenceExistsInBoth() throws {
        let (council, north) = try Self.twoLandlords()
        for (database, pence) in [(council, Int64(20_001)), (north, Int64(14_001))] {
            let db = try database.connect()
            #expect(try db.query("SELECT account_ref FROM rent_accounts ORDER BY 1").map { $0.text(0) } == ["100000011", "100000020"])
            let ledger = try #require(try db.queryOne("SELECT count(*), sum(amount_pence), count(DISTINCT landlord) FROM ledger_entries"))
            #expect(try ledger.decode(Int.self, 0) == 2 && ledger.decode(Int64.self, 1) == pence && ledger.decode(Int.self, 2) == 1)
            #expect(try db.queryOne("SELECT count(*) FROM runs WHERE landlord <> $1", [database.landlord])!.decode(Int.self, 0) == 0)
            // The same run identity (rent-debit of the same week) completed once in each.
            #expect(try db.queryOne("SELECT count(*) FROM runs WHERE job = 'rent-debit' AND status = 'completed'")!.decode(Int.self, 0) == 1)
            // Each landlord's seal chain is its own, and intact.
            let verified = try LedgerVerification.verify(on: db)
            #expect(verified.isIntact, "\(verified.problems)")
            #expect(verified.runsChecked == 1 && verified.runningPence == pence)
        }
        // The superuser (no row-level security) sees both.
        #expect(try council.admin().queryOne("SELECT count(*) FROM rent_accounts WHERE account_ref = '100000011'")!.decode(Int.self, 0) == 2)
    }

    /// As every hub role, on every table: the other landlord's rows are invisible, and no
    /// statement (insert for it, update, delete, moving a row to it) touches or creates one.
    @Test func asEveryRoleOnEveryTableTheOtherLandlordsRowsCanNeitherBeSeenNorChanged() throws {
        let (council, _) = try Self.twoLandlords()
        let admin = try council.admin()
        let roles = try admin.query(
            "SELECT rolname::text FROM pg_roles WHERE rolname LIKE 'hub\\_%' AND rolname <> $1 ORDER BY 1", [HubDatabase.ownerRole]
        ).map { try $0.decode(String.self, 0) }
        #expect(roles.contains("hub_service") && roles.contains("hub_auditor") && roles.contains("hub_ods"))
        let tables = try Self.tables(admin)
        /// The other landlord's rows of a table, each with its physical place: any update moves it.
        func fingerprint(_ table: String) throws -> String {
            try admin.queryOne(
                "SELECT count(*) || ':' || COALESCE(md5(string_agg(t.ctid::text || t::text, ',' ORDER BY t.ctid)), '') FROM \(unescaped: admin.quoteIdentifier(table)) t WHERE t.landlord = $1",
                [Self.other])!.decode(String.self, 0)
        }
        var problems: [String] = []
        var tablesWithRows: Set<String> = []
        try admin.execute("BEGIN")
        for table in tables {
            let quoted = admin.quoteIdentifier(table)
            let before = try fingerprint(table)
            if !before.hasPrefix("0:") { tablesWithRows.insert(table) }
            let columns = try admin.query(
                "SELECT attname::text FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' AND attidentity = ''",
                [table]).map { try $0.decode(String.self, 0) }
            for role in roles {
                var statements = [
                    "DELETE FROM \(quoted)",
                    "INSERT INTO \(quoted) (landlord) VALUES ('\(Self.other)')",
                    "UPDATE \(quoted) SET landlord = '\(Self.other)'",
                ]
                statements += columns.map { "UPDATE \(quoted) SET \(admin.quoteIdentifier($0)) = \(admin.quoteIdentifier($0))" }
                try admin.execute("SAVEPOINT role")
                try admin.execute("SET ROLE \(unescaped: admin.quoteIdentifier(role))")
                if let seen = try Self.outcome("SELECT count(*) FROM \(quoted) WHERE landlord <> hub_landlord()", on: admin), seen != "0" {
                    problems.append("\(role) sees \(seen) rows of another landlord in \(table)")
                }
                var accepted: [String] = []
                for statement in statements {
                    let done = try Self.outcome(statement, on: admin)
                    if done != nil, statement.hasPrefix("INSERT") { accepted.append(statement) }
                }
                try admin.execute("RESET ROLE")
                if try fingerprint(table) != before { problems.append("\(role) changed the other landlord's rows of \(table)") }
                problems += accepted.map { "\(role): \($0) was accepted" }
                try admin.execute("ROLLBACK TO SAVEPOINT role")
            }
        }
        try admin.execute("ROLLBACK")
        #expect(problems.isEmpty, "\(problems.count) breaches:\n\(problems.prefix(40).joined(separator: "\n"))")
        // The check met real rows of the other landlord in the core tables at least.
        let core: Set = ["properties", "tenancies", "rent_accounts", "weekly_charges", "runs", "ledger_entries", "run_seals", "run_seal_head"]
        #expect(tablesWithRows.isSuperset(of: core), "the other landlord has rows in \(tablesWithRows.sorted()) only")
    }

    /// Runs a statement in a savepoint (kept when it succeeds); its first value (or "" when it
    /// returns none), or nil when refused.
    static func outcome(_ sql: String, on db: Connection) throws -> String? {
        try db.execute("SAVEPOINT outcome")
        do {
            let value = try db.queryOne(SQLQuery(unescaped: sql))?.text(0) ?? ""
            try db.execute("RELEASE SAVEPOINT outcome")
            return value
        } catch let error as PostgresError where error.sqlState != nil {
            try db.execute("ROLLBACK TO SAVEPOINT outcome")
            return nil
        }
    }

    @Test func theHubsOwnFunctionsWorkForTheCallersLandlordOnly() throws {
        let (council, north) = try Self.twoLandlords()
        let northRun = try north.connect().queryOne("SELECT id FROM runs WHERE status = 'completed'")!.decode(Int64.self, 0)
        let db = try council.connect()
        try db.execute("BEGIN")
        let mine = try db.queryOne("SELECT hub_run_start('reversal', $1, '2026-04-13', '{}', 'h', NULL)", ["run \(northRun)"])!.decode(Int64.self, 0)
        #expect(try db.queryOne("SELECT landlord FROM runs WHERE id = $1", [mine])?.text(0) == "council")
        // Reversing the other landlord's run: the function (SECURITY DEFINER, as hub_owner) does
        // not find it, forced row-level security holding its owner too.
        let error = try #require(throws: PostgresError.self) {
            try db.execute("SELECT * FROM hub_run_reverse(\(northRun), \(mine), '2026-04-13', 'not mine')")
        }
        #expect(error.sqlState == "HUB03" && error.message.contains("there is no run \(northRun)"), "\(error)")
        try db.execute("ROLLBACK")
        #expect(try north.connect().queryOne("SELECT reversed_by_run_id IS NULL FROM runs WHERE id = $1", [northRun])!.decode(Bool.self, 0))
    }

    /// The GL export waits for the postings in flight of its own landlord (so none appears below
    /// its low-water mark later), and for no other landlord's (migration 0035).
    @Test func anExportWaitsForItsOwnLandlordsPostingsInFlightAndNoOthers() throws {
        let (council, north) = try Self.twoLandlords()
        let posting = try north.connect()
        try posting.execute("BEGIN")
        let run = try posting.queryOne("SELECT hub_run_start('hand-postings', 'in flight', '2026-04-13', '{}', 'test', NULL)")!.decode(Int64.self, 0)
        try posting.execute(
            """
            INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id)
            SELECT id, 'RPY', -2500, '2026-04-13', \(run) FROM rent_accounts WHERE account_ref = '100000011'
            """)
        func lockForExport(_ database: HubDatabase, within timeout: String) throws {
            let db = try database.connect()
            try db.execute("BEGIN")
            defer { _ = try? db.execute("ROLLBACK") }
            try db.execute("SET LOCAL statement_timeout = \(unescaped: "'" + timeout + "'")")
            try db.execute("SELECT lock_postings_for_export()")
        }
        // The council's export is not held back by north's posting.
        try lockForExport(council, within: "20s")
        // North's own export waits for it (cancelled here by the timeout while still waiting)...
        let waiting = try #require(throws: PostgresError.self) { try lockForExport(north, within: "1s") }
        #expect(waiting.sqlState == "57014", "\(waiting)")
        // ...and goes on once it has ended.
        try posting.execute("ROLLBACK")
        try lockForExport(north, within: "20s")
    }

    @Test func aConnectionWithoutALandlordIsRefusedWithAClearError() throws {
        let (council, _) = try Self.twoLandlords()
        let db = try Connection(HubDatabase.connectionString(council.adminConnectionString!, user: HubDatabase.serviceRole))
        for sql in [
            "SELECT account_ref FROM rent_accounts",
            "INSERT INTO audit_events (action, entity, entity_ref) VALUES ('x', 'y', 'z')",
            "UPDATE scheduler_jobs SET checked_through = now()",
        ] {
            let error = try #require(throws: PostgresError.self, "\(sql)") { try db.execute(SQLQuery(unescaped: sql)) }
            #expect(error.sqlState == "HUB30", "\(sql): \(error)")
            #expect(error.message.contains("no landlord is set for this connection"))
        }
        // Set to a landlord with nothing: nothing is seen.
        try HubDatabase.setLandlord("nobody", on: db)
        #expect(try db.queryOne("SELECT count(*) FROM rent_accounts")!.decode(Int.self, 0) == 0)
    }

    @Test func theConfigurationNamesTheLandlordOrDefaultsToTheSingleCouncil() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-landlord-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "{}\n".write(to: folder.appendingPathComponent("rent-calendar.yaml"), atomically: true, encoding: .utf8)
        let file = folder.appendingPathComponent("hub.yaml")
        try "go-live: 2026-04-06\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try HubConfig.load(file: file).landlord == HubDatabase.defaultLandlord)
        try "go-live: 2026-04-06\nlandlord: north-east_2\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try HubConfig.load(file: file).landlord == "north-east_2")
        try "go-live: 2026-04-06\nlandlord: North East\n".write(to: file, atomically: true, encoding: .utf8)
        let error = try #require(throws: ConfigError.self) { try HubConfig.load(file: file) }
        #expect("\(error)".contains("landlord") && "\(error)".contains("is not a landlord's name"), "\(error)")
    }
}

/// Three `hub serve` processes for two landlords on one database: two for `council`, one for
/// `north`. Both landlords' rent debits of the same slot run at the same time (their run and lock
/// identities are the landlord's own), and each landlord's slot still runs exactly once.
@Suite(.serialized) struct LandlordSchedulerTests {
    @Test func threeServeProcessesForTwoLandlordsRunBothLandlordsSlotsInParallelAndEachOnce() throws {
        let council = try TestHub.database()
        let north = council.forLandlord(LandlordTests.other)
        try north.migrate()
        let accounts = 40_000
        var expected: [String: Int64] = [:]
        for database in [council, north] {
            expected[database.landlord] = try SchedulerProcessTests.manyTenancies(try database.connect(), accounts)
        }
        var folders: [String: URL] = [:]
        for landlord in [council.landlord, north.landlord] {
            let folder = try SchedulerProcessTests.folder(lease: 5, heartbeat: 1, poll: 0.5, grace: 10)
            let handle = try FileHandle(forWritingTo: folder.appendingPathComponent("hub.yaml"))
            handle.seekToEndOfFile()
            handle.write(Data("landlord: \(landlord)\n".utf8))
            try handle.close()
            folders[landlord] = folder
        }
        defer { for folder in folders.values { try? FileManager.default.removeItem(at: folder) } }
        let anchor = Date()
        func start(_ landlord: String, _ name: String) throws -> HubProcess {
            let environment = SchedulerProcessTests.environment(folders[landlord]!, council, clockStart: "2026-11-02T01:59:58Z", anchor: anchor, speed: 1)
            return try HubProcess.start(["serve"], environment: environment, output: folders[landlord]!.appendingPathComponent(name).path)
        }
        let processes = [try start("council", "first.log"), try start("council", "second.log"), try start("north", "first.log")]
        let admin = try council.admin()
        let done = try SchedulerProcessTests.waitUntil(240) {
            try admin.queryOne("SELECT count(*) FROM scheduler_slots WHERE state = 'completed'")!.decode(Int.self, 0) == 2
        }
        for process in processes { kill(process.pid, SIGTERM) }
        let statuses = processes.map { $0.wait() }
        let logs = folders.map { "\($0.key):\n" + SchedulerProcessTests.log($0.value, "first.log") + SchedulerProcessTests.log($0.value, "second.log") }
            .joined(separator: "\n")
        #expect(done, "the two landlords' slots did not both complete: \(logs.suffix(4000))")
        #expect(statuses == [0, 0, 0], "\(logs.suffix(3000))")

        for database in [council, north] {
            let db = try database.connect()
            // One slot, claimed once, never taken over: the other landlord's run never stood in its way.
            let slots = try db.query("SELECT slot, state, attempts, takeovers FROM scheduler_slots")
            #expect(slots.count == 1, "\(database.landlord): \(slots.count) slots")
            for slot in slots {
                #expect(slot.text(0) == "2026-11-02T02:00+00:00" && slot.text(1) == "completed")
                #expect(try slot.decode(Int.self, 2) == 1 && slot.decode(Int.self, 3) == 0, "\(database.landlord): attempts \(slot.text(2) ?? "")")
            }
            #expect(try db.queryOne("SELECT count(*) FROM runs WHERE status = 'completed'")!.decode(Int.self, 0) == 1)
            let ledger = try #require(try db.queryOne("SELECT count(*), sum(amount_pence) FROM ledger_entries"))
            #expect(try ledger.decode(Int.self, 0) == accounts && ledger.decode(Int64.self, 1) == expected[database.landlord])
            #expect(try LedgerVerification.verify(on: db).isIntact)
        }
        // The two landlords' runs overlapped in time.
        let overlap = try #require(try admin.queryOne(
            """
            SELECT max(started_at) < min(finished_at), count(DISTINCT landlord),
                   extract(epoch FROM min(finished_at) - max(started_at))::float8
            FROM runs WHERE job = 'rent-debit' AND status = 'completed'
            """))
        #expect(try overlap.decode(Int.self, 1) == 2)
        #expect(try overlap.decode(Bool.self, 0), "the runs did not overlap: \(overlap.text(2) ?? "")")
        // council's slot was claimed once between its two processes.
        let councilLogs = SchedulerProcessTests.log(folders["council"]!, "first.log") + SchedulerProcessTests.log(folders["council"]!, "second.log")
        #expect(councilLogs.components(separatedBy: "slot claimed").count - 1 == 1)
        print("LandlordSchedulerTests: two landlords' rent debits of \(accounts) accounts each overlapped by \(overlap.text(2) ?? "?") s")
    }
}
