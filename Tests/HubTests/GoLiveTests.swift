import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// Checkpoints, rewind and replay, and the stored inputs they rest on.
@Suite struct RewindReplayTests {
    static let loaderSamples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interfaces/inbound/loader")

    /// A hub with the loader samples loaded and the go-live week debited.
    struct World {
        let runner: Runner
        let db: Connection
        let config: HubConfig
        let importer: PaymentImporter

        init() throws {
            runner = try TestHub.runner()
            db = try runner.database.connect()
            config = TestHub.config(goLive: d("2026-04-06"))
            try FileManager.default.createDirectory(at: config.directory, withIntermediateDirectories: true)
            importer = PaymentImporter(runner: runner, config: config, settings: PaymentSettings.defaults(inbox: config.inbox))
            try load(PropertiesLoad.self)
            try load(TenanciesLoad.self)
            try load(AccountsLoad.self)
            try load(ChargesLoad.self)
            try load(OpeningBalancesLoad.self)
            try debit("2026-04-06")
        }

        @discardableResult
        func load<Kind: LoadKind>(_ kind: Kind.Type, _ text: String? = nil, name: String? = nil) throws -> RunRecord {
            let bytes = try text.map { Array($0.utf8) } ?? Array(Data(contentsOf: loaderSamples.appendingPathComponent("\(Kind.kind).csv")))
            let job = LoadJob<Kind>(file: name ?? "\(Kind.kind).csv", bytes: bytes, scheme: .standard)
            return try runner.run(job, businessDate: d("2026-04-06")).record
        }

        @discardableResult
        func debit(_ week: String) throws -> RunRecord {
            try runner.run(RentDebitRuns(runner: runner, config: config).job(for: RentWeek(containing: d(week))), businessDate: d(week)).record
        }

        @discardableResult
        func payments(_ day: String) throws -> RunRecord {
            let text = PaymentFileText.cashFile([
                .init(account: "100000010", amount: Money(pence: 11240), date: d(day)),
                .init(account: "100000029", amount: Money(pence: 5000), date: d(day)),
                .init(account: "100000053", amount: Money(pence: 20000), date: d(day)),
            ])
            let url = config.directory.appendingPathComponent("CashFile\(day.replacingOccurrences(of: "-", with: ""))")
            try Data(text.utf8).write(to: url)
            return try importer.importFile(url, format: nil, businessDate: d(day)).record
        }

        /// The entries that stand: those of runs neither reversed nor reversals, as comparable rows.
        func standingEntries() throws -> [String] {
            try db.query(
                """
                SELECT a.account_ref || ' ' || l.code || ' ' || COALESCE(l.charge_code, '-') || ' ' || l.amount_pence || ' ' || l.entry_date
                       || ' ' || COALESCE(l.rent_week::text, '-')
                FROM ledger_entries l JOIN rent_accounts a ON a.id = l.account_id JOIN runs r ON r.id = l.run_id
                WHERE r.reversed_by_run_id IS NULL AND r.job <> 'reversal'
                ORDER BY 1
                """
            ).map { $0.text(0)! }
        }

        func balances() throws -> [String: Int64] {
            var result: [String: Int64] = [:]
            for row in try db.query("SELECT a.account_ref, COALESCE(sum(l.amount_pence), 0) FROM rent_accounts a LEFT JOIN ledger_entries l ON l.account_id = a.id GROUP BY 1") {
                result[row.text(0)!] = try row.decode(Int64.self, 1)
            }
            return result
        }
    }

    /// A wrong rent for P0001 from 13 April: 1,124.00 a week instead of 112.40.
    static let badCharges = "property_ref,charge_code,weekly_amount,effective_from,effective_to\nP0001,DBR,1124.00,2026-04-13,\n"

