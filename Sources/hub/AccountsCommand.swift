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
                if global.json { try printJSON(statement) } else { print(statement.render()) }
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
                if global.json { try printJSON(["as_of": AnyEncodable(date), "accounts": AnyEncodable(balances)]) } else {
                    print("Balances at \(date.iso) (positive = arrears)")
                    for balance in balances { print("\(balance.account)  \(Money(pence: balance.balancePence).plain)") }
                    let total = balances.reduce(Int64(0)) { $0 + $1.balancePence }
                    print("\(balances.count) accounts, total \(Money(pence: total).formatted)")
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

/// Wraps any encodable value, for mixed JSON objects.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
