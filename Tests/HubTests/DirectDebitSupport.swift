import BankFiles
import Foundation
import HousingFinance
import Hub
import InterfaceFiles
import Postgres
import Testing

/// A hub database with rent accounts and Direct Debit settings, for the Direct Debit tests.
struct DDWorld {
    let runner: Runner
    let db: Connection
    var dd: DirectDebitConfig
    let outbox: URL
    /// Account references without a check digit, so tests can number them freely.
    static let scheme = try! AccountReferenceScheme(checkDigit: .none, numberLength: 8)

    /// Free weeks at Christmas and the end of March in 2026/27, 2027/28 and 2030/31.
    static let rentCalendar = try! RentCalendar(freeWeeks: [
        RentYear(startingIn: 2026): [d("2026-12-21"), d("2026-12-28"), d("2027-03-22"), d("2027-03-29")],
        RentYear(startingIn: 2027): [d("2027-12-20"), d("2027-12-27"), d("2028-03-20"), d("2028-03-27")],
        RentYear(startingIn: 2030): [d("2030-12-23"), d("2030-12-30"), d("2031-03-24"), d("2031-03-31")],
    ])

    init() throws {
        runner = try TestHub.runner()
        db = try runner.database.connect()
        dd = DirectDebitConfig(rentCalendar: Self.rentCalendar)
        outbox = FileManager.default.temporaryDirectory.appendingPathComponent("hub-dd-\(UUID().uuidString)")
    }

    /// A tenancy from 6 April 2026 with one weekly charge (and an April 2027 rent change when given).
    @discardableResult
    func tenancy(_ account: String, weekly: Int64, from: String = "2026-04-06", april2027: Int64? = nil, end: String? = nil) throws -> Int64 {
        var charges: [(code: String, pence: Int64, from: String, to: String?)] = [("DBR", weekly, from, april2027 == nil ? nil : "2027-04-04")]
        if let april2027 { charges.append(("DBR", april2027, "2027-04-05", nil)) }
        return try db.addTenancy(account: account, property: "P" + account, start: from, end: end, charges: charges)
    }

    /// Loads mandates through `hub load mandates`' job.
    func loadMandates(_ rows: [String], asOf: Day = d("2026-12-01")) throws {
        let header = "account_ref,payer_name,sort_code,account_number,frequency,collection_day,start_date,last_notified_amount,last_notified_on"
        let text = ([header] + rows).joined(separator: "\n") + "\n"
        _ = try runner.run(LoadJob<MandatesLoad>(file: "mandates.csv", bytes: Array(text.utf8), scheme: Self.scheme), businessDate: asOf)
    }

    /// Runs the collection of an input day and delivers its file.
    @discardableResult
    func collect(_ input: Day) throws -> RunOutcome<DDCollectionJob.Report> {
        let outcome = try runner.run(try DDCollectionJob(inputDay: input, config: dd), businessDate: input)
        try OutboundDelivery(outbox: outbox).deliverPending(on: db)
        return outcome
    }

    /// The stored file of a run, read back and checked against the run's collections.
    func checkedFile(_ outcome: RunOutcome<DDCollectionJob.Report>) throws -> (totals: Standard18Reader.Totals, records: [Standard18Reader.Record]) {
        let file = try #require(try OutboundFile.files(ofRun: outcome.record.id, on: db).first)
        let bytes = try OutboundFile.content(id: file.id, on: db)
        #expect(SHA256.hex(SHA256.hash(bytes)) == file.sha256)
        var records: [Standard18Reader.Record] = []
        let totals = try Standard18Reader(bytes: bytes, fileName: file.fileName).read { records.append($0) }
        let sums = try db.queryOne(
            "SELECT count(*)::bigint, COALESCE(sum(amount_pence), 0)::bigint FROM dd_collections WHERE run_id = \(outcome.record.id)")!
        let lodgements = try db.queryOne("SELECT count(*)::bigint FROM dd_lodgements WHERE sent_run_id = \(outcome.record.id)")!.int64(0)
        #expect(totals.debitTotal.pence == sums.int64(1), "file debits = the run's collections")
        #expect(totals.creditTotal == totals.debitTotal, "the contra credits the council with the total")
        #expect(Int64(totals.debitRecords) == sums.int64(0) + lodgements)
        #expect(totals.creditRecords == 1)
        #expect(totals.contras == [outcome.report.processingDay: Money(pence: sums.int64(1))])
        #expect(totals.processingDay == outcome.report.processingDay)
        #expect(totals.serialNumber == Int(file.sequence))
        #expect(file.controlTotals["total"] == Money(pence: sums.int64(1)).plain)
        // The run's RDD postings are the file's debits, dated the entry day.
        let rdd = try db.queryOne(
            "SELECT COALESCE(-sum(amount_pence), 0)::bigint, count(*)::bigint, count(DISTINCT entry_date)::bigint, max(entry_date) FROM ledger_entries WHERE run_id = \(outcome.record.id) AND code = 'RDD'")!
        #expect(rdd.int64(0) == sums.int64(1) && rdd.int64(1) == sums.int64(0))
        if rdd.int64(1) > 0 { #expect(try rdd.decode(Day.self, 3) == outcome.report.entryDay && rdd.int64(2) == 1) }
        return (totals, records)
    }

    func count(_ sql: SQLQuery) throws -> Int64 { try db.queryOne(sql)!.int64(0) }
}

/// A configuration folder (hub.yaml with the world's free weeks, the outbox inside it) for running
/// the `hub` executable against a Direct Debit world's database; removed by `remove()`.
struct DDCommandLine {
    let folder: URL
    let environment: [String: String]

    init(_ w: DDWorld) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-dd-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "go-live: 2026-04-06\nrent-calendar: rent-calendar.yaml\ndirectories:\n  outbox: outbox\n"
            .write(to: folder.appendingPathComponent("hub.yaml"), atomically: true, encoding: .utf8)
        try "2026/27:\n  - 2026-12-21\n  - 2026-12-28\n  - 2027-03-22\n  - 2027-03-29\n".write(to: folder.appendingPathComponent("rent-calendar.yaml"), atomically: true, encoding: .utf8)
        environment = ["HUB_CONFIG": folder.appendingPathComponent("hub.yaml").path, "HUB_DATABASE_URL": w.runner.database.connectionString]
    }

    /// What a command printed (its output file in the folder).
    func log(_ name: String) -> String { (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? "" }

    /// Runs `hub` with the arguments, its output to the file `name`; `crash` ends it after its run's commit.
    func hub(_ arguments: [String], crash: Bool = false, _ name: String) throws -> Int32 {
        var env = environment
        if crash { env["HUB_TEST_CRASH_AFTER_COMMIT"] = "1" }
        return try HubProcess.start(arguments, environment: env, output: folder.appendingPathComponent(name).path).wait()
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}
