import ArgumentParser
import Foundation
import HousingFinance
import Hub

/// `hub run arrears-review`: the nightly arrears review of one day (docs/arrears.md).
struct RunArrearsReview: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arrears-review",
        abstract: "Review every arrears case on a day: agreements' states, each case's next stage; send the automatic letters and messages.",
        discussion: "One run per day: the letters-and-messages file goes to the outbox (arrears-letters) exactly once; stages that need an officer go on the worklist (hub arrears worklist).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The day reviewed (default: today in Europe/London).") var asOf: String?
    @Flag(help: "Run the same code and roll it back: print the report, send and record nothing.") var dryRun = false

    func run() throws {
        try reportingErrors {
            let environment = try HubEnvironment.open(global)
            let outcome = try ArrearsRuns(runner: environment.runner, config: environment.config)
                .review(on: try environment.businessDate(asOf), preview: dryRun)
            if global.json { try printJSON(RunJSON(run: outcome.record, preview: outcome.isPreview, report: outcome.report)); return }
            print(outcome.render())
            if let name = outcome.report.lettersFile, !outcome.isPreview {
                print("Written to \(environment.config.outbox.appendingPathComponent("arrears-letters").appendingPathComponent(name).path)")
            }
        }
    }
}
