import Foundation
import HousingFinance
import Hub
import HubDemo
import Postgres
import Testing

/// Migration 0032 checks a payment entry's run, account, first entry and returned ledger entry
/// once per statement instead of by four foreign keys row by row: the same refusals, from either
/// side, with the keys' own SQLSTATE, message and detail.
@Suite struct PaymentEntryReferenceTests {
    let jan7 = d("2025-01-07")

    @Test func aPaymentEntryNamesAnExistingRunAccountEntryAndLedgerEntry() throws {
        let world = try PaymentWorld()
        let statement = PaymentFileText.mt940(reference: "STMT1", number: 1, opening: pence(0), date: jan7, entries: [
            .init(amount: pence(9550), date: jan7, text: world.refs[0], bankReference: "B1"),
        ])
        let run = try world.importText("statement.sta", statement).record.id
        let entry = try #require(try world.db.queryOne("SELECT id FROM payment_entries WHERE run_id = $1", [run])).decode(Int64.self, 0)
        let ledger = try #require(try world.db.queryOne("SELECT id FROM ledger_entries WHERE run_id = $1", [run])).decode(Int64.self, 0)
        let account = try #require(world.ids[world.refs[0]])
        let owner = try world.runner.database.admin()
        try owner.execute("SET ROLE hub_owner")

        /// Inserts a skipped entry naming the given run, account, first entry and ledger entry
        /// (in a transaction rolled back), with a second, valid row in the same statement.
        func insert(run: Int64, account: Int64?, first: Int64?, returns: Int64?) throws {
            try owner.execute("BEGIN")
            defer { _ = try? owner.execute("ROLLBACK") }
            try owner.execute(
                """
                INSERT INTO payment_entries (run_id, entry_key, position, direction, amount_pence, booking_date, reference, outcome,
                    account_id, first_entry_id, returns_entry_id)
                VALUES ($1, 'test:1', '1', 'credit', 100, DATE '2025-01-07', 'R', 'skipped', $2, $3, $4),
                       ($5, 'test:2', '2', 'credit', 100, DATE '2025-01-07', 'R', 'skipped', $6, $7, $8)
                """, [run, account, first, returns, run, account, entry, ledger])
        }
        // Every key naming what exists, or nothing: accepted.
        try insert(run: run, account: account, first: entry, returns: ledger)
        try insert(run: run, account: nil, first: nil, returns: nil)

        // The detail names no values: PostgreSQL leaves them out for a table under row-level security.
        let cases: [(column: String, table: String, call: () throws -> Void)] = [
            ("run_id", "runs", { try insert(run: run + 1000, account: account, first: entry, returns: ledger) }),
            ("account_id", "rent_accounts", { try insert(run: run, account: account + 1000, first: entry, returns: ledger) }),
            ("first_entry_id", "payment_entries", { try insert(run: run, account: account, first: entry + 1000, returns: ledger) }),
            ("returns_entry_id", "ledger_entries", { try insert(run: run, account: account, first: entry, returns: ledger + 1000) }),
        ]
        for (column, table, call) in cases {
            let error = try #require(throws: PostgresError.self, "\(column)") { try call() }
            #expect(error.sqlState == "23503", "\(column)")
            #expect(error.message == "insert or update on table \"payment_entries\" violates foreign key constraint \"payment_entries_\(column)_fkey\"")
            #expect(error.detail == "Key is not present in table \"\(table)\".")
        }
        // An update naming a missing account is refused the same way (only the owner may update).
        let update = try #require(throws: PostgresError.self) {
            try owner.execute("UPDATE payment_entries SET account_id = $1 WHERE id = $2", [account + 1000, entry])
        }
        #expect(update.sqlState == "23503")
        #expect(update.message.contains("payment_entries_account_id_fkey"))

        // The parents: an account only payment entries name, and an entry a later one names as
        // its first, can be neither deleted nor renumbered, even by the schema's owner.
        let spare = try world.db.addTenancy(account: "100000029", property: "P99", start: "2024-04-01", charges: [])
        try owner.execute(
            """
            INSERT INTO payment_entries (run_id, entry_key, position, direction, amount_pence, booking_date, reference, outcome, account_id, first_entry_id)
            VALUES ($1, 'test:3', '3', 'credit', 100, DATE '2025-01-07', 'R', 'skipped', $2, $3)
            """, [run, spare, entry])
        try owner.execute("DELETE FROM rent_recalc WHERE account_id = $1", [spare])
        let deleteAccount = try #require(throws: PostgresError.self) { try owner.execute("DELETE FROM rent_accounts WHERE id = $1", [spare]) }
        #expect(deleteAccount.sqlState == "23503")
        #expect(deleteAccount.message == "update or delete on table \"rent_accounts\" violates foreign key constraint \"payment_entries_account_id_fkey\" on table \"payment_entries\"")
        #expect(deleteAccount.detail == "Key is still referenced from table \"payment_entries\".")
        let renumber = try #require(throws: PostgresError.self) { try owner.execute("UPDATE rent_accounts SET id = DEFAULT WHERE id = $1", [spare]) }
        #expect(renumber.sqlState == "23503")
        let deleteEntry = try #require(throws: PostgresError.self) { try owner.execute("DELETE FROM payment_entries WHERE id = $1", [entry]) }
        #expect(deleteEntry.sqlState == "23503")
        #expect(deleteEntry.message == "update or delete on table \"payment_entries\" violates foreign key constraint \"payment_entries_first_entry_id_fkey\" on table \"payment_entries\"")
        let deleteRun = try #require(throws: PostgresError.self) { try owner.execute("DELETE FROM runs WHERE id = $1", [run]) }
        #expect(deleteRun.sqlState == "23503")
        // What was imported is untouched.
        #expect(try world.balance(world.refs[0]) == -9550)
    }
}
