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

    /// Migration 0029 checks a ledger entry's account and run once per statement instead of by
    /// foreign keys row by row: the same refusals, from either side, with the same SQLSTATE.
    @Test func ledgerEntriesNameAnExistingAccountAndRun() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        let account = try db.addTenancy(account: "100000011", property: "P1", start: "2026-04-06", charges: [("DBR", 10000, "2026-04-06", nil)])
        let config = TestHub.config(goLive: d("2026-04-06"))
        _ = try RentDebitRuns(runner: runner, config: config).postThrough(RentWeek(containing: d("2026-04-06")), businessDate: d("2026-04-06"))
        let run = try #require(try db.queryOne("SELECT run_id FROM ledger_entries WHERE account_id = $1", [account])).decode(Int64.self, 0)
        let owner = try runner.database.admin()
        try owner.execute("SET ROLE hub_owner")
        // A statement of many rows with one unknown account is refused whole, naming the account.
        let unknownAccount = try #require(throws: PostgresError.self) {
            try owner.execute(
                "INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id) SELECT unnest($1::bigint[]), 'RPY', -100, DATE '2026-04-06', $2",
                [PostgresArray([account, account + 1000]), run])
        }
        #expect(unknownAccount.sqlState == "23503")
        #expect(unknownAccount.message.contains("ledger_entries_account_id_fkey"))
        #expect(unknownAccount.detail == "Key (account_id)=(\(account + 1000)) is not present in table \"rent_accounts\".")
        // 0039 reads only the accounts between the rows' lowest and highest: an account missing
        // inside that range (one that existed and was deleted) is still refused, by name.
        let first = try db.addTenancy(account: "100000037", property: "P3", start: "2026-04-06", charges: [])
        let gone = try db.addTenancy(account: "100000045", property: "P4", start: "2026-04-06", charges: [])
        let last = try db.addTenancy(account: "100000052", property: "P5", start: "2026-04-06", charges: [])
        try owner.execute("DELETE FROM rent_recalc WHERE account_id = $1", [gone])
        try owner.execute("DELETE FROM rent_accounts WHERE id = $1", [gone])
        #expect(first < gone && gone < last)
        let missingInside = try #require(throws: PostgresError.self) {
            try owner.execute(
                "INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id) SELECT unnest($1::bigint[]), 'RPY', -100, DATE '2026-04-06', $2",
                [PostgresArray([first, gone, last]), run])
        }
        #expect(missingInside.sqlState == "23503")
        #expect(missingInside.detail == "Key (account_id)=(\(gone)) is not present in table \"rent_accounts\".")
        try owner.execute(
            "INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id) SELECT unnest($1::bigint[]), 'RPY', -100, DATE '2026-04-06', $2",
            [PostgresArray([first, last]), run])
        let unknownRun = try #require(throws: PostgresError.self) {
            try owner.execute(
                "INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id) VALUES ($1, 'RPY', -100, DATE '2026-04-06', $2)",
                [account, run + 1000])
        }
        #expect(unknownRun.sqlState == "23503")
        #expect(unknownRun.message.contains("ledger_entries_run_id_fkey"))
        // The parents of entries can be neither deleted nor renumbered, even by the schema's owner.
        let deleteAccount = try #require(throws: PostgresError.self) { try owner.execute("DELETE FROM rent_accounts WHERE id = $1", [account]) }
        #expect(deleteAccount.sqlState == "23503")
        #expect(deleteAccount.message.contains("ledger_entries"))
        let renumber = try #require(throws: PostgresError.self) { try owner.execute("UPDATE rent_accounts SET id = DEFAULT WHERE id = $1", [account]) }
        #expect(renumber.sqlState == "23503")
        #expect(renumber.message.contains("ledger_entries"))
        let deleteRun = try #require(throws: PostgresError.self) { try owner.execute("DELETE FROM runs WHERE id = $1", [run]) }
        #expect(deleteRun.sqlState == "23503")
        #expect(deleteRun.message.contains("ledger_entries"))
        // An account without entries may still go (as the key allowed).
        let spare = try db.addTenancy(account: "100000029", property: "P2", start: "2026-04-06", charges: [])
        try owner.execute("DELETE FROM rent_recalc WHERE account_id = $1", [spare])
        try owner.execute("DELETE FROM rent_accounts WHERE id = $1", [spare])
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
