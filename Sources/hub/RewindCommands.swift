import ArgumentParser
import Foundation
import HousingFinance
import Hub

extension RunsCommand {
    /// `hub runs rewind --to CHECKPOINT|RUN --reason TEXT`: back to a known-good point.
    struct Rewind: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reverse every run after a checkpoint or a run, newest first, after showing the plan and asking.",
            discussion: """
                Runs whose files were sent (exports, sales-order reviews) are never recalled: they stay, and the \
                reversals go out in the next journal or file as corrections; the plan says so. Then \
                `hub runs replay --except RUN` runs the reversed runs again from their stored inputs, leaving out \
                the faulty one. See docs/go-live.md.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "The checkpoint's name, or a run id (0 for the beginning).") var to: String
        @Option(help: "Why (recorded with the rewind and each reversal).") var reason: String
        @Option(help: "The business date of the reversals (default: today).") var asOf: String?
        @Flag(help: "Do not ask for confirmation.") var yes = false

        func validate() throws {
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason must say why") }
        }

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let businessDate = try environment.businessDate(asOf)
                let plan = try RewindPlan.make(to: to, on: try environment.database.connect())
                if !global.json { print(plan.render(), terminator: "") }
                guard !plan.reversals.isEmpty else { return }
                if !yes { try confirmOrRefuse("Reverse \(plan.reversals.count == 1 ? "this run" : "these \(Wording.count(plan.reversals.count, "run"))")?") }
                let result = try Rewinder(runner: environment.runner, config: environment.config)
                    .rewind(plan, reason: reason, businessDate: businessDate)
                if global.json { try printJSON(result) } else { print(result.render(), terminator: "") }
            }
        }
    }

    /// `hub runs replay [--except RUN ...]`: run the rewound runs again from their stored inputs.
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run again, oldest first, the runs a rewind reversed, from their stored inputs and business dates.",
            discussion: """
                Loads and payment files are read again from the copies kept when they were first run; rent debit \
                weeks are posted again. Suspense allocations and approvals are listed to be done again by hand. \
                --list shows what would be replayed without doing it.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("except"), help: "A reversed run to leave out (the faulty one); repeat for more.") var except: [Int64] = []
        @Flag(help: "Only list the runs waiting to be replayed.") var list = false

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let rewinder = Rewinder(runner: environment.runner, config: environment.config)
                let pending = try rewinder.pending(on: try environment.database.connect())
                let waiting = Set(pending.map(\.run.id))
                for id in except where !waiting.contains(id) {
                    throw RunError(.badInput, "run \(id) is not waiting to be replayed (waiting: \(waiting.sorted().map(String.init).joined(separator: ", ")))")
                }
                if list {
                    if global.json {
                        try printJSON(pending.map { PendingJSON(runId: $0.run.id, job: $0.run.job, businessKey: $0.run.businessKey, businessDate: $0.run.businessDate, rewindId: $0.rewindId) })
                        return
                    }
                    if pending.isEmpty { print("Nothing waits to be replayed."); return }
                    var table = TextTable([.init("Run", .right), .init("Job"), .init("Key"), .init("Business date"), .init("Rewind", .right)])
                    for item in pending {
                        table.add([String(item.run.id), item.run.job, item.run.displayKey, item.run.businessDate.iso, String(item.rewindId)])
                    }
                    print(table.render(), terminator: "")
                    return
                }
                let done = try rewinder.replay(except: Set(except))
                if global.json { try printJSON(done); return }
                if done.isEmpty { print("Nothing waits to be replayed."); return }
                var table = TextTable([.init("Run", .right), .init("Job"), .init("Key"), .init("Outcome"), .init("As run", .right), .init("Note")])
                for item in done {
                    let key = item.businessKey.count == 64 ? Wording.shortHash(item.businessKey) : item.businessKey
                    table.add([String(item.runId), item.job, key, item.outcome, item.replayRunId.map(String.init) ?? "", item.note ?? ""])
                }
                print(table.render(), terminator: "")
            }
        }
    }
}

/// `hub checkpoint create|list`: known-good points to rewind to.
struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint", abstract: "Mark and list known-good points (for hub runs rewind).", subcommands: [Create.self, List.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark the present as a known-good point.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A name: letters, digits, '-', '_' or '.' (like go-live).") var name: String
        @Option(help: "What was checked (up to 1,000 characters).") var note: String

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let checkpoint = try Checkpoint.create(name: name, note: note, on: try environment.database.connect())
                if global.json { try printJSON(checkpoint) } else { print("Checkpoint \(checkpoint.name) marks run \(checkpoint.runId).") }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every checkpoint, oldest first.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let checkpoints = try Checkpoint.list(on: try environment.database.connect())
                if global.json { try printJSON(checkpoints); return }
                if checkpoints.isEmpty { print("No checkpoints yet: hub checkpoint create NAME --note TEXT"); return }
                var table = TextTable([.init("Checkpoint"), .init("Run", .right), .init("Made"), .init("By"), .init("Note")])
                for c in checkpoints { table.add([c.name, String(c.runId), Timestamp.text(c.createdAt), c.createdBy, c.note]) }
                print(table.render(), terminator: "")
            }
        }
    }
}

/// A run waiting to be replayed, as JSON (`hub runs replay --list --json`).
struct PendingJSON: Encodable {
    var runId: Int64
    var job: String
    var businessKey: String
    var businessDate: Day
    var rewindId: Int64
}
