import Foundation
import HousingFinance
import Hub
import HubDemo
import InterfaceFiles
import Postgres
import Testing

/// The general-ledger export against a real database: every posting in exactly one journal line,
/// balanced journals, reversals, unmapped codes, both formats, the reconciliation, delivery.
@Suite struct GLExportTests {
    static let goLive = d("2026-11-02")

    struct World {
        let runner: Runner
        let config: HubConfig
        let rent: RentDebitRuns
        let db: Connection
        var accounts: [Int64] = []

        func export(through: String, settings: ExportsConfig.GL? = nil, asOf: String? = nil) throws -> RunOutcome<GLExportJob.Report> {
            let outcome = try runner.run(
                GLExportJob(through: d(through), settings: try settings ?? ExportsTestSupport.gl()), businessDate: d(asOf ?? through))
            try OutboundDelivery(outbox: config.outbox).deliverPending(on: db)
            return outcome
        }

        func hand(_ key: String, _ postings: [HandPostingsJob.Posting]) throws {
            _ = try runner.run(HandPostingsJob(key: key, postings: postings), businessDate: Self.date(postings))
        }

        static func date(_ postings: [HandPostingsJob.Posting]) -> Day { postings.map { d($0.date) }.max() ?? d("2026-11-02") }

        func content(sequence: Int64, interface: String = "gl-journal") throws -> [UInt8] {
            let file = try #require(try OutboundFile.find(interface: interface, sequence: sequence, on: db))
            return try OutboundFile.content(id: file.id, on: db)
        }

        func count(_ sql: SQLQuery, _ parameters: [any PostgresEncodable] = []) throws -> Int64 {
            try db.queryOne(sql, parameters)!.decode(Int64.self, 0)
        }
    }

    func world() throws -> World {
        let runner = try TestHub.runner()
        let config = TestHub.config(goLive: Self.goLive)
        var world = World(runner: runner, config: config, rent: RentDebitRuns(runner: runner, config: config), db: try runner.database.connect())
        world.accounts.append(try world.db.addTenancy(
            account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", 10_000, "2026-04-06", nil), ("DSC", 1_250, "2026-04-06", nil)]))
        world.accounts.append(try world.db.addTenancy(
            account: "100000022", property: "P2", start: "2026-11-11", charges: [("DBR", 9_100, "2026-04-06", nil), ("DHE", 733, "2026-04-06", nil)]))
        return world
    }

    /// Checks one Unit4 file: header, lines, trailer that ties, signed amounts that add to zero.
    /// - Returns: the total debits in pence.
    @discardableResult
    func checkUnit4(_ bytes: [UInt8], sequence: Int64) throws -> Int64 {
        let records = csvRecords(bytes)
        let header = try #require(records.first)
        #expect(header == ["HEADER", "HFH" + String(format: "%06d", Int(sequence)), "10", "HF", header[4]])
        let lines = records.dropFirst().dropLast()
        let amount = Unit4JournalWriter.lineColumns.firstIndex(of: "amount")!
        let amounts = lines.map { pence($0[amount]) }
        #expect(lines.allSatisfy { $0.count == Unit4JournalWriter.lineColumns.count })
        #expect(amounts.reduce(0, +) == 0, "the journal balances")
        let debits = amounts.filter { $0 > 0 }.reduce(0, +)
        let credits = -amounts.filter { $0 < 0 }.reduce(0, +)
        #expect(records.last == ["TRAILER", String(lines.count), Money(pence: debits).plain, Money(pence: credits).plain])
        return debits
    }

    @Test func everyPostingIsInExactlyOneJournalLineAcrossManyExports() throws {
        let w = try world()
        let a = w.accounts[0], b = w.accounts[1]
        try w.rent.postThrough(RentWeek(containing: d("2026-11-16")), businessDate: d("2026-11-16"))
        try w.hand("suspense and repairs 1", [
            .init(code: "SUS", pence: -2_500, date: "2026-11-10"), .init(code: "RPR", pence: 24_680, date: "2026-11-12"),
            .init(code: "RPR", analysis: "VOID", pence: 53_000, date: "2026-11-12"),
            .init(ledgerAccount: a, code: "RPY", pence: -5_000, date: "2026-11-13"),
            .init(ledgerAccount: b, code: "RDD", pence: -9_100, date: "2026-11-13"),
            .init(code: "SUS", pence: 0, date: "2026-11-13"),
        ])
        let first = try w.export(through: "2026-11-16")
        let dueFirst = try w.count("SELECT count(*) FROM postings WHERE entry_date <= '2026-11-16'")
        #expect(Int64(first.report.postings) == dueFirst)
        #expect(try w.count("SELECT count(*) FROM gl_exported") == dueFirst)
        let debitsFirst = try checkUnit4(try w.content(sequence: 1), sequence: 1)
        #expect(debitsFirst == first.report.debitPence)
        #expect(debitsFirst == (try w.count("SELECT sum(abs(amount_pence)) FROM postings WHERE entry_date <= '2026-11-16'")))

        // More postings: later weeks, a posting dated before the first export that arrived late,
        // and one dated after the next export's day.
        try w.rent.postThrough(RentWeek(containing: d("2026-11-30")), businessDate: d("2026-11-30"))
        try w.hand("suspense and repairs 2", [
            .init(code: "SUS", pence: 2_500, date: "2026-11-05"), .init(code: "SHB", pence: -6_400, date: "2026-11-24"),
            .init(ledgerAccount: a, code: "RHB", pence: -6_400, date: "2026-11-24"),
            .init(ledgerAccount: b, code: "REF", pence: 1_000, date: "2026-12-20"),
        ])
        let second = try w.export(through: "2026-11-30")
        #expect(second.report.postings > 0)
        #expect(try w.count("SELECT count(*) FROM gl_exported") == (try w.count("SELECT count(*) FROM postings WHERE entry_date <= '2026-11-30'")))
        #expect(try w.count("SELECT count(*) FROM gl_exported e JOIN postings p USING (source, posting_id) WHERE p.entry_date > '2026-11-30'") == 0)
        let debitsSecond = try checkUnit4(try w.content(sequence: 2), sequence: 2)
        #expect(debitsSecond == (try w.count(
            "SELECT sum(abs(p.amount_pence)) FROM postings p JOIN gl_exported e USING (source, posting_id) WHERE e.run_id = $1", [second.record.id])))

