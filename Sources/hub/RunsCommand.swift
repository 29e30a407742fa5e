import ArgumentParser
import Foundation
import HousingFinance
import Hub

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List, show and reverse runs.", subcommands: [List.self, Show.self, Reverse.self, Rewind.self, Replay.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this job (rent-debit, payment-import, reversal ...).") var job: String?
        @Option(help: "Only this status: running, completed, failed.") var status: String?
        @Option(help: "Only runs with a business date on or after this date.") var from: String?
        @Option(help: "Only runs with a business date on or before this date.") var to: String?
        @Option(help: "At most this many runs.") var limit = 50

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let db = try environment.database.connect()
                let runs = try RunRecord.list(
                    job: job, status: status, from: from.flatMap { Day(iso: $0) }, to: to.flatMap { Day(iso: $0) }, limit: limit, on: db)
                if global.json { try printJSON(runs) } else if runs.isEmpty {
                    print("No runs.")
                } else {
                    print(RunRecord.table(runs).render(), terminator: "")
                    if runs.count == limit { print("The newest \(Wording.count(limit, "run")); --limit N shows more.") }
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one run: everything recorded, and its report.",
            discussion: "With --json, the whole report as recorded: every item of the lists that the text report shortens.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run id.") var id: Int64

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                guard let run = try RunRecord.find(id, on: try environment.database.connect()) else {
                    throw RunError(.notFound, "there is no run \(id)")
                }
                if global.json {
                    try printJSON(RunDetailJSON(run: run, report: try RunRecord.report(id, on: try environment.database.connect())))
                } else {
                    print(run.detail, terminator: "")
                }
            }
        }
    }

    struct Reverse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reverse a run (equal and opposite entries in a new run), or unwind every run after a known-good one.",
            discussion: "Rent debit runs are reversed newest first. Exports cannot be reversed: their files were sent.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run to reverse.") var id: Int64?
        @Option(help: "Reverse every completed run after this one, newest first (this run itself stays; 0 unwinds every run).") var backTo: Int64?
        @Option(help: "Why (recorded with the reversal).") var reason: String
        @Option(help: "The business date of the reversal (default: today).") var asOf: String?
        @Flag(help: "Do not ask for confirmation before unwinding.") var yes = false

        func validate() throws {
            guard (id == nil) != (backTo == nil) else { throw ValidationError("give either a run id or --back-to ID") }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason must say why") }
        }

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let businessDate = try environment.businessDate(asOf)
                if let id {
                    let outcome = try environment.runner.run(ReversalJob(originalRunId: id, reason: reason), businessDate: businessDate)
                    if global.json { try printJSON(RunJSON(run: outcome.record, preview: false, report: outcome.report)) } else { print(outcome.render()) }
                    return
                }
                let plan = try UnwindPlan.back(to: backTo!, on: try environment.database.connect())
                if plan.runs.isEmpty { print("Nothing to unwind: no completed run after run \(backTo!)."); return }
                print("These runs will be reversed, newest first:")
                print(RunRecord.table(plan.runs).render(indent: 2), terminator: "")
                if !yes { try confirmOrRefuse("Reverse \(plan.runs.count == 1 ? "this run" : "these \(Wording.count(plan.runs.count, "run"))")?") }
                for run in plan.runs {
                    let outcome = try environment.runner.run(ReversalJob(originalRunId: run.id, reason: reason), businessDate: businessDate)
                    print(outcome.render())
                }
            }
        }
    }
}

/// A run with the report it recorded, as JSON (`hub runs show ID --json`).
struct RunDetailJSON: Encodable {
    var run: RunRecord
    /// The report as recorded (nil for a failed run).
    var report: RawJSON?
}
