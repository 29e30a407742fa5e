import Foundation
import HousingFinance
import Hub
import HubDemo
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
        _ = try world.runner.run(GLExportJob(through: d("2026-04-13"), settings: try ExportsTestSupport.gl()), businessDate: d("2026-04-13"))
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

/// Migration rehearsals into a scratch database, and parallel running against the old system.
@Suite struct MigrationRehearsalTests {
    static let samples = RewindReplayTests.loaderSamples

    /// A manifest over copies of the loader samples, with the given changes to the files.
    static func manifest(
        edits: [String: (String) -> String] = [:], closing: String = "account_ref,balance\n100000010,245.60\n100000029,-52.30\n100000037,0.00\n100000053,1310.75\n",
        chargesTotal: String = "554.25", lastWeeklyDebit: String = "435.35"
    ) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rehearsal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for kind in MigrationManifest.kinds {
            let text = try String(contentsOf: samples.appendingPathComponent("\(kind).csv"), encoding: .utf8)
            try Data((edits[kind]?(text) ?? text).utf8).write(to: folder.appendingPathComponent("\(kind).csv"))
        }
        try Data(closing.utf8).write(to: folder.appendingPathComponent("closing-balances.csv"))
        let yaml = """
            name: Test council
            go-live: 2026-04-06
            files:
              - {kind: properties, file: properties.csv, rows: 5}
              - {kind: tenancies, file: tenancies.csv, rows: 5}
              - {kind: accounts, file: accounts.csv, rows: 5}
              - {kind: charges, file: charges.csv, rows: 8, total: \(chargesTotal)}
              - {kind: opening-balances, file: opening-balances.csv, rows: 4, total: 1504.05}
            closing-balances: closing-balances.csv
            last-weekly-debit: \(lastWeeklyDebit)
            """
        let url = folder.appendingPathComponent("migration.yaml")
        try Data(yaml.utf8).write(to: url)
        return url
    }

    func rehearse(_ url: URL) throws -> RehearsalReport {
        let manifest = try MigrationManifest.load(url)
        let live = try TestHub.database()
        let scratch = try TestHub.database()
        try Rehearsal.checkScratch(scratch, isNot: live)
        var report = try Rehearsal(manifest: manifest, config: TestHub.config(goLive: d("2026-04-06")), logger: .init(label: "test"))
            .run(into: scratch)
        try RehearsalStore.keep(&report, on: try live.connect())
        // Kept, listed, and a checkpoint marks it; nothing was loaded into the live database.
        #expect(try RehearsalStore.list(on: try live.connect()).map(\.go) == [report.go])
        #expect(try Checkpoint.find("rehearsal-\(report.id!)", on: try live.connect()) != nil)
        #expect(try live.connect().queryOne("SELECT count(*) FROM properties")!.decode(Int.self, 0) == 0)
        return report
    }

    @Test func aCleanExtractIsAGo() throws {
        let report = try rehearse(try MigrationRehearsalTests.manifest())
        #expect(report.problems == 0, "\(report.render())")
        #expect(report.go)
        #expect(report.files.map(\.rows) == [5, 5, 5, 8, 4])
        #expect(report.rentDebitPence == 43_535)
        #expect(report.balancesCompared == 4)
        #expect(report.render().contains("GO"))
    }

    @Test func plantedFaultsAreEachFoundAndItIsANoGo() throws {
        let report = try rehearse(try MigrationRehearsalTests.manifest(
            edits: [
                // A missing account: tenancy T0004 (starting in May) loses its rent account.
                "accounts": { $0.split(separator: "\n").filter { !$0.contains("T0004") }.joined(separator: "\n") + "\n" },
                // A charge with the wrong amount: 112.40 became 121.40.
                "charges": { $0.replacingOccurrences(of: "P0001,DBR,112.40", with: "P0001,DBR,121.40") },
            ],
            // A balance that differs by a penny.
            closing: "account_ref,balance\n100000010,245.61\n100000029,-52.30\n100000037,0.00\n100000053,1310.75\n"))
        #expect(!report.go)
        #expect(report.files.first { $0.kind == "accounts" }?.agrees == false)  // 4 rows where the old system had 5
        #expect(report.files.first { $0.kind == "charges" }?.agrees == false)  // 563.25 where the old system had 554.25
        #expect(report.tenanciesWithoutAccount.map(\.reference) == ["T0004"])
        #expect(report.balanceDifferences.contains { $0.account == "100000010" && $0.differencePence == -1 })
        #expect(report.balanceDifferences.count == 1)
        #expect(report.rentDebitPence != report.lastWeeklyDebitPence)
        #expect(report.render().contains("NO-GO"))
    }

    @Test func aBadManifestIsRefusedByKey() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("migration.yaml")
        try Data("go-live: 2026-04-07\nfiles:\n  - {kind: properties, file: p.csv}\n".utf8).write(to: url)
        let error = try #require(throws: ConfigError.self) { try MigrationManifest.load(url) }
        #expect(error.key == "go-live")
        try Data("go-live: 2026-04-06\nfiles:\n  - {kind: charges, file: c.csv}\n  - {kind: properties, file: p.csv}\n".utf8).write(to: url)
        #expect((try #require(throws: ConfigError.self) { try MigrationManifest.load(url) }).key == "files")
    }

    @Test func theLiveDatabaseIsNeverTheScratch() throws {
        let live = try TestHub.database()
        #expect(throws: RunError.self) { try Rehearsal.checkScratch(live, isNot: live) }
    }

    @Test func parallelRunningListsEveryDifferenceWithItsLikelyCauseAndTies() throws {
        let world = try RewindReplayTests.World()
        try world.debit("2026-04-13")
        let folder = world.config.directory
        // The old system charged P0001 112.40 but P0002's service charge at 15.20, and missed T0005.
        let debits = folder.appendingPathComponent("old-debits.csv")
        try Data("account_ref,charge_code,amount\n100000010,DBR,112.40\n100000029,DBR,88.15\n100000029,DSC,15.20\n100000037,DBR,95.60\n100000037,DSC,14.20\n100000037,DHE,9.75\n".utf8).write(to: debits)
        let compared = try ParallelCompare.debits(file: debits, week: RentWeek(containing: d("2026-04-13")), on: world.db)
        #expect(compared.differences.map(\.account) == ["100000029", "100000053"])
        #expect(compared.differences[0].differencePence == -100)
        #expect(compared.differences[0].cause.contains("different charges"))
        #expect(compared.ties)
        #expect(compared.hubTotalPence - compared.oldTotalPence == 10_105 - 100)

        // Balances: a payment the old system has not posted yet.
        try world.payments("2026-04-14")
        let balances = folder.appendingPathComponent("old-balances.csv")
        let hub = try world.balances()
        var lines = ["account_ref,balance"]
        for (account, pence) in hub.sorted(by: { $0.key < $1.key }) where pence != 0 {
            let old = account == "100000029" ? pence + 5000 : pence
            lines.append("\(account),\(Money(pence: old).plain)")
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: balances)
        let result = try ParallelCompare.balances(file: balances, asOf: d("2026-04-14"), on: world.db)
        #expect(result.differences.map(\.account) == ["100000029"])
        #expect(result.differences[0].cause.contains("payment posted in the hub only"))
        #expect(result.ties)

        // A bad line is named and nothing is compared.
        try Data("account_ref,balance\n100000010,12.3.4\n".utf8).write(to: balances)
        let error = try #require(throws: RunError.self) { try ParallelCompare.balances(file: balances, asOf: d("2026-04-14"), on: world.db) }
        #expect(error.message.contains("line 2"))
    }
}

