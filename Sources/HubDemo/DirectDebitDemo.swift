import BankFiles
import Foundation
import HousingFinance
import Hub
import Postgres

/// The Direct Debit part of `hub demo`: about 40% of the demo council's live tenancies pay by
/// Direct Debit (mandates loaded through `hub load mandates` from a file kept in var/demo/), a
/// collection day runs and writes its Standard 18 file (read back, totals checked), an ARUDD
/// report returning two of its collections arrives in the payment inbox's `dd` folder and is acted
/// on (one re-presented, one mandate cancelled), and the bank statements of the entry day (one
/// credit, the contra total) and of the returns' day (one debit) are imported and reconciled.
public enum DirectDebitDemo {
    public static func run(runner: Runner, config: HubConfig, businessDate: Day, directory: URL) throws -> String {
        let settings = try DirectDebitConfig.load(config)
        let db = try runner.database.connect()
        var text = ""
        // 1. Mandates for two accounts in five, once.
        if try db.queryOne("SELECT 1 FROM dd_mandates LIMIT 1") == nil {
            let file = directory.appendingPathComponent("mandates.csv")
            let rows = try mandateRows(on: db, settings: settings, businessDate: businessDate)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(rows.utf8).write(to: file)
            let load = try runner.run(
                LoadJob<MandatesLoad>(file: file.lastPathComponent, bytes: Array(rows.utf8), scheme: config.accountScheme), businessDate: businessDate)
            text += load.report.render()
        }
        let counts = try db.queryOne(
            """
            SELECT (SELECT count(*) FROM dd_mandates WHERE status = 'live'),
                   (SELECT count(*) FROM rent_accounts a JOIN tenancies t ON t.id = a.tenancy_id WHERE t.end_date IS NULL OR t.end_date >= \(businessDate))
            """)!
        text += "Live mandates: \(Wording.number(Int(counts.int64(0)))) of \(Wording.number(Int(counts.int64(1)))) live tenancies.\n"

        // 2. The collection of the latest working day up to the business date.
        var input = businessDate
        while !settings.calendar.isWorkingDay(input) { input = input - 1 }
        let delivery = OutboundDelivery(outbox: config.outbox)
        let outcome: RunOutcome<DDCollectionJob.Report>
        do {
            outcome = try runner.run(try DDCollectionJob(inputDay: input, config: settings), businessDate: businessDate)
        } catch let error as RunError where error.code == .alreadyCompleted {
            return text + "Direct Debit collection of \(input.iso): already done (\(error.message))\n"
        }
        try delivery.deliverPending(on: db)
        text += outcome.report.render()
        guard let file = try OutboundFile.files(ofRun: outcome.record.id, on: db).first else { return text }
        let bytes = try OutboundFile.content(id: file.id, on: db)
        let totals = try Standard18Reader(bytes: bytes, fileName: file.fileName).read()
        text += "  Written to \(file.deliveredPath ?? file.fileName); read back: \(Wording.count(totals.debitRecords, "debit record")), "
            + "debits \(totals.debitTotal.formatted), contra \(totals.creditTotal.formatted): the totals tie.\n"

        // 3. Two of its collections come back on ARUDD.
        let returned = try db.query(
            """
            SELECT c.reference, m.payer_name, c.amount_pence, m.sort_code, m.account_number, c.transaction_code
            FROM dd_collections c JOIN dd_mandates m ON m.id = c.mandate_id WHERE c.run_id = \(outcome.record.id) ORDER BY c.id LIMIT 2
            """)
        guard returned.count == 2 else { return text }
        let processing = settings.calendar.holidays.addingWorkingDays(2, to: outcome.report.entryDay)
        let items = zip(returned, [("0", "REFER TO PAYER"), ("1", "INSTRUCTION CANCELLED")]).map { row, reason in
            ARUDDItem(payerReference: row.text(0)!, payerName: row.text(1)!, amount: Money(pence: row.int64(2)), originalProcessingDate: outcome.report.processingDay,
                      returnCode: reason.0, returnDescription: reason.1, sortCode: row.text(3)!, accountNumber: row.text(4)!, transCode: row.text(5)!)
        }
        let aruddBytes = ARUDDWriter(processingDate: processing, userNumber: settings.serviceUserNumber, userName: settings.serviceUserName).bytes(items)
        let aruddName = "ARUDD-\(processing.iso).xml"
        // The report arrives in the payment inbox's dd folder: the inbox acts on it as hub dd returns does.
        let importer = try PaymentImporter(runner: runner, config: config)
        guard let ddFolder = importer.settings.inbox.first(where: { $0.name == "dd" })?.folder else { return text }
        try FileManager.default.createDirectory(at: ddFolder, withIntermediateDirectories: true)
        try Data(aruddBytes).write(to: ddFolder.appendingPathComponent(aruddName))
        for received in try PaymentInbox(importer: importer, settle: {}).process(businessDate: businessDate) {
            text += "Payment inbox: \(received.source)/\(received.file): \(received.status.rawValue) (\(received.message))\n"
            if let report = received.report { text += report.render() }
        }
        text += "See one: hub dd mandates show \(returned[0].text(0)!); the schedule: hub dd schedule \(returned[0].text(0)!).\n"

        // 4. The bank statements: the entry day's one credit (the contra total), the returns' day's one debit.
        let returnedPence = returned.reduce(Int64(0)) { $0 + $1.int64(2) }
        for (day, entry) in [
            (outcome.report.entryDay, Camt053Entry(amount: Money(pence: outcome.report.collectedPence), bookingDate: outcome.report.entryDay,
                                                   reference: "RENT DD \(outcome.report.entryDay.iso)", accountServicerReference: "DD-\(outcome.report.entryDay.iso.replacingOccurrences(of: "-", with: ""))")),
            (processing, Camt053Entry(amount: Money(pence: returnedPence), direction: .debit, bookingDate: processing, reference: "UNPAID DD \(aruddName)",
                                      accountServicerReference: "UNPAID-\(processing.iso.replacingOccurrences(of: "-", with: ""))", bankTransactionCode: "PMNT/RDDT/UPDD")),
        ] {
            let statement = directory.appendingPathComponent("dd-statement-\(day.iso.replacingOccurrences(of: "-", with: "")).xml")
            try Camt053Writer(messageId: "DD-STMT-\(day.iso.replacingOccurrences(of: "-", with: ""))", created: day).write(
                [(Camt053Statement(id: "DD-\(day.iso.replacingOccurrences(of: "-", with: ""))", iban: "GB29NWBK60161331926819", date: day, openingBalance: .zero), [entry])], to: statement)
            let imported = try importer.receive(statement, format: nil, businessDate: businessDate)
            let settled = imported.payments?.line(.settlement)
            text += "Bank statement \(statement.lastPathComponent) (run \(imported.record.id)): \(entry.amount.formatted) \(entry.direction == .credit ? "credit" : "debit") recorded as the direct-debit settlement (\(Wording.count((settled?.credits.count ?? 0) + (settled?.debits.count ?? 0), "entry")); none to suspense).\n"
            text += "hub reconcile --date \(day.iso), its Direct Debit section:\n"
            text += try DDReconciliation.load(date: day, settings: importer.settings, on: db).render()
            for tie in try BankReconciliation.load(date: day, settings: importer.settings, on: db).statements where tie.file == statement.lastPathComponent {
                text += "  The statement against the ledger: movement \(Money(pence: tie.movementPence).formatted), difference \(Money(pence: tie.differencePence).formatted)\(tie.differencePence == 0 ? ": ties to the penny" : ": DOES NOT TIE").\n"
            }
        }
        return text
    }

