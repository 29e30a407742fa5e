import BankFiles
import Foundation
import HousingFinance
import Postgres

/// `hub dd returns FILE`: a Bacs ARUDD report acted on (DOMAIN.md, "Returns (ARUDD)"). Each
/// returned debit is matched to its collection (reference, amount, original processing or entry
/// day), reverses it with `RDN` dated the report's processing day, and records its reason. Reason
/// 0 (refer to payer) is presented again once, with code 18, `after-working-days` after the
/// return and within `within-days` of the original; reasons 1, 2, 5, 6 and B cancel the mandate
/// and flag the account for the income team; the others (3, 4, 7, 8, 9, A...) flag the account to
/// investigate. A return that matches no collection refuses the whole file: nothing is posted.
/// The run's key is the file's SHA-256, so a report is acted on once.
public struct DDReturnsJob: BacsReportJob {
    public static let name = "dd-returns"
    public static let reversal = ReversalRule.never("a return acted on changes mandates and re-presents collections")
    public static let kind = BacsReportKind.returns
    public static let inboundKind = "arudd"

    public let file: BacsReportFile
    public let config: DirectDebitConfig
    /// The payment settings whose Direct Debit settlement signature settles the report's returns
    /// with the statement's debits at once, when the statement was imported first.
    public var paymentSettings: PaymentSettings?

    public init(file: BacsReportFile, config: DirectDebitConfig) {
        self.file = file
        self.config = config
    }

    /// Codes that cancel the mandate.
    static let cancelling: Set<String> = ["1", "2", "5", "6", "B"]

    public struct Returned: Codable, Sendable, Hashable {
        public var account: String
        public var reference: String
        public var amountPence: Int64
        public var reason: String
        public var action: String
    }

    public struct Report: JobReport {
        public var file: String
        public var processingDay: Day?
        public var returns: [Returned]
        public var totalPence: Int64
        /// The statement's returned debits settled with this report's returns in this run.
        public var reconciled: [PaymentImportReport.Reconciled] = []
        public var warnings: [String]

        public var counts: [String: Int] {
            ["returns": returns.count, "re-presentations": returns.filter { $0.action.hasPrefix("re-present") }.count,
             "mandates cancelled": returns.filter { $0.action.hasPrefix("mandate cancelled") }.count]
        }

        public func render() -> String {
            var text = "ARUDD returns from \(file)\(processingDay.map { " (processing day \($0.iso))" } ?? ""): \(Wording.count(returns.count, "return")), \(Money(pence: totalPence).formatted)\n"
            var table = TextTable([.init("Account"), .init("Amount", .right), .init("Reason"), .init("Action")])
            for item in returns { table.add([item.account, Money(pence: item.amountPence).formatted, item.reason, item.action]) }
            text += table.render(indent: 2)
            for match in reconciled {
                text += "  Settles the statement's \(match.provider) debit of \(Money(pence: -match.settlementPence).formatted) on \(match.settlementDate.iso) (\(match.files.joined(separator: " + ")))\n"
            }
            for warning in warnings { text += "  warning: \(warning)\n" }
            return text
        }
    }

