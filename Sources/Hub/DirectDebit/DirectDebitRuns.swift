import Foundation
import HousingFinance
import Postgres

/// Starts the Direct Debit jobs for the command line, the launcher and the scheduler, and delivers
/// their files after commit (a file left undelivered by a crash goes first).
public struct DirectDebitRuns: Sendable {
    public let runner: Runner
    public let config: HubConfig

    public init(runner: Runner, config: HubConfig) {
        self.runner = runner
        self.config = config
    }

    /// The job names.
    public static let jobNames = [DDCollectionJob.name, DDNoticesJob.name]

    /// Runs `dd-collection` for the input day (parameter `date`, else the business date) or
    /// `dd-notices` (as of `date` or the business date).
    /// - Parameter afterCommit: called after the run committed and before its file is delivered
    ///   (the kill tests end the process there).
    /// - Throws: `RunError` for a bad date or a refusal; `ConfigError` for bad settings.
    public func launch(
        job name: String, parameters: [String: String], businessDate: Day, slot: String? = nil, preview: Bool = false,
        beforeCommit: ((Connection) throws -> Void)? = nil, afterCommit: () -> Void = {}
    ) throws -> [RunRecord] {
        try outcomes(job: name, parameters: parameters, businessDate: businessDate, slot: slot, preview: preview, beforeCommit: beforeCommit, afterCommit: afterCommit)
            .map(\.record)
    }

    /// As `launch`, with the reports.
    public func outcomes(
        job name: String, parameters: [String: String], businessDate: Day, slot: String? = nil, preview: Bool = false,
        beforeCommit: ((Connection) throws -> Void)? = nil, afterCommit: () -> Void = {}
    ) throws -> [(record: RunRecord, text: String, report: any JobReport)] {
        let settings = try DirectDebitConfig.load(config)
        let day: Day
        if let text = parameters["date"] {
            guard let parsed = Day(iso: text) else { throw RunError(.badInput, "date '\(text.prefix(20))' is not a date YYYY-MM-DD") }
            day = parsed
        } else {
            day = businessDate
        }
        let delivery = OutboundDelivery(outbox: config.outbox)
        if !preview { try delivery.deliverPending(on: try runner.database.connect()) }
        let result: (record: RunRecord, text: String, report: any JobReport)
        switch name {
        case DDCollectionJob.name:
            let outcome = try runner.run(try DDCollectionJob(inputDay: day, config: settings), businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit)
            result = (outcome.record, outcome.render(), outcome.report)
        case DDNoticesJob.name:
            let outcome = try runner.run(DDNoticesJob(date: day, config: settings), businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit)
            result = (outcome.record, outcome.render(), outcome.report)
        default:
            throw RunError(.badInput, "\(name) is not a Direct Debit job")
        }
        if !preview {
            afterCommit()
            try delivery.deliverPending(on: try runner.database.connect())
        }
        return [result]
    }
}
