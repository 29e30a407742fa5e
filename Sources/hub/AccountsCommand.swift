import ArgumentParser
import Foundation
import HousingFinance
import Hub

struct AccountsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts", abstract: "Rent account statements and balances.", subcommands: [Statement.self, Balance.self])

    struct Statement: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every entry of one rent account in date order, with the running balance (positive = arrears).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The rent account reference.") var account: String
        @Option(help: "From this date (earlier entries make the balance brought forward).") var from: String?
        @Option(help: "To this date.") var to: String?

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let statement = try AccountStatement.load(
                    account: account, from: try day(from, "--from"), to: try day(to, "--to"), on: try environment.database.connect())
                if global.json { try printJSON(statement) } else { print(statement.render(), terminator: "") }
            }
        }
    }

    struct Balance: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every account's balance at a date (positive = arrears).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The date (default: today).") var asOf: String?

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let date = try environment.businessDate(asOf)
                let balances = try AccountBalance.all(asOf: date, on: try environment.database.connect())
                if global.json {
                    try printJSON(BalancesJSON(asOf: date, accounts: balances, totalPence: balances.reduce(0) { $0 + $1.balancePence }))
                } else {
                    print(AccountBalance.render(balances, asOf: date), terminator: "")
                }
            }
        }
    }
}

func day(_ text: String?, _ option: String) throws -> Day? {
    guard let text else { return nil }
    guard let day = Day(iso: text) else { throw ValidationError("\(option) '\(text)' is not a date YYYY-MM-DD") }
    return day
}

/// Every account's balance at a date, as JSON.
struct BalancesJSON: Encodable {
    var asOf: Day
    var accounts: [AccountBalance]
    var totalPence: Int64
}
