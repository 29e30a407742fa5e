import ArgumentParser
import Foundation
import HousingFinance
import Hub
import Postgres

/// `hub migration`: rehearse a migration into a scratch database, and compare the hub with the
/// old system while both run. See docs/go-live.md.
struct MigrationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migration", abstract: "Rehearse a data migration and compare the hub with the old system.",
        subcommands: [Rehearse.self, Reports.self, Compare.self])

    struct Rehearse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a migration extract into a throwaway database and print the go/no-go report.",
            discussion: """
                The manifest (Interfaces/inbound/loader/README.md, "Migration manifest") lists the extract's files in \
                load order with the old system's row counts and totals, the go-live Monday and the old system's \
                closing balances. Every load, the opening balances and the first rent debit run in a scratch \
                database, never the live one: on the embedded cluster one is made and dropped; with a configured \
                database give an empty one with --scratch-url. The report is kept (hub migration reports) and a \
                checkpoint rehearsal-ID is made. Exit 0 only when everything agrees (go); 5 for no-go.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The migration manifest (migration.yaml).") var manifest: String
        @Option(help: "An empty scratch database to rehearse into (a libpq URL); needed with a configured database.") var scratchUrl: String?
        @Flag(help: "Keep the scratch database made on the embedded cluster (its name is printed).") var keep = false

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let manifest = try MigrationManifest.load(URL(fileURLWithPath: manifest))
                let scratch = try ScratchDatabase(environment: environment, url: scratchUrl, keep: keep)
                defer { scratch.drop() }
                try Rehearsal.checkScratch(scratch.database, isNot: environment.database)
                var report = try Rehearsal(manifest: manifest, config: environment.config, logger: environment.logger).run(into: scratch.database)
                try RehearsalStore.keep(&report, on: try environment.database.connect())
                if global.json { try printJSON(report) } else { print(report.render(), terminator: "") }
                if !report.go { throw ExitCode(ExitStatus.refused) }
            }
        }
    }

    struct Reports: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the kept rehearsal reports, or show one.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A report's id, to show it whole.") var id: Int64?

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let db = try environment.database.connect()
                if let id {
                    let report = try RehearsalStore.report(id, on: db)
                    if global.json { try printJSON(report) } else { print(report.render(), terminator: "") }
                    return
                }
                let entries = try RehearsalStore.list(on: db)
                if global.json { try printJSON(entries); return }
                if entries.isEmpty { print("No rehearsals yet: hub migration rehearse MANIFEST"); return }
                var table = TextTable([
                    .init("Rehearsal", .right), .init("Made"), .init("By"), .init("Manifest"), .init("Verdict"), .init("Problems", .right),
                ])
                for entry in entries {
                    table.add([
                        String(entry.id), Timestamp.text(entry.createdAt), entry.createdBy, entry.manifest, entry.go ? "GO" : "NO-GO",
                        Wording.number(entry.problems),
                    ])
                }
                print(table.render(), terminator: "")
            }
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare the hub with the old system account by account while both run.", subcommands: [Debits.self, Balances.self])

        struct Debits: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "The old system's debit of a week (CSV account_ref,charge_code,amount) against the hub's.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The old system's debits, CSV with a header.") var file: String
            @Option(help: "A day of the rent week (YYYY-MM-DD).") var week: String

            func run() throws {
                try reportingErrors {
                    guard let day = Day(iso: week) else { throw RunError(.badInput, "--week '\(week.prefix(20))' is not a date YYYY-MM-DD") }
                    let environment = try HubEnvironment.open(global)
                    let result = try ParallelCompare.debits(file: URL(fileURLWithPath: file), week: RentWeek(containing: day), on: try environment.database.connect())
                    if global.json { try printJSON(result) } else { print(result.render(), terminator: "") }
                }
            }
        }

        struct Balances: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "The old system's balances at a date (CSV account_ref,balance) against the hub's.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The old system's balances, CSV with a header.") var file: String
            @Option(help: "The date of the balances (YYYY-MM-DD).") var asOf: String

            func run() throws {
                try reportingErrors {
                    guard let day = Day(iso: asOf) else { throw RunError(.badInput, "--as-of '\(asOf.prefix(20))' is not a date YYYY-MM-DD") }
                    let environment = try HubEnvironment.open(global)
                    let result = try ParallelCompare.balances(file: URL(fileURLWithPath: file), asOf: day, on: try environment.database.connect())
                    if global.json { try printJSON(result) } else { print(result.render(), terminator: "") }
                }
            }
        }
    }
}

/// A scratch database for a rehearsal: the one named, or one made on the embedded cluster and
/// dropped after (unless kept).
struct ScratchDatabase {
    let database: HubDatabase
    private let dropAction: (() -> Void)?

    init(environment: HubEnvironment, url: String?, keep: Bool) throws {
        if let url {
            database = HubDatabase(connectionString: url, landlord: environment.config.landlord)
            dropAction = nil
        } else if let cluster = environment.embedded {
            let name = "hub_rehearsal_\(Int(Date().timeIntervalSince1970))_\(getpid())"
            let admin = try Connection(cluster.connectionString())
            try admin.execute("CREATE DATABASE \(unescaped: admin.quoteIdentifier(name))")
            database = HubDatabase(connectionString: cluster.connectionString(database: name), landlord: environment.config.landlord)
            if keep {
                FileHandle.standardError.write(Data("The scratch database is kept: \(cluster.psqlCommand(database: name))\n".utf8))
                dropAction = nil
            } else {
                dropAction = { _ = try? admin.execute("DROP DATABASE IF EXISTS \(unescaped: admin.quoteIdentifier(name)) WITH (FORCE)") }
            }
        } else {
            throw RunError(.badInput, "a rehearsal never loads into the live database: give an empty scratch database with --scratch-url")
        }
    }

    func drop() { dropAction?() }
}
