import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// The general-ledger export's low-water marks: each export reads only the postings from the
/// lowest one not yet exported, and no posting can slip in below a mark.
@Suite struct GLExportMarkTests {
    func marks(_ db: Connection) throws -> (ledger: Int64, gl: Int64)? {
        try db.queryOne("SELECT ledger_from, gl_from FROM gl_export_marks ORDER BY run_id DESC LIMIT 1").map {
            (try $0.decode(Int64.self, 0), try $0.decode(Int64.self, 1))
        }
    }

    @Test func theMarkStopsAtTheFirstPostingLeftForLaterAndMovesPastEverythingExported() throws {
        let w = try GLExportTests().world()
        _ = try w.rent.postThrough(RentWeek(containing: d("2026-11-16")), businessDate: d("2026-11-16"))
        try w.hand("later", [
            .init(ledgerAccount: w.accounts[0], code: "RPY", pence: -5_000, date: "2026-12-20"),
            .init(code: "SUS", pence: -1_000, date: "2026-11-10"),
        ])
        _ = try w.export(through: "2026-11-16")
        let afterFirst = try #require(try marks(w.db))
        // The ledger mark is the payment dated 20 December, the only ledger posting not exported.
        let late = try w.db.queryOne("SELECT id FROM ledger_entries WHERE entry_date = '2026-12-20'")!.decode(Int64.self, 0)
        #expect(afterFirst.ledger == late)
        #expect(try w.count("SELECT count(*) FROM ledger_entries WHERE id < \(afterFirst.ledger) AND id NOT IN (SELECT posting_id FROM gl_exported WHERE source = 'ledger')") == 0)
        // Every gl posting was exported: the gl mark is past the last one.
        #expect(afterFirst.gl == (try w.count("SELECT max(id) + 1 FROM gl_postings")))

        _ = try w.export(through: "2026-12-31")
        let afterSecond = try #require(try marks(w.db))
        #expect(afterSecond.ledger == (try w.count("SELECT max(id) + 1 FROM ledger_entries")))
        #expect(try w.count("SELECT count(*) FROM gl_exported") == (try w.count("SELECT count(*) FROM postings")))
    }

    @Test func anExportWaitsForARunStillPostingSoNothingSlipsBelowTheMark() throws {
        let w = try GLExportTests().world()
        _ = try w.rent.postThrough(RentWeek(containing: d("2026-11-16")), businessDate: d("2026-11-16"))
        // Another run is half way: its posting has an id but is not committed.
        let other = try w.runner.database.connect()
        try other.execute("BEGIN")
        let runId = try other.queryOne(
            "SELECT hub_run_start('hand-postings', 'in flight', '2026-11-16', '{}', 'test', NULL)"
        )!.decode(Int64.self, 0)
        let entry = try other.queryOne(
            "INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id) VALUES (\(w.accounts[0]), 'RPY', -2500, '2026-11-14', \(runId)) RETURNING id"
        )!.decode(Int64.self, 0)
        // A later posting commits first, with a higher id.
        try w.hand("committed first", [.init(ledgerAccount: w.accounts[1], code: "RPY", pence: -700, date: "2026-11-14")])

        let exported = Locked<Int?>(nil)
        let thread = Thread {
            let outcome = try? w.export(through: "2026-11-16")
            exported.withLock { $0 = outcome?.report.postings }
        }
        thread.start()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(exported.withLock { $0 } == nil, "the export waits while a run is still posting")
        try other.execute("SELECT hub_run_complete(\(runId), '{}', '[]', NULL, NULL)")
        try other.execute("COMMIT")
        while exported.withLock({ $0 }) == nil { Thread.sleep(forTimeInterval: 0.05) }
        // The posting that committed late was exported with the rest, and the mark is past it.
        #expect(try w.count("SELECT count(*) FROM gl_exported WHERE source = 'ledger' AND posting_id = \(entry)") == 1)
        #expect(try #require(try marks(w.db)).ledger > entry)
        #expect(try w.count("SELECT count(*) FROM gl_exported") == (try w.count("SELECT count(*) FROM postings WHERE entry_date <= '2026-11-16'")))
    }
}

/// A value shared with another thread, confined to its lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
