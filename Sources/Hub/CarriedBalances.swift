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
        guard let through = try through(on: db), let first = days.min(), through + lookingBack <= first else { return nil }
        return through
    }

    /// The accounts whose carried balance differs from their ledger entries to the carried date
    /// (at most `limit`), for `hub db verify`: one pass over the ledger to that date.
    static func differences(limit: Int, on db: Connection) throws -> (through: Day?, differences: [(account: String, carried: Int64, ledger: Int64)]) {
        guard let through = try through(on: db) else { return (nil, []) }
        let rows = try db.query(
            """
            SELECT a.account_ref, COALESCE(c.balance_pence, 0), COALESCE(l.pence, 0)
            FROM rent_accounts a
            LEFT JOIN ledger_carried c ON c.account_id = a.id
            LEFT JOIN (SELECT account_id, sum(amount_pence) AS pence FROM ledger_entries WHERE entry_date <= \(through) GROUP BY account_id) l
              ON l.account_id = a.id
            WHERE COALESCE(c.balance_pence, 0) <> COALESCE(l.pence, 0)
            ORDER BY a.account_ref LIMIT \(limit)
            """)
        return (through, try rows.map { (try $0.decode(String.self, 0), try $0.decode(Int64.self, 1), try $0.decode(Int64.self, 2)) })
    }
}
