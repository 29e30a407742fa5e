import BankFiles
import Foundation
import HousingFinance
import Hub
import HubTesting
import Postgres
import Testing

extension DDWorld {
    /// The payment importer of a test configuration (inbox, archive and rejected folders of its own).
    func importer() -> PaymentImporter {
        let config = TestHub.config(goLive: d("2026-04-06"))
        return PaymentImporter(runner: runner, config: config, settings: PaymentSettings.defaults(inbox: config.inbox))
    }

    /// Two weekly mandates (Monday) collected on Monday 1 February 2027 (input Thursday 28 January, processing Friday 29).
    func twoCollections(_ first: String, _ second: String) throws -> RunOutcome<DDCollectionJob.Report> {
        try tenancy(first, weekly: 9_000)
        try tenancy(second, weekly: 8_000)
        try loadMandates([
            "\(first),J SMITH,200000,11111111,weekly,1,2027-01-01,83.08,2026-12-01",
            "\(second),A JONES,404784,22222222,weekly,1,2027-01-01,73.85,2026-12-01",
        ])
        return try collect(d("2027-01-28"))
    }

    /// The ARUDD report of 3 February 2027 returning both: reason 0 (refer to payer) and reason 1 (cancelled).
    func returnsReport(_ first: String, _ second: String) -> [UInt8] {
        ARUDDWriter(processingDate: d("2027-02-03")).bytes([
            ARUDDItem(payerReference: first, payerName: "J SMITH", amount: Money(pence: 8_308), originalProcessingDate: d("2027-01-29"), returnCode: "0", returnDescription: "REFER TO PAYER"),
            ARUDDItem(payerReference: second, payerName: "A JONES", amount: Money(pence: 7_385), originalProcessingDate: d("2027-01-29"), returnCode: "1", returnDescription: "INSTRUCTION CANCELLED"),
        ])
    }

    /// What a user checks after a returns report was acted on: RDN against each RDD, the first
    /// re-presented with code 18 on 10 February, the second's mandate cancelled and its account flagged.
    func expectActedOn(_ first: String, _ second: String) throws {
        #expect(try db.posted(account: first, code: "RDN") == 8_308 && (try db.posted(account: first)) == 0)
        #expect(try db.posted(account: second, code: "RDN") == 7_385)
        #expect(try count("SELECT count(*) FROM dd_returns") == 2)
        #expect(try db.queryOne("SELECT represent_on FROM dd_returns WHERE reason_code = '0'")?.decode(Day?.self, 0) == d("2027-02-10"))
        #expect(try MandateStore.mandates(account: second, on: db).first?.status == "cancelled")
        #expect(try count("SELECT count(*) FROM dd_account_flags f JOIN rent_accounts a ON a.id = f.account_id WHERE a.account_ref IN (\(first), \(second))") == 1)
        #expect(try count("SELECT count(*) FROM suspense_items") == 0, "nothing to suspense")
    }
}

