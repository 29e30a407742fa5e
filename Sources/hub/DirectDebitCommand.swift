import ArgumentParser
import Foundation
import HousingFinance
import Hub
import Postgres

struct DirectDebitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dd",
        abstract: "Direct Debit: mandates, their schedules, returns (ARUDD) and bank advices (ADDACS, AUDDIS).",
        discussion: "Collections run as `hub run dd-collection`, notices as `hub run dd-notices`. See docs/direct-debit.md.",
        subcommands: [Mandates.self, MandateCommand.self, Schedule.self, Returns.self, Advices.self, Reconcile.self])

    struct Mandates: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List mandates, or show one account's.", subcommands: [List.self, Show.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Every mandate, by account.")
            @OptionGroup var global: GlobalOptions
            @Option(help: "Only this status: pending, live, cancelled or failed.") var status: String?

            func run() throws {
                try reportingErrors {
                    let environment = try HubEnvironment.open(global)
                    let mandates = try MandateStore.list(status: status, on: try environment.database.connect())
                    if global.json { try printJSON(mandates); return }
                    var table = TextTable([.init("Mandate", .right), .init("Account"), .init("Payer"), .init("Sort code"), .init("Account no"),
                                           .init("Frequency"), .init("Day"), .init("Extra", .right), .init("Status")])
                    for m in mandates {
                        table.add([String(m.id), m.accountRef, m.payerName, m.sortCode, m.accountNumber, m.frequency.rawValue, m.collectionDayText,
                                   Money(pence: m.extraPence).formatted, m.status])
                    }
                    print(table.render(), terminator: "")
                    print(Wording.count(mandates.count, "mandate"))
                }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "An account's mandates with their history, lodgements, notices, collections and returns.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The rent account reference.") var account: String

            func run() throws {
                try reportingErrors {
                    let environment = try HubEnvironment.open(global)
                    let history = try MandateHistory.load(account: account, on: try environment.database.connect())
                    if global.json { try printJSON(history) } else { print(history.render(), terminator: "") }
                }
            }
        }
    }

    struct MandateCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mandate", abstract: "Add, amend or cancel a mandate (each change audited with who made it).",
            subcommands: [Add.self, Amend.self, Cancel.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a mandate to a rent account: pending, lodged with AUDDIS 0N in the next collection file.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The rent account reference (also the reference quoted to the bank).") var account: String
            @Option(help: "The account holder's name.") var payer: String
            @Option(help: "The payer's sort code, 6 digits (12-34-56 or 123456).") var sortCode: String
            @Option(help: "The payer's account number, 8 digits.") var accountNumber: String
            @Option(help: "weekly, fortnightly, four-weekly or monthly.") var frequency: String
            @Option(help: "A weekday (monday...friday) for weekly frequencies; a day of the month from Config/direct-debit.yaml monthly-days.") var day: String
            @Option(help: "The first day a collection may be due (YYYY-MM-DD).") var start: String
            @Option(help: "A fixed extra amount per collection in pounds (an arrears arrangement).") var extra: String?

            func run() throws {
                try reportingErrors {
                    let environment = try HubEnvironment.open(global)
                    let store = MandateStore(config: try DirectDebitConfig.load(environment.config))
                    let mandate = try store.add(
                        MandateRequest(
                            accountRef: account, payerName: payer, sortCode: sortCode, accountNumber: accountNumber,
                            frequency: try parseFrequency(frequency), collectionDay: day, start: try requireDay(start, "--start"),
                            extra: try extra.map(parseMoney) ?? .zero),
                        on: try environment.database.connect())
                    if global.json { try printJSON(mandate) } else { print("Mandate \(mandate.id) for \(mandate.accountRef) added: \(mandate.status), AUDDIS 0N goes in the next collection file.") }
                }
            }
        }

        struct Amend: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Amend an account's mandate. New bank details or payer: 0C and 0N the same day; other changes keep the instruction.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The rent account reference.") var account: String
            @Option(help: "The account holder's name.") var payer: String?
            @Option(help: "The new sort code.") var sortCode: String?
            @Option(help: "The new account number.") var accountNumber: String?
            @Option(help: "weekly, fortnightly, four-weekly or monthly.") var frequency: String?
            @Option(help: "The new collection day.") var day: String?
            @Option(help: "The first day a collection may be due under the amendment (YYYY-MM-DD).") var start: String?
            @Option(help: "The fixed extra amount per collection in pounds (0 ends it).") var extra: String?
            @Option(help: "Why (kept in the mandate's history).") var reason: String

            func run() throws {
                try reportingErrors {
                    let environment = try HubEnvironment.open(global)
                    let store = MandateStore(config: try DirectDebitConfig.load(environment.config))
                    let mandate = try store.amend(
                        account: account,
                        MandateAmendment(
                            payerName: payer, sortCode: sortCode, accountNumber: accountNumber, frequency: try frequency.map(parseFrequency),
                            collectionDay: day, start: try start.map { try requireDay($0, "--start") }, extra: try extra.map(parseMoney), reason: reason),
                        on: try environment.database.connect())
                    if global.json { try printJSON(mandate) } else { print("Mandate \(mandate.id) for \(mandate.accountRef) replaces mandate \(mandate.replacesMandateId ?? 0): \(mandate.status).") }
                }
            }
        }

        struct Cancel: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Cancel an account's mandate: AUDDIS 0C in the next collection file.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The rent account reference.") var account: String
            @Option(help: "Why (kept in the mandate's history).") var reason: String

            func run() throws {
                try reportingErrors {
                    let environment = try HubEnvironment.open(global)
                    let store = MandateStore(config: try DirectDebitConfig.load(environment.config))
                    let mandate = try store.cancel(account: account, reason: reason, on: try environment.database.connect())
                    if global.json { try printJSON(mandate) } else { print("Mandate \(mandate.id) for \(mandate.accountRef) cancelled.") }
                }
            }
        }
    }

    struct Schedule: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "An account's computed collections: due date, entry day, weekly charges, factor and amount.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The rent account reference.") var account: String
        @Option(help: "From this date (default: today).") var from: String?
        @Option(help: "Through this date (default: 12 months after --from).") var through: String?

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let db = try environment.database.connect()
                guard let mandate = try MandateStore.open(account: account, on: db) ?? MandateStore.mandates(account: account, on: db).first else {
                    throw RunError(.badInput, "account \(account.prefix(20)) has no Direct Debit mandate")
                }
                let start = try day(from, "--from") ?? environment.config.today()
                let end = try day(through, "--through") ?? (start + 365)
                let config = try DirectDebitConfig.load(environment.config)
                let collections = try DDSchedules(config: config).schedule(mandate, on: db).collections(from: start, through: end)
                if global.json { try printJSON(collections); return }
                print("Mandate \(mandate.id) of \(mandate.accountRef) (\(mandate.status)): \(mandate.frequency.rawValue) on \(mandate.collectionDayText), basis \(config.basis.rawValue)")
                var table = TextTable([.init("Due"), .init("Entry day"), .init("Rent year"), .init("Weekly charges", .right), .init("Factor", .right),
                                       .init("Extra", .right), .init("Amount", .right)])
                for c in collections {
                    table.add([c.due.iso, c.entryDay.iso, c.rentYear, c.weeklyCharges.formatted, "\(c.numerator)/\(c.denominator)", c.extra.formatted, c.amount.formatted])
                }
                print(table.render(), terminator: "")
                print("\(Wording.count(collections.count, "collection")), \(collections.reduce(Money.zero) { $0 + $1.amount }.formatted)")
            }
        }
    }

    struct Returns: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Act on a Bacs ARUDD report: each return reverses its collection (RDN), reason 0 is re-presented once, others change the mandate.",
            discussion: "A return that matches no collection refuses the whole file (exit 2); a file acted on before is refused (exit 3).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The ARUDD report (XML).") var file: String
        @Option(help: "The business date of the run (default: today in Europe/London).") var asOf: String?
        @Flag(help: "Match and report, then roll everything back.") var dryRun = false

        func run() throws { try actOnBacsReport(file, .returns, asOf: asOf, dryRun: dryRun, global: global) }
    }

    struct Advices: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Act on a Bacs ADDACS report (mandate changes from payers' banks) or AUDDIS rejection report.",
            discussion: "Layouts: Interfaces/inbound/addacs and Interfaces/inbound/auddis. An advice for an unknown mandate refuses the file (exit 2).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The report (XML).") var file: String
        @Option(help: "The business date of the run (default: today in Europe/London).") var asOf: String?
        @Flag(help: "Act and report, then roll everything back.") var dryRun = false

        func run() throws { try actOnBacsReport(file, .advices, asOf: asOf, dryRun: dryRun, global: global) }
    }
}

