import Foundation
import HousingFinance
import Postgres

/// A case's state beyond the ledger: its stages, pauses, circumstances and agreement.
public struct ArrearsCase: Codable, Sendable {
    public var stage: String?
    public var stageDay: Day?
    public var noticeServed: Day?
    public var noticeExpires: Day?
    public var pausedUntil: Day?
    public var pauseReason: String?
    public var courtDate: Day?
    public var evictionDate: Day?
    public var housingBenefitClaimSince: Day?
    public var agreement: AgreementRecord?

    public init() {}

    /// The pauses that stand on a day.
    public func pauses(on day: Day) -> [Arrears.Pause] {
        var pauses: [Arrears.Pause] = []
        if let agreement, agreement.status == "live", agreement.lastState != .breached, agreement.agreement.start <= day {
            pauses.append(.keptAgreement(since: agreement.agreement.start))
        }
        if let courtDate, courtDate >= day { pauses.append(.courtDate(courtDate)) }
        if let evictionDate, evictionDate >= day { pauses.append(.evictionDate(evictionDate)) }
        if let pausedUntil, pausedUntil >= day { pauses.append(.officer(until: pausedUntil, reason: pauseReason ?? "")) }
        if let since = housingBenefitClaimSince { pauses.append(.housingBenefitClaim(since: since)) }
        return pauses
    }

    public func state(on day: Day) -> Arrears.CaseState {
        Arrears.CaseState(stage: stage, stageDay: stageDay, noticeServed: noticeServed, noticeExpires: noticeExpires, pauses: pauses(on: day))
    }
}

/// An agreement as stored, with its latest recorded state.
public struct AgreementRecord: Codable, Sendable {
    public var id: Int64
    public var accountId: Int64
    public var agreement: ArrearsAgreement
    public var status: String
    public var directDebitExtra: Bool
    public var madeBy: String
    public var lastState: ArrearsAgreement.State?
    public var lastDay: Day?
    /// Collected by Direct Debit: the extra amount carried onto the mandate and its frequency.
    public var directDebitExtraAmount: Money?
    public var directDebitFrequency: String?
    public var endedOn: Day?

    enum CodingKeys: String, CodingKey {
        case id, accountId, agreement, status, directDebitExtra, madeBy, lastState, lastDay, directDebitFrequency, endedOn
        case directDebitExtraAmount = "directDebitExtraPence"
    }

    /// How it is paid, in words.
    public var paymentWords: String {
        guard let extra = directDebitExtraAmount, let frequency = directDebitFrequency else { return "" }
        return "collected by Direct Debit as an extra \(extra.formatted) \(frequency) on the mandate"
    }
}

/// Reading and recording cases: every change records who made it (`session_user`) and is audited.
public enum ArrearsCases {
    /// Every account's case on a day (accounts with nothing recorded are absent).
    public static func load(on day: Day, accountId: Int64? = nil, db: Connection) throws -> [Int64: ArrearsCase] {
        var cases: [Int64: ArrearsCase] = [:]
        let only: SQLQuery = accountId.map { id -> SQLQuery in "AND account_id = \(id)" } ?? ""
        for row in try db.query(
            "SELECT DISTINCT ON (account_id) account_id, stage, action_date FROM arrears_actions WHERE action_date <= \(day) \(only) ORDER BY account_id, id DESC")
        {
            cases[try row.decode(Int64.self, 0), default: ArrearsCase()].stage = try row.decode(String.self, 1)
            cases[try row.decode(Int64.self, 0), default: ArrearsCase()].stageDay = try row.decode(Day.self, 2)
        }
        for row in try db.query(
            """
            SELECT DISTINCT ON (account_id) account_id, notice_served, notice_expires FROM arrears_actions
            WHERE notice_served IS NOT NULL AND notice_served <= \(day) \(only) ORDER BY account_id, id DESC
            """)
        {
            let id = try row.decode(Int64.self, 0)
            cases[id, default: ArrearsCase()].noticeServed = try row.decode(Day.self, 1)
            cases[id, default: ArrearsCase()].noticeExpires = try row.decode(Day?.self, 2)
        }
        for row in try db.query("SELECT DISTINCT ON (account_id) account_id, until, reason FROM arrears_pauses WHERE true \(only) ORDER BY account_id, id DESC") {
            let id = try row.decode(Int64.self, 0)
            cases[id, default: ArrearsCase()].pausedUntil = try row.decode(Day.self, 1)
            cases[id, default: ArrearsCase()].pauseReason = try row.decode(String.self, 2)
        }
        for row in try db.query(
            """
            SELECT DISTINCT ON (account_id, kind) account_id, kind, from_date, to_date FROM arrears_circumstances
            WHERE kind IN ('court-date', 'eviction-date', 'hb-claim') \(only) ORDER BY account_id, kind, id DESC
            """)
        {
            let id = try row.decode(Int64.self, 0)
            let from = try row.decode(Day.self, 2)
            let to = try row.decode(Day?.self, 3)
            switch try row.decode(String.self, 1) {
            case "court-date": if to == nil { cases[id, default: ArrearsCase()].courtDate = from }
            case "eviction-date": if to == nil { cases[id, default: ArrearsCase()].evictionDate = from }
            default: if from <= day && (to.map { $0 >= day } ?? true) { cases[id, default: ArrearsCase()].housingBenefitClaimSince = from }
            }
        }
        for record in try agreements(live: true, accountId: accountId, db: db) {
            cases[record.accountId, default: ArrearsCase()].agreement = record
        }
        return cases
    }