/// A Bacs report that reaches `hub import`, the payment inbox or `hub dd returns`/`advices` is
/// acted on by the same Direct Debit job, once.
@Suite struct DirectDebitReportRoutesTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interfaces/inbound")

    /// `hub import FILE` (the importer's `receive`) of an ARUDD report re-presents and cancels as
    /// `hub dd returns` does; the same file dropped in the inbox's dd folder afterwards is a
    /// duplicate, moved to rejected with its reason, and nothing is posted twice; the
    /// re-presentation is collected with code 18.
    @Test func anARUDDReportThroughHubImportThenTheInbox() throws {
        let w = try DDWorld()
        _ = try w.twoCollections("10000081", "10000082")
        let importer = w.importer()
        let file = importer.config.directory.appendingPathComponent("ARUDD-20270203.xml")
        try FileManager.default.createDirectory(at: importer.config.directory, withIntermediateDirectories: true)
        try Data(w.returnsReport("10000081", "10000082")).write(to: file)

        let preview = try importer.receive(file, format: nil, businessDate: d("2027-02-03"), preview: true)
        #expect(preview.isPreview && preview.record.job == "dd-returns")
        #expect(try w.count("SELECT count(*) FROM dd_returns") == 0, "a dry run keeps nothing")

        let received = try importer.receive(file, format: nil, businessDate: d("2027-02-03"))
        guard case .returns(let outcome) = received else { Issue.record("not acted on as returns: \(received.record.job)"); return }
        #expect(outcome.record.job == DDReturnsJob.name)
        #expect(outcome.report.returns.map(\.action) == ["re-present on 2027-02-10 (code 18)", "mandate cancelled; account flagged for the income team"])
        #expect(received.render().contains("re-present on 2027-02-10 (code 18)"))
        try w.expectActedOn("10000081", "10000082")

        let dd = try #require(importer.settings.inbox.first { $0.name == "dd" })
        try FileManager.default.createDirectory(at: dd.folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: file, to: dd.folder.appendingPathComponent("ARUDD-20270203.xml"))
        let inbox = try PaymentInbox(importer: importer, settle: {}).process(businessDate: d("2027-02-04"))
        #expect(inbox.map(\.status) == [.duplicate])
        #expect(inbox.first?.message.contains("already completed by run \(outcome.record.id)") == true, "\(inbox.first?.message ?? "")")
        let moved = try #require(inbox.first?.movedTo)
        #expect(moved.hasPrefix(importer.config.rejected.path))
        #expect(try String(contentsOfFile: moved + ".error.txt", encoding: .utf8).hasPrefix("Duplicate: "))
        try w.expectActedOn("10000081", "10000082")

        _ = try w.collect(d("2027-02-04"))
        let represented = try w.collect(d("2027-02-08"))
        #expect(represented.report.byCode == ["18": 1] && represented.report.collectedPence == 8_308)
    }

    /// The inbox first (the dd folder), then `hub import` of the same report: refused as acted on;
    /// an ADDACS report (the repository's sample) dropped in the dd folder and an AUDDIS report
    /// (its sample) through `hub import` change their mandates as `hub dd advices` does.
    @Test func theInboxThenHubImportAndTheAdvicesSamples() throws {
        let w = try DDWorld()
        _ = try w.twoCollections("10000091", "10000092")
        for account in ["10002345", "10003456", "10005678", "10007890"] { try w.tenancy(account, weekly: 9_000) }
        try w.loadMandates([
            "10002345,J SMITH,601613,31926819,weekly,1,2027-01-01,83.08,2026-12-01",
            "10003456,A JONES,404784,70872490,weekly,1,2027-01-01,83.08,2026-12-01",
            "10005678,C WONG,090128,55779911,weekly,1,2027-01-01,83.08,2026-12-01",
            "10007890,D PATEL,200000,12345679,weekly,1,2027-01-01,83.08,2026-12-01",
        ], asOf: d("2026-12-02"))
        let importer = w.importer()
        let dd = try #require(importer.settings.inbox.first { $0.name == "dd" })
        try FileManager.default.createDirectory(at: dd.folder, withIntermediateDirectories: true)
        let report = w.returnsReport("10000091", "10000092")
        try Data(report).write(to: dd.folder.appendingPathComponent("ARUDD-20270203.xml"))
        try FileManager.default.copyItem(
            at: Self.samples.appendingPathComponent("addacs/ADDACS-20270118.xml"), to: dd.folder.appendingPathComponent("ADDACS-20270118.xml"))

        let outcomes = try PaymentInbox(importer: importer, settle: {}).process(businessDate: d("2027-01-19"))
        #expect(outcomes.map(\.file) == ["ADDACS-20270118.xml", "ARUDD-20270203.xml"])
        #expect(outcomes.map(\.status) == [.imported, .imported], "\(outcomes.map(\.message))")
        #expect(outcomes.allSatisfy { $0.movedTo?.hasPrefix(importer.config.archive.path) == true })
        #expect(outcomes.first?.report?.render().contains("ADDACS report ADDACS-20270118.xml: 3 advices") == true)
        try w.expectActedOn("10000091", "10000092")
        #expect(try MandateStore.mandates(account: "10002345", on: w.db).first?.status == "cancelled", "ADDACS 1")
        #expect(try MandateStore.open(account: "10003456", on: w.db)?.sortCode == "200000", "ADDACS 3: the new details")
        #expect(try MandateStore.mandates(account: "10005678", on: w.db).first?.status == "cancelled", "ADDACS B")
        #expect(try w.count("SELECT count(*) FROM dd_bank_advices WHERE report = 'ADDACS'") == 3)

        // The same ARUDD through hub import: acted on already, nothing posted again.
        let again = importer.config.directory.appendingPathComponent("ARUDD-copy.xml")
        try Data(report).write(to: again)
        #expect { try importer.receive(again, format: nil, businessDate: d("2027-02-04")) } throws: {
            ($0 as? RunError)?.code == .alreadyCompleted && "\($0)".contains("dd-returns")
        }
        try w.expectActedOn("10000091", "10000092")

        let auddis = try importer.receive(Self.samples.appendingPathComponent("auddis/AUDDIS-20270118.xml"), format: nil, businessDate: d("2027-01-19"))
        #expect(auddis.record.job == DDAdvicesJob.name)
        #expect(try MandateStore.mandates(account: "10007890", on: w.db).first?.status == "failed")
        #expect(auddis.render().contains("mandate failed; account flagged"))
    }

    /// Bad input through the routes: a return for an unknown collection refuses the whole report
    /// (naming the element and line, nothing posted; the inbox moves it to rejected with why);
    /// the payment import refuses an ARUDD report given to it directly; `hub dd returns` refuses
    /// a report of another kind.
    @Test func anUnknownReturnThroughTheRoutesPostsNothing() throws {
        let w = try DDWorld()
        _ = try w.twoCollections("10000101", "10000102")
        let importer = w.importer()
        let bytes = ARUDDWriter(processingDate: d("2027-02-03")).bytes([
            ARUDDItem(payerReference: "10000101", payerName: "J SMITH", amount: Money(pence: 8_308), originalProcessingDate: d("2027-01-29"), returnCode: "0", returnDescription: "REFER TO PAYER"),
            ARUDDItem(payerReference: "10000199", payerName: "NOBODY", amount: Money(pence: 100), originalProcessingDate: d("2027-01-29"), returnCode: "0", returnDescription: "REFER TO PAYER"),
        ])
        let dd = try #require(importer.settings.inbox.first { $0.name == "dd" })
        try FileManager.default.createDirectory(at: dd.folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: dd.folder.appendingPathComponent("ARUDD-bad.xml"))
        let outcome = try #require(try PaymentInbox(importer: importer, settle: {}).process(businessDate: d("2027-02-03")).first)
        #expect(outcome.status == .rejected)
        #expect(outcome.message.contains("ReturnedDebitItem[2]") && outcome.message.contains("10000199") && outcome.message.contains("matches no Direct Debit collection"), "\(outcome.message)")
        #expect(outcome.message.contains("nothing was posted"))
        let moved = try #require(outcome.movedTo)
        #expect(try String(contentsOfFile: moved + ".error.txt", encoding: .utf8).contains("10000199"))
        #expect(try w.count("SELECT count(*) FROM ledger_entries WHERE code = 'RDN'") == 0)
        #expect(try w.count("SELECT count(*) FROM dd_returns") == 0)

        // The payment import itself does not read ARUDD: one implementation acts on returns.
        let file = importer.config.directory.appendingPathComponent("ARUDD-20270203.xml")
        try Data(w.returnsReport("10000101", "10000102")).write(to: file)
        #expect { try importer.importFile(file, format: nil, businessDate: d("2027-02-03")) } throws: {
            ($0 as? RunError)?.code == .badInput && "\($0)".contains("acted on by hub dd returns")
        }
        #expect { try importer.receive(file, format: nil, expecting: .advices, businessDate: d("2027-02-03")) } throws: {
            ($0 as? RunError)?.code == .badInput && "\($0)".contains("hub dd advices reads an ADDACS or AUDDIS report, and this file is an ARUDD report")
        }
        #expect(try w.count("SELECT count(*) FROM ledger_entries WHERE code = 'RDN'") == 0)
        #expect(try w.count("SELECT count(*) FROM payment_entries") == 0)
    }

    /// The command line: `hub import` acts on an ARUDD report, `hub dd returns` of the same file
    /// is refused as done (exit 3), and `hub dd returns` of an ADDACS report is refused (exit 2).
    @Test func hubImportAndHubDDReturnsAreOnePath() throws {
        let w = try DDWorld()
        _ = try w.twoCollections("10000111", "10000112")
        let cli = try DDCommandLine(w)
        defer { cli.remove() }
        func log(_ name: String) -> String { cli.log(name) }
        func hub(_ arguments: [String], _ name: String) throws -> Int32 { try cli.hub(arguments, name) }
        let arudd = cli.folder.appendingPathComponent("ARUDD-20270203.xml")
        try Data(w.returnsReport("10000111", "10000112")).write(to: arudd)
        #expect(try hub(["import", arudd.path, "--as-of", "2027-02-03"], "import.log") == 0, "\(log("import.log"))")
        #expect(log("import.log").contains("dd-returns") && log("import.log").contains("re-present on 2027-02-10 (code 18)"), "\(log("import.log"))")
        try w.expectActedOn("10000111", "10000112")
        #expect(try hub(["dd", "returns", arudd.path, "--as-of", "2027-02-03"], "returns.log") == 3, "\(log("returns.log"))")
        #expect(log("returns.log").contains("already completed"))
        #expect(try hub(["dd", "returns", Self.samples.appendingPathComponent("addacs/ADDACS-20270118.xml").path], "wrong.log") == 2, "\(log("wrong.log"))")
        #expect(log("wrong.log").contains("hub dd returns reads an ARUDD report"))
        try w.expectActedOn("10000111", "10000112")
    }
}

