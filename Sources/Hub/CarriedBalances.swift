import HousingFinance
import Postgres

/// Balances carried forward (migration 0042): each account's balance at a date some months back,
/// kept equal to its ledger entries to that date by the database itself, so that a position or a
/// balance on a later day sums only the account's entries after it (from the by-account index)
/// instead of its whole history. The nightly arrears review moves the date forward; everything that
/// reads balances uses it when the day read is late enough, and the whole ledger otherwise.
public enum CarriedBalances {
    /// How far before its day the nightly review carries balances forward: the arrears figures
    /// reach back `reach` days (26 weeks of payments and charges, from the rent week's Monday), and
    /// the arrears report also reads the week before.
    public static let margin = 200
    /// The earliest entry date (days before the day read) any arrears figure looks at one by one.
    public static let reach = 189

    /// The date the session's landlord's balances are carried through, if they are.
    public static func through(on db: Connection) throws -> Day? {
        try db.queryOne("SELECT through FROM ledger_carried_marks")?.decode(Day.self, 0)
    }

    /// Moves the carried date forward to `day` (never back) and returns the date carried through.
    /// Waits for the landlord's postings in flight, and holds new ones back until the caller's
    /// transaction ends (the posting gate of migration 0035): call it in a short transaction or at
    /// the start of a run.
    @discardableResult
    public static func carryForward(through day: Day, on db: Connection) throws -> Day {
        try db.queryOne("SELECT ledger_carry_forward(\(day))")!.decode(Day.self, 0)
    }

    /// The carried date when it serves every one of `days` (each at least `reach` days after it),
    /// or nil: the caller then sums the whole ledger.
    static func usable(for days: [Day], lookingBack: Int = reach, on db: Connection) throws -> Day? {
        guard let through = try through(on: db), serves(days, from: through, lookingBack: lookingBack) else { return nil }
        return through
    }

    /// Whether balances carried through `through` serve every one of `days`.
    static func serves(_ days: [Day], from through: Day, lookingBack: Int = reach) -> Bool {
        guard let first = days.min() else { return false }
        return through + lookingBack <= first
    }

    /// The accounts whose carried balance (or last receipt, Direct Debit or return) differs from
    /// their ledger entries to the carried date, at most `limit`, each described, for `hub db
    /// verify`: one pass over the ledger to that date.
    static func differences(limit: Int, on db: Connection) throws -> (through: Day?, differences: [String]) {
        guard let through = try through(on: db) else { return (nil, []) }
        let rows = try db.query(
            """
            WITH l AS (
                SELECT l.account_id, sum(l.amount_pence) AS pence,
                       max(l.entry_date) FILTER (WHERE l.amount_pence < 0 AND l.code IN ('RDD','RPY','RBR','RCP','RSO','RIT','RRC','RHB','RHA')) AS receipt,
                       max(l.entry_date) FILTER (WHERE l.code = 'RDD' AND l.amount_pence < 0) AS direct_debit,
                       max(l.entry_date) FILTER (WHERE l.code = 'RDN') AS returned
                FROM ledger_entries l WHERE l.entry_date <= \(through) GROUP BY l.account_id)
            SELECT a.account_ref, COALESCE(c.balance_pence, 0), COALESCE(l.pence, 0),
                   concat_ws(', ', COALESCE(c.last_receipt::text, 'none'), COALESCE(c.last_direct_debit::text, 'none'), COALESCE(c.last_return::text, 'none')),
                   concat_ws(', ', COALESCE(l.receipt::text, 'none'), COALESCE(l.direct_debit::text, 'none'), COALESCE(l.returned::text, 'none'))
            FROM rent_accounts a
            LEFT JOIN ledger_carried c ON c.account_id = a.id
            LEFT JOIN l ON l.account_id = a.id
            WHERE COALESCE(c.balance_pence, 0) <> COALESCE(l.pence, 0) OR c.last_receipt IS DISTINCT FROM l.receipt
               OR c.last_direct_debit IS DISTINCT FROM l.direct_debit OR c.last_return IS DISTINCT FROM l.returned
            ORDER BY a.account_ref LIMIT \(limit)
            """)
        return (through, try rows.map { row in
            let account = try row.decode(String.self, 0)
            let carried = try row.decode(Int64.self, 1)
            let ledger = try row.decode(Int64.self, 2)
            if carried != ledger {
                return "account \(account)'s balance carried forward to \(through.iso) is \(Money(pence: carried).formatted), "
                    + "but its ledger entries to that date sum to \(Money(pence: ledger).formatted)"
            }
            return "account \(account)'s last receipt, Direct Debit and return carried forward to \(through.iso) are \(try row.decode(String.self, 3)), "
                + "but its ledger entries to that date say \(try row.decode(String.self, 4))"
        })
    }
}
