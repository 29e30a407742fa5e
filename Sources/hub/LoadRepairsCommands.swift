import ArgumentParser
import Hub

// The repairs loads, subcommands of `hub load` (`LoadCommand.kinds`), on the loaders' `LoadJob`:
// `hub load sor|contract-terms|repair-orders FILE.csv` (Interfaces/inbound/repairs/README.md).

/// `hub load sor FILE.csv`.
struct LoadSOR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: SORLoad.kind,
        abstract: "Load Schedule of Rates rows: \(SORLoad.columns.map(\.name).joined(separator: ",")).",
        discussion: "A price change is a new row from its first day; the row in force on a day is the one with the latest effective_from. Every bad value is listed (line, column, value, reason) and nothing is loaded; the same file is never loaded twice.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: LoadOptions
    func run() throws { try options.load(SORLoad.self, global: global) }
}

/// `hub load contract-terms FILE.csv`.
struct LoadContractTerms: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ContractTermsLoad.kind,
        abstract: "Load the contract's terms: \(ContractTermsLoad.columns.map(\.name).joined(separator: ",")) (term uplift = percentage, override = a code's price in pounds).",
        discussion: "An override is the code's contract price (no uplift applies); other codes are priced at base price x (1 + uplift), rounded half up to the penny.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: LoadOptions
    func run() throws { try options.load(ContractTermsLoad.self, global: global) }
}

/// `hub load repair-orders FILE.csv`.
struct LoadRepairOrders: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: RepairOrdersLoad.kind,
        abstract: "Load repair orders as raised, one row per line: \(RepairOrdersLoad.columns.map(\.name).joined(separator: ",")).",
        discussion: "The rows of one job repeat its property, priority (IMMEDIATE, EMERGENCY, URGENT, NORMAL), raised date and estimate. The property must be in the hub and each SOR code in the schedule of rates.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: LoadOptions
    func run() throws { try options.load(RepairOrdersLoad.self, global: global) }
}
