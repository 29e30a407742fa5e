import BankFiles
import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// The import's bounded pipeline (docs/performance.md, "The payment import against the COPY
/// limit"): the file is read a chunk ahead, each chunk is prepared while the server moves the chunk
/// before into the tables, and the whole file is still one all-or-nothing run.
@Suite struct PaymentPipelineTests {
    let day = d("2026-12-02")
    /// More than two chunks of the import (10,000 entries each).
    let count = 22_000

    /// A camt.053 of `count` entries (amounts 10.00 + i pence, bank references B0, B1...) to the
    /// world's accounts, with every 500th unknown (suspense), entries 10,000 and 20,005 repeating
    /// entries 9,999 and 12 (the first of a chunk repeating the last of the chunk before, whose
    /// rows are still being inserted when it is decided), and one bank charge.
    func statement(_ world: PaymentWorld) throws -> (text: String, entries: [Camt053Entry]) {
        var entries = (0..<count).map { i in
            Camt053Entry(
                amount: Money(pence: Int64(1000 + i)), bookingDate: day, reference: i % 500 == 7 ? "NO IDEA \(i)" : "RENT \(world.refs[i % world.refs.count])",
                accountServicerReference: "B\(i)", payerName: "PAYER \(i % 97)")
        }
        entries[10_000] = entries[9_999]
        entries[20_005] = entries[12]
        entries.append(Camt053Entry(amount: Money(pence: 1250), direction: .debit, bookingDate: day, reference: "CHARGES", accountServicerReference: "CH1",
                                    bankTransactionCode: "ACMT/MDOP/CHRG"))
        let bytes = try Camt053Writer(messageId: "PIPE-1", created: day).bytes([
            (Camt053Statement(id: "PIPE-1", iban: "GB29NWBK60161331926819", date: day, openingBalance: Money(pence: 0)), entries),
        ])
        return (String(decoding: bytes, as: UTF8.self), entries)
    }