/// The go-live commands as a person runs them: the built executable, its output and exit codes.
@Suite struct GoLiveCommandTests {
    @Test func rehearseCheckpointRewindAndReplayFromTheCommandLine() throws {
        let voice = CommandOutputTests()
        let (folder, environment) = try voice.setUp()
        let scratch = try TestHub.database()

        // A clean extract is a go (exit 0); the report is kept and listed.
        let manifest = try MigrationRehearsalTests.manifest()
        var (status, output) = try voice.hub(["migration", "rehearse", manifest.path, "--scratch-url", scratch.adminConnectionString!], environment, in: folder)
        #expect(status == 0, "\(output)")
        #expect(output.contains("GO (0 problems)"), "\(output)")
        // A faulty one is a no-go: exit 5, naming the fault.
        let faulty = try MigrationRehearsalTests.manifest(chargesTotal: "554.26")
        (status, output) = try voice.hub(
            ["migration", "rehearse", faulty.path, "--scratch-url", try TestHub.database().adminConnectionString!], environment, in: folder)
        #expect(status == 5, "\(output)")
        #expect(output.contains("NO-GO"), "\(output)")
        (status, output) = try voice.hub(["migration", "reports"], environment, in: folder)
        #expect(status == 0 && output.contains("NO-GO"), "\(output)")
        // The live database was never the scratch: it has no properties.
        let live = try Connection.hub(environment["HUB_DATABASE_URL"]!)
        #expect(try live.queryOne("SELECT count(*) FROM properties")!.decode(Int.self, 0) == 0)
        // Rehearsing into the live database itself is refused (exit 2).
        (status, output) = try voice.hub(["migration", "rehearse", manifest.path, "--scratch-url", environment["HUB_DATABASE_URL"]!], environment, in: folder)
        #expect(status == 2, "\(output)")

        // Load the extract for real, checkpoint, then a payment file after it.
        let extract = manifest.deletingLastPathComponent()
        for kind in MigrationManifest.kinds {
            (status, output) = try voice.hub(["load", kind, extract.appendingPathComponent("\(kind).csv").path, "--as-of", "2026-04-06"], environment, in: folder)
            #expect(status == 0, "\(output)")
        }
        (status, output) = try voice.hub(["checkpoint", "create", "go-live", "--note", "loads agreed"], environment, in: folder)
        #expect(status == 0, "\(output)")
        (status, output) = try voice.hub(["run", "rent-debit", "--week", "2026-04-06", "--as-of", "2026-04-06"], environment, in: folder)
        #expect(status == 0, "\(output)")
        let runsBefore = try live.queryOne("SELECT count(*) FROM runs")!.decode(Int.self, 0)

        // Without --yes and not at a terminal, nothing is done: exit 5, as for an unwind declined.
        (status, output) = try voice.hub(["runs", "rewind", "--to", "go-live", "--reason", "test"], environment, in: folder)
        #expect(status == 5, "\(output)")
        #expect(output.contains("Nothing was done"), "\(output)")
        #expect(try live.queryOne("SELECT count(*) FROM runs")!.decode(Int.self, 0) == runsBefore)
        // With --yes the rent week is reversed; replay posts it again, and the balances are as before.
        let balance: () throws -> Int64 = { try live.queryOne("SELECT COALESCE(sum(amount_pence), 0) FROM ledger_entries WHERE code <> 'OPB'")!.decode(Int64.self, 0) }
        let debited = try balance()
        #expect(debited == 43_535)
        (status, output) = try voice.hub(["runs", "rewind", "--to", "go-live", "--reason", "test", "--yes"], environment, in: folder)
        #expect(status == 0, "\(output)")
        #expect(try balance() == 0)
        (status, output) = try voice.hub(["runs", "replay"], environment, in: folder)
        #expect(status == 0, "\(output)")
        #expect(output.contains("replayed"), "\(output)")
        #expect(try balance() == debited)
        // An unknown point is bad input (exit 2).
        (status, output) = try voice.hub(["runs", "rewind", "--to", "no-such-point", "--reason", "test", "--yes"], environment, in: folder)
        #expect(status == 2, "\(output)")
    }
}
