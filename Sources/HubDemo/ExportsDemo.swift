import Foundation
import Hub
import HousingFinance
import Postgres

/// The exports' part of `hub demo`: runs the general-ledger export and the council tax export on
/// the demo council and says where the files are and what their control totals are.
public enum ExportsDemo {
    /// Runs both exports for the business date (the general-ledger journal takes every posting not
    /// yet exported dated up to it; council tax every due change not yet sent), delivers the files
    /// to the outbox, and returns the text to print.
    /// - Parameters:
    ///   - runner: the demo database's runner.
    ///   - config: the hub's configuration (`Config/exports.yaml` and the financial map beside hub.yaml).
    ///   - businessDate: the demo's business date.
    /// - Throws: `ConfigError` for bad export settings; `RunError` when an export is refused
    ///   (an unmapped code, say); database errors.
    public static func run(runner: Runner, config: HubConfig, businessDate: Day) throws -> String {
        let settings = try ExportsConfig.load(config)
        let db = try runner.database.connect()
        let delivery = OutboundDelivery(outbox: config.outbox)
        try delivery.deliverPending(on: db)
        var text = "Exports on \(businessDate.iso) (outbox \(config.outbox.path)):\n"

        func describe(_ interface: String, _ sequence: Int64?) throws -> String {
            guard let sequence, let file = try OutboundFile.find(interface: interface, sequence: sequence, on: db) else { return "" }
            let totals = file.controlTotalsText.map { "\($0.key) \($0.value)" }.joined(separator: "; ")
            return "  File: \(file.deliveredPath ?? file.fileName)\n  Control totals: \(totals)\n"
        }

        do {
            let gl = try runner.run(GLExportJob(through: businessDate, settings: settings.gl), businessDate: businessDate)
            try delivery.deliverPending(on: db)
            text += gl.report.render() + (try describe(settings.gl.interface, gl.report.sequence))
        } catch let error as RunError where error.code == .alreadyCompleted {
            text += "General-ledger export through \(businessDate.iso): already done (\(error.message))\n"
        }
        do {
            let tax = try runner.run(CouncilTaxExportJob(asOf: businessDate, settings: settings.councilTax), businessDate: businessDate)
            try delivery.deliverPending(on: db)
            text += tax.report.render() + (try describe(settings.councilTax.interface, tax.report.sequence))
        } catch let error as RunError where error.code == .alreadyCompleted {
            text += "Council tax export as of \(businessDate.iso): already done (\(error.message))\n"
        }
        text += "List them with `hub exports list`; show one with `hub exports show SEQ --interface NAME`.\n"
        return text
    }

    /// The same, with the signature of the other demos: the exports read no input files, so
    /// `directory` is not used (the files go to the outbox).
    public static func run(runner: Runner, config: HubConfig, businessDate: Day, directory: URL) throws -> String {
        try run(runner: runner, config: config, businessDate: businessDate)
    }
}
