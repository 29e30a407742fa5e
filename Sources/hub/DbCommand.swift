import ArgumentParser
import HousingFinance
import Hub

struct DbCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Database schema.", subcommands: [Migrate.self])

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the schema migrations not yet applied (each in a transaction, recorded with a checksum).")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global, migrate: false)
                let report = try environment.database.migrate()
                if global.json {
                    try printJSON(["applied": report.applied, "already_applied": report.alreadyApplied])
                } else {
                    let before = Wording.count(report.alreadyApplied.count, "migration")
                    print(report.applied.isEmpty
                        ? "The schema is up to date (\(before) applied before)."
                        : "Applied: \(report.applied.joined(separator: ", ")) (\(before) applied before).")
                }
            }
        }
    }
}
