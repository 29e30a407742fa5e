import Foundation
import Hub
import Postgres
import Testing

/// `hub db status` on a configured database reports the server's settings against the measured
/// rules of docs/scaling.md: shared buffers for the accounts, WAL compression, durability.
@Suite struct ServerSettingsTests {
    func settings(buffers: Int64 = 1 << 30, compression: String = "lz4", fsync: Bool = true, fullPageWrites: Bool = true,
                  synchronousCommit: String = "on", accounts: Int? = 60_000) -> ServerSettings {
        ServerSettings(sharedBuffersBytes: buffers, walCompression: compression, lz4Available: true, fsync: fsync,
                       fullPageWrites: fullPageWrites, synchronousCommit: synchronousCommit, rentAccounts: accounts)
    }

    func finding(_ settings: ServerSettings, _ name: String) throws -> ServerSettings.Finding {
        try #require(settings.findings.first { $0.setting == name }, "\(settings.findings)")
    }

    @Test func aServerSetAsTheRulesSayHasNothingToReport() throws {
        let good = settings()
        #expect(good.findings.allSatisfy { $0.level == .ok }, "\(good.findings)")
        #expect(try finding(good, "shared_buffers").message.hasPrefix("1.0 GB, at least the 614 MB the rule asks for 60,000 rent accounts"))
    }

    @Test func sharedBuffersBelowOneGigabytePerHundredThousandAccountsAreAdvisedUp() throws {
        let small = try finding(settings(buffers: 1 << 30, accounts: 250_000), "shared_buffers")
        #expect(small.level == .advice)
        #expect(small.message.hasPrefix("1.0 GB, below the 2.5 GB the rule asks for 250,000 rent accounts"), "\(small.message)")
        // A handful of accounts still wants PostgreSQL's default, no less.
        #expect(settings(buffers: 128 << 20, accounts: 10).sharedBuffersWanted == 128 << 20)
        let uncounted = try finding(settings(accounts: nil), "shared_buffers")
        #expect(uncounted.level == .advice && uncounted.message.contains("may not count the rent accounts"), "\(uncounted.message)")
    }

    @Test func walCompressionOffIsAdvisedToLz4AndDurabilityOffIsAWarning() throws {
        let risky = settings(compression: "off", fsync: false, fullPageWrites: false, synchronousCommit: "off")
        let wal = try finding(risky, "wal_compression")
        #expect(wal.level == .advice && wal.message.contains("ALTER SYSTEM SET wal_compression = lz4"), "\(wal.message)")
        for name in ["fsync", "full_page_writes"] {
            let durability = try finding(risky, name)
            #expect(durability.level == .warning && durability.message.hasPrefix("off: a crash"), "\(name): \(durability.message)")
        }
        #expect(try finding(risky, "synchronous_commit").level == .warning)
        let halfDurable = settings(fullPageWrites: false)
        #expect(try finding(halfDurable, "fsync").level == .ok && finding(halfDurable, "full_page_writes").level == .warning)
        // The metric of `hub serve`: each setting by its own name.
        #expect(risky.asAdvised.map { "\($0.name) \($0.asAdvised)" } == [
            "shared_buffers true", "wal_compression false", "fsync false", "full_page_writes false", "synchronous_commit false",
        ])
        #expect(settings(buffers: 1 << 30, accounts: 250_000).asAdvised.first { $0.name == "shared_buffers" }?.asAdvised == false)
        // A server without lz4 is advised pglz.
        var old = settings(compression: "off")
        old.lz4Available = false
        #expect(try finding(old, "wal_compression").message.contains("wal_compression = pglz"))
    }

    /// The settings as read from the test server (a throwaway cluster: fsync, full-page writes and
    /// synchronous commit off), by `hub db status` in text and JSON.
    @Test func hubDbStatusReadsTheServersSettingsAndCountsTheLandlordsAccounts() throws {
        let database = try TestHub.database()
        let db = try database.connect()
        try db.addTenancy(account: "100001", property: "P1", start: "2026-04-06", charges: [("DBR", 9000, "2026-04-06", nil)])
        try db.addTenancy(account: "100002", property: "P2", start: "2026-04-06", charges: [("DBR", 9000, "2026-04-06", nil)])
        let read = try ServerSettings.read(from: db)
        let server = try Connection(database.adminConnectionString!)
        let fsync = try server.queryOne("SHOW fsync")!.text(0)
        #expect(read.fsync == (fsync == "on"))
        #expect(read.rentAccounts == 2)
        let buffers = try server.queryOne("SELECT pg_size_bytes(current_setting('shared_buffers'))")!.int64(0)
        #expect(read.sharedBuffersBytes == buffers)

        let voice = CommandOutputTests()
        let (folder, environment) = try voice.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        var (status, output) = try voice.hub(["db", "status"], environment, in: folder)
        #expect(status == 0, "\(output)")
        #expect(output.contains("Server settings for the day's work (docs/scaling.md):"), "\(output)")
        for setting in ["shared_buffers: ", "wal_compression: ", "fsync: ", "full_page_writes: ", "synchronous_commit: "] {
            #expect(output.contains("  " + setting), "\(setting): \(output)")
        }
        if fsync == "off" { #expect(output.contains("fsync: WARNING: off"), "\(output)") }
        (status, output) = try voice.hub(["db", "status", "--json"], environment, in: folder)
        #expect(status == 0, "\(output)")
        let json = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        let reported = try #require(json?["server"] as? [String: Any], "\(output)")
        #expect(reported["fsync"] as? Bool == (fsync == "on"))
        #expect(reported["rent_accounts"] as? Int == 0)  // the setup's own database holds no accounts
        #expect((reported["findings"] as? [[String: Any]])?.count == 5, "\(output)")
    }
}
