import Foundation
import Hub
import Postgres
import Testing

/// Roles are the server's, not a database's: on a shared server (docs/scaling.md) several hub
/// databases may be migrated at once, and the first migrations create the same roles.
@Suite struct ConcurrentMigrationTests {
    /// Four databases on a new server (no hub role exists yet) migrated at the same moment: each
    /// ends with every migration applied, whichever created the roles.
    @Test func databasesMigratedAtOnceOnANewServerAllEndMigrated() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("hub-migrate-\(UUID().uuidString.prefix(8))")
        let cluster = try EmbeddedCluster.start(in: base, port: Int.random(in: 20000...59000))
        try cluster.stopWhenProcessEnds(getpid())
        defer { try? cluster.stop(removeFiles: true) }
        let names = (1...4).map { "hub\($0)" }
        for name in names { try Connection(cluster.connectionString()).execute("CREATE DATABASE \(unescaped: name)") }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: names.count) { index in
            let admin = cluster.connectionString(database: names[index])
            do {
                try HubDatabase(connectionString: HubDatabase.connectionString(admin, user: HubDatabase.serviceRole), adminConnectionString: admin).migrate()
            } catch {
                failures.add("\(names[index]): \(error)")
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
        let expected = try HubDatabase.migrations().count
        for name in names {
            let applied = try Connection(cluster.connectionString(database: name)).queryOne("SELECT count(*) FROM schema_migrations")!.decode(Int.self, 0)
            #expect(applied == expected, "\(name)")
        }
    }

    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [String] = []
        func add(_ failure: String) { lock.withLock { list.append(failure) } }
        var all: [String] { lock.withLock { list } }
    }
}