    /// The mandates file: two live tenancies in five, mixed frequencies, notified at the amount
    /// their charges give on the business date.
    static func mandateRows(on db: Connection, settings: DirectDebitConfig, businessDate: Day) throws -> String {
        let rows = try db.query(
            """
            SELECT a.account_ref, t.tenants[1], a.id,
                   COALESCE((SELECT sum(w.weekly_pence)::bigint FROM weekly_charges w WHERE w.property_id = t.property_id
                             AND w.effective_from <= \(businessDate) AND (w.effective_to IS NULL OR w.effective_to >= \(businessDate))), 0)
            FROM rent_accounts a JOIN tenancies t ON t.id = a.tenancy_id
            WHERE (t.end_date IS NULL OR t.end_date >= \(businessDate)) AND t.start_date <= \(businessDate) AND a.id % 5 IN (1, 3)
            ORDER BY a.id
            """)
        var lines = ["account_ref,payer_name,sort_code,account_number,frequency,collection_day,start_date,last_notified_amount,last_notified_on,extra_amount"]
        let rule = settings.amountRule
        for row in rows {
            let id = row.int64(2)
            let weekly = Money(pence: row.int64(3))
            guard weekly > .zero else { continue }
            let k = id / 5
            let frequency: DDFrequency = k % 10 < 5 ? .monthly : (k % 10 < 9 ? .weekly : .fortnightly)
            let day = frequency == .monthly ? settings.monthlyDays[Int(k / 10) % settings.monthlyDays.count] : Int((k + k / 10) % 5) + 1
            let extra = id % 7 == 0 ? Money(pence: 500) : .zero
            let amount = rule.amount(weeklyCharges: weekly, extra: extra, frequency: frequency, on: businessDate)
            let name = (row.text(1) ?? "TENANT").replacingOccurrences(of: ",", with: " ")
            let sort = String(200_000 + id % 700_000)
            let number = String(10_000_000 + id * 7_919 % 89_999_999)
            lines.append([row.text(0)!, name, sort, number, frequency.rawValue, String(day), (businessDate - 90).iso, amount.plain,
                          (businessDate - 60).iso, extra.plain].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