    /// Agreements, newest first: the live ones, or every one of an account.
    public static func agreements(live: Bool, accountId: Int64?, db: Connection) throws -> [AgreementRecord] {
        let only: SQLQuery = accountId.map { id -> SQLQuery in "AND g.account_id = \(id)" } ?? ""
        let status: SQLQuery = live ? "AND g.status = 'live'" : ""
        return try db.query(
            """
            SELECT g.id, g.account_id, g.start_date, g.starting_balance_pence, g.lump_sum_pence, g.instalment_pence, g.frequency, g.status,
                   g.direct_debit_extra, g.made_by, s.state, s.day, g.dd_extra_pence, g.dd_frequency, g.ended_on
            FROM arrears_agreements g
            LEFT JOIN LATERAL (SELECT state, day FROM arrears_agreement_days d WHERE d.agreement_id = g.id ORDER BY day DESC LIMIT 1) s ON true
            WHERE true \(status) \(only) ORDER BY g.id DESC
            """
        ).map { row in
            AgreementRecord(
                id: try row.decode(Int64.self, 0), accountId: try row.decode(Int64.self, 1),
                agreement: ArrearsAgreement(
                    start: try row.decode(Day.self, 2), startingBalance: Money(pence: try row.decode(Int64.self, 3)),
                    lumpSum: Money(pence: try row.decode(Int64.self, 4)), instalment: Money(pence: try row.decode(Int64.self, 5)),
                    frequency: ArrearsAgreement.Frequency(rawValue: try row.decode(String.self, 6)) ?? .weekly),
                status: try row.decode(String.self, 7), directDebitExtra: try row.decode(Bool.self, 8), madeBy: try row.decode(String.self, 9),
                lastState: row.text(10).flatMap(ArrearsAgreement.State.init(rawValue:)), lastDay: try row.decode(Day?.self, 11),
                directDebitExtraAmount: try row.decode(Int64?.self, 12).map(Money.init(pence:)), directDebitFrequency: row.text(13),
                endedOn: try row.decode(Day?.self, 14))
        }
    }

    /// An officer takes a stage (`hub arrears act`). A stage that serves a notice records its
    /// service (the day) and its expiry (`notice-in-force-months` later).
    /// - Throws: `RunError.badInput` for an unknown stage or an empty note.
    @discardableResult
    public static func act(account: String, stage name: String, note: String, on day: Day, config: ArrearsConfig, db: Connection) throws -> (served: Day?, expires: Day?) {
        guard let stage = config.stage(name) else {
            throw RunError(.badInput, "there is no stage '\(name.prefix(30))' in \(ArrearsConfig.fileName) (stages: \(config.stages.map(\.name).joined(separator: ", ")))")
        }
        guard !note.trimmingSpaces.isEmpty else { throw RunError(.badInput, "give a note saying what was done (--note)") }
        let accountId = try ArrearsPositions.accountId(account, on: db)
        let expires = stage.servesNotice ? ArrearsAgreement.addMonths(config.noticeInForceMonths, to: day) : nil
        try db.transaction { db in
            try db.execute(
                """
                INSERT INTO arrears_actions (account_id, stage, action_date, automatic, note, notice_served, notice_expires)
                VALUES (\(accountId), \(stage.name), \(day), false, \(note), \(stage.servesNotice ? day : nil), \(expires))
                """)
            try audit("act", account: account, details: ["stage": stage.name, "note": note, "day": day.iso], db: db)
        }
        return (stage.servesNotice ? day : nil, expires)
    }

    /// An officer pauses a case until a day (`hub arrears pause`); a day in the past lifts a pause.
    public static func pause(account: String, until: Day, reason: String, db: Connection) throws {
        guard !reason.trimmingSpaces.isEmpty else { throw RunError(.badInput, "give the reason for the pause (--reason)") }
        let accountId = try ArrearsPositions.accountId(account, on: db)
        try db.transaction { db in
            try db.execute("INSERT INTO arrears_pauses (account_id, until, reason) VALUES (\(accountId), \(until), \(reason))")
            try audit("pause", account: account, details: ["until": until.iso, "reason": reason], db: db)
        }
    }