extension DirectDebitCommand {
    struct Reconcile: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Match a day's collection credit on the bank statement to its file's contra total, and its returns to their ARUDD files.",
            discussion: "Exit 5 when something does not tie. hub reconcile shows the same after the statement's own tie.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The entry day (default: today).") var date: String?

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let report = try DDReconciliation.load(
                    date: try day(date, "--date") ?? environment.config.today(), settings: try PaymentSettings.load(for: environment.config),
                    on: try environment.database.connect())
                if global.json { try printJSON(report) } else { print(report.render(), terminator: "") }
                if !report.ties { throw ExitCode(ExitStatus.refused) }
            }
        }
    }
}

/// Acts on a Bacs report (ARUDD, or ADDACS/AUDDIS) through the one path `hub import` and the
/// inbox take too (`PaymentImporter.receive`), refusing a file of another kind, and prints it.
func actOnBacsReport(_ file: String, _ kind: BacsReportKind, asOf: String?, dryRun: Bool, global: GlobalOptions) throws {
    try reportingErrors {
        let environment = try HubEnvironment.open(global)
        guard FileManager.default.isReadableFile(atPath: file) else { throw RunError(.badInput, "cannot read \(file): check the path and its permissions") }
        let outcome = try PaymentImporter(runner: environment.runner, config: environment.config)
            .receive(URL(fileURLWithPath: file), format: nil, expecting: kind, businessDate: try environment.businessDate(asOf), preview: dryRun)
        if global.json { try printJSON(AnyRunJSON(run: outcome.record, preview: outcome.isPreview, report: outcome.report)) } else { print(outcome.render()) }
    }
}


