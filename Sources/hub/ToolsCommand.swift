import ArgumentParser
import BankFiles
import Foundation
import HousingFinance
import Hub
import HubDemo

/// Tools that need no database: checking a payment file before it is imported (payments staff),
/// and generating large statements (benchmarks, developers). Hidden from `hub --help`;
/// documented in the README and docs/payments.md.
struct ToolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tools",
        abstract: "Tools that need no database: check a payment file, generate test statements.",
        shouldDisplay: false,
        subcommands: [Check.self, GenerateCamt.self, GenerateCouncil.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a payment file and print its totals, without a database.",
            discussion: """
                Reads the file as `hub import` would (every check: balances, trailer totals, dates, amounts) and prints
                its statements, credits, debits, balances and the checks made, or the reason it would be refused
                (exit code 2). Nothing is posted. Card payment files need the portal's column mapping and are not read here.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The payment file.") var file: String
        @Option(help: "The format: auto (detect from content), camt053, camt054, mt940, cash, outlet, hb or arudd.")
        var format: String = "auto"
        @Flag(help: "List every payment read, too.") var payments = false

        func run() throws {
            let url = URL(fileURLWithPath: file)
            do {
                let chosen: PaymentFormat
                if format == "auto" {
                    guard let detected = try PaymentFiles.detect(url: url, cardMapping: nil) else {
                        throw ValidationError("cannot tell the format of \(url.lastPathComponent); give it with --format")
                    }
                    chosen = detected
                } else {
                    guard let named = PaymentFormat(rawValue: format) else {
                        throw ValidationError("--format '\(format)' is not one of auto, \(PaymentFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    chosen = named
                }
                var listed: [Payment] = []
                let started = Date()
                let totals = try PaymentFiles.read(url: url, format: chosen, cardMapping: nil) { payment in
                    if payments { listed.append(payment) }
                }
                let seconds = Date().timeIntervalSince(started)
                if global.json {
                    struct Output: Encodable {
                        var file: String
                        var totals: FileTotals
                        var payments: [Payment]?
                        var seconds: Double
                    }
                    try printJSON(Output(file: url.lastPathComponent, totals: totals, payments: payments ? listed : nil, seconds: seconds))
                    return
                }
                print("\(url.lastPathComponent): \(totals.format.rawValue), \(Wording.count(totals.statements, "statement"))"
                      + (totals.fileDate.map { ", dated \($0.iso)" } ?? ""))
                var table = TextTable([.init(""), .init("Count", .right), .init("Amount", .right)])
                table.add(["credits", Wording.number(totals.creditCount), totals.creditTotal.formatted])
                table.add(["debits", Wording.number(totals.debitCount), totals.debitTotal.formatted])
                print(table.render(indent: 2), terminator: "")
                if let opening = totals.openingBalance, let closing = totals.closingBalance {
                    print("  opening balance \(opening.formatted), closing balance \(closing.formatted)")
                }
                for check in totals.checks { print("  checked: \(check)") }
                if !listed.isEmpty {
                    var payments = TextTable([
                        .init("Position"), .init("Direction"), .init("Amount", .right), .init("Booked"), .init("Reference"),
                        .init("Bank reference"), .init("Payer"),
                    ])
                    for payment in listed {
                        payments.add([
                            payment.position.description, payment.direction == .credit ? "credit" : "debit", payment.amount.formatted,
                            payment.bookingDate.iso, payment.reference, payment.bankReference ?? "", payment.payerName ?? "",
                        ])
                    }
                    print(payments.render(indent: 2), terminator: "")
                }
                print(String(format: "  read in %.2f s", seconds))
            } catch let error as FileReadError {
                FileHandle.standardError.write(Data("error: \(error) (\(error.code))\n".utf8))
                throw ExitCode(ExitStatus.badInput)
            }
        }
    }

    struct GenerateCamt: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-camt",
            abstract: "Write a camt.053.001.08 statement of synthetic rent payments (benchmarks, tests).",
            discussion: """
                Deterministic: the same options give the same file. Every 50th entry itemises three payments; every 100th
                is a returned item (debit). With --mt940 the same payments are written as an MT940 statement too (one
                :61: line per payment).
                """)
        @Option(help: "How many entries.") var entries: Int = 1000
        @Option(help: "The camt.053 file to write.") var out: String
        @Option(help: "Also write the same payments as an MT940 file here.") var mt940: String?
        @Option(help: "The statement date (YYYY-MM-DD).") var date: String = "2026-12-01"

        func validate() throws {
            guard entries >= 0 else { throw ValidationError("--entries must not be negative") }
            guard Day(iso: date) != nil else { throw ValidationError("--date '\(date)' is not a date YYYY-MM-DD") }
        }

        func run() throws {
            let day = Day(iso: date)!
            let statement = Camt053Statement(id: "STMT-\(date)", iban: "GB29NWBK60161331926819", accountName: "RENT COLLECTION",
                                             date: day, openingBalance: Money(pence: 5_000_000))
            let list = (0..<entries).lazy.map { SyntheticPayments.entry($0, on: day) }
            try Camt053Writer(messageId: "BENCH-\(date)", created: day).write([(statement, list)], to: URL(fileURLWithPath: out))
            if let mt940 {
                try SyntheticPayments.writeMT940(list, statement: statement, to: URL(fileURLWithPath: mt940))
            }
        }
    }
}

/// Deterministic synthetic rent payments for benchmarks.
enum SyntheticPayments {
    static func entry(_ index: Int, on day: Day) -> Camt053Entry {
        let account = 10_000_000 + (index * 7_919) % 60_000
        let amount = Money(pence: Int64(2_000 + (index * 104_729) % 30_000))
        if index % 100 == 99 {
            return Camt053Entry(amount: amount, direction: .debit, bookingDate: day, reference: "RETURNED \(account)",
                                accountServicerReference: "BNK\(index)", payerName: "TENANT \(account)", bankTransactionCode: "PMNT/RDDT/UPDD")
        }
        if index % 50 == 49 {
            let parts = [Money(pence: 10_000), Money(pence: 5_000), amount]
            return Camt053Entry(amount: parts.reduce(.zero, +), bookingDate: day, reference: nil, accountServicerReference: "BNK\(index)",
                                details: parts.enumerated().map { offset, part in
                                    .init(amount: part, reference: "\(account + offset)", payerName: "HOUSING TRUST")
                                })
        }
        return Camt053Entry(amount: amount, bookingDate: day, reference: "RENT \(account) FLAT \(index % 40 + 1)",
                            accountServicerReference: "BNK\(index)", payerName: "TENANT \(account)", endToEndId: "E2E\(index)")
    }

    /// The same payments as an MT940 statement: one `:61:` per payment (itemised entries split).
    static func writeMT940(_ entries: some Sequence<Camt053Entry>, statement: Camt053Statement, to url: URL) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        let (y, m, d) = statement.date.components
        let yymmdd = String(format: "%02d%02d%02d", y % 100, m, d)
        let mmdd = String(format: "%02d%02d", m, d)
        func amount(_ money: Money) -> String { money.magnitudeText.replacingOccurrences(of: ".", with: ",") }
        func balance(_ money: Money) -> String { (money.pence < 0 ? "D" : "C") + yymmdd + "GBP" + amount(money) }
        var text = ":20:\(statement.id)\r\n:25:\(statement.iban)\r\n:28C:1/1\r\n:60F:\(balance(statement.openingBalance))\r\n"
        var closing = statement.openingBalance
        for entry in entries where entry.status == "BOOK" {
            let parts = entry.details.isEmpty
                ? [(entry.amount, entry.reference ?? "", entry.accountServicerReference ?? "NONREF")]
                : entry.details.enumerated().map { ($1.amount, $1.reference ?? "", "\(entry.accountServicerReference ?? "NONREF")/\($0 + 1)") }
            for (money, reference, bankRef) in parts {
                let mark = entry.direction == .credit ? "C" : "D"
                closing += entry.direction == .credit ? money : -money
                text += ":61:\(yymmdd)\(mmdd)\(mark)\(amount(money))NTRFNONREF//\(bankRef)\r\n:86:\(reference)\r\n"
            }
            if text.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(text.utf8))
                text = ""
            }
        }
        text += ":62F:\(balance(closing))\r\n-\r\n"
        try handle.write(contentsOf: Data(text.utf8))
    }
}

extension Money {
    /// The amount without sign: `1234.56`.
    fileprivate var magnitudeText: String { (pence < 0 ? -self : self).plain }
}

extension ToolsCommand {
    /// `hub tools generate-council`: the demo council's five loader files and their migration
    /// manifest, for rehearsals, benchmarks and tests.
    struct GenerateCouncil: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-council",
            abstract: "Write a generated council's loader files and its migration manifest (demo-migration.yaml) to a folder.")
        @Option(help: "The folder to write to.") var out: String
        @Option(help: "How many properties.") var properties = 8000
        @Option(help: "The go-live Monday (YYYY-MM-DD).") var goLive = "2026-04-06"

        func run() throws {
            try reportingErrors {
                guard let day = Day(iso: goLive), day.weekday == .monday else { throw RunError(.badInput, "--go-live '\(goLive.prefix(20))' is not a Monday YYYY-MM-DD") }
                guard properties > 0, properties <= 2_000_000 else { throw RunError(.badInput, "--properties must be 1 to 2,000,000") }
                let url = try MigrationDemo.writeManifest(DemoCouncil(properties: properties, goLive: day), directory: URL(fileURLWithPath: out))
                print(url.path)
            }
        }
    }
}
