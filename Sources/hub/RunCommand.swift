import ArgumentParser
import Foundation
import HousingFinance
import Hub

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a job through the run framework (all or nothing, recorded, --dry-run to preview).",
        subcommands: [RentDebit.self, GLExport.self, CouncilTaxExport.self, RunSalesOrderReview.self, DDCollection.self, DDNotices.self, RunArrearsReview.self])

    struct RentDebit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rent-debit",
            abstract: "Post the rent debits of one rent week, or of every week not yet posted up to a week.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Any date in the rent week to post (YYYY-MM-DD).") var week: String?
        @Option(help: "Post every week not yet posted up to the week of this date, oldest first, each its own run.") var through: String?
        @Option(help: "The business date of the run (default: today in Europe/London).") var asOf: String?
        @Flag(help: "Run the same code and roll it back: print the report, post nothing.") var dryRun = false

        func validate() throws {
            guard (week == nil) != (through == nil) else { throw ValidationError("give either --week or --through") }
            for text in [week, through].compactMap({ $0 }) where Day(iso: text) == nil {
                throw ValidationError("'\(text)' is not a date YYYY-MM-DD")
            }
        }

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let runs = RentDebitRuns(runner: environment.runner, config: environment.config)
                let businessDate = try environment.businessDate(asOf)
                var outcomes: [RunOutcome<RentDebitJob.Report>] = []
                if let week {
                    let rentWeek = RentWeek(containing: Day(iso: week)!)
                    do {
                        outcomes = [try environment.runner.run(runs.job(for: rentWeek), businessDate: businessDate, preview: dryRun)]
                    } catch var error as RunError where error.code == .alreadyCompleted {
                        error.message += " Changes made since to the weeks posted are posted by `hub run rent-debit --through \(rentWeek.monday.iso)`."
                        throw error
                    }
                } else if let through {
                    outcomes = try runs.postThrough(RentWeek(containing: Day(iso: through)!), businessDate: businessDate, preview: dryRun)
                    if outcomes.isEmpty && !global.json {
                        print("Every week up to \(through) is already posted, and no change made since needs an adjustment: nothing to post.")
                    }
                }
                if !dryRun && !outcomes.isEmpty { crashAfterCommitIfAsked() }
                if global.json {
                    try printJSON(outcomes.map { RunJSON(run: $0.record, preview: $0.isPreview, report: $0.report) })
                } else {
                    for outcome in outcomes { print(outcome.render()) }
                }
            }
        }
    }
}

/// A run and its report, as JSON.
struct RunJSON<Report: Encodable>: Encodable {
    var run: RunRecord
    var preview: Bool
    var report: Report
}
