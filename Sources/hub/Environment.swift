import ArgumentParser
import Foundation
import HousingFinance
import Hub
import Logging
import Postgres

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file (default: $HUB_CONFIG, else Config/hub.yaml).")
    var config: String?

    @Flag(name: .long, help: "Print the result as JSON instead of text.")
    var json = false
}

/// Exit codes that scripts can rely on (documented in the README).
enum ExitStatus {
    static let failure: Int32 = 1
    static let badInput: Int32 = 2
    static let duplicate: Int32 = 3
    static let database: Int32 = 4
    static let refused: Int32 = 5
    /// `hub db verify`: the ledger was changed outside the hub.
    static let integrity: Int32 = 6
}

/// The configuration, database and runner a command works with. Only this executable reads the
/// environment (`HUB_CONFIG`, `HUB_DATABASE_URL`,
/// `HUB_ADMIN_DATABASE_URL`).
struct HubEnvironment {
    let config: HubConfig
    let database: HubDatabase
    let runner: Runner
    let logger: Logger
    /// The embedded cluster, when no database is configured.
    let embedded: EmbeddedCluster?

    static func configFile(_ options: GlobalOptions) -> URL {
        let environment = ProcessInfo.processInfo.environment
        if let path = options.config ?? environment["HUB_CONFIG"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: "Config/hub.yaml")
    }

    static func loadConfig(_ options: GlobalOptions) throws -> HubConfig {
        let file = configFile(options)
        let environment = ProcessInfo.processInfo.environment
        if !FileManager.default.isReadableFile(atPath: file.path) {
            let given = options.config != nil ? "--config" : environment["HUB_CONFIG"].map { $0.isEmpty ? nil : "HUB_CONFIG" } ?? nil
            let how = "give the configuration with --config FILE or HUB_CONFIG=FILE (a system-wide install keeps it in /etc/hub/hub.yaml: "
                + "docs/operations.md), or run hub from the project folder, which has Config/hub.yaml"
            if let given {
                throw ConfigError(.unreadable, file: file.path, key: nil, message: "cannot read the configuration named by \(given): check the path and its permissions; \(how)")
            }
            throw ConfigError(
                .unreadable, file: file.path, key: nil,
                message: "no configuration here (\(FileManager.default.currentDirectoryPath) has no Config/hub.yaml): \(how)")
        }
        return try HubConfig.load(file: file, databaseURLOverride: environment["HUB_DATABASE_URL"])
    }

    /// Loads the configuration and opens the database (starting and migrating the embedded
    /// cluster when none is configured).
    /// - Parameters:
    ///   - migrate: bring the embedded cluster's schema up to date first.
    ///   - service: connect as the hub service (`hub serve`) rather than as the person at the terminal.
    static func open(_ options: GlobalOptions, migrate: Bool = true, service: Bool = false) throws -> HubEnvironment {
        LoggingSystem.bootstrapOnce()
        let config = try loadConfig(options)
        var logger = Logger(label: "hub")
        logger.logLevel = ProcessInfo.processInfo.environment["HUB_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        var embedded: EmbeddedCluster?
        let connectionString: String
        if let url = config.databaseURL {
            connectionString = url
        } else {
            let cluster = try EmbeddedCluster.start(in: config.embeddedDirectory)
            embedded = cluster
            let admin = try Connection(cluster.connectionString())
            if try admin.queryOne("SELECT 1 FROM pg_database WHERE datname = 'hub'") == nil {
                try admin.execute("CREATE DATABASE hub")
            }
            connectionString = cluster.connectionString(database: "hub")
        }
        // `hub db migrate` on a server: the administrator's login, when it is not the hub's own.
        var database = HubDatabase(
            connectionString: connectionString, adminConnectionString: ProcessInfo.processInfo.environment["HUB_ADMIN_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 },
            landlord: config.landlord)
        if let embedded {
            // The embedded cluster keeps the same arrangement as a server (docs/security.md): the
            // superuser migrates as hub_owner; the hub works as the person at the terminal, a login
            // role in the staff roles (the scheduler: hub_service).
            let admin = embedded.connectionString(database: "hub")
            let login = service ? HubDatabase.serviceRole : personRole()
            database = HubDatabase(connectionString: HubDatabase.connectionString(admin, user: login), adminConnectionString: admin, landlord: config.landlord)
            if migrate {
                try database.migrate()
                if !service { try database.ensurePerson(login, roles: ["hub_finance", "hub_payments", "hub_repairs", "hub_income"]) }
            }
        }
        let runner = Runner(database: database, host: ProcessInfo.processInfo.hostName, logger: logger)
        return HubEnvironment(config: config, database: database, runner: runner, logger: logger, embedded: embedded)
    }

    /// The embedded cluster's login role of the person at the terminal: their user name, made a
    /// valid role name, kept apart from the hub's own and PostgreSQL's roles.
    static func personRole() -> String {
        let name = String(ProcessInfo.processInfo.userName.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" }.prefix(40))
        if name.isEmpty || name == "postgres" || name.hasPrefix("hub_") || name.hasPrefix("pg_") || name.first!.isNumber {
            return "person_" + name
        }
        return name
    }

    /// The business date: `--as-of`, else today in the hub's time zone.
    func businessDate(_ asOf: String?) throws -> Day {
        guard let asOf else { return config.today() }
        guard let day = Day(iso: asOf) else { throw ValidationError("--as-of '\(asOf)' is not a date YYYY-MM-DD") }
        return day
    }
}

extension LoggingSystem {
    private static let once: Void = { LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) } }()
    static func bootstrapOnce() { _ = once }
}

/// Runs a command body, printing errors as people read them and exiting with the documented code.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data(("error: " + describe(error) + "\n").utf8))
        throw ExitCode(exitStatus(for: error))
    }
}

func describe(_ error: any Error) -> String {
    if let error = error as? PostgresError, error.isReadOnly { return HubDatabase.readOnlyMessage }
    return String(describing: error)
}

func exitStatus(for error: any Error) -> Int32 {
    switch error {
    case let error as RunError:
        switch error.code {
        case .alreadyCompleted, .inProgress: return ExitStatus.duplicate
        // A run, account, order, file or item that does not exist is bad input: the command
        // named something wrong (README, exit codes).
        case .badInput, .notFound: return ExitStatus.badInput
        default: return ExitStatus.refused
        }
    case is ConfigError: return ExitStatus.badInput
    // The schema's own business rules (HUBnn: history is append-only, a run with allocated
    // suspense cannot be reversed...) are refusals, not database failures.
    case let error as PostgresError where error.sqlState?.hasPrefix("HUB") == true: return ExitStatus.refused
    case is PostgresError, is EmbeddedClusterError: return ExitStatus.database
    default: return ExitStatus.failure
    }
}

/// Asks the person at the terminal to confirm by typing yes. Declined is one answer, whether
/// standard input is not a terminal or the person types anything but yes: nothing is done, and the
/// command exits 5 (refused). `--yes` skips the question.
func confirmOrRefuse(_ question: String) throws {
    guard isatty(STDIN_FILENO) == 1 else {
        FileHandle.standardError.write(Data("Nothing was done: confirm with --yes when not at a terminal.\n".utf8))
        throw ExitCode(ExitStatus.refused)
    }
    print(question + " Type yes to go on: ", terminator: "")
    fflush(nil)
    guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
        print("Nothing was done.")
        throw ExitCode(ExitStatus.refused)
    }
}

/// Prints a value as JSON in the hub's one style (`HubJSON`, docs/json.md), indented.
func printJSON(_ value: some Encodable) throws {
    print(try HubJSON.text(value, pretty: true))
}
