import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// The read replica of docs/scaling.md, as a DBA runs one: a hot standby streaming from the hub's
/// primary. The commands that read answer there exactly as on the primary (and see what the
/// primary posts after the replica was made); the commands that write are refused with what to do,
/// and nothing is written.
@Suite struct ReadReplicaTests {
    let voice = CommandOutputTests()

    @Test func readingCommandsAnswerOnAReplicaAsOnThePrimaryAndWritingOnesSayToUseThePrimary() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("hub-replica-\(UUID().uuidString)")
        let port = Int.random(in: 20000...59000)
        let primary = try EmbeddedCluster.start(in: base.appendingPathComponent("primary"), port: port)
        try primary.stopWhenProcessEnds(getpid())
        defer { try? primary.stop(removeFiles: true) }
        try Connection(primary.connectionString()).execute("CREATE DATABASE hub")
        let primaryAdmin = primary.connectionString(database: "hub")
        let hub = HubDatabase(
            connectionString: HubDatabase.connectionString(primaryAdmin, user: HubDatabase.serviceRole), adminConnectionString: primaryAdmin)
        try hub.migrate()
        let seed = try hub.admin()
        for (index, weekly) in [(1, 10_000), (2, 12_550), (3, 9_999)] {
            try seed.addTenancy(
                account: "10000001\(index)", property: "P\(index)", start: "2026-04-06", charges: [("DBR", Int64(weekly), "2026-04-06", nil)])
        }

        let (folder, setUp) = try voice.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("hub.yaml")
        try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "go-live: 2026-04-06", with: "go-live: 2026-11-23")
            .write(to: config, atomically: true, encoding: .utf8)
        func environment(_ cluster: EmbeddedCluster) -> [String: String] {
            let admin = cluster.connectionString(database: "hub")
            return setUp.merging([
                "HUB_DATABASE_URL": HubDatabase.connectionString(admin, user: HubDatabase.serviceRole), "HUB_ADMIN_DATABASE_URL": admin,
            ]) { $1 }
        }
        let onPrimary = environment(primary)
        let first = try voice.hub(["run", "rent-debit", "--week", "2026-11-23", "--as-of", "2026-11-23"], onPrimary, in: folder)
        #expect(first.status == 0, "\(first.output)")

        let standby = try primary.startStandby(in: base.appendingPathComponent("standby"), port: port + 1)
        try standby.stopWhenProcessEnds(getpid())
        defer { try? standby.stop(removeFiles: true) }
        let onReplica = environment(standby)
        // Posted after the replica was made: it arrives by streaming.
        let second = try voice.hub(["run", "rent-debit", "--week", "2026-11-30", "--as-of", "2026-11-30"], onPrimary, in: folder)
        #expect(second.status == 0, "\(second.output)")
        try waitForReplay(of: primary, on: standby)
        #expect(try Connection(standby.connectionString(database: "hub")).queryOne("SELECT pg_is_in_recovery()")!.decode(Bool.self, 0))

        let reading: [[String]] = [
            ["accounts", "statement", "100000012"],
            ["accounts", "balance", "--as-of", "2026-12-01"],
            ["arrears", "report", "--as-of", "2026-12-01"],
            ["arrears", "list", "--as-of", "2026-12-01"],
            ["runs", "list"],
            ["runs", "show", "2"],
            ["db", "verify"],
        ]
        for command in reading {
            let fromPrimary = try voice.hub(command, onPrimary, in: folder)
            let fromReplica = try voice.hub(command, onReplica, in: folder)
            #expect(fromPrimary.status == 0, "\(command) on the primary: \(fromPrimary.output)")
            #expect(fromReplica.status == 0, "\(command) on the replica: \(fromReplica.output)")
            #expect(fromReplica.output == fromPrimary.output, "\(command)")
        }
        // The week posted after the replica was made is in the replica's statement: £125.50 a week.
        #expect(try voice.hub(["accounts", "statement", "100000012"], onReplica, in: folder).output.contains("£251.00"))

        let writing: [[String]] = [
            ["run", "rent-debit", "--week", "2026-12-07", "--as-of", "2026-12-07"],
            ["db", "migrate"],
            ["runs", "reverse", "1", "--reason", "a test", "--yes"],
        ]
        for command in writing {
            let result = try voice.hub(command, onReplica, in: folder)
            #expect(result.status == 4, "\(command): \(result.output)")
            #expect(result.output.contains("error: the database is read-only (a read replica"), "\(command): \(result.output)")
            #expect(result.output.contains("point HUB_DATABASE_URL"), "\(command): \(result.output)")
        }
        // Nothing was written: the primary still has the two runs it made.
        #expect(try hub.admin().queryOne("SELECT count(*) FROM runs")!.decode(Int64.self, 0) == 2)
    }

    /// Waits until the standby has replayed the primary's runs: the same runs, in the same state.
    /// (Not by WAL position: the test cluster commits asynchronously, `synchronous_commit = off`,
    /// so the last commit may not yet be written, nor sent, when the primary is asked.)
    func waitForReplay(of primary: EmbeddedCluster, on standby: EmbeddedCluster) throws {
        let runs = "SELECT string_agg(id || ' ' || status, ',' ORDER BY id) FROM runs"
        let target = try Connection(primary.connectionString(database: "hub")).queryOne(SQLQuery(unescaped: runs))!.text(0)
        let replica = try Connection(standby.connectionString(database: "hub"))
        for _ in 0..<600 {
            if try replica.queryOne(SQLQuery(unescaped: runs))!.text(0) == target { return }
            usleep(50_000)
        }
        Issue.record("the standby did not replay the primary's runs within 30 s")
    }
}
