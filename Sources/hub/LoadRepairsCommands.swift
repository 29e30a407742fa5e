import ArgumentParser
import BankFiles
import Foundation
import HousingFinance
import Hub

// The repairs loads, subcommands of `hub load` (`LoadCommand.kinds`): `hub load sor|contract-terms|
// repair-orders FILE.csv` (docs/repairs.md).

/// Options every repairs load takes.
struct RepairsLoadOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The CSV file to load.") var file: String
    @Option(help: "The business date of the run (default: today in Europe/London).") var asOf: String?
    @Flag(help: "Check and load inside a transaction that is rolled back: report, load nothing.") var dryRun = false

    /// Reads the file and runs the load job.
    func load<J: Job>(_ make: (String, [UInt8]) -> J) throws {
        try reportingErrors {
            let environment = try HubEnvironment.open(global)
            let bytes: [UInt8]
            do { bytes = try BoundedFile.read(url: URL(fileURLWithPath: file), limits: .loader) } catch {
                throw RunError(.badInput, "\(error)")
            }
            let job = make(URL(fileURLWithPath: file).lastPathComponent, bytes)
            let outcome = try environment.runner.run(job, businessDate: try environment.businessDate(asOf), preview: dryRun)
            if global.json { try printJSON(RunJSON(run: outcome.record, preview: outcome.isPreview, report: outcome.report)) } else { print(outcome.render()) }
        }
    }
}

/// `hub load sor FILE.csv`.
struct LoadSOR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sor",
        abstract: "Load Schedule of Rates rows: code,description,unit,base_price,effective_from,effective_to.",
        discussion: "A price change is a new row from its first day; the row in force on a day is the one with the latest effective_from. Every bad value is listed (line, column, value, reason) and nothing is loaded; the same file is never loaded twice.")
    @OptionGroup var options: RepairsLoadOptions
    func run() throws { try options.load { LoadSORJob(fileName: $0, bytes: $1) } }
}

/// `hub load contract-terms FILE.csv`.
struct LoadContractTerms: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contract-terms",
        abstract: "Load the contract's terms: term,sor_code,value,effective_from,effective_to (term uplift = percentage, override = a code's price in pounds).",
        discussion: "An override is the code's contract price (no uplift applies); other codes are priced at base price x (1 + uplift), rounded half up to the penny.")
    @OptionGroup var options: RepairsLoadOptions
    func run() throws { try options.load { LoadContractTermsJob(fileName: $0, bytes: $1) } }
}

/// `hub load repair-orders FILE.csv`.
struct LoadRepairOrders: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair-orders",
        abstract: "Load repair orders as raised, one row per line: job_number,property_ref,priority,raised_date,estimated_value,sor_code,quantity.",
        discussion: "The rows of one job repeat its property, priority (IMMEDIATE, EMERGENCY, URGENT, NORMAL), raised date and estimate. The property must be in the hub and each SOR code in the schedule of rates.")
    @OptionGroup var options: RepairsLoadOptions
    func run() throws { try options.load { LoadRepairOrdersJob(fileName: $0, bytes: $1) } }
}
