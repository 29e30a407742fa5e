import BankFiles
import Foundation
import HousingFinance
import Hub
import HubDemo
import Postgres
import Testing

/// The payment inbox: files taken from the configured folders, archived or rejected with why.
@Suite struct PaymentInboxTests {
    let jan7 = d("2025-01-07")

    func files(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test func goodFilesAreArchivedBadOnesRejectedWithWhyAndPartFilesLeftAlone() throws {
        let world = try PaymentWorld()
        let cashFolder = world.config.inbox.appendingPathComponent("cash")
        let good = PaymentFileText.cashFile([.init(account: world.refs[0], amount: Money(pence: 1500), date: jan7)])
        try world.write("CashFile20250107", good, in: "inbox/cash")
        let bad = PaymentFileText.outlet([.init(id: "P1", date: jan7, card: "6335590012345678", amount: Money(pence: 1000))], trailerTotal: Money(pence: 1001))
        try world.write("outlet-20250107.csv", bad, in: "inbox/cash")
        try world.write("CashFile20250108.part", good, in: "inbox/cash")

        let outcomes = try PaymentInbox(importer: world.importer, settle: {}).process(businessDate: jan7)
        let byFile = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.file, $0) })
        #expect(byFile["CashFile20250107"]?.status == .imported)
        #expect(byFile["outlet-20250107.csv"]?.status == .rejected)
        #expect(byFile["CashFile20250108.part"]?.status == .leftForNextTime)
        #expect(files(cashFolder) == ["CashFile20250108.part"])
        #expect(files(world.config.archive) == ["CashFile20250107"])
        #expect(files(world.config.rejected) == ["outlet-20250107.csv", "outlet-20250107.csv.error.txt"])
        let why = try String(contentsOf: world.config.rejected.appendingPathComponent("outlet-20250107.csv.error.txt"), encoding: .utf8)
        #expect(why.contains("outlet-20250107.csv"))
        #expect(why.contains("line 3"))
        #expect(why.contains("Nothing was posted"))
        #expect(try world.balance(world.refs[0]) == -1500)
        #expect(try world.ledgerCount() == 1)

        // The same cash file dropped again is a duplicate: rejected with the earlier run named.
        try world.write("CashFile20250107", good, in: "inbox/cash")
        let again = try PaymentInbox(importer: world.importer, settle: {}).process(businessDate: d("2025-01-08"))
        let duplicate = try #require(again.first { $0.file == "CashFile20250107" })
        #expect(duplicate.status == .duplicate)
        #expect(duplicate.runId == byFile["CashFile20250107"]?.runId)
        let reason = try String(contentsOf: world.config.rejected.appendingPathComponent("CashFile20250107.error.txt"), encoding: .utf8)
        #expect(reason.hasPrefix("Duplicate: "))
        #expect(reason.contains("already imported by run"))
        #expect(try world.balance(world.refs[0]) == -1500)
    }

    @Test func aFileStillGrowingIsLeftForNextTime() throws {
        let world = try PaymentWorld()
        let text = PaymentFileText.cashFile([.init(account: world.refs[0], amount: Money(pence: 1500), date: jan7)])
        let url = try world.write("CashFile20250107", text, in: "inbox/cash")
        // While the inbox waits between its two looks, the sender writes more.
        let inbox = PaymentInbox(importer: world.importer, settle: {
            let handle = try! FileHandle(forWritingTo: url)
            handle.seekToEndOfFile()
            handle.write(Data(PaymentFileText.cashFile([.init(account: "100", amount: Money(pence: 100), date: d("2025-01-07"))]).utf8))
            try! handle.close()
        })
        let outcomes = try inbox.process(businessDate: jan7)
        #expect(outcomes.map(\.status) == [.leftForNextTime])
        #expect(try world.ledgerCount() == 0)
        #expect(FileManager.default.fileExists(atPath: url.path))
        // Next time it has stopped growing and is imported.
        let next = try PaymentInbox(importer: world.importer, settle: {}).process(businessDate: jan7)
        #expect(next.map(\.status) == [.imported])
        #expect(try world.ledgerCount() == 1)
    }

    @Test func theLauncherRunsTheInbox() throws {
        let world = try PaymentWorld()
        try Data(
            """
            inbox:
              cash: { folder: cash, format: cash }
            """.utf8
        ).write(to: world.config.directory.appendingPathComponent("payments.yaml"))
        try world.write("CashFile20250107", PaymentFileText.cashFile([.init(account: world.refs[1], amount: Money(pence: 700), date: jan7)]), in: "inbox/cash")
        let records = try JobLauncher(runner: world.runner, config: world.config).launch(job: "payment-import", parameters: [:], businessDate: jan7)
        #expect(records.map(\.job) == ["payment-import"])
        #expect(try world.balance(world.refs[1]) == -700)
        #expect(JobLauncher.jobNames.contains("payment-import"))
    }
}

