import BankFiles
import Foundation
import HousingFinance
import Postgres

/// Imports payment files through the run framework: what `hub import` and the inbox use.
public struct PaymentImporter: Sendable {
    public let runner: Runner
    public let config: HubConfig
    public let settings: PaymentSettings

    public init(runner: Runner, config: HubConfig, settings: PaymentSettings) {
        self.runner = runner
        self.config = config
        self.settings = settings
    }

    /// Reads the configuration's `payments.yaml` too.
    /// - Throws: `ConfigError` naming the file and key.
    public init(runner: Runner, config: HubConfig) throws {
        self.init(runner: runner, config: config, settings: try PaymentSettings.load(for: config))
    }

    /// Imports one file.
    /// - Parameters:
    ///   - file: the file.
    ///   - format: its format, or nil to detect it from its content.
    ///   - businessDate: the run's business date.
    ///   - preview: read, match and report, and roll everything back.
    /// - Throws: `RunError.alreadyCompleted` for a file imported before (naming the earlier run
    ///   and its date); `RunError.badInput` for a file that cannot be read, naming the file and
    ///   the position (nothing is posted).
    public func importFile(
        _ file: URL, format: PaymentFormat?, businessDate: Day, preview: Bool = false, slot: String? = nil,
        beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> RunOutcome<PaymentImportReport> {
        let job: PaymentImportJob
        do { job = try PaymentImportJob(url: file, format: format, settings: settings, scheme: config.accountScheme) } catch {
            throw RunError(.badInput, "\(file.path): cannot read the file: \(error.localizedDescription)")
        }
        return try run(job, businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit)
    }

    /// Runs an import job, refusing a file imported before with the earlier run's name and date.
    public func run(
        _ job: PaymentImportJob, businessDate: Day, preview: Bool = false, slot: String? = nil, beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> RunOutcome<PaymentImportReport> {
        let connection = try runner.database.connect()
        if let earlier = try connection.queryOne(
            """
            SELECT r.id, r.business_date, COALESCE(f.file_name, r.parameters->>'file'), r.finished_at
            FROM runs r LEFT JOIN payment_files f ON f.run_id = r.id
            WHERE r.job = $1 AND r.business_key = $2 AND r.status = 'completed' AND r.reversed_by_run_id IS NULL
            """, [PaymentImportJob.name, job.sha256])
        {
            let id = try earlier.decode(Int64.self, 0)
            throw RunError(
                .alreadyCompleted,
                "\(job.fileName) was already imported by run \(id) on \(try earlier.decode(Day.self, 1).iso) (as \(earlier.text(2) ?? "?"), at \(try earlier.decode(Date?.self, 3).map(Timestamp.text) ?? "?")): the same content (SHA-256 \(Wording.shortHash(job.sha256))) is never imported twice. \(try ReversalJob.rerunAdvice(runId: id, on: connection, again: "imported again"))",
                runId: id)
        }
        do {
            return try runner.run(job, on: connection, businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit)
        } catch let error as FileReadError {
            throw RunError(.badInput, "\(error.description)\nNothing was posted from \(job.fileName).")
        } catch let error as PostgresError where error.isUniqueViolation && error.message.contains("payment_entries_once") {
            // Another import (of a different file carrying some of the same payments) posted them
            // while this one ran: each payment is posted once, so this run was rolled back whole.
            throw RunError(
                .inProgress,
                "\(job.fileName): some of its payments were being imported from another file at the same moment, and that import posted them first. "
                    + "Nothing was posted from \(job.fileName). Import it again: the payments already posted will be skipped and the rest posted.")
        }
    }
}
