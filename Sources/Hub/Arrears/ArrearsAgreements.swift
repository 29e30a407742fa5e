import Foundation
import HousingFinance
import Postgres

/// Agreements' daily history, kept by the nightly review. An agreement collected by Direct Debit
/// (`ArrearsDirectDebit`) expects the mandate's collections instead of its own instalments, and its
/// end removes the extra amount from the mandate in the review's run.
public enum ArrearsAgreements {
    /// Records each live agreement's state for every day from its last recorded day through
    /// `through`; ends breached and completed agreements (status and day).
    /// - Returns: how many stay kept (or behind), and the accounts breached and completed.
    static func advance(
        cases: inout [Int64: ArrearsCase], through day: Day, config: ArrearsConfig, directDebit: DirectDebitConfig, runId: Int64, db: Connection
    ) throws -> (kept: Int, breached: [String], completed: [String]) {
        let live = cases.values.compactMap(\.agreement).filter { $0.status == "live" }
        guard !live.isEmpty else { return (0, [], []) }
        var entries: [Int64: [(day: Day, amount: Money, isCharge: Bool)]] = [:]
        for row in try db.query(
            """
            SELECT l.account_id, l.entry_date, l.amount_pence, (l.amount_pence > 0 AND l.rent_week IS NOT NULL)
            FROM ledger_entries l JOIN arrears_agreements g ON g.account_id = l.account_id AND g.status = 'live'
            WHERE l.entry_date >= g.start_date AND l.entry_date <= \(day)
            """)
        {
            entries[try row.decode(Int64.self, 0), default: []].append(
                (try row.decode(Day.self, 1), Money(pence: try row.decode(Int64.self, 2)), try row.decode(Bool.self, 3)))
        }
        let references = Dictionary(uniqueKeysWithValues: try db.query(
            "SELECT a.id, a.account_ref FROM rent_accounts a JOIN arrears_agreements g ON g.account_id = a.id AND g.status = 'live'"
        ).map { (try $0.decode(Int64.self, 0), try $0.decode(String.self, 1)) })
        var kept = 0
        var breached: [String] = []
        var completed: [String] = []
        var rows: [[String: String]] = []
        for record in live {
            let reference = references[record.accountId] ?? String(record.accountId)
            // By Direct Debit: the mandate's collections, while it is live (without it, the instalments as agreed).
            let collections = record.directDebitExtraAmount == nil ? nil
                : try ArrearsDirectDebit.collections(account: reference, from: record.agreement.start, through: day, config: directDebit, db: db)
            let history = record.agreement.history(
                entries: entries[record.accountId] ?? [], through: day, toleranceDays: config.agreementToleranceDays, directDebit: collections)
            for state in history where record.lastDay.map({ state.day > $0 }) ?? true {
                rows.append([
                    "agreement_id": String(record.id), "day": state.day.iso, "expected_pence": String(state.expected.pence),
                    "actual_pence": String(state.actual.pence), "days_above": String(state.daysAbove), "state": state.state.rawValue,
                ])
            }
            guard let last = history.last else { continue }
            cases[record.accountId]?.agreement?.lastState = last.state
            cases[record.accountId]?.agreement?.lastDay = last.day
            switch last.state {
            case .breached, .completed:
                let status = last.state == .breached ? "breached" : "completed"
                try db.execute("UPDATE arrears_agreements SET status = \(status), ended_on = \(last.day) WHERE id = \(record.id)")
                cases[record.accountId]?.agreement?.status = status
                if last.state == .breached { breached.append(reference) } else { completed.append(reference) }
                var details = [
                    "agreement": String(record.id), "day": last.day.iso, "expected_pence": String(last.expected.pence), "actual_pence": String(last.actual.pence),
                ]
                if record.directDebitExtraAmount != nil,
                   let mandate = try ArrearsDirectDebit.release(
                       account: reference, why: "arrears agreement \(record.id) \(status) on \(last.day.iso): the extra amount ends", runId: runId,
                       config: directDebit, db: db)
                {
                    details["dd_extra_removed_mandate"] = String(mandate.id)
                }
                try ArrearsCases.audit(status == "breached" ? "agreement-breached" : "agreement-completed", account: reference, details: details, runId: runId, db: db)
            case .kept, .behind:
                kept += 1
            }
        }
        try db.execute(
            """
            INSERT INTO arrears_agreement_days (agreement_id, day, expected_pence, actual_pence, days_above, state, run_id)
            SELECT (r->>'agreement_id')::bigint, (r->>'day')::date, (r->>'expected_pence')::bigint, (r->>'actual_pence')::bigint,
                   (r->>'days_above')::int, r->>'state', \(runId)
            FROM jsonb_array_elements(\(try HubJSON.text(rows))::jsonb) r
            ON CONFLICT (landlord, agreement_id, day) DO NOTHING
            """)
        return (kept, breached.sorted(), completed.sorted())
    }

    /// One day of an agreement's recorded history.
    public struct RecordedDay: Codable, Sendable {
        public var day: Day
        public var expected: Money
        public var actual: Money
        public var daysAbove: Int
        public var state: String
        enum CodingKeys: String, CodingKey {
            case day, daysAbove, state
            case expected = "expectedPence"
            case actual = "actualPence"
        }
    }

    /// An agreement's recorded history, oldest first.
    public static func history(agreementId: Int64, db: Connection) throws -> [RecordedDay] {
        try db.query(
            "SELECT day, expected_pence, actual_pence, days_above, state FROM arrears_agreement_days WHERE agreement_id = \(agreementId) ORDER BY day"
        ).map { row in
            RecordedDay(
                day: try row.decode(Day.self, 0), expected: Money(pence: try row.decode(Int64.self, 1)), actual: Money(pence: try row.decode(Int64.self, 2)),
                daysAbove: try row.decode(Int.self, 3), state: try row.decode(String.self, 4))
        }
    }
}
