import Foundation
import HousingFinance
import Postgres

/// Agreements' daily history, kept by the nightly review.
///
/// Direct Debit seam: where the tenant pays by Direct Debit, the agreement's instalment is the
/// mandate's extra amount (`direct_debit_extra`). The Direct Debit capability (branch `dd`) reads
/// live agreements with `directDebitExtra` through `ArrearsAgreements.directDebitExtras(on:db:)`
/// and adds each instalment to the mandate's collections, with advance notice; the agreement's
/// expected balance here is unchanged by how the money arrives.
public enum ArrearsAgreements {
    /// Records each live agreement's state for every day from its last recorded day through
    /// `through`; ends breached and completed agreements (status and day).
    /// - Returns: how many stay kept (or behind), and the accounts breached and completed.
    static func advance(
        cases: inout [Int64: ArrearsCase], through day: Day, config: ArrearsConfig, runId: Int64, db: Connection
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
            let history = record.agreement.history(entries: entries[record.accountId] ?? [], through: day, toleranceDays: config.agreementToleranceDays)
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
                let reference = references[record.accountId] ?? String(record.accountId)
                if last.state == .breached { breached.append(reference) } else { completed.append(reference) }
                try ArrearsCases.audit(
                    status == "breached" ? "agreement-breached" : "agreement-completed", account: reference,
                    details: ["agreement": String(record.id), "day": last.day.iso, "expected_pence": String(last.expected.pence),
                              "actual_pence": String(last.actual.pence)], runId: runId, db: db)
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

    /// The Direct Debit seam: each live agreement whose instalment is to be collected as the
    /// mandate's extra amount, by account reference, with its instalment, frequency and start.
    public static func directDebitExtras(on db: Connection) throws -> [(account: String, agreement: ArrearsAgreement)] {
        try db.query(
            """
            SELECT a.account_ref, g.start_date, g.starting_balance_pence, g.lump_sum_pence, g.instalment_pence, g.frequency
            FROM arrears_agreements g JOIN rent_accounts a ON a.id = g.account_id
            WHERE g.status = 'live' AND g.direct_debit_extra ORDER BY a.account_ref
            """
        ).map { row in
            (try row.decode(String.self, 0),
             ArrearsAgreement(
                start: try row.decode(Day.self, 1), startingBalance: Money(pence: try row.decode(Int64.self, 2)),
                lumpSum: Money(pence: try row.decode(Int64.self, 3)), instalment: Money(pence: try row.decode(Int64.self, 4)),
                frequency: ArrearsAgreement.Frequency(rawValue: try row.decode(String.self, 5)) ?? .weekly))
        }
    }
}
