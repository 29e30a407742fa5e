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
