import Foundation
import HousingFinance
import Postgres

/// Starts any job by its name and parameters, through the run framework: what the scheduler and
/// `hub jobs run` use. Each job of the hub has a case here.
public struct JobLauncher: Sendable {
    public let runner: Runner
    public let config: HubConfig
    /// Accounts each run reads, charges and posts at a time (`RentDebitJob.accountsPerChunk`).
    public var accountsPerChunk = RentDebitJob.defaultAccountsPerChunk

    public init(runner: Runner, config: HubConfig) {
        self.runner = runner
        self.config = config
    }

    /// The jobs the launcher knows.
    public static let jobNames = [RentDebitJob.name, PaymentImportJob.name, GLExportJob.name, CouncilTaxExportJob.name, SalesOrderReviewJob.name, ArrearsReviewJob.name]
        + DirectDebitRuns.jobNames

    /// Runs every run a job needs for a business date and returns their records: the rent debit
    /// posts every week not yet posted up to the week of the business date, oldest first.
    /// - Throws: `RunError` for an unknown job or a refusal; the job's own errors.
    public func launch(
        job name: String, parameters: [String: String], businessDate: Day, slot: String? = nil, preview: Bool = false,
        beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> [RunRecord] {
        if JobParameters.accepted[name] != nil {
            if let problem = JobParameters.problems(job: name, parameters: parameters).first { throw RunError(.badInput, problem) }
        }
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
        case DDCollectionJob.name, DDNoticesJob.name:
            return try DirectDebitRuns(runner: runner, config: config)
                .launch(job: name, parameters: parameters, businessDate: businessDate, slot: slot, preview: preview, beforeCommit: beforeCommit)
        case ArrearsReviewJob.name:
            return [try ArrearsRuns(runner: runner, config: config).review(on: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit).record]
        default:
            throw RunError(.badInput, "there is no job '\(name)' (jobs: \(JobLauncher.jobNames.joined(separator: ", ")))")
        }
    }
}

/// The parameters each job takes, by name, and what a value must be: anything else is refused by
/// name (`hub jobs run ... --param`, and the `parameters` of a job file), so that a misspelt
/// parameter never runs the job as if it were not given.
public enum JobParameters {
    public enum Kind: Sendable {
        /// A date `YYYY-MM-DD`.
        case date
        /// A month `YYYY-MM`.
        case month
        /// A file's path, not empty.
        case path

        var wording: String {
            switch self {
            case .date: return "a date YYYY-MM-DD"
            case .month: return "a month YYYY-MM"
            case .path: return "a file's path"
            }
        }

        func accepts(_ value: String) -> Bool {
            switch self {
            case .date: return Day(iso: value) != nil
            case .month:
                let parts = value.split(separator: "-", omittingEmptySubsequences: false)
                guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let month = Int(parts[1]) else { return false }
                return Day(year: year, month: month, day: 1) != nil
            case .path: return !value.trimmingCharacters(in: .whitespaces).isEmpty
            }
        }
    }

    /// Each job's parameters.
    public static let accepted: [String: [String: Kind]] = [
        RentDebitJob.name: ["week": .date],
        PaymentImportJob.name: [:],
        GLExportJob.name: ["period": .month, "through": .date],
        CouncilTaxExportJob.name: [:],
        SalesOrderReviewJob.name: ["file": .path],
    ]

    /// What is wrong with a job's parameters, one sentence each (none: they are right). A job the
    /// hub does not know has no problems here (it is refused as unknown where it is run).
    public static func problems(job: String, parameters: [String: String]) -> [String] {
        guard let accepted = accepted[job] else { return [] }
        let takes = accepted.isEmpty ? "it takes none" : "it takes " + accepted.keys.sorted().joined(separator: ", ")
        var problems: [String] = []
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            let shown = value.count > 40 ? String(value.prefix(40)) + "..." : value
            guard let kind = accepted[name] else {
                problems.append("\(job) has no parameter '\(name.prefix(40))' (\(takes))")
                continue
            }
            if !kind.accepts(value) { problems.append("parameter \(name) of \(job): '\(shown)' is not \(kind.wording)") }
        }
        if job == GLExportJob.name, parameters["period"] != nil, parameters["through"] != nil {
            problems.append("\(job) takes period or through, not both")
        }
        return problems
    }
}

/// Posting rent debit weeks in order.
public struct RentDebitRuns: Sendable {
    public let runner: Runner
    public let config: HubConfig
    /// Accounts each run reads, charges and posts at a time (`RentDebitJob.accountsPerChunk`).
    public var accountsPerChunk = RentDebitJob.defaultAccountsPerChunk

    public init(runner: Runner, config: HubConfig) {
        self.runner = runner
        self.config = config
    }

    /// The job for one week, configured.
    public func job(for week: RentWeek) -> RentDebitJob {
        var job = RentDebitJob(week: week, calendar: config.rentCalendar, goLive: config.goLive, adjustmentCode: config.adjustmentCode)
        job.accountsPerChunk = accountsPerChunk
        return job
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
    /// shows only the first unposted week (later weeks depend on it being posted). When every
    /// week up to `through` is posted already, the differences that back-dated changes made to
    /// those weeks are posted now, in an adjustments run (none when nothing changed).
    @discardableResult
    public func postThrough(
        _ through: RentWeek, businessDate: Day, preview: Bool = false, slot: String? = nil,
        beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> [RunOutcome<RentDebitJob.Report>] {
        var outcomes: [RunOutcome<RentDebitJob.Report>] = []
        let weeks = try unpostedWeeks(through: through)
        for week in weeks {
            outcomes.append(try runner.run(job(for: week), businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit))
            if preview { break }
        }
        if weeks.isEmpty, through >= RentWeek(containing: config.goLive),
           let adjustments = try adjust(through: through, businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit)
        {
            outcomes.append(adjustments)
        }
        return outcomes
    }

    /// Posts, for weeks up to `through` (posted already), the differences that back-dated
    /// changes made: an adjustments run. Nil when no account is marked or none would change.
    public func adjust(
        through: RentWeek, businessDate: Day, preview: Bool = false, slot: String? = nil,
        beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> RunOutcome<RentDebitJob.Report>? {
        let connection = try runner.database.connect()
        guard try connection.queryOne("SELECT 1 FROM rent_recalc LIMIT 1") != nil else { return nil }
        let pending = try RentDebitJob.pendingAdjustments(
            on: connection, calendar: config.rentCalendar, goLive: config.goLive, adjustmentCode: config.adjustmentCode, through: through)
        guard let pending, pending.entries > 0 else { return nil }
        let earlier = try connection.queryOne(
            "SELECT count(*) FROM runs WHERE job = $1 AND business_key LIKE $2 AND status = 'completed'",
            [RentDebitJob.name, through.monday.iso + " adjustments %"])?.decode(Int.self, 0) ?? 0
        var job = RentDebitJob(
            adjustingThrough: through, number: earlier + 1, calendar: config.rentCalendar, goLive: config.goLive, adjustmentCode: config.adjustmentCode)
        job.accountsPerChunk = accountsPerChunk
        return try runner.run(job, on: connection, businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit)
    }
}
