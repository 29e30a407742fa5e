import Foundation
import Hub
import HousingFinance
import Postgres

/// The repairs part of `hub demo`: loads a schedule of rates, contract terms and repair orders for
/// the demo council's properties, makes a day of ODS completions with approved, held and rejected
/// jobs, reviews it, and returns the text to print.
public enum RepairsDemo {
    static let rates: [(code: String, description: String, unit: String, pence: Int64)] = [
        ("DES5R003", "Redecorate a room", "room", 8000),
        ("PLU1001", "Replace a tap", "each", 3000),
        ("ELE2002", "Replace a socket", "each", 4364),
        ("CAR3001", "Ease and adjust a door", "each", 2500),
        ("ROF4001", "Replace roof tiles", "m2", 4550),
        ("BIG0001", "Rewire a house", "house", 200_000),
    ]

    /// Runs the demo.
    /// - Parameters:
    ///   - runner: the run framework on the demo database (with the demo council's properties).
    ///   - config: the hub's configuration (`Config/sales-order-review.yaml` beside it, if there).
    ///   - businessDate: the demo's business date; ODS completed the jobs the day before.
    ///   - directory: where the demo's input files are written.
    /// - Returns: the review's report, the held orders and where the ODS file is.
    /// - Throws: `RunError.refused` when the database has no council-owned properties.
    public static func run(runner: Runner, config: HubConfig, businessDate: Day, directory: URL) throws -> String {
        let db = try runner.database.connect()
        let completed = businessDate - 1
        let properties = try db.query(
            """
            SELECT p.property_ref,
                   EXISTS (SELECT 1 FROM tenancies t WHERE t.property_id = p.id AND t.start_date <= $1 AND (t.end_date IS NULL OR t.end_date >= $1))
            FROM properties p WHERE p.owned_from <= $1 AND (p.owned_to IS NULL OR p.owned_to >= $1) ORDER BY p.id LIMIT 500
            """, [completed]
        ).map { (ref: $0.text(0)!, let: try $0.decode(Bool.self, 1)) }
        guard !properties.isEmpty else {
            throw RunError(.refused, "the repairs demo needs council-owned properties in the database; seed the demo council first")
        }
        let tenanted = properties.filter(\.let).map(\.ref)
        let pick = { (i: Int) -> String in tenanted.isEmpty ? properties[i % properties.count].ref : tenanted[i % tenanted.count] }
        let void = properties.first { !$0.let }?.ref ?? pick(3)

        let review = (try? SalesOrderReviewConfig.load(for: config)) ?? SalesOrderReviewConfig(
            settings: .init(tolerancePercentBasisPoints: 1000, toleranceAbsolute: Money(pence: 5000), automaticApprovalLimit: Money(pence: 100_000)),
            authorisationLimits: ["hub_repairs": Money(pence: 250_000)], councilId: "DEMO-COUNCIL")
        let from = businessDate - 365
        let pricing = ContractPricing(
            rates: rates.map { .init(code: $0.code, description: $0.description, unit: $0.unit, basePrice: Money(pence: $0.pence), effectiveFrom: from, effectiveTo: nil) },
            uplifts: [.init(basisPoints: 1000, effectiveFrom: from, effectiveTo: nil)],
            overrides: [.init(code: "PLU1001", price: Money(pence: 3355), effectiveFrom: from, effectiveTo: nil)])
        func value(_ lines: [(String, Int64)]) -> Money {
            lines.reduce(Money.zero) { total, line in
                total + ContractPricing.lineValue(unitPrice: pricing.price(of: line.0, on: completed)!.unitPrice, quantity: .init(hundredths: line.1))
            }
        }

        // job suffix, property, priority, lines raised (code, hundredths), estimate, lines done, claim adjustment, raised?
        let tag = "D" + businessDate.iso.replacingOccurrences(of: "-", with: "")
        struct DemoJob { var n: Int; var property: String; var priority: String; var raised: [(String, Int64)]; var estimate: Money?; var done: [(String, Int64)]; var claimExtra: Int64 = 0; var isRaised = true }
        var jobs: [DemoJob] = [
            DemoJob(n: 1, property: pick(0), priority: "NORMAL", raised: [("DES5R003", 100)], estimate: nil, done: [("DES5R003", 100)]),
            DemoJob(n: 2, property: pick(1), priority: "URGENT", raised: [("PLU1001", 200)], estimate: nil, done: [("PLU1001", 200)]),
            DemoJob(n: 3, property: pick(2), priority: "EMERGENCY", raised: [("ELE2002", 100)], estimate: nil, done: [("ELE2002", 100), ("CAR3001", 50)]),
            DemoJob(n: 4, property: void, priority: "NORMAL", raised: [("DES5R003", 300)], estimate: nil, done: [("DES5R003", 300)]),
            DemoJob(n: 5, property: pick(4), priority: "IMMEDIATE", raised: [("CAR3001", 100)], estimate: nil, done: [("CAR3001", 100)]),
            DemoJob(n: 6, property: pick(5), priority: "NORMAL", raised: [("ROF4001", 600)], estimate: nil, done: [("ROF4001", 1000)]),
            DemoJob(n: 7, property: pick(6), priority: "NORMAL", raised: [("BIG0001", 100)], estimate: nil, done: [("BIG0001", 100)]),
            DemoJob(n: 8, property: pick(7), priority: "NORMAL", raised: [("DES5R003", 100)], estimate: nil, done: [("DES5R003", 100)], claimExtra: 700),
            DemoJob(n: 9, property: pick(8), priority: "URGENT", raised: [], estimate: nil, done: [("PLU1001", 100)], isRaised: false),
            DemoJob(n: 10, property: pick(9), priority: "NORMAL", raised: [("DES5R003", 100)], estimate: nil, done: [("DES5R003", 100), ("XYZ999", 100)]),
        ]
        for i in jobs.indices where jobs[i].isRaised { jobs[i].estimate = value(jobs[i].raised) }

        func quantity(_ hundredths: Int64) -> String { SalesOrder.Quantity(hundredths: hundredths).description }
        var sor = "code,description,unit,base_price,effective_from,effective_to\n"
        for rate in rates { sor += "\(rate.code),\(rate.description),\(rate.unit),\(Money(pence: rate.pence).plain),\(from.iso),\n" }
        let terms = "term,sor_code,value,effective_from,effective_to\nuplift,,10,\(from.iso),\noverride,PLU1001,33.55,\(from.iso),\n"
        var orders = "job_number,property_ref,priority,raised_date,estimated_value,sor_code,quantity\n"
        var completions = "HDR,ODS,\(businessDate.iso),1\n"
        var total = Money.zero
        for job in jobs {
            let number = "\(tag)-\(job.n)"
            for line in job.raised {
                orders += "\(number),\(job.property),\(job.priority),\((completed - 7).iso),\(job.estimate!.plain),\(line.0),\(quantity(line.1))\n"
            }
            let known = job.done.filter { pricing.knows($0.0) }
            let claim = value(known) + Money(pence: job.claimExtra)
            total += claim
            completions += "JOB,\(number),\(completed.iso),Operative \(job.n),\(claim.plain)\n"
            for line in job.done { completions += "LIN,\(line.0),\(quantity(line.1))\n" }
        }
        completions += "TRL,\(jobs.count),\(total.plain)\n"

        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var text = "Repairs: contractor sales-order review\n"
        func write(_ name: String, _ content: String) throws -> URL {
            let url = directory.appendingPathComponent(name)
            try Data(content.utf8).write(to: url)
            return url
        }
        let loads: [(String, String, (String, [UInt8]) throws -> String)] = [
            ("repairs-sor.csv", sor, { try runner.run(LoadJob<SORLoad>(file: $0, bytes: $1, scheme: config.accountScheme), businessDate: businessDate).report.render() }),
            ("repairs-contract-terms.csv", terms, { try runner.run(LoadJob<ContractTermsLoad>(file: $0, bytes: $1, scheme: config.accountScheme), businessDate: businessDate).report.render() }),
            ("repairs-orders-\(businessDate.iso).csv", orders, { try runner.run(LoadJob<RepairOrdersLoad>(file: $0, bytes: $1, scheme: config.accountScheme), businessDate: businessDate).report.render() }),
        ]
        for (name, content, load) in loads {
            let url = try write(name, content)
            do {
                text += (try load(name, Array(content.utf8))).split(separator: "\n").map { "  \($0)\n" }.joined()
            } catch let error as RunError where error.code == .alreadyCompleted {
                text += "  \(url.lastPathComponent): already loaded\n"
            }
        }
        let file = try write("ods-completed-jobs-\(businessDate.iso).csv", completions)
        do {
            let outcome = try SalesOrderReviewRuns(runner: runner, config: config).review(file: file, review: review, businessDate: businessDate)
            text += "\n" + outcome.render()
            if let name = outcome.report.salesOrderFile {
                text += "\nSales-order file for ODS: \(config.outbox.appendingPathComponent(SalesOrderFile.interface).appendingPathComponent(name).path)\n"
            }
        } catch let error as RunError where error.code == .alreadyCompleted {
            text += "\n\(file.lastPathComponent) was already reviewed (run \(error.runId.map(String.init) ?? "?")).\n"
        }
        text += "Held orders wait for a person whose role has an authorisation limit: hub sales-orders list --status held (the demo's last lines show one approved)\n"
        return text
    }
}
