import BankFiles
import Foundation
import HousingFinance
import Postgres

/// `hub dd advices FILE`: a Bacs ADDACS report (mandate changes from payers' banks) or AUDDIS
/// rejection report acted on, each advice as DOMAIN.md says, in one run keyed by the file's SHA-256:
///
/// | ADDACS | action |
/// | --- | --- |
/// | 0, 1, 2, B | mandate cancelled (no 0C: the bank has cancelled it); account flagged |
/// | 3 | new details given: the mandate is replaced by a new one lodged with 0N; no 0C to the old bank |
/// | C, E | new details given: the mandate is replaced by a new one under the same instruction (no AUDDIS) |
/// | D | advance notice disputed: account flagged |
/// | R | instruction reinstated: the cancelled mandate is live again |
///
/// An AUDDIS rejection marks the mandate failed and flags the account. An advice for a reference
/// with no mandate refuses the file: nothing is changed.
public struct DDAdvicesJob: BacsReportJob {
    public static let name = "dd-advices"
    public static let reversal = ReversalRule.never("mandate changes reported by the banks are acted on, not undone")
    public static let kind = BacsReportKind.advices
    public static let inboundKind = "bacs-advices"

    public let file: BacsReportFile
    public let config: DirectDebitConfig

    public init(file: BacsReportFile, config: DirectDebitConfig) {
        self.file = file
        self.config = config
    }

    public struct Acted: Codable, Sendable, Hashable {
        public var account: String
        public var reason: String
        public var action: String
        /// The working day by which the change had to be acted on (three working days after it took effect).
        public var dueBy: Day?
    }

    public struct Report: JobReport {
        public var file: String
        public var report: String
        public var advices: [Acted]
        public var warnings: [String]

        public var counts: [String: Int] { ["advices": advices.count] }

        public func render() -> String {
            var text = "\(report) report \(file): \(Wording.count(advices.count, "advice"))\n"
            var table = TextTable([.init("Account"), .init("Reason"), .init("Action"), .init("Act by")])
            for a in advices { table.add([a.account, a.reason, a.action, a.dueBy?.iso ?? ""]) }
            text += table.render(indent: 2)
            for warning in warnings { text += "  warning: \(warning)\n" }
            return text
        }
    }

    public func run(in context: RunContext) throws -> Report {
        let db = context.connection
        var advices: [BacsAdvice] = []
        let header: BacsAdviceReader.Header
        do { header = try BacsAdviceReader(bytes: file.bytes, fileName: fileName).read { advices.append($0) } } catch let error as FileReadError {
            throw RunError(.badInput, "\(error.description); nothing was changed")
        }
        var report = Report(file: fileName, report: header.report.rawValue, advices: [], warnings: [])
        let store = MandateStore(config: config)
        for advice in advices {
            let reference = advice.reference.uppercased()
            guard let mandate = try db.queryOne(
                """
                SELECT \(unescaped: Mandate.columns) FROM dd_mandates m JOIN rent_accounts a ON a.id = m.account_id
                WHERE m.reference = \(reference) ORDER BY (m.status IN ('pending', 'live')) DESC, m.id DESC LIMIT 1
                """).map(Mandate.init)
            else {
                throw RunError(.badInput, "\(fileName): \(advice.position): \(header.report.rawValue) advice for reference \(reference.prefix(18)) matches no mandate of the hub; nothing was changed")
            }
            let effective = advice.effectiveDate ?? header.produced
            let dueBy = config.calendar.holidays.addingWorkingDays(3, to: effective)
            if context.businessDate > dueBy {
                report.warnings.append("\(mandate.accountRef): advice \(advice.reasonCode) effective \(effective.iso) is acted on after \(dueBy.iso), more than three working days later")
            }
            let action: String
            let open = mandate.status == "live" || mandate.status == "pending"
            switch (header.report, advice.reasonCode.uppercased()) {
            case (.auddis, let code):
                if open { try store.setStatus(mandate, "failed", action: "rejected by AUDDIS", reason: "AUDDIS rejection reason \(code)", runId: context.runId, on: db) }
                try flag(mandate: mandate.id, "Direct Debit lodgement rejected by AUDDIS (reason \(code)): get correct details from the payer", context)
                action = "mandate failed; account flagged"
            case (.addacs, "0"), (.addacs, "1"), (.addacs, "2"), (.addacs, "B"):
                if open { try store.setStatus(mandate, "cancelled", action: "cancelled by ADDACS", reason: "ADDACS reason \(advice.reasonCode)", runId: context.runId, on: db) }
                try flag(mandate: mandate.id, "Direct Debit mandate cancelled by the payer's bank (ADDACS \(advice.reasonCode))", context)
                action = "mandate cancelled; account flagged"
            case (.addacs, let code) where ["3", "C", "E"].contains(code):
                guard let sort = advice.newSortCode ?? (code == "E" ? advice.sortCode : nil),
                      let number = advice.newAccountNumber ?? (code == "E" ? advice.accountNumber : nil)
                else {
                    throw RunError(.badInput, "\(fileName): \(advice.position): ADDACS \(code) for \(reference.prefix(18)) gives no new sort code and account number; nothing was changed")
                }
                let replacement = try store.replaceFromBank(
                    mandate, payer: advice.newPayerName ?? mandate.payerName, sortCode: sort, accountNumber: number, lodge: code == "3",
                    reason: "ADDACS reason \(code)", runId: context.runId, on: db)
                action = code == "3" ? "new mandate \(replacement.id) lodged with 0N (no 0C to the old bank)" : "new details recorded as mandate \(replacement.id)"
            case (.addacs, "D"):
                try flag(mandate: mandate.id, "Direct Debit advance notice disputed (ADDACS D)", context)
                action = "account flagged"
            case (.addacs, "R"):
                if mandate.status == "cancelled" {
                    try store.setStatus(mandate, "live", action: "reinstated by ADDACS", reason: "ADDACS reason R", runId: context.runId, on: db)
                    action = "mandate live again"
                } else {
                    action = "mandate already \(mandate.status): nothing to reinstate"
                }
            case (.addacs, let code):
                try flag(mandate: mandate.id, "Direct Debit ADDACS advice \(code): investigate", context)
                action = "account flagged to investigate"
            }
            try db.execute(
                """
                INSERT INTO dd_bank_advices (run_id, report, reference, reason_code, mandate_id, effective, action, file_line)
                VALUES (\(context.runId), \(header.report.rawValue), \(reference), \(advice.reasonCode), \(mandate.id), \(advice.effectiveDate), \(action), \(advice.position.line))
                """)
            report.advices.append(Acted(account: mandate.accountRef, reason: "\(header.report.rawValue) \(advice.reasonCode)", action: action, dueBy: dueBy))
        }
        return report
    }
}