    /// Records a circumstance: a court or eviction date, a Housing Benefit or Universal Credit claim
    /// (`to` ends it).
    public static func record(account: String, kind: String, from: Day, to: Day?, note: String, db: Connection) throws {
        let kinds = ["court-date", "eviction-date", "hb-claim", "uc-claim"]
        guard kinds.contains(kind) else { throw RunError(.badInput, "'\(kind.prefix(20))' is not one of \(kinds.joined(separator: ", "))") }
        let accountId = try ArrearsPositions.accountId(account, on: db)
        try db.transaction { db in
            try db.execute(
                "INSERT INTO arrears_circumstances (account_id, kind, from_date, to_date, note) VALUES (\(accountId), \(kind), \(from), \(to), \(note))")
            try audit("record-\(kind)", account: account, details: ["from": from.iso, "to": to?.iso ?? "", "note": note], db: db)
        }
    }

    /// A new agreement, and what it carried onto the Direct Debit.
    public struct Made: Codable, Sendable {
        public var id: Int64
        public var startingBalance: Money
        public var directDebit: ArrearsDirectDebit.Carried?
        /// The extra amount removed from the mandate (a replaced agreement's, when this one is paid separately).
        public var releasedMandateId: Int64?
        enum CodingKeys: String, CodingKey {
            case id, directDebit, releasedMandateId
            case startingBalance = "startingBalancePence"
        }
    }

    /// Makes an agreement (`hub arrears agree`): the starting balance is the account's balance at
    /// the end of the day before the start. A live agreement of the account is replaced (cancelled).
    /// Where the account has a live Direct Debit mandate the instalment is carried onto its extra
    /// amount (converted to the mandate's frequency), unless `paidSeparately`; a replaced
    /// agreement's extra amount is changed or removed. All in one transaction, audited.
    /// - Parameter today: the day it is made (its notice goes with the next working day's `dd-notices`).
    public static func agree(
        account: String, instalment: Money, frequency: ArrearsAgreement.Frequency, start: Day, lumpSum: Money, paidSeparately: Bool = false,
        today: Day, directDebit: DirectDebitConfig, db: Connection
    ) throws -> Made {
        guard instalment > .zero else { throw RunError(.badInput, "--amount must be more than £0.00") }
        guard lumpSum >= .zero else { throw RunError(.badInput, "--lump-sum may not be negative") }
        let accountId = try ArrearsPositions.accountId(account, on: db)
        return try db.transaction { db in
            let balance = try db.queryOne(
                "SELECT COALESCE(sum(amount_pence), 0) FROM ledger_entries WHERE account_id = \(accountId) AND entry_date < \(start)")!.decode(Int64.self, 0)
            guard balance > 0 else {
                throw RunError(.refused, "\(account) owes nothing on \(start.iso) (balance \(Money(pence: balance).formatted)): there are no arrears to agree")
            }
            let replaced = try agreements(live: true, accountId: accountId, db: db).first
            try db.execute("UPDATE arrears_agreements SET status = 'cancelled', ended_on = \(start) WHERE account_id = \(accountId) AND status = 'live'")
            let agreement = ArrearsAgreement(start: start, startingBalance: Money(pence: balance), lumpSum: lumpSum, instalment: instalment, frequency: frequency)
            let mandate = paidSeparately ? nil : try ArrearsDirectDebit.liveMandate(account: account, db: db)
            let extra = mandate.map { ArrearsDirectDebit.extra(for: agreement, on: $0) }
            let id = try db.queryOne(
                """
                INSERT INTO arrears_agreements (account_id, start_date, starting_balance_pence, lump_sum_pence, instalment_pence, frequency,
                    direct_debit_extra, dd_extra_pence, dd_frequency)
                VALUES (\(accountId), \(start), \(balance), \(lumpSum.pence), \(instalment.pence), \(frequency.rawValue),
                    \(mandate != nil), \(extra?.pence), \(mandate?.frequency.rawValue)) RETURNING id
                """)!.decode(Int64.self, 0)
            var carried: ArrearsDirectDebit.Carried?
            var released: Mandate?
            if let mandate {
                carried = try ArrearsDirectDebit.carry(agreementId: id, account: account, agreement: agreement, mandate: mandate, today: today, config: directDebit, db: db)
            } else if let replaced, replaced.directDebitExtraAmount != nil {
                released = try ArrearsDirectDebit.release(
                    account: account, why: "arrears agreement \(replaced.id) replaced by agreement \(id), paid separately: the extra amount ends",
                    config: directDebit, db: db)
            }
            var details = [
                "agreement": String(id), "amount_pence": String(instalment.pence), "frequency": frequency.rawValue, "start": start.iso,
                "lump_sum_pence": String(lumpSum.pence), "starting_balance_pence": String(balance),
            ]
            if let replaced { details["replaces"] = String(replaced.id) }
            if let carried {
                details["dd_mandate"] = String(carried.mandateId)
                details["dd_extra_pence"] = String(carried.extra.pence)
                details["dd_frequency"] = carried.frequency.rawValue
            }
            if let released { details["dd_extra_removed_mandate"] = String(released.id) }
            try audit("agree", account: account, details: details, db: db)
            return Made(id: id, startingBalance: Money(pence: balance), directDebit: carried, releasedMandateId: released?.id)
        }
    }

