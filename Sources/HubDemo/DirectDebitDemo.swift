import BankFiles
import Foundation
import HousingFinance
import Hub
import HubTesting
import Postgres

/// The Direct Debit part of `hub demo`: about 40% of the demo council's live tenancies pay by
/// Direct Debit (mandates loaded through `hub load mandates` from a file kept in var/demo/), a
/// collection day runs and writes its Standard 18 file (read back, totals checked), and an ARUDD
/// report returning two of its collections is acted on (one re-presented, one mandate cancelled).
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
        try Data(aruddBytes).write(to: directory.appendingPathComponent(aruddName))
        let returns = try runner.run(DDReturnsJob(fileName: aruddName, bytes: aruddBytes, config: settings), businessDate: businessDate)
        text += returns.report.render()
        text += "See one: hub dd mandates show \(returned[0].text(0)!); the schedule: hub dd schedule \(returned[0].text(0)!).\n"
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