    public func run(in context: RunContext) throws -> Report {
        let db = context.connection
        var payments: [Payment] = []
        let totals: FileTotals
        do { totals = try ARUDDReader(bytes: file.bytes, fileName: fileName).read { payments.append($0) } } catch let error as FileReadError {
            throw RunError(.badInput, "\(error.description); nothing was posted")
        }
        var report = Report(file: fileName, processingDay: totals.fileDate, returns: [], totalPence: 0, warnings: [])
        for payment in payments {
            let reference = payment.originalReference ?? payment.reference
            let original = payment.valueDate
            let reason = payment.returnReasonCode ?? "?"
            guard let row = try db.queryOne(
                """
                SELECT c.id, c.mandate_id, c.account_id, c.ledger_entry_id, a.account_ref, c.transaction_code, c.due_date, m.status
                FROM dd_collections c JOIN rent_accounts a ON a.id = c.account_id JOIN dd_mandates m ON m.id = c.mandate_id
                WHERE c.reference = \(reference.uppercased()) AND c.amount_pence = \(payment.amount.pence)
                  AND (\(original)::date IS NULL OR c.processing_day = \(original) OR c.entry_day = \(original))
                  AND NOT EXISTS (SELECT 1 FROM dd_returns r WHERE r.collection_id = c.id)
                  AND NOT EXISTS (SELECT 1 FROM payment_entries p WHERE p.returns_entry_id = c.ledger_entry_id AND NOT p.released)
                ORDER BY c.entry_day DESC, c.id DESC LIMIT 1
                """)
            else {
                throw RunError(
                    .badInput,
                    "\(fileName): \(payment.position): the return of \(payment.amount.formatted) under reference \(reference.prefix(18))\(original.map { " collected on \($0.iso)" } ?? "") matches no Direct Debit collection of the hub (or it was returned already); nothing was posted. Check the report is the council's, or act on this item by hand.")
            }
            let collectionId = try row.decode(Int64.self, 0)
            let mandateId = try row.decode(Int64.self, 1)
            let accountId = try row.decode(Int64.self, 2)
            let account = try row.decode(String.self, 4)
            let code = try row.decode(String.self, 5)
            let due = try row.decode(Day.self, 6)
            let returnedOn = payment.bookingDate
            let entryId = try db.queryOne(
                """
                INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id, description, source_ref, reverses_entry_id)
                VALUES (\(accountId), 'RDN', \(payment.amount.pence), \(returnedOn), \(context.runId),
                        \("Direct Debit returned, reason \(reason)"), \(reference), \(try row.decode(Int64.self, 3)))
                RETURNING id
                """)!.decode(Int64.self, 0)
            var action = "reversed"
            var representOn: Day?
            if reason == "0" {
                let day = config.calendar.holidays.addingWorkingDays(config.representAfterWorkingDays, to: returnedOn)
                if !config.representation {
                    action = "not re-presented (re-presentation is off)"
                } else if code == "18" {
                    action = "already re-presented once: not presented again; account flagged"
                    try flag(mandate: mandateId, "Direct Debit re-presentation returned again (reason 0)", context)
                } else if day > due + config.representWithinDays {
                    action = "too late to re-present (\(day.iso) is more than \(config.representWithinDays) days after \(due.iso)); account flagged"
                    try flag(mandate: mandateId, "Direct Debit returned (reason 0), too late to re-present", context)
                } else {
                    representOn = day
                    action = "re-present on \(day.iso) (code 18)"
                }
            } else if Self.cancelling.contains(reason) {
                let status = try row.decode(String.self, 7)
                if status == "live" || status == "pending" {
                    try db.execute("UPDATE dd_mandates SET status = 'cancelled' WHERE id = \(mandateId)")
                    try db.execute(
                        """
                        INSERT INTO dd_mandate_events (mandate_id, action, old_status, new_status, reason, run_id)
                        VALUES (\(mandateId), 'cancelled by return', \(status), 'cancelled', \("ARUDD reason \(reason) in \(fileName)"), \(context.runId))
                        """)
                }
                action = "mandate cancelled; account flagged for the income team"
                try flag(mandate: mandateId, "Direct Debit mandate cancelled by ARUDD reason \(reason)", context)
            } else {
                action = "account flagged to investigate"
                try flag(mandate: mandateId, "Direct Debit returned with reason \(reason): investigate", context)
            }
            try db.execute(
                """
                INSERT INTO dd_returns (run_id, collection_id, reason_code, reason_text, amount_pence, returned_on, ledger_entry_id, represent_on, file_line)
                VALUES (\(context.runId), \(collectionId), \(reason), \(payment.details), \(payment.amount.pence), \(returnedOn), \(entryId), \(representOn), \(payment.position.line))
                """)
            report.returns.append(Returned(account: account, reference: reference, amountPence: payment.amount.pence, reason: reason, action: action))
            report.totalPence += payment.amount.pence
        }
        if let paymentSettings, paymentSettings.settlements.contains(where: \.settlesDirectDebit) {
            report.reconciled = try SettlementReconciler(settings: paymentSettings, directDebitOnly: true).reconcile(db, runId: context.runId)
        }
        return report
    }
}
