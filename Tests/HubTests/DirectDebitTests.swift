import BankFiles
import Foundation
import HousingFinance
import Hub
import HubTesting
import InterfaceFiles
import Postgres
import Testing

@Suite struct DirectDebitCollectionTests {
    /// Three loaded mandates (monthly on the 1st, weekly on Monday, fortnightly on Friday) collected
    /// every working day of 2027: each due date is collected once, on the working day it falls
    /// on or the next (Good Friday and Easter Monday 2027, Christmas 2027 on a Saturday), each run's
    /// file reads back with totals that tie to its RDD postings, and sequence numbers have no gap.
    @Test func aYearOfCollectionsAcrossChristmasAndEaster2027() throws {
        let w = try DDWorld()
        try w.tenancy("10000001", weekly: 10_000)
        try w.tenancy("10000002", weekly: 9_000)
        try w.tenancy("10000003", weekly: 8_000)
        try w.loadMandates([
            "10000001,J SMITH,20-00-00,11111111,monthly,1,2027-01-01,400.00,2026-12-01",
            "10000002,A JONES,40-47-84,22222222,weekly,1,2027-01-01,83.08,2026-12-01",
            "10000003,C WONG,09-01-28,33333333,fortnightly,5,2027-01-01,147.69,2026-12-01",
        ])
        let calendar = w.dd.calendar
        var input = d("2026-12-29")
        var runs = 0, files = 0
        var entries: [Day] = []
        while input <= d("2027-12-31") {
            if calendar.isWorkingDay(input) {
                let outcome = try w.collect(input)
                runs += 1
                #expect(outcome.report.withheld.isEmpty && outcome.report.previousAmount.isEmpty, "\(input)")
                if outcome.report.collections > 0 {
                    files += 1
                    let file = try w.checkedFile(outcome)
                    #expect(file.records.filter { !$0.isContra }.allSatisfy { $0.transactionCode == "17" }, "loaded mandates are already lodged")
                }
                entries.append(outcome.report.entryDay)
            }
            input = input + 1
        }
        // Every due date of each schedule whose entry day the runs covered, collected once at its amount.
        let first = entries.first!, last = entries.last!
        let schedules = DDSchedules(config: w.dd)
        for mandate in try MandateStore.list(status: "live", on: w.db) {
            let expected = try schedules.schedule(mandate, on: w.db).collections(from: first - 7, through: last)
                .filter { $0.entryDay >= first && $0.entryDay <= last }
            let collected = try w.db.query("SELECT due_date, entry_day, amount_pence FROM dd_collections WHERE mandate_id = \(mandate.id) ORDER BY due_date").map {
                (try $0.decode(Day.self, 0), try $0.decode(Day.self, 1), $0.int64(2))
            }
            #expect(collected.map(\.0) == expected.map(\.due), "\(mandate.accountRef)")
            #expect(collected.map(\.1) == expected.map(\.entryDay), "\(mandate.accountRef)")
            #expect(collected.map(\.2) == expected.map(\.amount.pence), "\(mandate.accountRef)")
        }
        #expect(try w.count("SELECT count(*) FROM dd_collections WHERE mandate_id = (SELECT id FROM dd_mandates WHERE reference = '10000001')") == 13, "January 2027 to January 2028")
        // Easter 2027: Monday 29 March (Easter Monday) and Good Friday 26 March are collected on Tuesday 30 March.
        #expect(try w.db.queryOne("SELECT entry_day FROM dd_collections WHERE reference = '10000002' AND due_date = '2027-03-29'")?.decode(Day.self, 0) == d("2027-03-30"))
        let goodFriday = try w.db.queryOne("SELECT entry_day FROM dd_collections WHERE reference = '10000003' AND due_date = '2027-03-26'")
        let fortnightlyOnGoodFriday = try DDSchedules(config: w.dd).schedule(try #require(try MandateStore.open(account: "10000003", on: w.db)), on: w.db)
            .terms.isDue(d("2027-03-26"))
        if fortnightlyOnGoodFriday { #expect(try goodFriday?.decode(Day.self, 0) == d("2027-03-30")) }
        // Christmas 2027: Monday 27 December (a bank holiday) is collected on Wednesday 29th; 1 January 2028 on Tuesday 4th.
        #expect(try w.db.queryOne("SELECT entry_day FROM dd_collections WHERE reference = '10000002' AND due_date = '2027-12-27'")?.decode(Day.self, 0) == d("2027-12-29"))
        #expect(try w.db.queryOne("SELECT entry_day FROM dd_collections WHERE reference = '10000001' AND due_date = '2028-01-01'")?.decode(Day.self, 0) == d("2028-01-04"))
        // One file per run with collections, numbered without a gap, each delivered once.
        let stored = try OutboundFile.list(interface: "bacs-direct-debit", on: w.db).sorted { $0.sequence < $1.sequence }
        #expect(stored.count == files && stored.map(\.sequence) == Array(1...Int64(files)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.outbox.appendingPathComponent("bacs-direct-debit").path).count == files)
        #expect(try w.count("SELECT count(*) FROM outbound_deliveries") == Int64(files))
        // The ledger holds one RDD per collection.
        #expect(try w.count("SELECT count(*) FROM ledger_entries WHERE code = 'RDD'") == (try w.count("SELECT count(*) FROM dd_collections")))
        #expect(runs > 250)
        // A day that is not a working day is refused, and a day is collected once.
        #expect(throws: RunError.self) { try DDCollectionJob(inputDay: d("2027-12-28"), config: w.dd) }
        #expect { try w.collect(d("2027-06-01")) } throws: { ($0 as? RunError)?.code == .alreadyCompleted }
    }

    /// 2030/31 has 53 rent weeks; with four free weeks, 49 are debited: the monthly amount is
    /// 49 x weekly / 12, more than the 48 x weekly / 12 of a 52-week year.
    @Test func theFiftyThreeWeekYearCollectsFortyNineWeeksOverTwelveMonths() throws {
        let w = try DDWorld()
        try w.tenancy("10000011", weekly: 10_000)
        try w.loadMandates(["10000011,J SMITH,200000,11111111,monthly,1,2030-04-01,408.33,2030-03-01"], asOf: d("2030-03-01"))
        // 1 June 2030 is a Saturday: the entry day is Monday 3 June, the input day Thursday 30 May.
        let outcome = try w.collect(d("2030-05-30"))
        #expect(outcome.report.entryDay == d("2030-06-03"))
        #expect(outcome.report.collectedPence == 40_833)
        _ = try w.checkedFile(outcome)
        let schedule = try DDSchedules(config: w.dd).schedule(try #require(try MandateStore.open(account: "10000011", on: w.db)), on: w.db)
        #expect(schedule.collections(from: d("2030-04-01"), through: d("2031-03-31")).allSatisfy { $0.amount.pence == 40_833 && $0.numerator == 49 })
    }

    /// The April 2027 rent change: notified in time (dd-notices on 1 April), the new amount is
    /// collected on 1 May; notified late (26 April), the previous amount is, the report says so,
    /// and June collects the new one.
    @Test func anAprilRentChangeWithAndWithoutNoticeInTime() throws {
        var w = try DDWorld()
        w.dd.noticeHorizonDays = 42
        try w.tenancy("10000021", weekly: 9_000, april2027: 9_450)
        try w.tenancy("10000022", weekly: 9_000, april2027: 9_450)
        try w.loadMandates(["10000021,J SMITH,200000,11111111,monthly,1,2027-01-01,360.00,2026-12-01"])
        let early = try w.runner.run(DDNoticesJob(date: d("2027-04-01"), config: w.dd), businessDate: d("2027-04-01"))
        #expect(early.report.notices == 1)
        let csv = String(decoding: try OutboundFile.content(id: try #require(try OutboundFile.files(ofRun: early.record.id, on: w.db).first).id, on: w.db), as: UTF8.self)
        #expect(csv.hasPrefix("account,payer_name,reference,new_amount,previous_amount,first_date,frequency,collection_day"))
        #expect(csv.contains("10000021,J SMITH,10000021,378.00,360.00,2027-05-01,monthly,the 1st,123456\r\n"))
        try w.loadMandates(["10000022,A JONES,200000,22222222,monthly,1,2027-01-01,360.00,2027-03-01"], asOf: d("2027-04-20"))
        let late = try w.runner.run(DDNoticesJob(date: d("2027-04-26"), config: w.dd), businessDate: d("2027-04-26"))
        #expect(late.report.notices == 1, "the first mandate's notice is not sent twice")

        // 1 May 2027 is a Saturday and 3 May the early May bank holiday: entry Tuesday 4 May, input Thursday 29 April.
        let may = try w.collect(d("2027-04-29"))
        #expect(may.report.entryDay == d("2027-05-04"))
        let amounts = Dictionary(uniqueKeysWithValues: try w.db.query("SELECT reference, amount_pence, computed_pence FROM dd_collections WHERE run_id = \(may.record.id)").map {
            ($0.text(0)!, ($0.int64(1), $0.int64(2)))
        })
        #expect(amounts["10000021"]! == (37_800, 37_800))
        #expect(amounts["10000022"]! == (36_000, 37_800))
        #expect(may.report.previousAmount.map(\.account) == ["10000022"])
        #expect(may.render().contains("new amount not notified 10 working days before: previous amount collected"))
        _ = try w.checkedFile(may)
        let june = try w.collect(d("2027-05-27"))
        #expect(june.report.collectedPence == 75_600 && june.report.previousAmount.isEmpty)
    }

    /// A new mandate: 0N in the next file, then its first collection with code 01 once notified;
    /// an amendment of bank details is a 0C and a 0N in the same file; bad details are refused.
    @Test func aNewMandateIsLodgedThenCollectedFirstWith01AndAnAmendmentRelodges() throws {
        let w = try DDWorld()
        try w.tenancy("10000031", weekly: 10_000)
        let store = MandateStore(config: w.dd)
        #expect { try store.add(MandateRequest(accountRef: "10000031", payerName: "J SMITH", sortCode: "20-00-0X", accountNumber: "11111111", frequency: .weekly, collectionDay: "monday", start: d("2027-02-01")), on: w.db) } throws: {
            ($0 as? RunError)?.code == .badInput && "\($0)".contains("sort code '20-00-0X' must be 6 digits")
        }
        #expect { try store.add(MandateRequest(accountRef: "10000031", payerName: "J SMITH", sortCode: "200000", accountNumber: "1111111", frequency: .weekly, collectionDay: "monday", start: d("2027-02-01")), on: w.db) } throws: {
            "\($0)".contains("account number '1111111' must be 8 digits")
        }
        #expect { try store.add(MandateRequest(accountRef: "10000031", payerName: "J SMITH", sortCode: "200000", accountNumber: "11111111", frequency: .monthly, collectionDay: "3", start: d("2027-02-01")), on: w.db) } throws: {
            "\($0)".contains("not on the council's menu")
        }
        #expect(try w.count("SELECT count(*) FROM dd_mandates") == 0, "nothing saved")
        let mandate = try store.add(
            MandateRequest(accountRef: "10000031", payerName: "J Smith", sortCode: "20-00-00", accountNumber: "11111111", frequency: .weekly,
                           collectionDay: "monday", start: d("2027-02-01")), on: w.db)
        #expect(mandate.status == "pending")
        let lodging = try w.collect(d("2027-01-11"))
        #expect(lodging.report.lodgements == ["0N": 1] && lodging.report.collections == 0)
        let lodged = try w.checkedFile(lodging)
        #expect(lodged.records.map(\.transactionCode) == ["0N", "99"])
        #expect(lodged.records[0].amount == .zero && lodged.records[0].name == "J SMITH" && lodged.records[0].reference == "10000031")
        #expect(try MandateStore.find(mandate.id, on: w.db)?.status == "live")
        // No notice yet: the first collection (Monday 1 February) is withheld and reported.
        let withheld = try w.collect(d("2027-01-28"))
        #expect(withheld.report.collections == 0 && withheld.report.withheld.map(\.account) == ["10000031"])
        _ = try w.runner.run(DDNoticesJob(date: d("2027-01-29"), config: w.dd), businessDate: d("2027-01-29"))
        // Notice sent 29 January; the collection of Monday 15 February needs it by 1 February: in time.
        let first = try w.collect(d("2027-02-11"))
        #expect(first.report.byCode == ["01": 1] && first.report.collectedPence == 9_231)
        #expect(try w.checkedFile(first).records.first?.transactionCode == "01")
        let second = try w.collect(d("2027-02-18"))
        #expect(second.report.byCode == ["17": 1])

        let amended = try store.amend(account: "10000031", MandateAmendment(sortCode: "404784", accountNumber: "22222222", reason: "new bank"), on: w.db)
        #expect(amended.status == "pending" && amended.replacesMandateId == mandate.id)
        let relodged = try w.checkedFile(try w.collect(d("2027-02-19")))
        #expect(relodged.records.filter(\.isInstruction).map { "\($0.transactionCode) \($0.sortCode) \($0.accountNumber)" } == ["0C 200000 11111111", "0N 404784 22222222"])
        let history = try MandateHistory.load(account: "10000031", on: w.db)
        #expect(history.events.map(\.action) == ["created", "lodged", "amended", "created", "lodged"])
        #expect(history.events.allSatisfy { !$0.actor.isEmpty })
        #expect(history.render().contains("new bank"))
        _ = try store.cancel(account: "10000031", reason: "tenant pays by card now", on: w.db)
        #expect(try w.checkedFile(try w.collect(d("2027-02-22"))).records.map(\.transactionCode) == ["0C", "99"])
    }

    /// A kill between the run's commit and the file's delivery: the next start delivers the file
    /// from the database, once; the same day is refused a second time.
    @Test func aProcessDeadBetweenCommitAndDeliveryDeliversTheFileOnce() throws {
        let w = try DDWorld()
        try w.tenancy("10000041", weekly: 10_000)
        try w.loadMandates(["10000041,J SMITH,200000,11111111,monthly,1,2027-01-01,400.00,2026-12-01"])
        let cli = try DDCommandLine(w)
        defer { cli.remove() }
        let folder = cli.folder
        func log(_ name: String) -> String { cli.log(name) }
        func hub(_ arguments: [String], crash: Bool = false, _ name: String) throws -> Int32 { try cli.hub(arguments, crash: crash, name) }
        let outbox = folder.appendingPathComponent("outbox/bacs-direct-debit")
        // 1 February 2027 (Monday): input Thursday 28 January.
        #expect(try hub(["run", "dd-collection", "--date", "2027-01-28"], crash: true, "first.log") == 9, "\(log("first.log"))")
        let stored = try #require(try OutboundFile.find(interface: "bacs-direct-debit", sequence: 1, on: w.db))
        #expect(stored.deliveredPath == nil)
        #expect(try w.count("SELECT count(*) FROM ledger_entries WHERE code = 'RDD'") == 1, "the run committed")
        #expect(!FileManager.default.fileExists(atPath: outbox.appendingPathComponent(stored.fileName).path))
        // The same day again is refused (exit 3) and the pending file is delivered at its start.
        #expect(try hub(["run", "dd-collection", "--date", "2027-01-28"], "again.log") == 3, "\(log("again.log"))")
        #expect(log("again.log").contains("already completed"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: outbox.path) == [stored.fileName])
        let bytes = [UInt8](try Data(contentsOf: outbox.appendingPathComponent(stored.fileName)))
        #expect(SHA256.hex(SHA256.hash(bytes)) == stored.sha256)
        #expect(try Standard18Reader(bytes: bytes, fileName: stored.fileName).read().debitTotal == Money(pence: 40_000))
        // The next day runs and delivers its own file; the first is not written again.
        #expect(try hub(["run", "dd-collection", "--date", "2027-01-29"], "next.log") == 0, "\(log("next.log"))")
        #expect(try w.count("SELECT count(*) FROM outbound_deliveries d JOIN outbound_files f ON f.id = d.file_id WHERE f.sequence = 1 AND f.interface = 'bacs-direct-debit'") == 1)
        #expect(try hub(["run", "dd-collection", "--date", "2027-01-30"], "weekend.log") == 2)
        #expect(log("weekend.log").contains("is not a Bacs working day"))
        #expect(try hub(["dd", "schedule", "10000041", "--from", "2027-01-01", "--through", "2027-03-31"], "schedule.log") == 0, "\(log("schedule.log"))")
        #expect(log("schedule.log").contains("2027-03-01") && log("schedule.log").contains("£400.00"))
        // hub import recognises an ADDACS report and acts on it as hub dd advices does.
        let addacs = folder.appendingPathComponent("ADDACS.xml")
        try Data(BacsAdviceWriter(report: .addacs, produced: d("2027-02-01")).bytes([
            BacsAdvice(report: .addacs, reference: "10000041", payerName: "J SMITH", sortCode: "200000", accountNumber: "11111111", reasonCode: "1", effectiveDate: d("2027-02-01")),
        ])).write(to: addacs)
        #expect(try hub(["import", addacs.path, "--as-of", "2027-02-02"], "import.log") == 0, "\(log("import.log"))")
        #expect(log("import.log").contains("mandate cancelled; account flagged"))
        #expect(try MandateStore.mandates(account: "10000041", on: w.db).first?.status == "cancelled")
    }
}

@Suite struct DirectDebitReturnsTests {
    func returnFile(_ w: DDWorld, processing: Day, _ items: [ARUDDItem]) -> DDReturnsJob {
        DDReturnsJob(fileName: "ARUDD-\(processing.iso).xml", bytes: ARUDDWriter(processingDate: processing).bytes(items), config: w.dd)
    }

    /// A return with reason 0 reverses its collection (RDN) and is presented again once with code
    /// 18; returned again, it is not; reason 1 cancels the mandate and flags the account; a return
    /// for an unknown collection refuses the whole file.
    @Test func aReturnAndItsRepresentation() throws {
        let w = try DDWorld()
        try w.tenancy("10000051", weekly: 9_000)
        try w.tenancy("10000052", weekly: 8_000)
        try w.loadMandates([
            "10000051,J SMITH,200000,11111111,weekly,1,2027-01-01,83.08,2026-12-01",
            "10000052,A JONES,404784,22222222,weekly,1,2027-01-01,73.85,2026-12-01",
        ])
        // Monday 1 February 2027: input Thursday 28 January, processing Friday 29.
        let collected = try w.collect(d("2027-01-28"))
        #expect(collected.report.collections == 2)
        let unknown = returnFile(w, processing: d("2027-02-03"), [
            ARUDDItem(payerReference: "10000051", payerName: "J SMITH", amount: Money(pence: 8_308), originalProcessingDate: d("2027-01-29"), returnCode: "0", returnDescription: "REFER TO PAYER"),
            ARUDDItem(payerReference: "10000099", payerName: "NOBODY", amount: Money(pence: 100), originalProcessingDate: d("2027-01-29"), returnCode: "0", returnDescription: "REFER TO PAYER"),
        ])
        #expect { try w.runner.run(unknown, businessDate: d("2027-02-03")) } throws: {
            ($0 as? RunError)?.code == .badInput && "\($0)".contains("matches no Direct Debit collection") && "\($0)".contains("10000099")
        }
        #expect(try w.count("SELECT count(*) FROM ledger_entries WHERE code = 'RDN'") == 0, "nothing posted")

        let returned = try w.runner.run(returnFile(w, processing: d("2027-02-03"), [
            ARUDDItem(payerReference: "10000051", payerName: "J SMITH", amount: Money(pence: 8_308), originalProcessingDate: d("2027-01-29"), returnCode: "0", returnDescription: "REFER TO PAYER"),
            ARUDDItem(payerReference: "10000052", payerName: "A JONES", amount: Money(pence: 7_385), originalProcessingDate: d("2027-01-29"), returnCode: "1", returnDescription: "INSTRUCTION CANCELLED"),
        ]), businessDate: d("2027-02-03"))
        #expect(returned.report.returns.map(\.action) == ["re-present on 2027-02-10 (code 18)", "mandate cancelled; account flagged for the income team"])
        #expect(try w.db.posted(account: "10000051", code: "RDN") == 8_308 && (try w.db.posted(account: "10000051", code: "RDD")) == -8_308)
        #expect(try MandateStore.mandates(account: "10000052", on: w.db).first?.status == "cancelled")
        #expect(try w.count("SELECT count(*) FROM dd_account_flags") == 1)
        #expect(try w.count("SELECT count(*) FROM dd_lodgements WHERE code = '0C'") == 0, "the bank cancelled it: no 0C")
        #expect { try w.runner.run(returnFile(w, processing: d("2027-02-03"), [
            ARUDDItem(payerReference: "10000051", payerName: "J SMITH", amount: Money(pence: 8_308), originalProcessingDate: d("2027-01-29"), returnCode: "0", returnDescription: "REFER TO PAYER"),
            ARUDDItem(payerReference: "10000052", payerName: "A JONES", amount: Money(pence: 7_385), originalProcessingDate: d("2027-01-29"), returnCode: "1", returnDescription: "INSTRUCTION CANCELLED"),
        ]), businessDate: d("2027-02-03")) } throws: { ($0 as? RunError)?.code == .alreadyCompleted }

        // Re-presented on Wednesday 10 February: input Monday 8th, with the regular collections of
        // Monday 8th already taken on the 4th.
        _ = try w.collect(d("2027-02-04"))
        let represented = try w.collect(d("2027-02-08"))
        #expect(represented.report.byCode == ["18": 1] && represented.report.collectedPence == 8_308)
        #expect(try w.checkedFile(represented).records.first.map { "\($0.transactionCode) \($0.reference) \($0.amount.pence)" } == "18 10000051 8308")
        #expect(try w.count("SELECT count(*) FROM dd_collections WHERE reference = '10000052' AND due_date > '2027-02-01'") == 0, "cancelled: no more collections")

        let again = try w.runner.run(returnFile(w, processing: d("2027-02-12"), [
            ARUDDItem(payerReference: "10000051", payerName: "J SMITH", amount: Money(pence: 8_308), originalProcessingDate: d("2027-02-09"), returnCode: "0", returnDescription: "REFER TO PAYER", transCode: "18"),
        ]), businessDate: d("2027-02-12"))
        #expect(again.report.returns.first?.action == "already re-presented once: not presented again; account flagged")
        #expect(try w.db.posted(account: "10000051", code: "RDN") == 16_616)
        // The ledger: one RDD per collection, one RDN per return.
        #expect(try w.count("SELECT count(*) FROM ledger_entries WHERE code = 'RDN'") == (try w.count("SELECT count(*) FROM dd_returns")))
    }

    /// The bank reconciliation of collection days, with the shipped `direct-debit` settlement
    /// signature: the camt.053 statement's one credit for an entry day is a settlement (not
    /// suspense, not rent) reconciled to the collection run's contra total (its Standard 18 file);
    /// the returns' one debit is reconciled to its ARUDD report, whether the statement or the
    /// report comes first; a short credit is reported with the difference, and the statement
    /// against the ledger still ties.
    @Test func aCollectionDayReconcilesWithTheStatement() throws {
        let w = try DDWorld()
        let run = try w.twoCollections("10000071", "10000072")
        let importer = w.importer()
        let settings = importer.settings
        #expect(settings.settlements.contains { $0.provider == "direct-debit" && $0.settlesDirectDebit })
        let before = try DDReconciliation.load(date: d("2027-02-01"), settings: settings, on: w.db)
        #expect(!before.ties && before.lines.map(\.amountPence) == [15_693] && before.lines.first?.source == "DD_000001_20270201.txt")
        #expect(before.render().contains("NOT FOUND: no Direct Debit credit on the statement that day"))
        try FileManager.default.createDirectory(at: importer.config.directory, withIntermediateDirectories: true)
        func statement(_ day: Day, _ entries: [Camt053Entry]) throws -> ReceivedFile {
            let url = importer.config.directory.appendingPathComponent("statement-\(day.iso).xml")
            try Camt053Writer(messageId: "STMT-\(day.iso)", created: day).write(
                [(Camt053Statement(id: "S-\(day.iso)", iban: "GB29NWBK60161331926819", date: day, openingBalance: Money(pence: 1_000_000)), entries)], to: url)
            return try importer.receive(url, format: nil, businessDate: day)
        }

        // 1 February: the collections' credit.
        let february1 = try statement(d("2027-02-01"), [
            Camt053Entry(amount: Money(pence: run.report.collectedPence), bookingDate: d("2027-02-01"), reference: "RENT DD 2027-02-01", accountServicerReference: "BANK-1"),
        ])
        let imported = try #require(february1.payments)
        #expect(imported.line(.settlement).credits == Tally(count: 1, pence: 15_693))
        #expect(imported.line(.suspense).credits.count == 0)
        #expect(imported.reconciled.map(\.files) == [["DD_000001_20270201.txt"]])
        #expect(try w.count("SELECT count(*) FROM suspense_items") == 0)
        let tied = try DDReconciliation.load(date: d("2027-02-01"), settings: settings, on: w.db)
        #expect(tied.ties, "\(tied.render())")
        #expect(tied.render().contains("RENT DD 2027-02-01 on 2027-02-01, £156.93"))
        let bank = try BankReconciliation.load(date: d("2027-02-01"), settings: settings, on: w.db)
        #expect(bank.matched.map { "\($0.provider) \($0.amountPence) \($0.files)" } == ["direct-debit 15693 [\"DD_000001_20270201.txt\"]"])
        #expect(bank.statements.first?.differencePence == 0 && bank.statements.first?.reconciledSettlementsPence == 15_693)

        // 3 February: the statement's returned debit first, then the ARUDD report, whose run settles it.
        let february3 = try statement(d("2027-02-03"), [
            Camt053Entry(amount: Money(pence: 15_693), direction: .debit, bookingDate: d("2027-02-03"), reference: "UNPAID DD", accountServicerReference: "BANK-3",
                         bankTransactionCode: "PMNT/RDDT/UPDD"),
        ])
        #expect(february3.payments?.line(.settlement).debits == Tally(count: 1, pence: 15_693))
        #expect(february3.payments?.line(.reported).debits.count == 0)
        let open = try BankReconciliation.load(date: d("2027-02-03"), settings: settings, on: w.db)
        #expect(open.openSettlements.map(\.provider) == ["direct-debit"] && open.statements.first?.differencePence == 0)
        let report = importer.config.directory.appendingPathComponent("ARUDD-20270203.xml")
        try Data(w.returnsReport("10000071", "10000072")).write(to: report)
        guard case .returns(let returns) = try importer.receive(report, format: nil, businessDate: d("2027-02-03")) else { Issue.record("not returns"); return }
        #expect(returns.report.reconciled.map(\.files) == [["ARUDD-20270203.xml"]])
        #expect(returns.render().contains("Settles the statement's direct-debit debit of £156.93 on 2027-02-03 (ARUDD-20270203.xml)"))
        let returnsDay = try DDReconciliation.load(date: d("2027-02-03"), settings: settings, on: w.db)
        #expect(returnsDay.ties && returnsDay.lines.map(\.kind) == ["returns"] && returnsDay.lines.first?.amountPence == -15_693, "\(returnsDay.render())")
        #expect(try BankReconciliation.load(date: d("2027-02-03"), settings: settings, on: w.db).openSettlements.isEmpty)
        #expect(try w.count("SELECT count(*) FROM ledger_entries WHERE code = 'RDN'") == 2, "RDN from the ARUDD report only")

        // 10 February: the re-presentation (code 18) of J SMITH's return, and the bank credits £1.00 short.
        _ = try w.collect(d("2027-02-04"))
        let represented = try w.collect(d("2027-02-08"))
        #expect(represented.report.entryDay == d("2027-02-10") && represented.report.collectedPence == 8_308)
        let short = try statement(d("2027-02-10"), [
            Camt053Entry(amount: Money(pence: 8_208), bookingDate: d("2027-02-10"), reference: "RENT DD 2027-02-10", accountServicerReference: "BANK-4"),
        ])
        #expect(short.payments?.line(.settlement).credits.count == 1 && short.payments?.reconciled.isEmpty == true)
        let mismatch = try DDReconciliation.load(date: d("2027-02-10"), settings: settings, on: w.db)
        #expect(!mismatch.ties && mismatch.lines.first?.differencePence == -100)
        #expect(mismatch.render().contains("DOES NOT TIE: the statement's Direct Debit credits that day are £82.08: SHORT by £1.00"), "\(mismatch.render())")
        let shortBank = try BankReconciliation.load(date: d("2027-02-10"), settings: settings, on: w.db)
        #expect(shortBank.openSettlements.first?.differencePence == -100)
        #expect(shortBank.render().contains("amount differs: SHORT by £1.00 against the files DD_000003_20270210.txt (£83.08)"), "\(shortBank.render())")
        #expect(shortBank.statements.first?.differencePence == 0, "the statement still ties to what the hub holds")
    }

    /// ADDACS: reason 1 cancels the mandate with no 0C; reason 3 replaces it with the new details,
    /// lodged with 0N in the next file (and no 0C to the old bank). AUDDIS rejection: failed.
    @Test func anADDACSCancellationAndTransfer() throws {
        let w = try DDWorld()
        for n in 61...63 { try w.tenancy("100000\(n)", weekly: 9_000) }
        try w.loadMandates([
            "10000061,J SMITH,200000,11111111,weekly,1,2027-01-01,83.08,2026-12-01",
            "10000062,A JONES,404784,22222222,weekly,1,2027-01-01,83.08,2026-12-01",
            "10000063,C WONG,090128,33333333,weekly,1,2027-01-01,83.08,2026-12-01",
        ])
        let advices = [
            BacsAdvice(report: .addacs, reference: "10000061", payerName: "J SMITH", sortCode: "200000", accountNumber: "11111111", reasonCode: "1", effectiveDate: d("2027-01-18")),
            BacsAdvice(report: .addacs, reference: "10000062", payerName: "A JONES", sortCode: "404784", accountNumber: "22222222", reasonCode: "3", effectiveDate: d("2027-01-18"),
                       newSortCode: "601613", newAccountNumber: "44444444"),
        ]
        let bytes = BacsAdviceWriter(report: .addacs, produced: d("2027-01-18")).bytes(advices)
        let outcome = try w.runner.run(DDAdvicesJob(fileName: "ADDACS-20270118.xml", bytes: bytes, config: w.dd), businessDate: d("2027-01-19"))
        #expect(outcome.report.advices.map(\.action).first == "mandate cancelled; account flagged")
        #expect(outcome.report.advices[1].action.hasSuffix("lodged with 0N (no 0C to the old bank)"))
        #expect(outcome.report.warnings.isEmpty, "acted on within three working days")
        #expect(try MandateStore.mandates(account: "10000061", on: w.db).first?.status == "cancelled")
        #expect(try MandateStore.open(account: "10000062", on: w.db)?.sortCode == "601613")
        // The next file: the 0N for the new details, no 0C at all; the cancelled mandate is not collected.
        let next = try w.checkedFile(try w.collect(d("2027-01-20")))
        #expect(next.records.filter(\.isInstruction).map { "\($0.transactionCode) \($0.accountNumber)" } == ["0N 44444444"])
        let monday = try w.collect(d("2027-01-21"))
        #expect(Set(try w.db.query("SELECT reference FROM dd_collections WHERE run_id = \(monday.record.id)").map { $0.text(0)! }) == ["10000062", "10000063"])

        let rejection = BacsAdviceWriter(report: .auddis, produced: d("2027-01-22")).bytes([
            BacsAdvice(report: .auddis, reference: "10000063", payerName: "C WONG", sortCode: "090128", accountNumber: "33333333", reasonCode: "5", effectiveDate: nil, transactionCode: "0N"),
        ])
        _ = try w.runner.run(DDAdvicesJob(fileName: "AUDDIS.xml", bytes: rejection, config: w.dd), businessDate: d("2027-01-22"))
        #expect(try MandateStore.mandates(account: "10000063", on: w.db).first?.status == "failed")
        let unknown = BacsAdviceWriter(report: .addacs, produced: d("2027-01-22")).bytes([
            BacsAdvice(report: .addacs, reference: "99999999", payerName: "X", sortCode: "200000", accountNumber: "11111111", reasonCode: "1", effectiveDate: nil),
        ])
        #expect { try w.runner.run(DDAdvicesJob(fileName: "ADDACS-bad.xml", bytes: unknown, config: w.dd), businessDate: d("2027-01-22")) } throws: {
            "\($0)".contains("matches no mandate")
        }
    }
}