    @Test func rewindAndReplayPastABadChargesLoadEndsWithTheCleanHistorysLedger() throws {
        // The clean history: no faulty load.
        let clean = try World()
        try clean.debit("2026-04-13")
        try clean.payments("2026-04-14")

        // The faulty history: a bad charges load after go-live, a week debited with it, payments after it.
        let faulty = try World()
        let checkpoint = try Checkpoint.create(name: "go-live", note: "loads and the first week agreed with the old system", on: faulty.db)
        let badLoad = try faulty.load(ChargesLoad.self, RewindReplayTests.badCharges, name: "charges-fix.csv")
        let week2 = try faulty.debit("2026-04-13")
        let payments = try faulty.payments("2026-04-14")
        #expect(try faulty.db.posted(account: "100000010", week: "2026-04-13", chargeCode: "DBR") == 112_400)

        let plan = try RewindPlan.make(to: "go-live", on: faulty.db)
        #expect(plan.toRunId == checkpoint.runId)
        #expect(plan.reversals.map(\.id) == [payments.id, week2.id, badLoad.id])
        let rewinder = Rewinder(runner: faulty.runner, config: faulty.config)
        let rewound = try rewinder.rewind(plan, reason: "the April charges file had pounds in the pence column", businessDate: d("2026-04-15"))
        #expect(rewound.reversed.count == 3)
        // Back at the checkpoint: the bad charge is gone and every balance is what it was after go-live.
        #expect(try faulty.db.queryOne("SELECT count(*) FROM weekly_charges WHERE weekly_pence = 112400")!.decode(Int.self, 0) == 0)
        #expect(try faulty.db.queryOne("SELECT effective_to FROM weekly_charges w JOIN properties p ON p.id = w.property_id WHERE p.property_ref = 'P0001'")!.text(0) == nil)

        let replayed = try rewinder.replay(except: [badLoad.id])
        #expect(replayed.map(\.runId) == [badLoad.id, week2.id, payments.id])
        #expect(replayed.map(\.outcome) == ["excepted", "replayed", "replayed"])
        #expect(try rewinder.pending(on: faulty.db).isEmpty)

        // Entry for entry, the ledger that stands is the clean history's; so is every balance.
        let standing = try faulty.standingEntries()
        #expect(standing.count > 10)
        #expect(standing == (try clean.standingEntries()))
        #expect(try faulty.balances() == (try clean.balances()))
        // Nothing is edited or deleted: the faulty runs and their reversals are all still there.
        #expect(try RunRecord.find(badLoad.id, on: faulty.db)?.reversedByRunId != nil)
    }

    @Test func aRewindKeepsExportsAndSaysSo() throws {
        let world = try World()
        try Checkpoint.create(name: "start", note: "", on: world.db)
        let week2 = try world.debit("2026-04-13")
        try world.runner.run(GLExportJob(through: d("2026-04-13"), settings: try ExportsTestSupport.gl()), businessDate: d("2026-04-13"))
        let plan = try RewindPlan.make(to: "start", on: world.db)
        #expect(plan.reversals.map(\.id) == [week2.id])
        #expect(plan.render().contains("keep"))
        #expect(plan.render().contains("next file as corrections"))
    }

    @Test func everyRunThatReadAFileKeepsItWhole() throws {
        let world = try World()
        let payments = try world.payments("2026-04-14")
        let input = try #require(try InboundFileStore.input(ofRun: payments.id, on: world.db))
        #expect(input.kind == "payments")
        #expect(input.sha256 == payments.businessKey)
        let copy = world.config.directory.appendingPathComponent("copy")
        try InboundFileStore.write(sha256: input.sha256, to: copy, on: world.db)
        let original = try Data(contentsOf: world.config.directory.appendingPathComponent("CashFile20260414"))
        #expect(try Data(contentsOf: copy) == original)
        // Every load of the world kept its file too.
        let loads = try world.db.queryOne("SELECT count(*) FROM runs r JOIN run_inputs i ON i.run_id = r.id WHERE r.job LIKE 'load-%'")!.decode(Int.self, 0)
        #expect(loads == 5)
        // A stored file is append-only.
        #expect(throws: PostgresError.self) { try world.db.execute("DELETE FROM inbound_file_chunks") }
    }

    @Test func checkpointNamesAreCheckedAndUnique() throws {
        let world = try World()
        try Checkpoint.create(name: "go-live", note: "first", on: world.db)
        #expect(throws: RunError.self) { try Checkpoint.create(name: "go-live", note: "again", on: world.db) }
        #expect(throws: RunError.self) { try Checkpoint.create(name: "two words", note: "", on: world.db) }
        #expect(try Checkpoint.list(on: world.db).map(\.name) == ["go-live"])
        #expect(throws: RunError.self) { try RewindPlan.make(to: "no-such-point", on: world.db) }
    }
}