/// Provider settlements on the bank statement against provider files, and the statement
/// against the ledger.
@Suite struct BankReconciliationTests {
    @Test func aSettlementIsRecognisedNotPostedAndReconciledAgainstItsCashFile() throws {
        let world = try PaymentWorld()
        let refs = world.refs
        let jan6 = d("2025-01-06"), jan7 = d("2025-01-07")
        // Monday's cash file: PayPoint 45.00 + 95.50 (one to suspense), Post Office 30.00.
        try world.importText("CashFile20250106", PaymentFileText.cashFile([
            .init(account: refs[0], amount: Money(pence: 4500), date: jan6, provider: "PP"),
            .init(account: "NO SUCH", amount: Money(pence: 9550), date: jan6, provider: "PP"),
            .init(account: refs[1], source: "POST OFFICE 118822", amount: Money(pence: 3000), date: jan6, provider: "PO"),
        ]), date: "2025-01-06")
        // Tuesday's statement: PayPoint settles Monday's file; the Post Office sends 50.00 (its
        // file says 30.00); allpay settles a file that has not come; a tenant pays; a charge.
        let statement = PaymentFileText.mt940(reference: "S0107", number: 1, opening: Money(pence: 1_000_000), date: jan7, entries: [
            .init(amount: Money(pence: 14050), date: jan7, text: "PAYPOINT SETTLEMENT 06/01", bankReference: "P1"),
            .init(amount: Money(pence: 5000), date: jan7, text: "POST OFFICE COUNTERS LTD", bankReference: "P2"),
            .init(amount: Money(pence: 1200), date: jan7, text: "ALLPAY LIMITED", bankReference: "P3"),
            .init(amount: Money(pence: 8000), date: jan7, text: "RENT \(refs[2])", bankReference: "P4"),
            .init(amount: Money(pence: 999), date: jan7, text: "UNKNOWN", bankReference: "P5"),
            .init(credit: false, amount: Money(pence: 1250), date: jan7, text: "CHARGES", bankReference: "P6"),
        ])
        let outcome = try world.importText("s0107.sta", statement)
        #expect(outcome.report.line(.settlement).credits == Tally(count: 3, pence: 14050 + 5000 + 1200))
        #expect(outcome.report.reconciled.map(\.provider) == ["paypoint"])
        // Settlements are not rent: only the tenant's 80.00 is on an account from the statement.
        #expect(try world.sum("SELECT count(*) FROM ledger_entries WHERE run_id = $1", [outcome.record.id]) == 1)

        let report = try BankReconciliation.load(date: jan7, settings: world.settings, on: world.db)
        #expect(report.matched.map(\.provider) == ["paypoint"])
        #expect(report.matched.first?.files == ["CashFile20250106"])
        let open = Dictionary(uniqueKeysWithValues: report.openSettlements.map { ($0.provider, $0) })
        #expect(open["allpay"]?.candidateFiles == [])
        #expect(open["allpay"]?.differencePence == nil)
        #expect(open["post-office"]?.candidateFiles == ["CashFile20250106"])
        #expect(open["post-office"]?.differencePence == 2000)
        #expect(report.openBatches.isEmpty)
        let text = report.render()
        #expect(TextRows.row(text, with: "allpay") == ["2025-01-07", "allpay", "£12.00", "ALLPAY LIMITED", "no provider file yet"], "\(text)")
        #expect(TextRows.row(text, with: "post-office")?.last?.hasPrefix("amount differs: OVER by £20.00 against the files CashFile20250106 (") == true, "\(text)")
        // The statement ties: movement = rent postings + suspense + settlements - charges.
        let tie = try #require(report.statements.first)
        #expect(tie.movementPence == 14050 + 5000 + 1200 + 8000 + 999 - 1250)
        #expect(tie.rentPostingsPence == 8000)
        #expect(tie.suspensePence == 999)
        #expect(tie.reconciledSettlementsPence == 14050)
        #expect(tie.openSettlementsPence == 6200)
        #expect(tie.reportedPence == -1250)
        #expect(tie.differencePence == 0)
    }