func parseFrequency(_ text: String) throws -> DDFrequency {
    guard let frequency = DDFrequency(rawValue: text.lowercased()) else {
        throw RunError(.badInput, "frequency '\(text.prefix(20))' must be weekly, fortnightly, four-weekly or monthly")
    }
    return frequency
}

func parseMoney(_ text: String) throws -> Money {
    do { return try Money(parsing: text) } catch { throw RunError(.badInput, "\(error)") }
}

func requireDay(_ text: String, _ option: String) throws -> Day {
    guard let day = Day(iso: text) else { throw RunError(.badInput, "\(option) '\(text.prefix(20))' is not a date YYYY-MM-DD") }
    return day
}

extension RunCommand {
    struct DDCollection: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dd-collection",
            abstract: "Submit the Direct Debit file of an input day: the collections whose entry day is two working days later, and the AUDDIS lodgements.",
            discussion: """
                Posts each collection (RDD) dated its entry day and stores the Standard 18 file with the run, in one \
                transaction; the file is written to the outbox after commit (a file not delivered is written at the next \
                start). A date that is not a working day is refused (exit 2). Settings: Config/direct-debit.yaml.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "The input day YYYY-MM-DD (default: the business date).") var date: String?
        @Option(help: "The business date of the run (default: today in Europe/London).") var asOf: String?
        @Flag(help: "Run the same code and roll it back: print the report, post and send nothing.") var dryRun = false

        func run() throws { try runDirectDebitJob(DDCollectionJob.name, date: date, asOf: asOf, dryRun: dryRun, global: global) }
    }

    struct DDNotices: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dd-notices",
            abstract: "Write the Direct Debit advance notices due (new amounts, new mandates) as a CSV for the mail provider.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The day the notices are sent YYYY-MM-DD (default: the business date).") var date: String?
        @Option(help: "The business date of the run (default: today in Europe/London).") var asOf: String?
        @Flag(help: "Run the same code and roll it back.") var dryRun = false

        func run() throws { try runDirectDebitJob(DDNoticesJob.name, date: date, asOf: asOf, dryRun: dryRun, global: global) }
    }
}

func runDirectDebitJob(_ name: String, date: String?, asOf: String?, dryRun: Bool, global: GlobalOptions) throws {
    try reportingErrors {
        let environment = try HubEnvironment.open(global)
        let businessDate = try environment.businessDate(asOf)
        var parameters: [String: String] = [:]
        if let date { parameters["date"] = date }
        let outcomes = try DirectDebitRuns(runner: environment.runner, config: environment.config)
            .outcomes(job: name, parameters: parameters, businessDate: businessDate, preview: dryRun, afterCommit: crashAfterCommitIfAsked)
        if global.json {
            try printJSON(outcomes.map { AnyRunJSON(run: $0.record, preview: dryRun, report: $0.report) })
        } else {
            for outcome in outcomes { print(outcome.text) }
        }
    }
}

/// A run and its report of any job, as JSON.
struct AnyRunJSON: Encodable {
    var run: RunRecord
    var preview: Bool
    var report: any JobReport

    enum CodingKeys: String, CodingKey { case run, preview, report }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(run, forKey: .run)
        try container.encode(preview, forKey: .preview)
        try report.encode(to: container.superEncoder(forKey: .report))
    }
}

struct LoadMandates: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: MandatesLoad.kind,
        abstract: "Load Direct Debit mandates migrated from the earlier system (live, already lodged): \(MandatesLoad.columns.filter(\.inHeader).map(\.name).joined(separator: ","))")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: LoadOptions
    func run() throws { try options.load(MandatesLoad.self, global: global) }
}
