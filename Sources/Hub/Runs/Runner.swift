import Foundation
import HousingFinance
import Logging
import Postgres

/// The result of a run: its record and its report. A preview's record was rolled back with it.
public struct RunOutcome<Report: JobReport>: Sendable {
    public var record: RunRecord
    public var report: Report
    /// True for a dry run: nothing was kept.
    public var isPreview: Bool

    /// The report as people read it, marked when it is a preview, with the money posted to the
    /// ledger by transaction code.
    public func render() -> String {
        var text = ""
        if isPreview { text += "PREVIEW (dry run): nothing has been posted.\n" }
        text += "Run \(record.id): \(record.job) \(record.displayKey), \(isPreview ? "previewed" : record.status) by \(record.operator)\n"
        text += report.render()
        if !record.totals.isEmpty {
            text += "\nPosted to the ledger by code:\n" + RunRecord.totalsTable(record.totals).render(indent: 2)
        }
        return text
    }
}

/// The run framework: every job goes through it. A run has an identity (job + business key);
/// posts all or nothing in one transaction; can be previewed (the same code, rolled back); is
/// recorded with operator, host, times, counts, totals and warnings; and a failed run is
/// recorded too and may be run again.
///
/// Two processes starting the same run at the same moment: the second is refused at once
/// (`RunError.inProgress`); it never waits and never runs twice.
public struct Runner: Sendable {
    public let database: HubDatabase
    public let host: String
    public let logger: Logger

    public init(database: HubDatabase, host: String, logger: Logger) {
        self.database = database
        self.host = host
        self.logger = logger
    }

