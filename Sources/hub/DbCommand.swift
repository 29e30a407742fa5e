import ArgumentParser
import Foundation
import HousingFinance
import Hub
import Postgres

struct DbCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "The database: its schema, and the embedded cluster's server.",
        subcommands: [Migrate.self, Verify.self, Status.self, Start.self, Stop.self])

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

    /// What `hub db status` reports.
    struct StatusJSON: Encodable {
        var embedded: Bool
        var directory: String?
        var port: Int?
        var exists: Bool?
        var running: Bool
        var connection: String?
        var migrationsApplied: Int?
        /// A configured database's server settings, checked against the rules of docs/scaling.md.
        var server: ServerSettings?

        /// The embedded cluster's status.
        init(_ cluster: EmbeddedCluster, running: Bool, migrationsApplied: Int? = nil) {
            embedded = true
            directory = cluster.directory.path
            port = cluster.port
            exists = EmbeddedCluster.exists(in: cluster.directory)
            self.running = running
            connection = running ? cluster.connectionString(database: "hub") : nil
            self.migrationsApplied = migrationsApplied
        }

        /// A configured database's status.
        init(configuredMigrationsApplied: Int?, server: ServerSettings?) {
            embedded = false
            running = true
            migrationsApplied = configuredMigrationsApplied
            self.server = server
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Whether the database answers: for the embedded cluster, its folder, port, whether it runs, and how to open it with psql.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try reportingErrors {
                let config = try HubEnvironment.loadConfig(global)
                if let url = config.databaseURL {
                    // A configured database: the hub never starts or stops it, only says whether it answers.
                    let connection = try Connection(url)
                    let applied = try connection.queryOne("SELECT count(*) FROM schema_migrations")?.decode(Int.self, 0)
                    // The settings need the schema (the accounts are counted) and the landlord the
                    // configuration names, as every command's session has.
                    var server: ServerSettings?
                    if applied ?? 0 > 0 {
                        let environment = try HubEnvironment.open(global, migrate: false)
                        server = try ServerSettings.read(from: try environment.database.connect())
                    }
                    if global.json {
                        try printJSON(StatusJSON(configuredMigrationsApplied: applied, server: server))
                    } else {
                        print("A database is configured (database.url or HUB_DATABASE_URL) and answers; \(Wording.count(applied ?? 0, "migration")) applied.")
                        print("The hub does not start or stop a configured database: its own service does.")
                        if let server { print(server.render(), terminator: "") }
                    }
                    return
                }
                let cluster = EmbeddedCluster.at(config.embeddedDirectory)
                let exists = EmbeddedCluster.exists(in: cluster.directory)
                let running = cluster.isRunning
                var applied: Int?
                if running, let connection = try? Connection(cluster.connectionString(database: "hub")) {
                    applied = try? connection.queryOne("SELECT count(*) FROM schema_migrations")?.decode(Int.self, 0)
                }
                if global.json {
                    try printJSON(StatusJSON(cluster, running: running, migrationsApplied: applied))
                    return
                }
                print("Embedded cluster: \(cluster.directory.path) (port \(cluster.port))")
                if !exists {
                    print("  not made yet: `hub db start` (or `hub demo`) makes and starts it")
                } else if running {
                    print("  running; \(applied.map { Wording.count($0, "migration") + " applied" } ?? "the hub database is not made yet")")
                    print("  open it with: \(cluster.psqlCommand(database: "hub"))")
                    print("  `hub db stop` stops it")
                } else {
                    print("  stopped: `hub db start` starts it (any hub command does too)")
                }
            }
        }
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the embedded cluster (made if missing) and migrate it; refused when a database is configured.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try reportingErrors {
                try refuseConfiguredDatabase(global, "start")
                let environment = try HubEnvironment.open(global)
                guard let cluster = environment.embedded else { return }
                if global.json {
                    try printJSON(StatusJSON(cluster, running: true))
                } else {
                    print("The embedded cluster is running in \(cluster.directory.path) (port \(cluster.port)), its schema up to date.")
                    print("Open it with: \(cluster.psqlCommand(database: "hub"))")
                }
            }
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop the embedded cluster's server (its data stays; any hub command starts it again); refused when a database is configured.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try reportingErrors {
                try refuseConfiguredDatabase(global, "stop")
                let config = try HubEnvironment.loadConfig(global)
                let cluster = EmbeddedCluster.at(config.embeddedDirectory)
                let wasRunning = cluster.isRunning
                if wasRunning { try cluster.stop() }
                if global.json {
                    try printJSON(StatusJSON(cluster, running: false))
                } else {
                    print(wasRunning
                        ? "Stopped the embedded cluster in \(cluster.directory.path); its data stays (`hub db start` starts it again)."
                        : "The embedded cluster in \(cluster.directory.path) was not running.")
                }
            }
        }
    }
}

/// `hub db start|stop` work on the embedded cluster only: a configured database has its own service.
func refuseConfiguredDatabase(_ global: GlobalOptions, _ verb: String) throws {
    let config = try HubEnvironment.loadConfig(global)
    guard config.databaseURL == nil else {
        throw RunError(.badInput, "hub db \(verb) works on the embedded cluster only; the database configured (database.url or HUB_DATABASE_URL) is \(verb == "start" ? "started" : "stopped") by its own service")
    }
}
