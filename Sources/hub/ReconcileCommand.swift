import ArgumentParser
import Foundation
import HousingFinance
import Hub

struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Bank reconciliation: provider settlements against provider files, and the bank statement against the ledger.",
        discussion: """
            Lists the settlements on the bank statement with no provider file yet, the provider files with no settlement,
            and settlements whose files' money differs (with the difference), until resolved. For each bank statement dated
            the day, compares the statement's movement (closing balance minus opening balance) with what the hub holds for
            its entries: payments on rent accounts in the ledger, money held in suspense, settlements reconciled to provider
            files (whose payments the ledger holds from those files), settlements not yet reconciled and bank debits reported.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "The statement day (default: the latest bank statement imported, else today).") var date: String?

    func run() throws {
        try reportingErrors {
            let environment = try HubEnvironment.open(global)
            let connection = try environment.database.connect()
            let settings = try PaymentSettings.load(for: environment.config)
            let day: Day
            if let date {
                guard let parsed = Day(iso: date) else { throw ValidationError("--date '\(date)' is not a date YYYY-MM-DD") }
                day = parsed
            } else {
                day = try BankReconciliation.latestStatementDate(on: connection) ?? environment.config.today()
            }
            let report = try BankReconciliation.load(date: day, settings: settings, on: connection)
            // Direct Debit: the day's collection credits and returns, and the statement entries that settled them.
            let directDebit = try DDReconciliation.load(date: day, settings: settings, on: connection)
            if global.json {
                try printJSON(ReconcileJSON(bank: report, directDebit: directDebit))
            } else {
                print(report.render(), terminator: "")
                if !directDebit.lines.isEmpty { print(directDebit.render(), terminator: "") }
            }
        }
    }
}

/// `hub reconcile --json`: the bank reconciliation's members, and `direct_debit` (as `hub dd
/// reconcile --json` prints it).
struct ReconcileJSON: Encodable {
    var bank: BankReconciliation
    var directDebit: DDReconciliation

    enum CodingKeys: String, CodingKey { case directDebit }
    func encode(to encoder: any Encoder) throws {
        try bank.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(directDebit, forKey: .directDebit)
    }
}