    @Test func aSettlementOfSeveralDaysFilesIsReconciledWithAllOfThem() throws {
        let world = try PaymentWorld()
        // Friday's and Monday's card files settled together on Tuesday.
        let fri = d("2025-01-03"), mon = d("2025-01-06"), tue = d("2025-01-07")
        try world.importText("card-20250103.csv", PaymentFileText.cardCSV([
            .init(id: "T1", date: fri, reference: world.refs[0], payer: "A", amount: Money(pence: 4000)),
        ]), date: "2025-01-03")
        try world.importText("card-20250106.csv", PaymentFileText.cardCSV([
            .init(id: "T2", date: mon, reference: world.refs[1], payer: "B", amount: Money(pence: 6000)),
            .init(id: "T3", date: mon, reference: world.refs[2], payer: "C", amount: Money(pence: 500), status: "Declined"),
        ]), date: "2025-01-06")
        var report = try BankReconciliation.load(date: mon, settings: world.settings, on: world.db)
        #expect(report.openBatches.map(\.file) == ["card-20250103.csv", "card-20250106.csv"])
        let statement = PaymentFileText.mt940(reference: "S", number: 1, opening: Money(pence: 0), date: tue, entries: [
            .init(amount: Money(pence: 10000), date: tue, text: "WORLDPAY CARD SETTLEMENT", bankReference: "W1"),
        ])
        let outcome = try world.importText("s.sta", statement)
        #expect(outcome.report.reconciled.first?.files == ["card-20250103.csv", "card-20250106.csv"])
        report = try BankReconciliation.load(date: tue, settings: world.settings, on: world.db)
        #expect(report.openBatches.isEmpty)
        #expect(report.openSettlements.isEmpty)
        #expect(report.statements.first?.differencePence == 0)
        // Reversing the statement's import opens both files again.
        try world.runner.run(ReversalJob(originalRunId: outcome.record.id, reason: "test"), businessDate: tue)
        report = try BankReconciliation.load(date: tue, settings: world.settings, on: world.db)
        #expect(report.openBatches.count == 2)
    }

    @Test func aFileWithNoSettlementIsListedAndOverdueAfterItsWindow() throws {
        let world = try PaymentWorld()
        let jan6 = d("2025-01-06")
        try world.importText("CashFile20250106", PaymentFileText.cashFile([
            .init(account: world.refs[0], amount: Money(pence: 4500), date: jan6, provider: "PP"),
        ]), date: "2025-01-06")
        let soon = try BankReconciliation.load(date: d("2025-01-07"), settings: world.settings, on: world.db)
        #expect(soon.openBatches.map(\.overdue) == [false])
        #expect(soon.openBatches.first?.expectedBy == d("2025-01-07"))
        let late = try BankReconciliation.load(date: d("2025-01-13"), settings: world.settings, on: world.db)
        #expect(late.openBatches.map(\.overdue) == [true])
        #expect(late.render().contains("OVERDUE"))
        #expect(late.render().contains("No bank statement dated 2025-01-13"))
    }
}

/// The payments demo and the payments configuration file.
@Suite struct PaymentsDemoTests {
    @Test func theDemoImportsTheDaysFilesAndPrintsTheReconciliationAndSuspense() throws {
        let world = try PaymentWorld(accounts: 10)
        let directory = world.folder.appendingPathComponent("demo-files")
        let text = try PaymentsDemo.run(runner: world.runner, config: world.config, businessDate: d("2025-01-07"), directory: directory)
        #expect(text.contains("Bank reconciliation for 2025-01-07"))
        #expect(TextRows.row(text, with: "paypoint") == ["paypoint", "£175.50", "CashFile20250106"], "\(text)")
        #expect(text.contains("Suspense (open items)"))
        #expect(text.contains("legacy-reference 1"))
        #expect(text.contains("near-miss 2"))
        #expect(text.contains("near-miss 1"))
        #expect(text.contains("Ties to the penny."))
        #expect(!text.contains("DOES NOT TIE"))
        // The resent statement posted only its one new entry.
        let resend = try world.db.queryOne(
            "SELECT count(*) FILTER (WHERE outcome = 'skipped'), count(*) FILTER (WHERE outcome = 'posted') FROM payment_entries e JOIN payment_files f ON f.run_id = e.run_id WHERE f.file_name LIKE '%resend%'")!
        #expect(try resend.decode(Int.self, 0) == 8)
        #expect(try resend.decode(Int.self, 1) == 1)
        // A second demo run on the same day imports nothing twice.
        let again = try PaymentsDemo.run(runner: world.runner, config: world.config, businessDate: d("2025-01-07"), directory: directory)
        #expect(again.contains("already imported"))
        #expect(text.contains("statement-20250107.xml (camt053)"))
    }