    /// Runs a job.
    /// - Parameters:
    ///   - job: the job and its parameters.
    ///   - businessDate: the run's business date (`--as-of`).
    ///   - preview: run the same code and roll it back.
    ///   - slot: the scheduler's slot, when the scheduler fired it.
    ///   - beforeCommit: a last check inside the transaction (the scheduler's lease fence).
    /// - Throws: `RunError` for refusals; the job's own errors after recording the failure.
    @discardableResult
    public func run<J: Job>(
        _ job: J, businessDate: Day, preview: Bool = false, slot: String? = nil,
        beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> RunOutcome<J.Report> {
        let connection = try database.connect()
        return try run(job, on: connection, businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit)
    }

    /// Runs a job on a given connection (which must not be in a transaction).
    @discardableResult
    public func run<J: Job>(
        _ job: J, on connection: Connection, businessDate: Day, preview: Bool = false, slot: String? = nil,
        beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> RunOutcome<J.Report> {
        var logger = self.logger
        logger[metadataKey: "job"] = "\(J.name)"
        logger[metadataKey: "key"] = "\(job.businessKey)"
        let parametersJSON = try HubJSON.text(job.parameters)
        do {
            try connection.execute("BEGIN")
            let key = try connection.landlordLockKey("run \(J.name) \(job.businessKey)")
            guard try connection.tryAdvisoryTransactionLock(key) else {
                throw RunError(.inProgress, "\(J.name) \(job.businessKey) is being run by another process right now; try again when it has finished")
            }
            if let earlier = try connection.queryOne(
                "SELECT id, finished_at, operator FROM runs WHERE job = $1 AND business_key = $2 AND status = 'completed' AND reversed_by_run_id IS NULL",
                [J.name, job.businessKey])
            {
                let id = try earlier.decode(Int64.self, 0)
                throw RunError(
                    .alreadyCompleted,
                    "\(J.name) \(job.businessKey) was already completed by run \(id) (at \(try earlier.decode(Date?.self, 1).map(Timestamp.text) ?? "?") by \(earlier.text(2) ?? "?")); it will not run twice. \(try ReversalJob.rerunAdvice(runId: id, on: connection, again: "run again"))",
                    runId: id)
            }
            let runId = try connection.queryOne(
                "SELECT hub_run_start($1, $2, $3, $4::jsonb, $5, $6)",
                [J.name, job.businessKey, businessDate, parametersJSON, host, slot])!.decode(Int64.self, 0)
            logger[metadataKey: "run"] = "\(runId)"
            logger.info("run started", metadata: ["preview": "\(preview)"])
            let context = RunContext(connection: connection, database: database, runId: runId, businessDate: businessDate, isPreview: preview, logger: logger)
            let report = try job.run(in: context)
            if let input = job.inboundFile {
                let keeping = ContinuousClock.now
                try InboundFileStore.store(input, runId: runId, on: connection)
                logger.info("inbound file kept", metadata: ["file_s": "\((ContinuousClock.now - keeping).secondsText)"])
            }
            let reportJSON = try HubJSON.text(report)
            let countsJSON = try HubJSON.text(RunRecord.countLabels(report.counts))
            let warningsJSON = try HubJSON.text(report.warnings)
            // Completes the run, its totals and its seal (the ledger's hash chain, `hub db verify`).
            let completing = ContinuousClock.now
            try connection.execute(
                "SELECT hub_run_complete($1, $2::jsonb, $3::jsonb, $4::jsonb, $5)", [runId, countsJSON, warningsJSON, reportJSON, report.render()])
            let record = try RunRecord.find(runId, on: connection)!
            if preview {
                try connection.execute("ROLLBACK")
                logger.info("run previewed and rolled back")
            } else {
                try beforeCommit?(connection)
                // The run's row counts reach the statistics collector as soon as the session is
                // idle after the COMMIT (not up to a second later), so that `analyseAfterPost`
                // counts them and its analysis is not followed by them again.
                try connection.execute("SELECT pg_stat_force_next_flush()")
                try connection.execute("COMMIT")
                logger.info("run completed", metadata: [
                    "warnings": "\(report.warnings.count)", "complete_s": "\((ContinuousClock.now - completing).secondsText)",
                ])
                analyseAfterPost(on: connection, logger: logger)
            }
            return RunOutcome(record: record, report: report, isPreview: preview)
        } catch {
            if connection.isHealthy { _ = try? connection.execute("ROLLBACK") }
            if let refusal = error as? RunError {
                logger.notice("run refused", metadata: ["reason": "\(refusal.message)"])
                throw refusal
            }
            if let postgres = error as? PostgresError, postgres.isUniqueViolation, postgres.message.contains("runs_identity_once") {
                throw RunError(.alreadyCompleted, "\(J.name) \(job.businessKey) was completed by another process at the same moment")
            }
            logger.error("run failed", metadata: ["error": "\(Self.errorText(error))"])
            if !preview { recordFailure(J.name, job, businessDate: businessDate, slot: slot, parametersJSON: parametersJSON, error: error) }
            throw error
        }
    }

    /// Brings the statistics of the tables a completed run posted to up to date when it posted a
    /// large share of them (`hub_analyse_after_post()`, migration 0032: at least 1,000 rows and
    /// more than a tenth of a table), so that the next jobs plan on real figures rather than on
    /// the planner's guess for the landlord's policy on an unanalysed table. After the commit, in
    /// a statement of its own: the run's rows are counted and its locks are not held longer.
    /// A role not granted the function (the income team's: small posts) leaves it to autovacuum;
    /// a failure here is logged and never undoes the completed run.
    private func analyseAfterPost(on connection: Connection, logger: Logger) {
        do {
            let analysing = ContinuousClock.now
            let analysed = try connection.queryOne(
                "SELECT hub_analyse_after_post() WHERE has_function_privilege('hub_analyse_after_post()', 'EXECUTE')"
            )?.decode(PostgresArray.self, 0).elements.compactMap { $0 } ?? []
            if !analysed.isEmpty {
                logger.info("statistics brought up to date", metadata: [
                    "tables": "\(analysed.joined(separator: ", "))", "statistics_s": "\((ContinuousClock.now - analysing).secondsText)",
                ])
            }
        } catch {
            logger.warning("could not bring the statistics up to date", metadata: ["error": "\(error)"])
        }
    }

    /// The longest error kept in `runs.error` and the log, in characters. Every value an error
    /// quotes is short (`Wording.shortQuote`); this bounds a refusal that lists many problems.
    static let maxErrorCharacters = 64_000

    /// An error as `runs.error` and the log keep it: its text, cut short past `maxErrorCharacters`.
    static func errorText(_ error: any Error) -> String {
        let text = "\(error)"
        guard text.utf8.count > maxErrorCharacters, text.count > maxErrorCharacters else { return text }
        return String(text.prefix(maxErrorCharacters)) + "… (cut short: \(Wording.count(text.count, "character")) in all)"
    }

    /// Records a failed run in a transaction of its own, so that the failure is visible in
    /// `hub runs list` while nothing of the run itself was kept.
    private func recordFailure<J: Job>(_ name: String, _ job: J, businessDate: Day, slot: String?, parametersJSON: String, error: any Error) {
        do {
            let connection = try database.connect()
            try connection.execute(
                "SELECT hub_run_failed($1, $2, $3, $4::jsonb, $5, $6, $7)",
                [name, job.businessKey, businessDate, parametersJSON, host, slot, Self.errorText(error)])
        } catch {
            logger.error("could not record the failed run", metadata: ["error": "\(error)"])
        }
    }
}

extension String {
    /// The text padded on the left with spaces to a width.
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
