import ArgumentParser
import HousingFinance
import Hub

struct DbCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Database schema.", subcommands: [Migrate.self, Verify.self])

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

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the ledger is what its runs sealed: every entry, the running totals and the hash chain (exit 6 if not).")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let result = try LedgerVerification.verify(on: try environment.database.connect())
                if global.json {
                    try printJSON(result)
                } else {
                    print(result.render(), terminator: "")
                }
                if !result.isIntact { throw ExitCode(ExitStatus.integrity) }
            }
        }
    }
}
