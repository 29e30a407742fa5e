import Foundation
import HousingFinance
import Postgres

/// Starts any job by its name and parameters, through the run framework: what the scheduler and
/// `hub jobs run` use. Each job of the hub has a case here.
public struct JobLauncher: Sendable {
    public let runner: Runner
    public let config: HubConfig

    public init(runner: Runner, config: HubConfig) {
        self.runner = runner
        self.config = config
    }

    /// The jobs the launcher knows.
    public static let jobNames = [RentDebitJob.name, PaymentImportJob.name, GLExportJob.name, CouncilTaxExportJob.name, SalesOrderReviewJob.name, ArrearsReviewJob.name]

    /// Runs every run a job needs for a business date and returns their records: the rent debit
    /// posts every week not yet posted up to the week of the business date, oldest first.
    /// - Throws: `RunError` for an unknown job or a refusal; the job's own errors.
    public func launch(
        job name: String, parameters: [String: String], businessDate: Day, slot: String? = nil, preview: Bool = false,
        beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> [RunRecord] {
        switch name {
        case RentDebitJob.name:
            let through = try parameters["week"].map { text -> RentWeek in
                guard let day = Day(iso: text) else { throw RunError(.badInput, "week '\(text)' is not a date YYYY-MM-DD") }
                return RentWeek(containing: day)
            } ?? RentWeek(containing: businessDate)
            return try RentDebitRuns(runner: runner, config: config)
                .postThrough(through, businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit)
                .map(\.record)
        case PaymentImportJob.name:
            // Each file waiting in the payment inbox, each its own run.
            let outcomes = try PaymentInbox(importer: PaymentImporter(runner: runner, config: config))
                .process(businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit)
            let connection = try runner.database.connect()
            return try outcomes.filter { $0.status == .imported }.compactMap(\.runId).compactMap { try RunRecord.find($0, on: connection) }
        case GLExportJob.name, CouncilTaxExportJob.name:
            return try ExportRuns(runner: runner, config: config)
                .launch(job: name, parameters: parameters, businessDate: businessDate, slot: slot, preview: preview, beforeCommit: beforeCommit)
        case SalesOrderReviewJob.name:
            return try SalesOrderReviewRuns(runner: runner, config: config)
                .launch(parameters: parameters, businessDate: businessDate, slot: slot, preview: preview, beforeCommit: beforeCommit)
        case ArrearsReviewJob.name:
            return [try ArrearsRuns(runner: runner, config: config).review(on: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit).record]
        default:
            throw RunError(.badInput, "there is no job '\(name)' (jobs: \(JobLauncher.jobNames.joined(separator: ", ")))")
        }
    }
}

/// Posting rent debit weeks in order.
public struct RentDebitRuns: Sendable {
    public let runner: Runner
    public let config: HubConfig

    public init(runner: Runner, config: HubConfig) {
        self.runner = runner
        self.config = config
    }

    /// The job for one week, configured.
    public func job(for week: RentWeek) -> RentDebitJob {
        RentDebitJob(week: week, calendar: config.rentCalendar, goLive: config.goLive, adjustmentCode: config.adjustmentCode)
    }

    /// The weeks from go-live to `through` that have no completed, unreversed run.
    public func unpostedWeeks(through: RentWeek) throws -> [RentWeek] {
        let connection = try runner.database.connect()
        let posted = Set(try connection.query(
            "SELECT business_key FROM runs WHERE job = $1 AND status = 'completed' AND reversed_by_run_id IS NULL", [RentDebitJob.name]
        ).compactMap { $0.text(0) })
        let first = RentWeek(containing: config.goLive)
        guard first <= through else { return [] }
        return stride(from: first, through: through, by: 1).filter { !posted.contains($0.monday.iso) }
    }

    /// Posts every week not yet posted up to `through`, oldest first, each its own run. A preview
    /// shows only the first unposted week (later weeks depend on it being posted).
    public func postThrough(
        _ through: RentWeek, businessDate: Day, preview: Bool = false, slot: String? = nil,
        beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> [RunOutcome<RentDebitJob.Report>] {
        var outcomes: [RunOutcome<RentDebitJob.Report>] = []
        for week in try unpostedWeeks(through: through) {
            outcomes.append(try runner.run(job(for: week), businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit))
            if preview { break }
        }
        return outcomes
    }
}