    @Test func theDemoRunsOnTheLoadersDemoCouncil() throws {
        let runner = try TestHub.runner()
        let config = TestHub.config(goLive: d("2026-04-06"))
        let directory = config.directory.appendingPathComponent("demo")
        try DemoCouncil(properties: 200, goLive: d("2026-04-06")).seed(runner: runner, businessDate: d("2026-11-30"), directory: directory)
        let text = try PaymentsDemo.run(runner: runner, config: config, businessDate: d("2026-12-01"), directory: directory)
        #expect(text.contains("Bank reconciliation for 2026-12-01"))
        #expect(text.contains("legacy-reference 1"))
        #expect(!text.contains("DOES NOT TIE"))
        #expect(!text.contains("Gave account"))
    }

    @Test func theShippedConfigurationReadsAndAMistakeNamesTheKey() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let inbox = URL(fileURLWithPath: "/srv/inbox")
        let settings = try PaymentSettings.load(file: root.appendingPathComponent("Config/payments.yaml"), inbox: inbox)
        #expect(settings.inbox.map(\.name).sorted() == ["bank", "card", "cash", "dd", "hb"])
        #expect(settings.inbox.first { $0.name == "hb" }?.folder.path == "/srv/inbox/hb")
        #expect(settings.inbox.first { $0.name == "hb" }?.format == .housingBenefit)
        #expect(settings.provider(forFileOf: .cashFile, sourceCode: "PO") == "post-office")
        #expect(settings.provider(forFileOf: .card, sourceCode: nil) == "card-acquirer")
        #expect(settings.cardMapping.transactionId == "Transaction ID")

        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("payments-\(UUID().uuidString).yaml")
        try Data("settlements:\n  paypoint:\n    payer: PAYPOINT\n    files: [cash/PP]\n    delay: soon\n".utf8).write(to: bad)
        let error = try #require(throws: ConfigError.self) { try PaymentSettings.load(file: bad, inbox: inbox) }
        #expect(error.key == "settlements.paypoint.delay")
        #expect(error.file == bad.path)
    }
}

/// The payments staff's database role can do their work, and nothing is granted beyond it.
@Suite struct PaymentRoleTests {
    @Test func thePaymentsRoleImportsAllocatesAndReverses() throws {
        let world = try PaymentWorld()
        let jan7 = d("2025-01-07")
        let connection = try world.runner.database.admin()
        try connection.execute("SET ROLE hub_payments")
        let text = PaymentFileText.mt940(reference: "S", number: 1, opening: Money(pence: 0), date: jan7, entries: [
            .init(amount: Money(pence: 1000), date: jan7, text: world.refs[0], bankReference: "R1"),
            .init(amount: Money(pence: 900), date: jan7, text: "NOBODY", bankReference: "R2"),
            .init(amount: Money(pence: 1200), date: jan7, text: "PAYPOINT SETTLEMENT", bankReference: "R3"),
        ])
        let job = PaymentImportJob(fileName: "s.sta", bytes: Array(text.utf8), format: nil, settings: world.settings, scheme: .standard)
        let imported = try world.runner.run(job, on: connection, businessDate: jan7)
        #expect(imported.report.ties)
        #expect(imported.report.line(.settlement).credits.count == 1)
        let item = try #require(try SuspenseItem.list(on: connection).first)
        try world.runner.run(SuspenseAllocationJob(itemId: item.id, action: .allocate(account: world.refs[1]), note: "n"), on: connection, businessDate: jan7)
        #expect(try world.balance(world.refs[1]) == -900)
        let allocation = try #require(try SuspenseItem.find(item.id, on: connection)?.resolvedRunId)
        try world.runner.run(ReversalJob(originalRunId: allocation, reason: "test"), on: connection, businessDate: jan7)
        try world.runner.run(ReversalJob(originalRunId: imported.record.id, reason: "test"), on: connection, businessDate: jan7)
        #expect(try world.balance(world.refs[0]) == 0)
        #expect(try world.balance(world.refs[1]) == 0)
        #expect(try SuspenseItem.find(item.id, on: connection)?.status == "void")
    }
}