@Suite struct Standard18RoundTripTests {
    let submission = BacsStandard18Writer.Submission(
        serviceUserNumber: "123456", serviceUserName: "EXAMPLE COUNCIL", sortCode: "200000", accountNumber: "12345678", accountName: "EXAMPLE RENTS",
        serialNumber: 42, created: d("2027-03-24"), processingDay: d("2027-03-25"), contraNarrative: "RENT DD")

    func write(multiDay: Bool = false, _ body: (inout BacsStandard18Stream) throws -> Void) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var stream = try BacsStandard18Stream(submission: submission, multiDay: multiDay) { bytes += $0 }
        try body(&stream)
        try stream.finish()
        return bytes
    }

    @Test func everyTotalReadsBack() throws {
        let bytes = try write { stream in
            for n in 0..<2_000 {
                try stream.add(.init(sortCode: "404784", accountNumber: String(10_000_000 + n), accountName: "Payer \(n)", reference: String(20_000_000 + n),
                                     amount: Money(pence: Int64(1 + n)), transactionCode: n == 0 ? .firstCollection : .regular))
            }
            try stream.addInstruction(.cancel, sortCode: "404784", accountNumber: "12345678", accountName: "OLD", reference: "30000000")
            try stream.addInstruction(.new, sortCode: "601613", accountNumber: "87654321", accountName: "NEW", reference: "30000000")
        }
        var records: [Standard18Reader.Record] = []
        let totals = try Standard18Reader(bytes: bytes, fileName: "dd.txt").read { records.append($0) }
        let expected = Money(pence: Int64((1...2_000).reduce(0, +)))
        #expect(totals.debitTotal == expected && totals.creditTotal == expected)
        #expect(totals.debitRecords == 2_002 && totals.creditRecords == 1)
        #expect(totals.codes == ["01": 1, "17": 1_999, "0C": 1, "0N": 1, "99": 1])
        #expect(totals.serialNumber == 42 && totals.serviceUserNumber == "123456" && totals.created == d("2027-03-24") && totals.processingDay == d("2027-03-25"))
        #expect(records.last?.isContra == true && records[1].name == "PAYER 1")
    }

    @Test func aMultiDayFileHasOneContraPerProcessingDay() throws {
        let bytes = try write(multiDay: true) { stream in
            try stream.add(.init(sortCode: "404784", accountNumber: "11111111", accountName: "A", reference: "10000001", amount: Money(pence: 100)), processingDay: d("2027-03-25"))
            try stream.add(.init(sortCode: "404784", accountNumber: "22222222", accountName: "B", reference: "10000002", amount: Money(pence: 250)), processingDay: d("2027-03-30"))
            try stream.add(.init(sortCode: "404784", accountNumber: "33333333", accountName: "C", reference: "10000003", amount: Money(pence: 50)), processingDay: d("2027-03-30"))
        }
        let totals = try Standard18Reader(bytes: bytes, fileName: "multi.txt").read()
        #expect(totals.multiDay && totals.contras == [d("2027-03-25"): Money(pence: 100), d("2027-03-30"): Money(pence: 300)])
        #expect(totals.creditRecords == 2 && totals.creditTotal == Money(pence: 400))
    }

    @Test func aFileWhoseTotalsDoNotTieIsRefusedNamingTheLine() throws {
        var bytes = try write { try $0.add(.init(sortCode: "404784", accountNumber: "11111111", accountName: "A", reference: "10000001", amount: Money(pence: 100))) }
        // The contra (line 6) says 101 pence.
        var lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines[5].hasPrefix("20000012345678099"))
        lines[5] = String(lines[5].prefix(35)) + "00000000101" + String(lines[5].dropFirst(46))
        #expect { try Standard18Reader(bytes: Array(lines.joined(separator: "\r\n").utf8), fileName: "bad.txt").read() } throws: {
            let error = $0 as? FileReadError
            return error?.code == .totalsDoNotTie && error?.position.line == 6
        }
        bytes.removeLast(82)
        #expect { try Standard18Reader(bytes: bytes, fileName: "cut.txt").read() } throws: { ($0 as? FileReadError)?.code == .truncated }
        #expect(throws: OutboundFileError.self) {
            _ = try write { try $0.add(.init(sortCode: "404784", accountNumber: "11111111", accountName: "A", reference: "DDIC0001", amount: Money(pence: 100))) }
        }
    }
}