    /// Cancels an account's live agreement (`hub arrears cancel-agreement`): it ends on the day,
    /// the case goes back into the stages, and an extra amount it carried onto the Direct Debit is
    /// removed (with notice).
    /// - Returns: the agreement's id and the amended mandate, if any.
    /// - Throws: `RunError.badInput` without a reason; `RunError.notFound` without a live agreement.
    @discardableResult
    public static func cancelAgreement(account: String, reason: String, on day: Day, directDebit: DirectDebitConfig, db: Connection) throws -> (id: Int64, mandate: Mandate?) {
        guard !reason.trimmingSpaces.isEmpty else { throw RunError(.badInput, "give the reason for the cancellation (--reason)") }
        let accountId = try ArrearsPositions.accountId(account, on: db)
        return try db.transaction { db in
            guard let live = try agreements(live: true, accountId: accountId, db: db).first else {
                throw RunError(.notFound, "\(account) has no live agreement to cancel (hub arrears show \(account) shows its agreements)")
            }
            try db.execute("UPDATE arrears_agreements SET status = 'cancelled', ended_on = \(day) WHERE id = \(live.id)")
            var mandate: Mandate?
            if live.directDebitExtraAmount != nil {
                mandate = try ArrearsDirectDebit.release(
                    account: account, why: "arrears agreement \(live.id) cancelled: \(reason)", config: directDebit, db: db)
            }
            var details = ["agreement": String(live.id), "day": day.iso, "reason": reason]
            if let mandate { details["dd_extra_removed_mandate"] = String(mandate.id) }
            try audit("agreement-cancelled", account: account, details: details, db: db)
            return (live.id, mandate)
        }
    }

    static func audit(_ action: String, account: String, details: [String: String], runId: Int64? = nil, db: Connection) throws {
        try db.execute(
            "INSERT INTO audit_events (action, entity, entity_ref, run_id, details) VALUES (\(action), 'arrears-case', \(account), \(runId), \(try HubJSON.text(details))::jsonb)")
    }

    /// A case's history: every stage, pause, circumstance and agreement, oldest first.
    public struct Event: Codable, Sendable {
        public var at: String
        public var what: String
        public var by: String
    }

    public static func history(accountId: Int64, db: Connection) throws -> [Event] {
        try db.query(
            """
            SELECT at, what, by FROM (
                SELECT recorded_at AS at, 'stage ' || stage || ' on ' || action_date || CASE WHEN automatic THEN ' (sent by the review)' ELSE '' END
                       || CASE WHEN notice_served IS NOT NULL THEN ', notice served ' || notice_served || ' expires ' || notice_expires ELSE '' END
                       || CASE WHEN note <> '' THEN ': ' || note ELSE '' END AS what, recorded_by AS by
                FROM arrears_actions WHERE account_id = \(accountId)
                UNION ALL
                SELECT recorded_at, 'paused until ' || until || ': ' || reason, recorded_by FROM arrears_pauses WHERE account_id = \(accountId)
                UNION ALL
                SELECT recorded_at, kind || ' from ' || from_date || COALESCE(' to ' || to_date, '') || CASE WHEN note <> '' THEN ': ' || note ELSE '' END,
                       recorded_by FROM arrears_circumstances WHERE account_id = \(accountId)
                UNION ALL
                SELECT made_at, 'agreement ' || id || ': ' || instalment_pence || 'p ' || frequency || ' from ' || start_date || ' (' || status || ')', made_by
                FROM arrears_agreements WHERE account_id = \(accountId)
            ) h ORDER BY at
            """
        ).map { row in
            Event(at: Timestamp.text(try row.decode(Date.self, 0)), what: try row.decode(String.self, 1), by: try row.decode(String.self, 2))
        }
    }
}