    @Test func aStatementOfSeveralChunksPostsEachEntryOnceToThePenny() throws {
        let world = try PaymentWorld()
        let (text, entries) = try statement(world)
        let outcome = try world.importText("camt053-pipeline.xml", text, date: day.iso)
        let credits = entries.filter { $0.direction == .credit }
        let unknown = (0..<count).filter { $0 % 500 == 7 && $0 != 10_000 && $0 != 20_005 }
        let postedPence = credits.reduce(Int64(0)) { $0 + $1.amount.pence } - unknown.reduce(Int64(0)) { $0 + Int64(1000 + $1) }
            - Int64(1000 + 9_999) - Int64(1000 + 12)
        #expect(outcome.report.ties)
        #expect(outcome.report.line(.posted).credits == Tally(count: count - 2 - unknown.count, pence: postedPence))
        #expect(outcome.report.line(.suspense).credits.count == unknown.count)
        #expect(outcome.report.line(.skipped).credits == Tally(count: 2, pence: Int64(1000 + 9_999 + 1000 + 12)))
        #expect(outcome.report.line(.reported).debits == Tally(count: 1, pence: 1250))
        // Every entry read has its row; the ledger holds the posted ones, to the penny.
        #expect(try world.sum("SELECT count(*) FROM payment_entries WHERE run_id = $1", [outcome.record.id]) == Int64(count + 1))
        #expect(try world.ledgerCount() == count - 2 - unknown.count)
        #expect(try world.sum("SELECT -sum(amount_pence) FROM ledger_entries WHERE run_id = $1", [outcome.record.id]) == postedPence)
        #expect(try world.sum("SELECT count(*) FROM suspense_items WHERE run_id = $1", [outcome.record.id]) == Int64(unknown.count))
        #expect(try world.sum("SELECT count(*) FROM gl_postings WHERE run_id = $1 AND code = 'SUS'", [outcome.record.id]) == Int64(unknown.count))
        // The repeats name the entry they repeat, written by the chunk before (or two before).
        for (repeated, first) in [(10_000, 9_999), (20_005, 12)] {
            let row = try #require(try world.db.queryOne(
                "SELECT s.note, f.id, f.position FROM payment_entries s JOIN payment_entries f ON f.id = s.first_entry_id WHERE s.run_id = $1 AND s.outcome = 'skipped' AND s.amount_pence = $2",
                [outcome.record.id, Int64(1000 + first)]))
            #expect(try row.decode(String.self, 0) == "repeated in this file (entry \(try row.decode(Int64.self, 1)))", "entry \(repeated)")
        }
        // No temporary table outlives the run.
        #expect(try world.sum("SELECT count(*) FROM pg_class WHERE relpersistence = 't' AND relname LIKE '%_copy'") == 0)
    }

    /// The same statement in chunks of 7 entries (every chunk decided while the one before is
    /// still being inserted) and in one chunk (nothing in flight), each into its own database
    /// holding the same accounts and an earlier file: the same report, and the same payment
    /// entries, ledger rows, suspense items, GL postings and settlements, row for row. (A repeat
    /// of an entry of an earlier chunk names that entry; within one chunk the first is not written
    /// yet: both are skipped the same, so the comparison leaves that link out.)
    @Test func chunksOfSevenPostTheSameRowsAsOneChunk() throws {
        func entries(_ world: PaymentWorld, _ range: Range<Int>) -> [Camt053Entry] {
            range.map { i in
                let reference: String
                switch i % 11 {
                case 3: reference = "NO IDEA \(i)"
                case 5: reference = "RENT \(typo(world.refs[i % world.refs.count]))"
                default: reference = "RENT \(world.refs[i % world.refs.count])"
                }
                return Camt053Entry(amount: Money(pence: Int64(500 + 3 * i)), bookingDate: day, reference: reference, accountServicerReference: "S\(i)",
                                    payerName: i % 13 == 4 ? "PAYPOINT LTD" : "PAYER \(i % 17)")
            }
        }
        func statement(_ world: PaymentWorld, id: String, _ list: [Camt053Entry]) throws -> String {
            String(decoding: try Camt053Writer(messageId: id, created: day).bytes([
                (Camt053Statement(id: id, iban: "GB29NWBK60161331926819", date: day, openingBalance: Money(pence: 0)), list),
            ]), as: UTF8.self)
        }
        /// Everything the import wrote, as text a person would compare, ids replaced by positions.
        func posted(_ world: PaymentWorld, run: Int64) throws -> [String] {
            let queries: [SQLQuery] = [
                """
                SELECT concat_ws(' ', e.position, e.direction, e.amount_pence, e.booking_date, e.reference, e.payer, e.outcome, e.rule, e.code,
                    a.account_ref, e.provider, e.return_reason, e.entry_key,
                    CASE WHEN e.note LIKE 'repeated in this file%' THEN 'repeated in this file' ELSE concat_ws(' ', f.position, regexp_replace(e.note, '[0-9]+\\)', ')')) END)
                FROM payment_entries e LEFT JOIN rent_accounts a ON a.id = e.account_id LEFT JOIN payment_entries f ON f.id = e.first_entry_id
                WHERE e.run_id = \(run) ORDER BY e.id
                """,
                """
                SELECT concat_ws(' ', a.account_ref, l.code, l.amount_pence, l.entry_date, l.description, l.source_ref)
                FROM ledger_entries l JOIN rent_accounts a ON a.id = l.account_id WHERE l.run_id = \(run) ORDER BY l.source_ref
                """,
                "SELECT concat_ws(' ', entry_key, kind, code, amount_pence, entry_date, reference, payer, position, reason, status) FROM suspense_items WHERE run_id = \(run) ORDER BY position",
                "SELECT concat_ws(' ', code, amount_pence, entry_date, description, source_ref) FROM gl_postings WHERE run_id = \(run) ORDER BY source_ref, code",
                "SELECT concat_ws(' ', entry_key, provider, amount_pence, booking_date, reference, payer) FROM bank_settlements WHERE run_id = \(run) ORDER BY entry_key",
            ]
            return try queries.flatMap { query in try world.db.query(query).map { $0.text(0) ?? "" } }
        }
        var results: [(report: String, rows: [String])] = []
        for perChunk in [7, 1_000_000] {
            let world = try PaymentWorld(accounts: 12)
            // An earlier file holding six of the entries: already imported.
            try world.importText("earlier.xml", try statement(world, id: "EARLY-1", entries(world, 40..<46)), date: day.iso)
            var list = entries(world, 0..<120)
            list[7] = list[6]  // the first of the second chunk of 7 repeats the last of the first
            list[29] = list[2]
            list[96] = list[95]
            list.append(Camt053Entry(amount: Money(pence: 999), direction: .debit, bookingDate: day, reference: "CHARGES", accountServicerReference: "CH9",
                                     bankTransactionCode: "ACMT/MDOP/CHRG"))
            var job = try PaymentImportJob(
                url: try world.write("statement.xml", try statement(world, id: "PIPE-7", list)), format: nil, settings: world.settings,
                scheme: world.config.accountScheme)
            job.entriesPerChunk = perChunk
            let outcome = try world.importer.run(job, businessDate: day)
            #expect(outcome.report.ties)
            results.append((try HubJSON.text(outcome.report), try posted(world, run: outcome.record.id)))
        }
        #expect(results[0].report == results[1].report)
        #expect(results[0].rows.count == results[1].rows.count)
        // The first row that differs, if any (the whole lists are long).
        let differing = zip(results[0].rows, results[1].rows).first { $0 != $1 }
        #expect(differing == nil, "chunks of 7: \(differing?.0 ?? "")\none chunk: \(differing?.1 ?? "")")
        // What the comparison covers: every outcome but the returned debit.
        for outcome in ["posted", "skipped", "suspense", "settlement", "reported"] {
            #expect(results[0].rows.contains { $0.contains(" \(outcome) ") }, "\(outcome)")
        }
        #expect(results[0].rows.count > 121 + 100)
    }

    /// A malformed amount in the third chunk, read while the first chunks' rows are in flight:
    /// the reader's error, naming the file, line and element; nothing posted.
    @Test func aBadElementInALaterChunkPostsNothing() throws {
        let world = try PaymentWorld()
        var (text, _) = try statement(world)
        let bad = try #require(text.range(of: "<Amt Ccy=\"GBP\">215.00</Amt>"))  // entry 20,500
        text.replaceSubrange(bad, with: "<Amt Ccy=\"GBP\">215.O0</Amt>")
        let error = try #require(throws: RunError.self) { try world.importText("camt053-bad.xml", text, date: day.iso) }
        #expect(error.code == .badInput)
        #expect(error.message.contains("camt053-bad.xml"))
        #expect(error.message.contains("line "))
        #expect(error.message.contains("215.O0"))
        #expect(error.message.contains("Nothing was posted"))
        #expect(try world.ledgerCount() == 0)
        #expect(try world.sum("SELECT count(*) FROM payment_entries") == 0)
        #expect(try world.sum("SELECT count(*) FROM suspense_items") == 0)
        #expect(try world.sum("SELECT count(*) FROM runs WHERE status = 'failed'") == 1)
        #expect(try world.sum("SELECT count(*) FROM runs WHERE status = 'completed'") == 0)
    }

    /// The server refuses a row of the second chunk (a trigger the superuser adds for the test, as
    /// a constraint would): the failure arrives while the import prepares the next chunk, fails
    /// the run, and nothing of the earlier chunks stays.
    @Test func theServerRefusingALaterChunkPostsNothing() throws {
        let world = try PaymentWorld()
        let admin = try world.runner.database.admin()
        try admin.executeScript(
            """
            CREATE FUNCTION test_refuse_entry() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.source_ref LIKE '%|B15000' THEN RAISE EXCEPTION 'test refusal of entry B15000'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER test_refuse_entry BEFORE INSERT ON ledger_entries FOR EACH ROW EXECUTE FUNCTION test_refuse_entry();
            """)
        let (text, _) = try statement(world)
        let error = try #require(throws: PostgresError.self) { try world.importText("camt053-refused.xml", text, date: day.iso) }
        #expect(error.message.contains("test refusal of entry B15000"))
        #expect(try world.ledgerCount() == 0)
        #expect(try world.sum("SELECT count(*) FROM payment_entries") == 0)
        #expect(try world.sum("SELECT count(*) FROM suspense_items") == 0)
        #expect(try world.sum("SELECT count(*) FROM runs WHERE status = 'failed'") == 1)
        // The same file imports once the refusal is gone.
        try admin.execute("DROP TRIGGER test_refuse_entry ON ledger_entries")
        #expect(try world.importText("camt053-refused.xml", text, date: day.iso).report.ties)
    }
}
