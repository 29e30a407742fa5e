import ArgumentParser
import Foundation
import HousingFinance
import Hub
import Postgres

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the embedded PostgreSQL cluster, migrate it, seed a demo council and run the week's jobs.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "How many properties the demo council has.") var properties = 8000
    @Option(help: "The business date (default: today in Europe/London).") var asOf: String?

    func run() throws {
        try reportingErrors {
            let environment = try HubEnvironment.open(global)
            let businessDate = try environment.businessDate(asOf)
            print("Demo council on \(businessDate.iso).")
            let outcomes = try RentDebitRuns(runner: environment.runner, config: environment.config)
                .postThrough(RentWeek(containing: businessDate), businessDate: businessDate)
            for outcome in outcomes.suffix(1) { print(outcome.render()) }
            if let cluster = environment.embedded { print("Look inside: \(cluster.psqlCommand(database: "hub"))") }
        }
    }
}