/// A bank that debits each returned Direct Debit on its own: after the ARUDD report, the day's
/// debits together settle the report; none goes to suspense or reverses anything a second time.
@Suite struct DirectDebitReturnDebitsTests {
    @Test func eachReturnDebitedOnItsOwnSettlesTheReportTogether() throws {
        let w = try DDWorld()
        _ = try w.twoCollections("10000121", "10000122")
        let importer = w.importer()
        try FileManager.default.createDirectory(at: importer.config.directory, withIntermediateDirectories: true)
        let report = importer.config.directory.appendingPathComponent("ARUDD-20270203.xml")
        try Data(w.returnsReport("10000121", "10000122")).write(to: report)
        _ = try importer.receive(report, format: nil, businessDate: d("2027-02-03"))
        let statement = importer.config.directory.appendingPathComponent("statement-20270203.xml")
        try Camt053Writer(messageId: "STMT-20270203", created: d("2027-02-03")).write([
            (Camt053Statement(id: "S1", iban: "GB29NWBK60161331926819", date: d("2027-02-03"), openingBalance: Money(pence: 500_000)), [
                Camt053Entry(amount: Money(pence: 8_308), direction: .debit, bookingDate: d("2027-02-03"), reference: "UNPAID DD 10000121", accountServicerReference: "U1"),
                Camt053Entry(amount: Money(pence: 7_385), direction: .debit, bookingDate: d("2027-02-03"), reference: "UNPAID DD 10000122", accountServicerReference: "U2"),
            ]),
        ], to: statement)
        let imported = try #require(try importer.receive(statement, format: nil, businessDate: d("2027-02-03")).payments)
        #expect(imported.line(.settlement).debits == Tally(count: 2, pence: 15_693))
        #expect(imported.reconciled.map(\.files) == [["ARUDD-20270203.xml"], ["ARUDD-20270203.xml"]])
        let section = try DDReconciliation.load(date: d("2027-02-03"), settings: importer.settings, on: w.db)
        #expect(section.ties && section.render().contains("2 entries from 2027-02-03, -£156.93"), "\(section.render())")
        #expect(try w.count("SELECT count(*) FROM suspense_items") == 0)
        #expect(try w.count("SELECT count(*) FROM ledger_entries WHERE code = 'RDN'") == 2, "RDN from the ARUDD report only")
        #expect(try BankReconciliation.load(date: d("2027-02-03"), settings: importer.settings, on: w.db).statements.first?.differencePence == 0)
    }
}