        let third = try w.export(through: "2026-12-31")
        #expect(third.report.postings == 1)
        let debitsThird = try checkUnit4(try w.content(sequence: 3), sequence: 3)

        // Everything is marked once, and the three journals together carry every penny.
        #expect(try w.count("SELECT count(*) FROM gl_exported") == (try w.count("SELECT count(*) FROM postings")))
        #expect(try w.count("SELECT count(DISTINCT (source, posting_id)) FROM gl_exported") == (try w.count("SELECT count(*) FROM postings")))
        #expect(debitsFirst + debitsSecond + debitsThird == (try w.count("SELECT sum(abs(amount_pence)) FROM postings")))
        #expect(try OutboundFile.list(interface: "gl-journal", on: w.db).map(\.sequence).sorted() == [1, 2, 3])

        // Nothing left: the next export makes no file and keeps the sequence gap-free.
        let fourth = try w.export(through: "2027-01-31")
        #expect(fourth.report.postings == 0)
        #expect(fourth.report.fileName == nil)
        #expect(try OutboundFile.list(interface: "gl-journal", on: w.db).count == 3)
    }

    @Test func aReversedRunGoesOutAsOppositeLinesInTheNextJournal() throws {
        let w = try world()
        let week = try #require(try w.rent.postThrough(RentWeek(containing: d("2026-11-02")), businessDate: d("2026-11-02")).first)
        let first = try w.export(through: "2026-11-08")
        let before = try w.content(sequence: 1)
        let firstLines = csvRecords(before).dropFirst().dropLast()
        // Week of 2 November: account A only (B starts on the 11th): DBR 100.00 and DSC 12.50.
        #expect(first.report.debitPence == 11_250)
        #expect(firstLines.map { [$0[4], $0[17]] } == [["1500", "100.00"], ["1500", "12.50"], ["4100", "-100.00"], ["4110", "-12.50"]])

        _ = try w.runner.run(ReversalJob(originalRunId: week.record.id, reason: "wrong week"), businessDate: d("2026-11-10"))
        let second = try w.export(through: "2026-11-10")
        let secondLines = csvRecords(try w.content(sequence: 2)).dropFirst().dropLast()
        #expect(secondLines.map { [$0[4], $0[17]] } == [["1500", "-100.00"], ["1500", "-12.50"], ["4100", "100.00"], ["4110", "12.50"]])
        #expect(second.report.controlMovementPence == -11_250)
        #expect(second.report.reconciles)
        // The first journal is unchanged: nothing already sent is altered.
        #expect(try w.content(sequence: 1) == before)
        #expect(throws: RunError.self) { try w.runner.run(ReversalJob(originalRunId: first.record.id, reason: "undo"), businessDate: d("2026-11-11")) }
    }

    @Test func anUnmappedCodeRefusesTheWholeExportListingEveryCodeAndMarksNothing() throws {
        let w = try world()
        let a = w.accounts[0]
        try w.rent.postThrough(RentWeek(containing: d("2026-11-09")), businessDate: d("2026-11-09"))
        try w.hand("odd codes", [
            .init(code: "XYZ", pence: 100, date: "2026-11-10"), .init(code: "XYZ", pence: -300, date: "2026-11-10"),
            .init(ledgerAccount: a, code: "QQQ", pence: 700, date: "2026-11-10"),
            .init(ledgerAccount: a, code: "ADJ", analysis: "GAR", pence: 700, date: "2026-11-10"),
        ])
        let error = try #require(throws: RunError.self) { try w.export(through: "2026-11-15") }
        #expect(error.code == .badInput)
        #expect(error.message.contains("XYZ: 2 postings"))
        #expect(error.message.contains("QQQ: 1 posting"))
        #expect(error.message.contains("nothing was exported or marked"))
        #expect(!error.message.contains("ADJ"), "ADJ/GAR falls back to the ADJ row")
        #expect(try w.count("SELECT count(*) FROM gl_exported") == 0)
        #expect(try w.count("SELECT count(*) FROM outbound_files") == 0)
        #expect(try w.count("SELECT count(*) FROM runs WHERE job = 'gl-export' AND status = 'completed'") == 0)
        #expect(try w.count("SELECT count(*) FROM outbound_sequences WHERE last_sequence > 0") == 0)

        // With the codes mapped, the same export goes through and takes every posting.
        let mapped = try ExportsTestSupport.mapText() + "XYZ,Sundry,2400,1010,H1000,CASH,,,HRA\nQQQ,Sundry rent,1500,4100,H1000,RENT,,,HRA\n"
        let outcome = try w.export(through: "2026-11-15", settings: try ExportsTestSupport.gl(map: try ExportsTestSupport.map(mapped)))
        #expect(Int64(outcome.report.postings) == (try w.count("SELECT count(*) FROM postings")))
        #expect(outcome.report.sequence == 1)
    }

    @Test func theOracleFormatCarriesTheSameJournal() throws {
        let w = try world()
        try w.rent.postThrough(RentWeek(containing: d("2026-11-16")), businessDate: d("2026-11-16"))
        try w.hand("repairs", [.init(code: "RPR", pence: 24_680, date: "2026-11-12"), .init(code: "SUS", pence: -2_500, date: "2026-11-12")])
        let outcome = try w.export(through: "2026-11-30", settings: try ExportsTestSupport.gl(format: .oracle))
        let records = csvRecords(try w.content(sequence: 1))
        #expect(records.first == ["HEADER", "1", "Council Primary Ledger", "Housing finance through 2026-11-30", "HFH000001", "2026/11/30"])
        let lines = records.dropFirst().dropLast()
        #expect(lines.allSatisfy { $0.count == OracleJournalWriter.lineColumns.count && $0[0] == "NEW" && $0[7] == "20" })
        let dr = OracleJournalWriter.lineColumns.firstIndex(of: "ENTERED_DR")!, cr = dr + 1
        let debits = lines.map { $0[dr].isEmpty ? 0 : pence($0[dr]) }.reduce(0, +)
        let credits = lines.map { $0[cr].isEmpty ? 0 : pence($0[cr]) }.reduce(0, +)
        #expect(lines.allSatisfy { $0[dr].isEmpty != $0[cr].isEmpty })
        #expect(debits == credits)
        #expect(debits == outcome.report.debitPence)
        #expect(records.last == ["TRAILER", String(lines.count), Money(pence: debits).plain, Money(pence: credits).plain])
        #expect(debits == (try w.count("SELECT sum(abs(amount_pence)) FROM postings")))
    }

    @Test func theDebtorsControlAccountTiesToTheRentAccountsOrTheExportSaysItDoesNot() throws {
        let w = try world()
        let a = w.accounts[0]
        try w.rent.postThrough(RentWeek(containing: d("2026-11-16")), businessDate: d("2026-11-16"))
        try w.hand("mixed", [
            .init(code: "SUS", pence: -2_500, date: "2026-11-10"), .init(code: "RPR", pence: 24_680, date: "2026-11-12"),
            .init(ledgerAccount: a, code: "RPY", pence: -5_000, date: "2026-11-13"),
        ])
        let ledger = try w.count("SELECT sum(amount_pence) FROM ledger_entries")
        let outcome = try w.export(through: "2026-11-16")
        #expect(outcome.report.reconciles)
        #expect(outcome.report.controlMovementPence == ledger)
        #expect(outcome.report.ledgerMovementPence == ledger)
        #expect(outcome.render().contains("They tie."))
        let file = try #require(try OutboundFile.find(interface: "gl-journal", sequence: 1, on: w.db))
        #expect(file.controlTotals["control-movement"] == Money(pence: ledger).plain)
        #expect(file.controlTotals["lines"] == String(outcome.report.lines))

        // A map that sends suspense to the debtors control account: the export says they do not tie.
        try w.hand("more suspense", [.init(code: "SUS", pence: -1_000, date: "2026-11-20")])
        let wrong = try ExportsTestSupport.mapText().replacingOccurrences(of: "SUS,Payments held in suspense,2400,1010", with: "SUS,Payments held in suspense,1500,1010")
        let bad = try w.export(through: "2026-11-22", settings: try ExportsTestSupport.gl(map: try ExportsTestSupport.map(wrong)))
        #expect(!bad.report.reconciles)
        #expect(bad.report.controlMovementPence == -1_000)
        #expect(bad.report.ledgerMovementPence == 0)
        #expect(bad.report.warnings.count == 1)
        #expect(bad.render().contains("They DO NOT tie"))
    }

    @Test func theDeliveredFileIsTheStoredBytesReadableByOwnerAndGroupOnly() throws {
        let w = try world()
        try w.rent.postThrough(RentWeek(containing: d("2026-11-09")), businessDate: d("2026-11-09"))
        let outcome = try w.export(through: "2026-11-09")
        let file = try #require(try OutboundFile.find(interface: "gl-journal", sequence: 1, on: w.db))
        #expect(file.fileName == "HF_GL_000001_20261109.csv")
        #expect(outcome.report.fileName == file.fileName)
        let path = try #require(file.deliveredPath)
        #expect(path == w.config.outbox.appendingPathComponent("gl-journal/HF_GL_000001_20261109.csv").path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes == (try w.content(sequence: 1)))
        #expect(SHA256.hex(SHA256.hash(bytes)) == file.sha256)
        // The stored digest is the file's SHA-256 as any tool computes it.
        let sum = Process()
        sum.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        sum.arguments = [path]
        let pipe = Pipe()
        sum.standardOutput = pipe
        try sum.run()
        sum.waitUntilExit()
        let printed = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(printed.split(separator: " ").first.map(String.init) == file.sha256)
        #expect(file.sha256.count == 64)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o640)
        // Run again for the same day: refused, nothing sent twice.
        #expect(throws: RunError.self) { try w.export(through: "2026-11-09") }
        // A preview shows the journal and keeps nothing.
        try w.rent.postThrough(RentWeek(containing: d("2026-11-16")), businessDate: d("2026-11-16"))
        let preview = try w.runner.run(GLExportJob(through: d("2026-11-16"), settings: try ExportsTestSupport.gl()), businessDate: d("2026-11-16"), preview: true)
        #expect(preview.report.sequence == 2)
        #expect(try OutboundFile.list(interface: "gl-journal", on: w.db).count == 1)
        #expect(try w.export(through: "2026-11-16").report.sequence == 2)
    }

    @Test func aPeriodExportTakesThePeriodAndEveryEarlierUnexportedPosting() throws {
        let w = try world()
        try w.rent.postThrough(RentWeek(containing: d("2026-12-07")), businessDate: d("2026-12-07"))
        let job = try GLExportJob.period("2026-11", settings: try ExportsTestSupport.gl())
        #expect(job.through == d("2026-11-30"))
        #expect(job.businessKey == "2026-11-30")
        let outcome = try w.runner.run(job, businessDate: d("2026-12-01"))
        #expect(Int64(outcome.report.postings) == (try w.count("SELECT count(*) FROM postings WHERE entry_date <= '2026-11-30'")))
        #expect(csvRecords(try w.content(sequence: 1)).first?[4] == "202611")
        #expect(throws: RunError.self) { try GLExportJob.period("2026-13", settings: try ExportsTestSupport.gl()) }
    }

    /// A real `hub` process ends right after its export committed and before the file was written
    /// (the `HUB_TEST_CRASH_AFTER_COMMIT` hook: `_exit(9)` there, as a kill would). The next start
    /// writes the file from the database: one complete file under its sequence number, no gap,
    /// the stored SHA-256, a half-written temporary file replaced.
    @Test func aProcessDeadBetweenCommitAndRenameLeavesOneCompleteFileAfterTheNextStart() throws {
        let w = try world()
        try w.rent.postThrough(RentWeek(containing: d("2026-11-16")), businessDate: d("2026-11-16"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-export-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "go-live: 2026-11-02\nrent-calendar: rent-calendar.yaml\ndirectories:\n  outbox: outbox\n"
            .write(to: folder.appendingPathComponent("hub.yaml"), atomically: true, encoding: .utf8)
        try "{}\n".write(to: folder.appendingPathComponent("rent-calendar.yaml"), atomically: true, encoding: .utf8)
        try ExportsTestSupport.mapText().write(to: folder.appendingPathComponent("financial-map.csv"), atomically: true, encoding: .utf8)
        let environment = ["HUB_CONFIG": folder.appendingPathComponent("hub.yaml").path, "HUB_DATABASE_URL": w.runner.database.connectionString]
        let outbox = folder.appendingPathComponent("outbox/gl-journal")
        func log(_ name: String) -> String { (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? "" }
        func hub(_ arguments: [String], crash: Bool, _ name: String) throws -> Int32 {
            var env = environment
            if crash { env["HUB_TEST_CRASH_AFTER_COMMIT"] = "1" }
            return try HubProcess.start(arguments, environment: env, output: folder.appendingPathComponent(name).path).wait()
        }

        // First export dies after commit.
        #expect(try hub(["run", "gl-export", "--through", "2026-11-08", "--as-of", "2026-11-09"], crash: true, "first.log") == 9, "\(log("first.log"))")
        let stored = try #require(try OutboundFile.find(interface: "gl-journal", sequence: 1, on: w.db))
        #expect(stored.deliveredPath == nil)
        #expect(!FileManager.default.fileExists(atPath: outbox.appendingPathComponent(stored.fileName).path))
        // As if it had died half way through writing: a torn temporary file.
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        try Data("HEADER,HFH0".utf8).write(to: outbox.appendingPathComponent("." + stored.fileName + ".part"))

        // hub exports deliver writes it from the database.
        #expect(try hub(["exports", "deliver"], crash: false, "deliver.log") == 0, "\(log("deliver.log"))")
        #expect(log("deliver.log").contains(stored.fileName))
        let names = try FileManager.default.contentsOfDirectory(atPath: outbox.path)
        #expect(names == [stored.fileName], "one complete file, no temporary left")
        let bytes = [UInt8](try Data(contentsOf: outbox.appendingPathComponent(stored.fileName)))
        #expect(SHA256.hex(SHA256.hash(bytes)) == stored.sha256)
        #expect(bytes == (try w.content(sequence: 1)))
        #expect(try FileManager.default.attributesOfItem(atPath: outbox.appendingPathComponent(stored.fileName).path)[.posixPermissions] as? Int == 0o640)

        // Second export dies too; the next start of any exports command delivers it first.
        #expect(try hub(["run", "gl-export", "--through", "2026-11-15", "--as-of", "2026-11-16"], crash: true, "second.log") == 9, "\(log("second.log"))")
        #expect(try hub(["run", "gl-export", "--through", "2026-11-22", "--as-of", "2026-11-23"], crash: false, "third.log") == 0, "\(log("third.log"))")
        let files = try OutboundFile.list(interface: "gl-journal", on: w.db).sorted { $0.sequence < $1.sequence }
        #expect(files.map(\.sequence) == [1, 2, 3], "no gap")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outbox.path).sorted() == files.map(\.fileName).sorted())
        for file in files {
            let written = [UInt8](try Data(contentsOf: outbox.appendingPathComponent(file.fileName)))
            #expect(SHA256.hex(SHA256.hash(written)) == file.sha256, "\(file.fileName)")
        }
        #expect(try w.count("SELECT count(*) FROM gl_exported") == (try w.count("SELECT count(*) FROM postings")))

        // hub exports redeliver writes a file again, byte for byte.
        try FileManager.default.removeItem(at: outbox.appendingPathComponent(files[0].fileName))
        #expect(try hub(["exports", "redeliver", "1", "--interface", "gl-journal"], crash: false, "redeliver.log") == 0, "\(log("redeliver.log"))")
        #expect([UInt8](try Data(contentsOf: outbox.appendingPathComponent(files[0].fileName))) == (try w.content(sequence: 1)))
        #expect(try hub(["exports", "list"], crash: false, "list.log") == 0)
        #expect(log("list.log").contains(files[2].fileName))
        #expect(try hub(["exports", "show", "2", "--interface", "gl-journal"], crash: false, "show.log") == 0)
        #expect(log("show.log").contains("SHA-256:    \(files[1].sha256)"))
        #expect(log("show.log").contains("TRAILER,"))
        #expect(try hub(["exports", "show", "9"], crash: false, "missing.log") == 2)
        #expect(log("missing.log").contains("there is no outbound file with sequence number 9"))
    }
}

/// Config/exports.yaml: defaults, the shipped file, and errors that name the file and key.
@Suite struct ExportsConfigTests {
    func folder(_ exports: String?) throws -> HubConfig {
        let config = TestHub.config(goLive: d("2026-11-02"))
        try FileManager.default.createDirectory(at: config.directory, withIntermediateDirectories: true)
        try ExportsTestSupport.mapText().write(to: config.directory.appendingPathComponent("financial-map.csv"), atomically: true, encoding: .utf8)
        if let exports { try exports.write(to: config.directory.appendingPathComponent("exports.yaml"), atomically: true, encoding: .utf8) }
        return config
    }

    @Test func theShippedFileAndAMissingFileGiveTheDefaults() throws {
        let shipped = try String(contentsOf: repositoryRoot.appendingPathComponent("Config/exports.yaml"), encoding: .utf8)
        for text in [shipped, nil] {
            let settings = try ExportsConfig.load(try folder(text))
            #expect(settings.gl.format == .unit4)
            #expect(settings.gl.interface == "gl-journal")
            #expect(settings.gl.map.debtorsControlAccount == "1500")
            #expect(settings.gl.fileNamePattern == "HF_GL_{sequence}_{through}.csv")
            #expect(settings.councilTax.aheadDays == 14 && settings.councilTax.lateAfterDays == 21 && settings.councilTax.longVoidMonths == 12)
            #expect(settings.councilTax.eventsFrom == (text == nil ? d("2026-11-02") : d("2026-04-06")))
        }
    }

    @Test(arguments: [
        ("gl-journal:\n  format: sap\n", "gl-journal.format", "'sap' is not a format: use unit4 or oracle"),
        ("gl-journal:\n  colour: red\n", "gl-journal.colour", "unknown key"),
        ("gl-journal:\n  file-name: \"GL_{through}.csv\"\n", "gl-journal.file-name", "must contain {sequence}"),
        ("gl-journal:\n  file-name: \"GL_{seq}.csv\"\n", "gl-journal.file-name", "'{seq}' is not a placeholder"),
        ("council-tax:\n  ahead-days: -1\n", "council-tax.ahead-days", "-1 must be 0 or more"),
        ("council-tax:\n  events-from: soon\n", "council-tax.events-from", "'soon' is not a date"),
        ("gl-journal:\n  debtors-control-account: \"9999\"\n", nil, "the debtors control account 9999 is not used by any row"),
    ])
    func badSettingsAreRefusedNamingTheKey(_ text: String, _ key: String?, _ message: String) throws {
        let error = try #require(throws: ConfigError.self) { try ExportsConfig.load(try folder(text)) }
        #expect(error.key == key)
        #expect(error.message.contains(message), "\(error)")
    }

    @Test func theLauncherRunsBothExportsAndDeliversTheirFiles() throws {
        let runner = try TestHub.runner()
        let config = try folder(nil)
        let db = try runner.database.connect()
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", 10_000, "2026-04-06", nil)])
        try db.execute("INSERT INTO properties (property_ref, uprn, address, postcode, bedrooms) VALUES ('P2', '100002', '2 Low Road', 'EH1 1AB', 1)")
        try db.execute("INSERT INTO tenancies (tenancy_ref, property_id, start_date, tenants) SELECT 'T2', id, '2026-11-04', ARRAY['Bo Green'] FROM properties WHERE property_ref = 'P2'")
        let launcher = JobLauncher(runner: runner, config: config)
        #expect(JobLauncher.jobNames.contains("gl-export") && JobLauncher.jobNames.contains("council-tax-export"))
        _ = try launcher.launch(job: "rent-debit", parameters: [:], businessDate: d("2026-11-09"))
        let gl = try launcher.launch(job: "gl-export", parameters: [:], businessDate: d("2026-11-10"))
        #expect(gl.map(\.businessKey) == ["2026-11-10"])
        let tax = try launcher.launch(job: "council-tax-export", parameters: [:], businessDate: d("2026-11-10"))
        #expect(tax.map(\.businessKey) == ["2026-11-10"])
        let files = try OutboundFile.list(interface: nil, on: db)
        #expect(Set(files.map(\.interface)) == ["gl-journal", "council-tax"])
        #expect(files.allSatisfy { $0.deliveredPath.map { FileManager.default.fileExists(atPath: $0) } == true })
        let period = try launcher.launch(job: "gl-export", parameters: ["period": "2026-11"], businessDate: d("2026-12-01"))
        #expect(period.map(\.businessKey) == ["2026-11-30"])
        #expect(throws: RunError.self) { try launcher.launch(job: "gl-export", parameters: ["through": "soon"], businessDate: d("2026-12-01")) }
    }

    @Test func exportsStartedTogetherMarkEachPostingOnce() throws {
        let runner = try TestHub.runner()
        let config = try folder(nil)
        let db = try runner.database.connect()
        try db.execute("INSERT INTO properties (property_ref, address, postcode, bedrooms) SELECT 'P' || g, 'x', 'y', 1 FROM generate_series(1, 2000) g")
        try db.execute("INSERT INTO weekly_charges (property_id, charge_code, weekly_pence, effective_from) SELECT id, 'DBR', 10000, '2026-04-06' FROM properties")
        try db.execute("INSERT INTO tenancies (tenancy_ref, property_id, start_date, tenants) SELECT 'T' || id, id, '2020-01-06', ARRAY['t'] FROM properties")
        try db.execute("INSERT INTO rent_accounts (account_ref, tenancy_id) SELECT lpad(id::text, 9, '0'), id FROM tenancies")
        try RentDebitRuns(runner: runner, config: config).postThrough(RentWeek(containing: d("2026-11-16")), businessDate: d("2026-11-16"))
        let settings = try ExportsTestSupport.gl()
        let days = ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19"]
        let outcomes = Outcomes()
        DispatchQueue.concurrentPerform(iterations: days.count) { index in
            do {
                let outcome = try runner.run(GLExportJob(through: d(days[index]), settings: settings), businessDate: d(days[index]))
                outcomes.add("\(outcome.report.postings)")
            } catch {
                outcomes.add("error: \(error)")
            }
        }
        // One export took every posting; the others, waiting their turn, found nothing left.
        #expect(outcomes.all.sorted() == ["0", "0", "0", "6000"], "\(outcomes.all)")
        #expect(try db.queryOne("SELECT count(*) FROM gl_exported")!.decode(Int.self, 0) == 6000)
        #expect(try OutboundFile.list(interface: "gl-journal", on: db).map(\.sequence) == [1])
    }

    /// The demo council after a day of every other feature (loaders with opening balances, rent
    /// debits since go-live, payment imports with suspense, repairs): every code is mapped, the
    /// journal ties, and the council tax file is written.
    @Test func aDemoCouncilDayExportsWithEveryCodeMapped() throws {
        let runner = try TestHub.runner()
        let config = TestHub.config(goLive: d("2026-04-06"))
        try FileManager.default.createDirectory(at: config.directory, withIntermediateDirectories: true)
        try ExportsTestSupport.mapText().write(to: config.directory.appendingPathComponent("financial-map.csv"), atomically: true, encoding: .utf8)
        let day = d("2026-11-30")
        let files = config.directory.appendingPathComponent("demo")
        _ = try DemoCouncil(properties: 300, goLive: config.goLive).seed(runner: runner, businessDate: day, directory: files)
        try RentDebitRuns(runner: runner, config: config).postThrough(RentWeek(containing: day), businessDate: day)
        _ = try PaymentsDemo.run(runner: runner, config: config, businessDate: day, directory: files)
        _ = try RepairsDemo.run(runner: runner, config: config, businessDate: day, directory: files)
        let db = try runner.database.connect()
        let codes = try db.query("SELECT DISTINCT code || COALESCE('/' || analysis, '') FROM postings ORDER BY 1").map { try $0.decode(String.self, 0) }
        let text = try ExportsDemo.run(runner: runner, config: config, businessDate: day, directory: files)
        #expect(text.contains("They tie."), "\(codes)\n\(text)")
        #expect(try db.queryOne("SELECT (SELECT count(*) FROM gl_exported) = (SELECT count(*) FROM postings WHERE entry_date <= $1)", [day])!.decode(Bool.self, 0))
        #expect(text.contains(config.outbox.appendingPathComponent("council-tax").path))
    }

    @Test func theDemoRunsBothExportsAndSaysWhereTheFilesAre() throws {
        let runner = try TestHub.runner()
        let config = try folder(nil)
        let db = try runner.database.connect()
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", 10_000, "2026-04-06", nil)])
        try db.execute("INSERT INTO properties (property_ref, uprn, address, postcode, bedrooms) VALUES ('P2', '100002', '2 Low Road', 'EH1 1AB', 1)")
        try db.execute("INSERT INTO tenancies (tenancy_ref, property_id, start_date, tenants) SELECT 'T2', id, '2026-11-04', ARRAY['Bo Green'] FROM properties WHERE property_ref = 'P2'")
        try RentDebitRuns(runner: runner, config: config).postThrough(RentWeek(containing: d("2026-11-09")), businessDate: d("2026-11-09"))
        let text = try ExportsDemo.run(runner: runner, config: config, businessDate: d("2026-11-09"))
        #expect(text.contains(config.outbox.appendingPathComponent("gl-journal/HF_GL_000001_20261109.csv").path))
        #expect(text.contains(config.outbox.appendingPathComponent("council-tax/CTAX_000001_20261109.csv").path))
        #expect(text.contains("debits £200.00"), "\(text)")
        #expect(text.contains("They tie."))
        #expect(text.contains("TENANCY_START"))
        let again = try ExportsDemo.run(runner: runner, config: config, businessDate: d("2026-11-09"))
        #expect(again.contains("already done"))
    }
}
