import Foundation
import HousingFinance
import Postgres

/// Agreements collected by Direct Debit (docs/arrears.md, "Agreements by Direct Debit"). An
/// agreement on an account with a live mandate carries its instalment onto the mandate's fixed
/// extra amount, converted to the mandate's frequency (`ArrearsAgreement.instalment(_:from:to:)`);
/// the mandate is amended as `hub dd mandate amend --extra` amends it (a new row under the same
/// instruction, the change in the mandate's history with who made it), so the next `dd-notices`
/// run notifies the new amount and the collection run collects it once the notice is in time
/// (the previous amount until then). When the agreement ends (completed, breached, cancelled or
/// replaced) the extra amount is removed the same way, again with notice.
public enum ArrearsDirectDebit {
    /// What an agreement carried onto a mandate.
    public struct Carried: Codable, Sendable {
        public var mandateId: Int64
        public var previousExtra: Money
        public var extra: Money
        public var frequency: DDFrequency
        /// The first collection that can take the new amount: due when a notice sent on the next
        /// working day is in time.
        public var firstCollection: Day?

        enum CodingKeys: String, CodingKey {
            case mandateId, frequency, firstCollection
            case previousExtra = "previousExtraPence"
            case extra = "extraPence"
        }

        /// In words, for the officer.
        public var words: String {
            "the Direct Debit's extra amount is now \(extra.formatted) \(frequency.rawValue) (was \(previousExtra.formatted)), mandate \(mandateId); "
                + "the payer is told by the next hub run dd-notices and "
                + (firstCollection.map { "the first collection to take it is due \($0.iso)" } ?? "no collection is due within a year")
        }
    }

    /// The account's live mandate, if it has one.
    public static func liveMandate(account: String, db: Connection) throws -> Mandate? {
        try MandateStore.open(account: account, on: db).flatMap { $0.status == "live" ? $0 : nil }
    }

    /// The extra amount an agreement puts on a mandate: its instalment at the mandate's frequency.
    public static func extra(for agreement: ArrearsAgreement, on mandate: Mandate) -> Money {
        ArrearsAgreement.instalment(agreement.instalment, from: agreement.frequency, to: ArrearsAgreement.Frequency(rawValue: mandate.frequency.rawValue) ?? .monthly)
    }

    /// Carries an agreement's instalment onto the account's live mandate (an amendment of its extra amount).
    /// - Parameters:
    ///   - today: the day it is done (the notice can go with the next working day's run).
    ///   - runId: the run making the change, if any.
    static func carry(
        agreementId: Int64, account: String, agreement: ArrearsAgreement, mandate: Mandate, today: Day, config: DirectDebitConfig,
        runId: Int64? = nil, db: Connection
    ) throws -> Carried {
        let extra = extra(for: agreement, on: mandate)
        let reason = "arrears agreement \(agreementId): \(agreement.instalment.formatted) \(agreement.frequency.rawValue) "
            + "from \(agreement.start.iso) collected as an extra \(extra.formatted) \(mandate.frequency.rawValue)"
        let amended = try MandateStore(config: config).amendInTransaction(account: account, MandateAmendment(extra: extra, reason: reason), runId: runId, on: db)
        return Carried(
            mandateId: amended.id, previousExtra: Money(pence: mandate.extraPence), extra: extra, frequency: mandate.frequency,
            firstCollection: try firstCollection(amended, from: max(agreement.start, today), today: today, config: config, db: db))
    }

    /// Removes the extra amount an ended agreement carried (with notice, as any changed amount).
    /// - Returns: the amended mandate, or nil when the account has no open mandate or no extra.
    @discardableResult
    static func release(account: String, why: String, runId: Int64? = nil, config: DirectDebitConfig, db: Connection) throws -> Mandate? {
        guard let mandate = try MandateStore.open(account: account, on: db), mandate.extraPence > 0 else { return nil }
        return try MandateStore(config: config).amendInTransaction(account: account, MandateAmendment(extra: .zero, reason: why), runId: runId, on: db)
    }

    /// The first collection of a mandate due on or after `from` whose advance notice, sent on the
    /// working day after `today`, is in time.
    static func firstCollection(_ mandate: Mandate, from: Day, today: Day, config: DirectDebitConfig, db: Connection) throws -> Day? {
        let noticeDay = config.calendar.holidays.addingWorkingDays(1, to: today)
        return try DDSchedules(config: config).schedule(mandate, on: db).collections(from: from, through: from + 400).first {
            config.calendar.holidays.addingWorkingDays(-config.noticeWorkingDays, to: $0.due) >= noticeDay
        }?.due
    }

    /// The collections of the account's live mandate from `from`, entered by `through`, each with
    /// the amount the collection run takes (the computed amount when it was notified in time, the
    /// previous amount notified otherwise, nothing when none was): what an agreement collected by
    /// Direct Debit expects. Nil when the account has no live mandate.
    static func collections(account: String, from: Day, through: Day, config: DirectDebitConfig, db: Connection) throws -> [(day: Day, amount: Money)]? {
        guard let mandate = try liveMandate(account: account, db: db) else { return nil }
        let notices = try DDSchedules.notices(mandateId: mandate.id, on: db)
        return try DDSchedules(config: config).schedule(mandate, on: db).collections(from: from, through: through)
            .filter { $0.entryDay <= through }
            .map { collection in
                let decision = DDAmountDecision.decide(
                    computed: collection.amount, due: collection.due, notices: notices, workingDays: config.noticeWorkingDays, calendar: config.calendar)
                return (collection.entryDay, decision.amount)
            }
    }
}
