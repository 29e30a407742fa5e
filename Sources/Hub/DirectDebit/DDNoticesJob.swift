import Foundation
import HousingFinance
import InterfaceFiles
import Postgres

/// `hub run dd-notices --date D`: the advance notices due. For every pending or live mandate, the
/// collections due after D within the horizon (`notice-horizon-days`) are computed; the first
/// whose amount differs from the amount last notified for it (or that has none, a new mandate)
/// gets a notice: account, payer, new amount, first date, frequency. The notices are recorded
/// (sent on D) and written as one CSV for the council's mail provider, delivered like every
/// outbound file. A collection run collects a new amount only when its notice was sent at least
/// `advance-notice-working-days` working days before.
public struct DDNoticesJob: Job {
    public static let name = "dd-notices"
    public static let reversal = ReversalRule.never("its notices have gone to the mail provider")

    public let date: Day
    public let config: DirectDebitConfig

    public init(date: Day, config: DirectDebitConfig) {
        self.date = date
        self.config = config
    }

    public var businessKey: String { date.iso }
    public var parameters: [String: String] { ["date": date.iso, "horizon-days": String(config.noticeHorizonDays)] }

    public struct Report: JobReport {
        public var date: Day
        public var through: Day
        public var mandatesChecked: Int
        public var notices: Int
        public var fileName: String?
        public var sequence: Int64?
        public var warnings: [String]

        public var counts: [String: Int] { ["mandates checked": mandatesChecked, "notices": notices, "files": fileName == nil ? 0 : 1] }

        public func render() -> String {
            var text = "Direct Debit advance notices on \(date.iso), for collections due up to \(through.iso)\n"
            text += "  Mandates checked: \(Wording.number(mandatesChecked)); notices due: \(Wording.number(notices))\n"
            if let fileName, let sequence { text += "  File dd-notices #\(sequence): \(fileName)\n" } else { text += "  No notice is due: no file was made.\n" }
            for warning in warnings { text += "  warning: \(warning)\n" }
            return text
        }
    }

    public func run(in context: RunContext) throws -> Report {
        let db = context.connection
        let through = date + config.noticeHorizonDays
        let schedules = DDSchedules(config: config)
        let mandates = try db.query(
            "SELECT \(unescaped: Mandate.columns) FROM dd_mandates m JOIN rent_accounts a ON a.id = m.account_id WHERE m.status IN ('pending', 'live') ORDER BY a.account_ref"
        ).map(Mandate.init)
        var notices: [DDNoticeWriter.Notice] = []
        for mandate in mandates {
            let sent = try DDSchedules.notices(mandateId: mandate.id, on: db)
            for collection in try schedules.schedule(mandate, on: db).collections(from: date + 1, through: through) where collection.amount > .zero {
                let inForce = sent.filter { $0.firstDate <= collection.due }.max { ($0.firstDate, $0.sentOn) < ($1.firstDate, $1.sentOn) }
                if inForce?.amount == collection.amount { continue }
                if sent.contains(where: { $0.amount == collection.amount && $0.firstDate == collection.due }) { break }
                try db.execute(
                    "INSERT INTO dd_notices (mandate_id, amount_pence, first_date, sent_on, run_id) VALUES (\(mandate.id), \(collection.amount), \(collection.due), \(date), \(context.runId))")
                notices.append(DDNoticeWriter.Notice(
                    account: mandate.accountRef, payerName: mandate.payerName, reference: mandate.reference, newAmount: collection.amount,
                    previousAmount: inForce?.amount, firstDate: collection.due, frequency: mandate.frequency, collectionDay: mandate.collectionDayText))
                break
            }
        }
        var report = Report(date: date, through: through, mandatesChecked: mandates.count, notices: notices.count, warnings: [])
        guard !notices.isEmpty else { return report }
        let file = try OutboundFile.store(interface: config.noticesInterface, in: context) { sequence in
            let name = ExportsConfig.fileName(config.noticesFileNamePattern, ["sequence": sixDigits(sequence), "date": date.compactISO])
            let bytes: [UInt8]
            do { bytes = try DDNoticeWriter(serviceUserNumber: config.serviceUserNumber).write(notices) } catch {
                throw RunError(.badInput, "the notices cannot be written: \(error)")
            }
            return (name, bytes, ["notices": String(notices.count), "date": date.iso])
        }
        report.fileName = file.fileName
        report.sequence = file.sequence
        return report
    }
}
