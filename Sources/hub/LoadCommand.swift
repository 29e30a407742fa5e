import ArgumentParser
import Foundation
import HousingFinance
import Hub
import Logging

/// `hub load KIND FILE.csv`: loads reference data and opening balances through the run framework.
struct LoadCommand: ParsableCommand {
    /// The kinds of file: one subcommand each. Later kinds (schedule of rates, repair orders) add
    /// their subcommand here.
    static let kinds: [any ParsableCommand.Type] = [
        LoadProperties.self, LoadTenancies.self, LoadAccounts.self, LoadCharges.self, LoadOpeningBalances.self,
        LoadSOR.self, LoadContractTerms.self, LoadRepairOrders.self, LoadMandates.self,
    ]

    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load a CSV file of properties, tenancies, accounts, charges, opening balances, schedule of rates, contract terms or repair orders (all or nothing).",
        discussion: """
            Layouts: Interfaces/inbound/loader/README.md. One bad row refuses the whole file, and every bad row is \
            listed (line, column, value, reason); nothing is loaded (exit 2). The same file is never loaded twice \
            (exit 3, naming the earlier run). Properties and tenancies already in the hub are updated where the file \
            differs, with an audit trail; changes to ledger data (charges, opening balances, accounts) are refused.
            """,
        subcommands: kinds)
}

/// The options of every load.
struct LoadOptions: ParsableArguments {
    @Argument(help: "The CSV file to load.") var file: String
    @Option(help: "The source system's row count: the file must have exactly this many data rows.") var expectRows: Int?
    @Option(help: "The source system's total of the money column (weekly_amount, balance), in pounds: the file must add up to it.")
    var expectTotal: String?
    @Flag(help: "Validate and run the same code, then roll it back: report, load nothing.") var dryRun = false
    @Option(help: "The business date of the run (default: today in Europe/London).") var asOf: String?

    func validate() throws {
        if let expectTotal, (try? Money(parsing: expectTotal)) == nil {
            throw ValidationError("--expect-total '\(expectTotal)' is not an amount in pounds, like 412345.67")
        }
        if let expectRows, expectRows < 0 { throw ValidationError("--expect-rows must be 0 or more") }
    }

    /// Loads the file as `Kind` and prints the report; a refused file prints every problem and exits 2.
    func load<Kind: LoadKind>(_ kind: Kind.Type, global: GlobalOptions) throws {
        try reportingErrors {
            let environment = try HubEnvironment.open(global)
            do {
                var job = try LoadJob<Kind>(
                    file: URL(fileURLWithPath: file), expectRows: expectRows, expectTotal: try expectTotal.map { try Money(parsing: $0) },
                    scheme: environment.config.accountScheme)
                job.rentConfig = environment.config
                // The refusal is printed below in full; the runner need not log it as well.
                var logger = environment.logger
                logger.logLevel = .critical
                let runner = Runner(database: environment.database, host: environment.runner.host, logger: logger)
                let outcome = try runner.run(job, businessDate: try environment.businessDate(asOf), preview: dryRun)
                if global.json {
                    try printJSON(RunJSON(run: outcome.record, preview: outcome.isPreview, report: outcome.report))
                } else {
                    print(outcome.render())
                }
            } catch let error as LoadError {
                if global.json {
                    try printJSON(LoadRefusalJSON(file: error.file, kind: error.kind, refused: true, problems: error.problems))
                } else {
                    FileHandle.standardError.write(Data(("error: " + error.description + "\n").utf8))
                }
                throw ExitCode(ExitStatus.badInput)
            }
        }
    }
}

/// A refused load, as JSON.
struct LoadRefusalJSON: Encodable {
    var file: String
    var kind: String
    var refused: Bool
    var problems: [LoadProblem]
}

struct LoadProperties: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: PropertiesLoad.kind, abstract: "Load properties: \(PropertiesLoad.columns.filter(\.inHeader).map(\.name).joined(separator: ","))")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: LoadOptions
    func run() throws { try options.load(PropertiesLoad.self, global: global) }
}

struct LoadTenancies: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: TenanciesLoad.kind, abstract: "Load tenancies: \(TenanciesLoad.columns.filter(\.inHeader).map(\.name).joined(separator: ","))")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: LoadOptions
    func run() throws { try options.load(TenanciesLoad.self, global: global) }
}

struct LoadAccounts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: AccountsLoad.kind, abstract: "Load rent accounts: \(AccountsLoad.columns.filter(\.inHeader).map(\.name).joined(separator: ","))")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: LoadOptions
    func run() throws { try options.load(AccountsLoad.self, global: global) }
}

struct LoadCharges: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ChargesLoad.kind, abstract: "Load weekly charges: \(ChargesLoad.columns.filter(\.inHeader).map(\.name).joined(separator: ","))")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: LoadOptions
    func run() throws { try options.load(ChargesLoad.self, global: global) }
}

struct LoadOpeningBalances: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: OpeningBalancesLoad.kind,
        abstract: "Load opening balances (posted as OPB): \(OpeningBalancesLoad.columns.filter(\.inHeader).map(\.name).joined(separator: ","))")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: LoadOptions
    func run() throws { try options.load(OpeningBalancesLoad.self, global: global) }
}
