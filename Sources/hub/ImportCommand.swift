import ArgumentParser
import BankFiles
import Foundation
import HousingFinance
import Hub

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a payment file (bank statement, cash, outlet, card, Housing Benefit), or every file waiting in the inbox.",
        discussion: """
            Each file is one run (job payment-import) whose key is the file's SHA-256: a file imported before is refused
            (exit 3, naming the earlier run). A file that cannot be read posts nothing (exit 2, naming the file and the
            position). Each entry is posted once only; matched payments go to their rent accounts, the rest to suspense.
            The report ties the file's own totals to posted + skipped + suspense + settlements + reported, to the penny.
            A Bacs Direct Debit report is acted on as hub dd returns (ARUDD) or hub dd advices (ADDACS, AUDDIS) does: the
            same run, so a report is acted on once whichever way it comes.
            With --inbox, files in the folders of Config/payments.yaml are imported and moved to the archive, or to the
            rejected folder with <name>.error.txt; a .part file or one still growing is left for next time.
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The payment file to import.") var file: String?
    @Option(help: "The file's format: auto, camt053, camt054, mt940, cash, outlet, card, arudd or hb (ARUDD, ADDACS and AUDDIS reports are acted on as hub dd returns and hub dd advices do).") var format = "auto"
    @Flag(help: "Import every file waiting in the inbox folders of Config/payments.yaml.") var inbox = false
    @Flag(help: "Read, match and report, and roll everything back: post nothing, move nothing.") var dryRun = false
    @Option(help: "The business date of the run (default: today in Europe/London).") var asOf: String?

    func validate() throws {
        guard (file == nil) == inbox else { throw ValidationError("give either a FILE or --inbox") }
        guard format == "auto" || PaymentFormat(rawValue: format) != nil else {
            throw ValidationError("--format '\(format)' is not one of auto, " + PaymentFormat.allCases.map(\.rawValue).joined(separator: ", "))
        }
    }

    func run() throws {
        try reportingErrors {
            let environment = try HubEnvironment.open(global)
            let importer = try PaymentImporter(runner: environment.runner, config: environment.config)
            let businessDate = try environment.businessDate(asOf)
            if inbox {
                let outcomes = try PaymentInbox(importer: importer).process(businessDate: businessDate, preview: dryRun)
                if global.json {
                    try printJSON(outcomes)
                } else {
                    if outcomes.isEmpty { print("The inbox is empty.") }
                    for outcome in outcomes {
                        print("\(outcome.source)/\(outcome.file): \(outcome.status.rawValue): \(outcome.message)" + (outcome.movedTo.map { " -> \($0)" } ?? ""))
                        if let report = outcome.report { print(report.render()) }
                    }
                }
                if outcomes.contains(where: { $0.status == .rejected }) { throw ExitCode(ExitStatus.badInput) }
                if outcomes.contains(where: { $0.status == .duplicate }) { throw ExitCode(ExitStatus.duplicate) }
                return
            }
            let outcome = try importer.receive(
                URL(fileURLWithPath: file!), format: PaymentFormat(rawValue: format), businessDate: businessDate, preview: dryRun)
            if global.json {
                try printJSON(AnyRunJSON(run: outcome.record, preview: outcome.isPreview, report: outcome.report))
            } else {
                print(outcome.render())
            }
        }
    }
}
