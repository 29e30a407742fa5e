import BankFiles
import Foundation
import HousingFinance
import Hub
import HubDemo
import Postgres
import Testing

/// Issue 13: what a careless operator, a superuser behind the hub's back, a file in another
/// format or a misspelt parameter could do, each tried as a person would.
@Suite struct HardeningTests {
    // MARK: hub db verify

    @Test func verifyPassesAnUntouchedLedgerAndNamesEachRunAndEntryASuperuserChanged() throws {
        let (database, admin) = try PrivilegeTests.populated()
        let hub = try database.connect()
        var result = try LedgerVerification.verify(on: hub)
        #expect(result.isIntact, "\(result.problems)")
        #expect(result.runsChecked == 2)
        #expect(result.runningEntries == (try hub.queryOne("SELECT count(*) FROM ledger_entries")!.decode(Int64.self, 0)))
        #expect(result.runningEntries > 0)

        let rows = try admin.query("SELECT id, run_id FROM ledger_entries ORDER BY id").map { (try $0.decode(Int64.self, 0), try $0.decode(Int64.self, 1)) }
        let (changed, changedRun) = rows[0]
        let (gone, goneRun) = rows[rows.count - 1]
        // A superuser goes round the append-only triggers.
        try admin.execute("SET session_replication_role = replica")
        try admin.execute("UPDATE ledger_entries SET amount_pence = amount_pence - 100 WHERE id = \(changed)")
        try admin.execute("DELETE FROM ledger_entries WHERE id = \(gone)")
        try admin.execute("RESET session_replication_role")

        result = try LedgerVerification.verify(on: hub)
        #expect(!result.isIntact)
        #expect(result.problems.contains { $0.runId == changedRun && $0.entryId == changed && $0.message == "entry \(changed) of run \(changedRun) was changed after the run completed" },
                "\(result.problems)")
        #expect(result.problems.contains { $0.runId == goneRun && $0.entryId == gone && $0.message == "entry \(gone) of run \(goneRun) is gone from the ledger" },
                "\(result.problems)")
        #expect(result.render().contains("THE LEDGER HAS BEEN CHANGED OUTSIDE THE HUB"))
    }

    /// 0040 works an entry's hash out from its columns, joined with `||`: the same value as 0019's
    /// expression (concat_ws over the whole row) for NULLs, quotes, backslashes, commas, empty and
    /// non-ASCII text and the extremes of the numbers, so that seals made before it still verify.
    @Test func theEntryHashFromTheColumnsIsTheOneSealsWereMadeWith() throws {
        let database = try TestHub.database()
        let db = try database.admin()
        let rows = try db.query(
            """
            WITH v(\(unescaped: Self.entryColumns)) AS (VALUES
                (1::bigint, 2::bigint, 'DBR', 'DBR', 10000::bigint, DATE '2026-04-06', DATE '2026-04-06', 3::bigint, NULL::text, NULL::text, NULL::bigint),
                (9223372036854775807, 1, 'RPY', NULL, -9223372036854775808, DATE '1999-12-31', NULL, 1, 'O''Brien, "flat 2" \\ back', 'camt:ABC,123', 42),
                (5, 6, 'ADJ', 'DSC', 0, DATE '2000-01-01', DATE '2000-01-03', 7, 'Café — £5 ✓', '', -4),
                (8, 9, 'NULL', 'NULL', 1, DATE '4000-02-29', DATE '1900-01-01', 10, 'NULL', 'null', 0))
            SELECT ledger_entry_hash_of(\(unescaped: Self.entryColumns)),
                   ('x' || encode(substr(sha256(convert_to(concat_ws(',', id::text, account_id::text, quote_nullable(code), quote_nullable(charge_code),
                       amount_pence::text, (entry_date - DATE '2000-01-01')::text, quote_nullable((rent_week - DATE '2000-01-01')::text), run_id::text,
                       quote_nullable(description), quote_nullable(source_ref), quote_nullable(reverses_entry_id::text)), 'UTF8')), 1, 8), 'hex'))::bit(64)::bigint
            FROM v
            """)
        #expect(rows.count == 4)
        for row in rows {
            #expect(try row.decode(Int64.self, 0) == row.decode(Int64.self, 1))
        }
        // And on the ledger's own rows, through the whole-row form that callers may still use.
        let (_, admin) = try PrivilegeTests.populated()
        let differ = try admin.queryOne(
            "SELECT count(*) FILTER (WHERE ledger_entry_hash(l) <> ledger_entry_hash_of(\(unescaped: Self.entryColumns))), count(*) FROM ledger_entries l")!
        #expect(try differ.decode(Int64.self, 0) == 0)
        #expect(try differ.decode(Int64.self, 1) > 0)
    }

    /// 0040 stores a seal's arrays with LZ4 (Debian's server has it; a server without keeps pglz,
    /// which the migration says in a notice): a large seal is stored in a tenth of the time.
    @Test func sealsAreStoredWithLZ4WhereTheServerHasIt() throws {
        let database = try TestHub.database()
        let db = try database.admin()
        let methods = try db.query(
            "SELECT attname::text, attcompression::text FROM pg_attribute WHERE attrelid = 'run_seals'::regclass AND attname IN ('entry_ids', 'entry_hashes') ORDER BY 1"
        ).map { try "\($0.decode(String.self, 0))=\($0.decode(String.self, 1))" }
        #expect(methods == ["entry_hashes=l", "entry_ids=l"])
    }

    static let entryColumns = "id, account_id, code, charge_code, amount_pence, entry_date, rent_week, run_id, description, source_ref, reverses_entry_id"

    @Test func verifyFindsASealRemadeOrAnEntryAddedBehindTheHubsBack() throws {
        let (database, admin) = try PrivilegeTests.populated()
        let run = try admin.queryOne("SELECT run_id FROM run_seals ORDER BY seq LIMIT 1")!.decode(Int64.self, 0)
        let account = try admin.queryOne("SELECT account_id FROM ledger_entries LIMIT 1")!.decode(Int64.self, 0)
        try admin.execute("SET session_replication_role = replica")
        let added = try admin.queryOne(
            "INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id) VALUES (\(account), 'RPY', -5000, '2026-04-06', \(run)) RETURNING id"
        )!.decode(Int64.self, 0)
        // ...and makes the seal agree with the entries again, without the chain.
        try admin.execute(
            """
            UPDATE run_seals s SET entries = a.n, pence = a.p, entry_ids = a.ids, entry_hashes = a.hashes
            FROM (SELECT count(*) n, sum(amount_pence) p, array_agg(id ORDER BY id) ids, array_agg(ledger_entry_hash(l) ORDER BY id) hashes
                  FROM ledger_entries l WHERE run_id = \(run)) a WHERE s.run_id = \(run)
            """)
        try admin.execute("RESET session_replication_role")
        let result = try LedgerVerification.verify(on: try database.connect())
        #expect(result.problems.contains { $0.runId == run && $0.message == "run \(run)'s seal was changed: its hash does not match what it holds" }, "\(result.problems)")
        #expect(result.problems.contains { $0.message == "the ledger's running totals break at run \(run)'s seal" }, "\(result.problems)")
        _ = added
    }

    @Test func hubDbVerifyExitsSixNamingTheRunAndEntryAndZeroWhenIntact() throws {
        let (folder, environment) = try CommandOutputTests().setUp()
        let db = try Connection.hub(environment["HUB_DATABASE_URL"]!)
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", 10_000, "2026-04-06", nil)])
        var (status, output) = try CommandOutputTests().hub(["run", "rent-debit", "--week", "2026-04-06", "--as-of", "2026-04-06"], environment, in: folder)
        #expect(status == 0, "\(output)")
        (status, output) = try CommandOutputTests().hub(["db", "verify"], environment, in: folder)
        #expect(status == 0, "\(output)")
        #expect(output.contains("The ledger is intact"))

        let admin = try Connection.hub(environment["HUB_ADMIN_DATABASE_URL"]!)
        let entry = try admin.queryOne("SELECT id, run_id FROM ledger_entries ORDER BY id LIMIT 1")!
        let (id, run) = (try entry.decode(Int64.self, 0), try entry.decode(Int64.self, 1))
        try admin.execute("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only")
        try admin.execute("UPDATE ledger_entries SET description = 'moved' WHERE id = \(id)")
        try admin.execute("ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only")
        (status, output) = try CommandOutputTests().hub(["db", "verify"], environment, in: folder)
        #expect(status == 6, "\(output)")
        #expect(output.contains("entry \(id) of run \(run) was changed after the run completed"), "\(output)")
        (status, output) = try CommandOutputTests().hub(["db", "verify", "--json"], environment, in: folder)
        #expect(status == 6)
        #expect(output.contains("\"entry_id\" : \(id)") || output.contains("\"entry_id\": \(id)"), "\(output)")
    }

    // MARK: identity of a bank entry

    @Test func theSameStatementAsCamtThenMT940PostsOnce() throws {
        let world = try PaymentWorld()
        let day = d("2025-01-07")
        let payments: [(ref: String, pence: Int64, bank: String)] = [
            (world.refs[0], 1000, "BNK0001"), (world.refs[1], 2550, "BNK0002"), ("NOBODY KNOWN", 900, "BNK0003"),
        ]
        let statement = Camt053Statement(id: "STMT-0107", iban: "GB29NWBK60161331926819", date: day, openingBalance: .zero)
        let camt = try Camt053Writer(messageId: "MSG-0107", created: day).bytes([(statement, payments.map {
            Camt053Entry(amount: Money(pence: $0.pence), bookingDate: day, reference: $0.ref, accountServicerReference: $0.bank)
        })])
        let first = try world.importText("statement-0107.xml", String(decoding: camt, as: UTF8.self))
        #expect(first.report.counts.values.reduce(0, +) > 0)
        let ledger = try world.ledgerCount()
        let suspense = try world.sum("SELECT count(*) FROM suspense_items")

        // The same day's statement of the same account as MT940 (its :25: the sort code and account).
        let mt940 = PaymentFileText.mt940(reference: "STMT-0107", account: "60161331926819", number: 1, opening: .zero, date: day, entries: payments.map {
            .init(amount: Money(pence: $0.pence), date: day, text: $0.ref, bankReference: $0.bank)
        })
        let second = try world.importText("statement-0107.sta", mt940)
        #expect(try world.ledgerCount() == ledger, "no payment is posted a second time")
        #expect(try world.sum("SELECT count(*) FROM suspense_items") == suspense)
        #expect(try world.sum("SELECT count(*) FROM payment_entries WHERE run_id = \(second.record.id) AND outcome = 'skipped'") == 3)
        #expect(try world.balance(world.refs[0]) == -1000)
    }

    @Test func aConcurrentImportOfTheSamePaymentsInAnotherFileIsToldInWords() throws {
        let world = try PaymentWorld()
        let day = d("2025-01-07")
        let entries: [PaymentFileText.StatementEntry] = [.init(amount: Money(pence: 1000), date: day, text: world.refs[0], bankReference: "R1")]
        let a = try world.write("a.sta", PaymentFileText.mt940(reference: "A", number: 1, opening: .zero, date: day, entries: entries))
        let b = try world.write("b.sta", PaymentFileText.mt940(reference: "B", number: 2, opening: .zero, date: day, entries: entries))
        let release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let firstResult = Locked<Result<Int64, any Error>?>(nil)
        let holding = Locked(false)
        let importer = world.importer
        Thread {
            let result = Result {
                try importer.importFile(a, format: nil, businessDate: day, beforeCommit: { _ in
                    holding.withLock { $0 = true }
                    release.wait()
                }).record.id
            }
            firstResult.withLock { $0 = result }
            done.signal()
        }.start()
        // The first import holds its postings uncommitted until released.
        while !holding.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.05) }
        // Released once the second import waits on the first's uncommitted payment.
        let adminURL = world.runner.database.adminConnectionString!
        DispatchQueue.global().async {
            let watcher = try? Connection.hub(adminURL)
            for _ in 0..<1200 {
                if let waiting = try? watcher?.queryOne(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")?.decode(Int.self, 0),
                    waiting > 0 { break }
                usleep(50_000)
            }
            release.signal()
        }
        let error = try #require(throws: RunError.self) { try world.importer.importFile(b, format: nil, businessDate: day) }
        done.wait()
        #expect(error.code == .inProgress)
        #expect(error.message.contains("b.sta: some of its payments were being imported from another file at the same moment"), "\(error.message)")
        #expect(!error.message.contains("23505") && !error.message.contains("payment_entries_once"))
        #expect(try firstResult.withLock { $0 }?.get() != nil)
        #expect(try world.balance(world.refs[0]) == -1000)
    }

    // MARK: job parameters

    @Test func anUnknownOrWrongJobParameterIsRefusedByName() throws {
        let (folder, environment) = try CommandOutputTests().setUp()
        let jobs = CommandOutputTests.repository.appendingPathComponent("Jobs").path
        var (status, output) = try CommandOutputTests().hub(
            ["jobs", "run", "rent-debit", "--param", "wek=2026-07-13", "--as-of", "2026-07-20", "--jobs", jobs], environment, in: folder)
        #expect(status == 2, "\(output)")
        #expect(output.contains("rent-debit has no parameter 'wek' (it takes week)"), "\(output)")
        (status, output) = try CommandOutputTests().hub(
            ["jobs", "run", "rent-debit", "--param", "week=13/07/2026", "--as-of", "2026-07-20", "--jobs", jobs], environment, in: folder)
        #expect(status == 2, "\(output)")
        #expect(output.contains("parameter week of rent-debit: '13/07/2026' is not a date YYYY-MM-DD"), "\(output)")
        let db = try Connection.hub(environment["HUB_DATABASE_URL"]!)
        #expect(try db.queryOne("SELECT count(*) FROM runs")!.decode(Int64.self, 0) == 0)
        #expect(JobParameters.problems(job: "gl-export", parameters: ["period": "2026-11"]).isEmpty)
        #expect(JobParameters.problems(job: "gl-export", parameters: ["period": "2026-13"]) == ["parameter period of gl-export: '2026-13' is not a month YYYY-MM"])
    }

    // MARK: declining, and a run killed after it committed

    @Test func decliningAnUnwindExitsFiveAtATerminalAndWithout() throws {
        let (folder, environment) = try CommandOutputTests().setUp()
        let db = try Connection.hub(environment["HUB_DATABASE_URL"]!)
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", 10_000, "2026-04-06", nil)])
        var (status, output) = try CommandOutputTests().hub(["run", "rent-debit", "--week", "2026-04-06", "--as-of", "2026-04-06"], environment, in: folder)
        #expect(status == 0, "\(output)")
        // Standard input not a terminal.
        (status, output) = try CommandOutputTests().hub(["runs", "reverse", "--back-to", "0", "--reason", "test"], environment, in: folder)
        #expect(status == 5, "\(output)")
        #expect(output.contains("Nothing was done"))
        // At a terminal (script gives it one), the person types n.
        let command = ([HubProcess.executable, "runs", "reverse", "--back-to", "0", "--reason", "test"]).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let input = Pipe()
        let out = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = out
        try process.run()
        Thread.sleep(forTimeInterval: 1.5)
        input.fileHandleForWriting.write(Data("n\n".utf8))
        process.waitUntilExit()
        let typed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 5, "\(typed)")
        #expect(typed.contains("Type yes to go on"), "\(typed)")
        #expect(typed.contains("Nothing was done."), "\(typed)")
        #expect(try db.queryOne("SELECT count(*) FROM runs WHERE job = 'reversal'")!.decode(Int64.self, 0) == 0)
    }

    @Test func aRunKilledAfterItCommittedIsShownCompletedByTheRunsList() throws {
        let (folder, environment) = try CommandOutputTests().setUp()
        let db = try Connection.hub(environment["HUB_DATABASE_URL"]!)
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", 10_000, "2026-04-06", nil)])
        var (status, output) = try CommandOutputTests().hub(
            ["run", "rent-debit", "--week", "2026-04-06", "--as-of", "2026-04-06"], environment.merging(["HUB_TEST_CRASH_AFTER_COMMIT": "1"]) { $1 }, in: folder)
        #expect(status == 9, "\(output)")
        #expect(!output.contains("completed"), "the killed process printed nothing of its run: \(output)")
        (status, output) = try CommandOutputTests().hub(["runs", "list"], environment, in: folder)
        #expect(status == 0)
        let rows = TextRows.all(output)
        let header = try #require(rows.first)
        let run = try #require(rows.dropFirst().first { $0.contains("rent-debit") }, "\(output)")
        #expect(run[header.firstIndex(of: "Status")!] == "completed")
        #expect(run[header.firstIndex(of: "Finished")!] != "-", "\(output)")
        #expect(try db.posted(account: "100000011") == 10_000)
    }
}
