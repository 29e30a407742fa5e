import Foundation
import HubTesting
import Postgres
import Testing

/// A fresh database on the test server (embedded, or `HUB_TEST_DATABASE_URL`).
func freshDatabase() throws -> Connection {
    let server = try TestServer.shared(url: ProcessInfo.processInfo.environment["HUB_TEST_DATABASE_URL"])
    return try Connection(try server.createDatabase())
}

@Suite struct ConnectionTests {
    @Test func parametersAreNeverSplicedIntoSQL() throws {
        let db = try freshDatabase()
        let hostile = "x'); DROP TABLE t; --"
        try db.execute("CREATE TABLE t (name text)")
        try db.execute("INSERT INTO t VALUES ($1)", [hostile])
        let row = try #require(try db.queryOne("SELECT name, count(*) OVER () FROM t"))
        #expect(try row.decode(String.self, 0) == hostile)
        #expect(try row.decode(Int.self, 1) == 1)
    }

    @Test func typedDecodingOfEveryKind() throws {
        let db = try freshDatabase()
        let row = try #require(try db.queryOne("""
            SELECT 42::int, 9000000000::bigint, 'héllo'::text, true, DATE '2026-11-23',
                   TIMESTAMPTZ '2026-03-29 01:30:00+00', 1234.56::numeric, '\\x00ff10'::bytea, NULL::int, -0.05::numeric
            """))
        #expect(try row.decode(Int.self, 0) == 42)
        #expect(try row.decode(Int64.self, 1) == 9_000_000_000)
        #expect(try row.decode(String.self, 2) == "héllo")
        #expect(try row.decode(Bool.self, 3) == true)
        #expect(try row.decode(String.self, 4) == "2026-11-23")
        let instant = try row.decode(Date.self, 5)
        #expect(instant.timeIntervalSince1970 == 1_774_747_800)
        #expect(try row.pence(6) == 123_456)
        #expect(try row.decode([UInt8].self, 7) == [0x00, 0xFF, 0x10])
        #expect(try row.decode(Int?.self, 8) == nil)
        #expect(throws: PostgresError.self) { try row.decode(Int.self, 8) }
        #expect(try row.pence(9) == -5)
    }

    @Test func bytesAndDatesRoundTripAsParameters() throws {
        let db = try freshDatabase()
        let bytes: [UInt8] = (0...255).map { UInt8($0) }
        let when = Date(timeIntervalSince1970: 1_790_000_000.25)
        let row = try #require(try db.queryOne("SELECT $1::bytea, $2::timestamptz, $3::int", [bytes, when, Int?.none]))
        #expect(try row.decode([UInt8].self, 0) == bytes)
        #expect(abs(try row.decode(Date.self, 1).timeIntervalSince(when)) < 0.000_001)
        #expect(row.isNull(2))
    }

    @Test func uniqueViolationCarriesSQLStateDetailAndStatement() throws {
        let db = try freshDatabase()
        try db.execute("CREATE TABLE accounts (ref text PRIMARY KEY)")
        try db.execute("INSERT INTO accounts VALUES ($1)", ["100023450"])
        let error = try #require(throws: PostgresError.self) {
            try db.execute("INSERT INTO accounts VALUES ($1)", ["100023450"])
        }
        #expect(error.sqlState == "23505")
        #expect(error.isUniqueViolation)
        #expect(error.detail?.contains("100023450") == true)
        #expect(error.statement == "INSERT INTO accounts VALUES ($1)")
    }

    @Test func rolledBackTransactionLeavesNothing() throws {
        let db = try freshDatabase()
        try db.execute("CREATE TABLE entries (amount bigint)")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.transaction { db in
                try db.execute("INSERT INTO entries VALUES (100)")
                try db.execute("INSERT INTO entries VALUES (200)")
                throw Boom()
            }
        }
        #expect(try db.queryOne("SELECT count(*) FROM entries")!.decode(Int.self, 0) == 0)
        #expect(!db.inTransaction)
    }

    @Test func savepointRollsBackOnlyTheInnerWork() throws {
        let db = try freshDatabase()
        try db.execute("CREATE TABLE entries (amount bigint UNIQUE)")
        try db.transaction { db in
            try db.execute("INSERT INTO entries VALUES (1)")
            _ = try? db.transaction { db in
                try db.execute("INSERT INTO entries VALUES (2)")
                try db.execute("INSERT INTO entries VALUES (1)")  // unique violation
            }
            try db.execute("INSERT INTO entries VALUES (3)")
        }
        let amounts = try db.query("SELECT amount FROM entries ORDER BY 1").map { try $0.decode(Int.self, 0) }
        #expect(amounts == [1, 3])
    }
}

@Suite struct CopyTests {
    @Test func copyOfOneHundredThousandRowsReadsBackExactly() throws {
        let db = try freshDatabase()
        try db.execute("""
            CREATE TABLE ledger (id bigint GENERATED ALWAYS AS IDENTITY, account bigint NOT NULL, code text NOT NULL,
                                 amount bigint NOT NULL, day date NOT NULL, note text, posted boolean NOT NULL)
            """)
        let count = 100_000
        func code(_ i: Int) -> String { ["DBR", "DSC", "DHE", "RPY ünï"][i % 4] }
        func amount(_ i: Int) -> Int64 { Int64(i % 2 == 0 ? i * 37 : -i * 11) }
        let base = 20_415  // 2025-11-24 as days since 1970
        let copied = try db.copyIn(table: "ledger", columns: ["account", "code", "amount", "day", "note", "posted"]) { rows in
            for i in 0..<count {
                try rows.beginRow(columns: 6)
                rows.write(Int64(100_000_000 + i))
                rows.write(code(i))
                rows.write(amount(i))
                rows.writeDate(daysSince1970: base + i % 400)
                rows.write(i % 3 == 0 ? nil : "note \(i)" as String?)
                rows.write(i % 2 == 0)
            }
        }
        #expect(copied == count)
        var seen = 0
        var mismatches = 0
        try db.copyOut("COPY (SELECT account, code, amount, day - DATE '1970-01-01', coalesce(note, '<null>'), posted FROM ledger ORDER BY id) TO STDOUT") { line in
            let fields = String(decoding: line, as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false)
            let i = seen
            let expected = ["\(100_000_000 + i)", code(i), "\(amount(i))", "\(base + i % 400)", i % 3 == 0 ? "<null>" : "note \(i)", i % 2 == 0 ? "t" : "f"]
            if fields.map(String.init) != expected { mismatches += 1 }
            seen += 1
        }
        #expect(seen == count)
        #expect(mismatches == 0)
    }

    @Test func aRefusedRowLoadsNothing() throws {
        let db = try freshDatabase()
        try db.execute("CREATE TABLE t (n bigint CHECK (n <> 500))")
        #expect(throws: PostgresError.self) {
            try db.copyIn(table: "t", columns: ["n"]) { rows in
                for i in 0..<1000 {
                    try rows.beginRow(columns: 1)
                    rows.write(Int64(i))
                }
            }
        }
        #expect(try db.queryOne("SELECT count(*) FROM t")!.decode(Int.self, 0) == 0)
        #expect(db.isHealthy)
    }

    @Test func aFailingProducerLoadsNothing() throws {
        let db = try freshDatabase()
        try db.execute("CREATE TABLE t (n bigint)")
        struct ProducerFailed: Error {}
        #expect(throws: ProducerFailed.self) {
            try db.copyIn(table: "t", columns: ["n"]) { rows in
                for i in 0..<200_000 {
                    if i == 150_000 { throw ProducerFailed() }
                    try rows.beginRow(columns: 1)
                    rows.write(Int64(i))
                }
            }
        }
        #expect(try db.queryOne("SELECT count(*) FROM t")!.decode(Int.self, 0) == 0)
        try db.execute("INSERT INTO t VALUES (1)")  // the connection is usable again
    }
}

@Suite struct PipelineLockNotifyTests {
    @Test func pipelineRunsManyStatementsInOrder() throws {
        let db = try freshDatabase()
        try db.execute("CREATE TABLE t (n int PRIMARY KEY)")
        let statements = (0..<2500).map { Statement("INSERT INTO t VALUES ($1) RETURNING n * 2", [$0]) }
        let results = try db.pipeline(statements)
        #expect(results.count == 2500)
        #expect(try results[2499][0].decode(Int.self, 0) == 4998)
        #expect(try db.queryOne("SELECT count(*) FROM t")!.decode(Int.self, 0) == 2500)
    }

    @Test func pipelineErrorIsThrownWithItsStatement() throws {
        let db = try freshDatabase()
        try db.execute("CREATE TABLE t (n int PRIMARY KEY)")
        let error = try #require(throws: PostgresError.self) {
            try db.pipeline([Statement("INSERT INTO t VALUES (1)"), Statement("INSERT INTO t VALUES (1)"), Statement("INSERT INTO t VALUES (2)")])
        }
        #expect(error.sqlState == "23505")
        #expect(db.isHealthy)
        _ = try db.query("SELECT 1")
    }

    @Test func advisoryLockIsExclusiveAcrossSessions() throws {
        let server = try TestServer.shared(url: ProcessInfo.processInfo.environment["HUB_TEST_DATABASE_URL"])
        let url = try server.createDatabase()
        let a = try Connection(url), b = try Connection(url)
        let key = try a.advisoryKey("rent-debit 2026-11-23")
        #expect(try a.tryAdvisoryLock(key))
        #expect(try !b.tryAdvisoryLock(key))
        #expect(try a.advisoryUnlock(key))
        #expect(try b.tryAdvisoryLock(key))
    }

    @Test func listenReceivesNotifications() throws {
        let server = try TestServer.shared(url: ProcessInfo.processInfo.environment["HUB_TEST_DATABASE_URL"])
        let url = try server.createDatabase()
        let listener = try Connection(url), sender = try Connection(url)
        try listener.listen("inbox")
        #expect(try listener.waitForNotification(timeout: 0.05) == nil)
        try sender.notify("inbox", payload: "CashFile20261123")
        let note = try #require(try listener.waitForNotification(timeout: 5))
        #expect(note.channel == "inbox")
        #expect(note.payload == "CashFile20261123")
    }

    @Test func poolLendsConnectionsToConcurrentWork() async throws {
        let server = try TestServer.shared(url: ProcessInfo.processInfo.environment["HUB_TEST_DATABASE_URL"])
        let pool = ConnectionPool(try server.createDatabase(), capacity: 3)
        let sums = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<12 { group.addTask { try await pool.withConnection { try $0.queryOne("SELECT $1::int + 1", [i])!.decode(Int.self, 0) } } }
            return try await group.reduce(0, +)
        }
        #expect(sums == (1...12).reduce(0, +))
    }
}

@Suite struct MigratorTests {
    @Test func migrateTwiceDoesNothingAndAChangedMigrationIsRefused() throws {
        let db = try freshDatabase()
        let first = [Migration(version: 1, name: "0001_a", sql: "CREATE TABLE a (n int);"),
                     Migration(version: 2, name: "0002_b", sql: "CREATE TABLE b (n int);")]
        let report = try Migrator(first).migrate(db)
        #expect(report.applied == ["0001_a", "0002_b"])
        let again = try Migrator(first).migrate(db)
        #expect(again.applied.isEmpty)
        #expect(again.alreadyApplied.count == 2)
        var changed = first
        changed[1].sql = "CREATE TABLE b (n bigint);"
        let error = try #require(throws: PostgresError.self) { try Migrator(changed).migrate(db) }
        #expect(error.message.contains("0002_b was changed"))
    }

    @Test func aFailingMigrationLeavesNoTrace() throws {
        let db = try freshDatabase()
        let bad = [Migration(version: 1, name: "0001_bad", sql: "CREATE TABLE x (n int); SELECT 1/0;")]
        #expect(throws: PostgresError.self) { try Migrator(bad).migrate(db) }
        #expect(try db.queryOne("SELECT to_regclass('x') IS NULL")!.decode(Bool.self, 0))
        #expect(try db.queryOne("SELECT count(*) FROM schema_migrations")!.decode(Int.self, 0) == 0)
    }
}

@Suite struct EmbeddedClusterFolderTests {
    @Test func aFolderTooDeepForTheSocketIsRefusedByNameBeforeAnythingIsMade() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("hub-deep-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let deep = base.appendingPathComponent(String(repeating: "d", count: 60)).appendingPathComponent(String(repeating: "e", count: 40))
        #expect {
            _ = try EmbeddedCluster.start(in: deep, port: 54321)
        } throws: { error in
            let message = "\(error)"
            return message.contains("too deep") && message.contains("embedded-database:") && message.contains(deep.lastPathComponent)
        }
        #expect(!FileManager.default.fileExists(atPath: deep.appendingPathComponent("data").path))
    }
}
