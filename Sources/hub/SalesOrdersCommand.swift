import ArgumentParser
import Foundation
import HousingFinance
import Hub

/// `hub run sales-order-review FILE`: one ODS completed-jobs file, reviewed in one run.
struct RunSalesOrderReview: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sales-order-review",
        abstract: "Review an ODS completed-jobs file: price each job, approve, hold or reject it; send approved orders to ODS and post their cost.",
        discussion: "Without FILE, reviews every file waiting in the inbox's ods folder (as the scheduler does), moving each to archive/ods or rejected/ods. Tolerances and limits: Config/sales-order-review.yaml.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The completed-jobs file (CSV, Interfaces/inbound/ods-completed-jobs/README.md).") var file: String?
    @Option(help: "The business date of the run (default: today in Europe/London); a completion after it is rejected.") var asOf: String?
    @Flag(help: "Run the same review and roll it back: print the report, keep and send nothing.") var dryRun = false

    func run() throws {
        try reportingErrors {
            let environment = try HubEnvironment.open(global)
            let runs = SalesOrderReviewRuns(runner: environment.runner, config: environment.config)
            let businessDate = try environment.businessDate(asOf)
            if let file {
                let outcome = try runs.review(file: URL(fileURLWithPath: file), businessDate: businessDate, preview: dryRun)
                if global.json { try printJSON(RunJSON(run: outcome.record, preview: outcome.isPreview, report: outcome.report)) } else {
                    print(outcome.render())
                    if !dryRun, let name = outcome.report.salesOrderFile {
                        print("Written to \(environment.config.outbox.appendingPathComponent(SalesOrderFile.interface).appendingPathComponent(name).path)")
                    }
                }
            } else {
                let records = try runs.launch(parameters: [:], businessDate: businessDate, preview: dryRun)
                if global.json { try printJSON(records) } else {
                    if records.isEmpty { print("No completed-jobs files waiting.") }
                    for record in records { print(record.detail, terminator: "") }
                }
            }
        }
    }
}

/// `hub sales-orders list|show|approve|reject`.
struct SalesOrdersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sales-orders",
        abstract: "List sales orders from the review of ODS's completed jobs; approve or reject held ones.",
        subcommands: [List.self, Show.self, Approve.self, Reject.self])

    static func id(_ text: String) throws -> Int64 {
        guard let id = SalesOrderRecord.id(from: text) else { throw ValidationError("'\(text)' is not a sales order (SO00000042 or 42)") }
        return id
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sales orders, oldest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this status: held, approved or rejected.") var status: String?

        func validate() throws {
            if let status, !["held", "approved", "rejected"].contains(status) { throw ValidationError("--status is held, approved or rejected") }
        }

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let orders = try SalesOrderRecord.list(status: status, on: try environment.database.connect())
                if global.json { try printJSON(orders); return }
                if orders.isEmpty { print("No sales orders\(status.map { " \($0)" } ?? "")."); return }
                var table = TextTable([
                    .init("Sales order"), .init("Status"), .init("Job"), .init("Property"), .init("Priority"), .init("Completed"),
                    .init("Claimed", .right), .init("Priced", .right), .init("Estimate", .right), .init("Reasons"),
                ])
                for order in orders {
                    table.add([
                        order.reference, order.status, order.jobNumber, order.propertyReference ?? "-", order.priority ?? "-",
                        order.completionDate.iso, order.claimed.formatted, order.priced?.formatted ?? "-", order.estimate?.formatted ?? "-",
                        order.reasons.map(\.text).joined(separator: "; "),
                    ])
                }
                print(table.render(), terminator: "")
                print(Wording.count(orders.count, "sales order"))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one sales order and every decision on it (who, when).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The sales order (SO00000042 or 42).") var id: String

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let db = try environment.database.connect()
                guard let order = try SalesOrderRecord.find(try SalesOrdersCommand.id(id), on: db) else {
                    throw RunError(.notFound, "there is no sales order \(id)")
                }
                let decisions = try SalesOrderRecord.decisions(order.id, on: db)
                if global.json { try printJSON(Detail(order: order, decisions: decisions)); return }
                print("\(order.reference): job \(order.jobNumber) at \(order.propertyReference ?? "-"), \(order.status)")
                print("  completed \(order.completionDate.iso), claimed \(order.claimed.formatted), priced \(order.priced?.formatted ?? "-"), estimate \(order.estimate?.formatted ?? "-")")
                print("  from \(order.fileName) line \(order.fileLine), review run \(order.reviewRunId)")
                for reason in order.reasons { print("  - \(reason.text)") }
                print("  Decisions:")
                var table = TextTable([.init("When"), .init("Decision"), .init("By"), .init("Value", .right), .init("Note")])
                for decision in decisions {
                    table.add([
                        Timestamp.text(decision.decidedAt), decision.decision + (decision.automatic ? " (automatic)" : ""), decision.decidedBy,
                        decision.value?.formatted ?? "", decision.note ?? "",
                    ])
                }
                print(table.render(indent: 4), terminator: "")
            }
        }

        struct Detail: Encodable {
            var order: SalesOrderRecord
            var decisions: [SalesOrderDecision]
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a held sales order: it goes to ODS in a sales-order file and its cost is posted.",
            discussion: "Only a database role whose authorisation limit (Config/sales-order-review.yaml) covers the value may approve; otherwise refused (exit 5) naming the limit.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The sales order (SO00000042 or 42).") var id: String
        @Option(help: "Why it is approved (recorded with the decision).") var note: String
        @Option(help: "The business date of the run (default: today in Europe/London).") var asOf: String?

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let outcome = try SalesOrderReviewRuns(runner: environment.runner, config: environment.config)
                    .approve(try SalesOrdersCommand.id(id), note: note, businessDate: try environment.businessDate(asOf))
                if global.json { try printJSON(RunJSON(run: outcome.record, preview: false, report: outcome.report)) } else { print(outcome.render()) }
            }
        }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a held sales order, with the reason: nothing goes to ODS, nothing is posted.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The sales order (SO00000042 or 42).") var id: String
        @Option(help: "Why it is rejected (recorded with the decision, and told to ODS by the repairs team).") var reason: String

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let order = try SalesOrderAuthority.reject(try SalesOrdersCommand.id(id), reason: reason, on: try environment.database.connect())
                if global.json { try printJSON(order) } else { print("\(order.reference) (job \(order.jobNumber)) rejected: \(reason)") }
            }
        }
    }
}
