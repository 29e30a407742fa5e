import ArgumentParser
import Foundation
import HousingFinance
import Hub

struct SuspenseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspense",
        abstract: "The suspense queue: payments that matched no rent account (cash and Housing Benefit kept apart).",
        subcommands: [List.self, Allocate.self, Refund.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List suspense items, oldest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this kind: bank, cash, outlet, card, dd (returned Direct Debits) or hb.") var kind: String?
        @Option(help: "Only this status: open, allocated, refunded or void.") var status: String?

        func validate() throws {
            if let kind, !SuspenseItem.kinds.contains(kind) { throw ValidationError("--kind is one of \(SuspenseItem.kinds.joined(separator: ", "))") }
            if let status, !["open", "allocated", "refunded", "void"].contains(status) {
                throw ValidationError("--status is open, allocated, refunded or void")
            }
        }

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let items = try SuspenseItem.list(kind: kind, status: status, on: try environment.database.connect())
                if global.json { try printJSON(items) } else { print(SuspenseItem.render(items), terminator: "") }
            }
        }
    }

    struct Allocate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Allocate a suspense item to a rent account: posts the payment to it (trail back to the item) and takes it out of suspense, as a run of job suspense-allocation.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The suspense item's id (hub suspense list).") var id: Int64
        @Argument(help: "The rent account reference to allocate it to.") var account: String
        @Option(help: "Why: kept with the run and the audit trail.") var note: String
        @Option(help: "The business date of the run (default: today in Europe/London).") var asOf: String?
        @Flag(help: "Show what would be posted and roll it back.") var dryRun = false

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let outcome = try SuspenseAllocationJob(itemId: id, action: .allocate(account: account), note: note)
                    .clear(runner: environment.runner, businessDate: try environment.businessDate(asOf), preview: dryRun)
                if global.json { try printJSON(RunJSON(run: outcome.record, preview: outcome.isPreview, report: outcome.report)) } else { print(outcome.render()) }
            }
        }
    }

    struct Refund: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Refund a suspense item to the payer: posts REF out of suspense, as a run of job suspense-allocation.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The suspense item's id (hub suspense list).") var id: Int64
        @Option(help: "Why: kept with the run and the audit trail.") var note: String
        @Option(help: "The business date of the run (default: today in Europe/London).") var asOf: String?
        @Flag(help: "Show what would be posted and roll it back.") var dryRun = false

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let outcome = try SuspenseAllocationJob(itemId: id, action: .refund, note: note)
                    .clear(runner: environment.runner, businessDate: try environment.businessDate(asOf), preview: dryRun)
                if global.json { try printJSON(RunJSON(run: outcome.record, preview: outcome.isPreview, report: outcome.report)) } else { print(outcome.render()) }
            }
        }
    }
}
