import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

@Suite struct SchemaTests {
    @Test func migratingTwiceDoesNothing() throws {
        let database = try TestHub.database()
        let report = try database.migrate()
        #expect(report.applied.isEmpty)
        #expect(report.alreadyApplied.count == (try HubDatabase.migrations()).count)
    }

    @Test func ledgerEntriesCannotBeUpdatedOrDeleted() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-04-06", charges: [("DBR", 10000, "2026-04-06", nil)])
        let config = TestHub.config(goLive: d("2026-04-06"))
        _ = try RentDebitRuns(runner: runner, config: config).postThrough(RentWeek(containing: d("2026-04-06")), businessDate: d("2026-04-06"))
        // The hub's login has no such privilege; even the schema's owner is refused by the trigger.
        #expect(try #require(throws: PostgresError.self) { try db.execute("UPDATE ledger_entries SET amount_pence = 1") }.sqlState == "42501")
        let owner = try runner.database.admin()
        try owner.execute("SET ROLE hub_owner")
        let update = try #require(throws: PostgresError.self) { try owner.execute("UPDATE ledger_entries SET amount_pence = 1") }
        #expect(update.sqlState == "HUB01")
        #expect(update.message.contains("append-only"))
        #expect(throws: PostgresError.self) { try owner.execute("TRUNCATE ledger_entries") }
        #expect(throws: PostgresError.self) { try db.execute("DELETE FROM ledger_entries") }
        #expect(throws: PostgresError.self) { try db.execute("TRUNCATE ledger_entries") }
        try db.execute("INSERT INTO audit_events (action, entity, entity_ref) VALUES ('test', 'property', 'P1')")
        #expect(throws: PostgresError.self) { try db.execute("DELETE FROM audit_events") }
        #expect(throws: PostgresError.self) { try db.execute("UPDATE audit_events SET actor = 'someone else'") }
        #expect(try db.posted(account: "100000011") == 10000)
    }

    @Test func auditorReadsEverythingAndWritesNothing() throws {
        let database = try TestHub.database()
        let db = try database.admin()
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-04-06", charges: [])
        try db.execute("CREATE ROLE auditor_\(unescaped: String(db.backendPID)) LOGIN IN ROLE hub_auditor")
        try db.execute("SET ROLE auditor_\(unescaped: String(db.backendPID))")
        #expect(try db.queryOne("SELECT count(*) FROM rent_accounts")!.decode(Int.self, 0) == 1)
        _ = try db.query("SELECT * FROM ledger_entries")
        _ = try db.query("SELECT * FROM runs")
        for statement: SQLQuery in [
            "INSERT INTO runs (job, business_key, business_date, host, status) VALUES ('x', 'y', '2026-01-01', 'h', 'running')",
            "UPDATE properties SET address = 'x'",
            "INSERT INTO audit_events (action, entity, entity_ref) VALUES ('a', 'b', 'c')",
            "DELETE FROM rent_accounts",
        ] {
            let error = try #require(throws: PostgresError.self) { try db.execute(statement) }
            #expect(error.isInsufficientPrivilege, "\(statement)")
        }
    }

    @Test func odsSeesOnlyItsOwnFiles() throws {
        let database = try TestHub.database()
        let db = try database.admin()
        try db.execute("SET ROLE hub_ods")
        _ = try db.query("SELECT * FROM ods_sales_order_files")
        for table in ["outbound_files", "ledger_entries", "rent_accounts", "runs"] {
            let error = try #require(throws: PostgresError.self) { try db.query("SELECT * FROM \(unescaped: table)") }
            #expect(error.isInsufficientPrivilege, "\(table)")
        }
    }
}
