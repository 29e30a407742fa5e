import Foundation
import HousingFinance
import Postgres

/// Starts the exports for the launcher and the scheduler, and delivers their files after commit.
public struct ExportRuns: Sendable {
    public let runner: Runner
    public let config: HubConfig

    public init(runner: Runner, config: HubConfig) {
        self.runner = runner
        self.config = config
    }

    /// Runs `gl-export` (postings through the business date, or the parameter `through`
    /// YYYY-MM-DD, or the parameter `period` YYYY-MM) or `council-tax-export` (as of the business
    /// date), then writes every file not yet delivered to the outbox (not for a preview).
    /// - Throws: `RunError` for a bad parameter or a refusal; `ConfigError` for bad settings.
    public func launch(
        job name: String, parameters: [String: String], businessDate: Day, slot: String? = nil, preview: Bool = false,
        beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> [RunRecord] {
        let settings = try ExportsConfig.load(config)
        let delivery = OutboundDelivery(outbox: config.outbox)
        // A file left undelivered by an earlier crash goes first.
        if !preview { try delivery.deliverPending(on: try runner.database.connect()) }
        let record: RunRecord
        switch name {
        case GLExportJob.name:
            let job: GLExportJob
            if let period = parameters["period"] {
                job = try GLExportJob.period(period, settings: settings.gl)
            } else if let text = parameters["through"] {
                guard let day = Day(iso: text) else { throw RunError(.badInput, "through '\(text)' is not a date YYYY-MM-DD") }
                job = GLExportJob(through: day, settings: settings.gl)
            } else {
                job = GLExportJob(through: businessDate, settings: settings.gl)
            }
            record = try runner.run(job, businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit).record
        case CouncilTaxExportJob.name:
            record = try runner.run(
                CouncilTaxExportJob(asOf: businessDate, settings: settings.councilTax), businessDate: businessDate, preview: preview,
                slot: slot, beforeCommit: beforeCommit
            ).record
        default:
            throw RunError(.badInput, "\(name) is not an export")
        }
        if !preview { try delivery.deliverPending(on: try runner.database.connect()) }
        return [record]
    }
}