/// Bad bank details in `hub load mandates`: every bad row is named (line, column, what is wrong)
/// and nothing is loaded.
@Suite struct DirectDebitBadMandatesTests {
    @Test func aMandatesFileWithABadSortCodeOrAccountNumberLoadsNothing() throws {
        let w = try DDWorld()
        try w.tenancy("10000131", weekly: 9_000)
        try w.tenancy("10000132", weekly: 9_000)
        try w.tenancy("10000133", weekly: 9_000)
        #expect {
            try w.loadMandates([
                "10000131,J SMITH,20-00-0X,11111111,weekly,1,2027-01-01,83.08,2026-12-01",
                "10000132,A JONES,404784,2222222,weekly,1,2027-01-01,83.08,2026-12-01",
                "10000133,C WONG,090128,33333333,weekly,1,2027-01-01,83.08,2026-12-01",
            ])
        } throws: {
            let text = "\($0)"
            return text.contains("nothing was loaded") && text.contains("line 2, column sort_code, value '20-00-0X': must be 6 digits")
                && text.contains("line 3, column account_number, value '2222222': must be 8 digits") && !text.contains("line 4")
        }
        #expect(try w.count("SELECT count(*) FROM dd_mandates") == 0, "nothing loaded")
        #expect(try w.count("SELECT count(*) FROM dd_notices") == 0)
    }
}
