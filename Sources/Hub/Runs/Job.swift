import Foundation
import HousingFinance
import Logging
import Postgres

/// What a job's report must offer the run framework: counts and warnings to record, and text for people.
public protocol JobReport: Codable, Sendable {
    /// Counts to record with the run (accounts debited, entries, files...).
    var counts: [String: Int] { get }
    /// Warnings to record with the run and show to the operator.
    var warnings: [String] { get }
    /// The report as people read it.
    func render() -> String
}

/// How a job's runs may be reversed.
public enum ReversalRule: Sendable, Equatable {
    /// Any run may be reversed on its own (an imported file).
    case independent
    /// Runs must be reversed newest first (the rent debit: each week builds on the one before).
    case newestFirst
    /// Runs cannot be reversed, for the reason given (a file already sent to another system).
    case never(String)
}

/// A job that runs through the run framework: one business key, all or nothing, recorded.
public protocol Job: Sendable {
    associatedtype Report: JobReport
    /// The job's name, as in `runs.job` and Jobs/ (`rent-debit`).
    static var name: String { get }
    /// How its runs may be reversed.
    static var reversal: ReversalRule { get }
    /// The run's identity within the job: the rent week, the file's hash, the export's period.
    var businessKey: String { get }
    /// The parameters to record with the run.
    var parameters: [String: String] { get }
    /// Does the work inside the run's transaction, with all SQL on `context.connection`.
    /// - Throws: to roll the whole run back.
    func run(in context: RunContext) throws -> Report
    /// The inbound file the run reads, if any: kept with the run (content and hash, in the run's
    /// transaction) so that the run can be done again from its own input (`hub runs replay`).
    var inboundFile: InboundFile? { get }
}

extension Job {
    public var inboundFile: InboundFile? { nil }
}

/// What a job sees while it runs.
public final class RunContext {
    /// The connection whose transaction holds the run.
    public let connection: Connection
    /// The run's id (its row in `runs`).
    public let runId: Int64
    /// The business date of the run (`--as-of`), never the wall clock.
    public let businessDate: Day
    /// Whether this is a preview that will be rolled back.
    public let isPreview: Bool
    /// The logger, with the run's metadata.
    public let logger: Logger
    /// Where the run's connection came from: a second connection for the run is opened here.
    let database: HubDatabase

    init(connection: Connection, database: HubDatabase, runId: Int64, businessDate: Day, isPreview: Bool, logger: Logger) {
        self.connection = connection
        self.database = database
        self.runId = runId
        self.businessDate = businessDate
        self.isPreview = isPreview
        self.logger = logger
    }
}

extension RunContext {
    /// The application name of a run's snapshot readers (`pg_stat_activity.application_name`).
    public static let snapshotReaderName = "hub reader"

    /// Opens a second connection for the run that reads what the run's transaction saw when it
    /// exported `snapshot` (`pg_export_snapshot()` on `connection`): a read-only REPEATABLE READ
    /// transaction in that snapshot, as the same role for the same landlord (and person), so under
    /// the same row-level security. It sees nothing committed after the export and nothing the run
    /// wrote (uncommitted until the run commits). The caller ends its transaction (`ROLLBACK`)
    /// before the run ends: the export is only valid while the run's transaction is open.
    /// - Throws: when the second session would not be the run's own (another role, landlord or
    ///   person: a run given a connection of its own making), or cannot take the snapshot.
    public func snapshotReader(_ snapshot: String) throws -> Connection {
        guard !snapshot.isEmpty, snapshot.count <= 64, snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw PostgresError(.client, message: "not a snapshot name: \(Wording.shortQuote(snapshot))")
        }
        let session: SQLQuery =
            "SELECT current_user::text, current_setting('hub.landlord', true), current_setting('hub.actor', true), current_setting('row_security')"
        func identity(_ db: Connection) throws -> [String] {
            let row = try db.queryOne(session)!
            return (0..<4).map { row.text($0) ?? "" }
        }
        let reader = try database.connect(applicationName: Self.snapshotReaderName)
        let (run, read) = (try identity(connection), try identity(reader))
        guard run == read else {
            throw PostgresError(.client, message: "the run's second connection is not the run's session: it is \(read) where the run is \(run)")
        }
        try reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try reader.execute("SET TRANSACTION SNAPSHOT '\(unescaped: snapshot)'")
        return reader
    }
}

/// The run framework refused or could not complete a run.
public struct RunError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        /// The same job and key already completed (and was not reversed).
        public static let alreadyCompleted = Code("already-completed")
        /// Another process is running the same job and key right now.
        public static let inProgress = Code("in-progress")
        /// The business rules refuse the run (a week out of order, a run that cannot be reversed).
        public static let refused = Code("refused")
        /// The input is bad (a file, a parameter).
        public static let badInput = Code("bad-input")
        /// No such run.
        public static let notFound = Code("not-found")
    }

    public var code: Code
    public var message: String
    /// The run this is about, where there is one (the earlier completed run, say).
    public var runId: Int64?

    public init(_ code: Code, _ message: String, runId: Int64? = nil) {
        self.code = code
        self.message = message
        self.runId = runId
    }

    public var description: String { message }
}
