import Foundation
import HousingFinance
import Postgres

/// One account's arrears position on a day, with what the income team needs beside it.
public struct ArrearsAccount: Codable, Sendable {
    public var accountId: Int64
    public var account: String
    public var tenant: String
    public var addressLines: [String]
    public var postcode: String
    /// The patch: the property's postcode district (outward code), until the housing system sends patches.
    public var patch: String
    public var tenancyEnd: Day?
    public var position: Arrears.Position
    public var lastPayment: Day?
    /// Receipt weeks (bit n: n weeks back, 1-26) and charged weeks (the same), for early warning.
    public var paidWeeksMask: Int64
    public var chargedWeeksMask: Int64
    public var balanceFourWeeksAgo: Money
    public var lastDirectDebitReturn: Day?
    public var directDebitsPrior: Int
    public var directDebitsRecent: Int
    public var cashOrBankRecent: Int
    public var universalCreditClaim: Bool

    enum CodingKeys: String, CodingKey {
        case accountId, account, tenant, addressLines, postcode, patch, tenancyEnd, position, lastPayment, paidWeeksMask, chargedWeeksMask
        case lastDirectDebitReturn, directDebitsPrior, directDebitsRecent, cashOrBankRecent, universalCreditClaim
        case balanceFourWeeksAgo = "balanceFourWeeksAgoPence"
    }

    /// A current tenant (no end date, or ending after the day).
    public func isCurrent(on day: Day) -> Bool { tenancyEnd.map { $0 >= day } ?? true }
}

/// Arrears positions, computed set-wise: one pass over the ledger up to the day gives every
/// account's figures; `Arrears.position` (HousingFinance) applies the rules to each.
public enum ArrearsPositions {
    /// The receipt codes that are a tenant's (or the benefits system's) payments.
    static let receiptCodes = ["RDD", "RPY", "RBR", "RCP", "RSO", "RIT", "RRC", "RHB", "RHA"]

    /// The query of every account's figures on a day (`$1`), optionally one account (`$2`).
    /// Weeks back are counted from the day's rent week: 1 is last week.
    /// With `carried` (a date at least `CarriedBalances.reach` days before the day), each account's
    /// entries after that date are read through the by-account index and the carried balance added
    /// (and, for an account with none since, the dates of its last payment, Direct Debit and
    /// return carried with it); without, the whole ledger to the day is summed.
    static func figuresQuery(_ day: Day, accountId: Int64?, carried: Day? = nil) -> SQLQuery {
        let filter: SQLQuery = accountId.map { "AND l.account_id = \($0)" } ?? ""
        let accountFilter: SQLQuery = accountId.map { "WHERE a.id = \($0)" } ?? ""
        let figures: SQLQuery = """
                    sum(l.amount_pence) AS balance,
                    COALESCE(sum(l.amount_pence) FILTER (WHERE l.rent_week = p.monday), 0) AS current_charge,
                    COALESCE(sum(l.amount_pence) FILTER (WHERE l.entry_date <= p.d - 28), 0) AS balance_4w,
                    max(l.entry_date) FILTER (WHERE l.amount_pence < 0 AND l.code IN ('RDD','RPY','RBR','RCP','RSO','RIT','RRC','RHB','RHA')) AS last_paid,
                    max(l.entry_date) FILTER (WHERE l.code = 'RDD' AND l.amount_pence < 0) AS last_dd,
                    max(l.entry_date) FILTER (WHERE l.code = 'RDN') AS last_rdn,
                    count(*) FILTER (WHERE l.code = 'RDD' AND l.amount_pence < 0 AND l.entry_date > p.d - 56) AS dd_recent,
                    count(*) FILTER (WHERE l.code = 'RDD' AND l.amount_pence < 0 AND l.entry_date <= p.d - 91 AND l.entry_date > p.d - 182) AS dd_prior,
                    count(*) FILTER (WHERE l.code IN ('RPY','RBR','RCP','RSO','RIT','RRC') AND l.amount_pence < 0 AND l.entry_date > p.d - 56) AS cash_recent,
                    count(*) FILTER (WHERE l.code IN ('RPY','RBR','RCP') AND l.amount_pence < 0 AND l.entry_date > p.d - 56) AS cash_only_recent,
                    count(*) FILTER (WHERE l.code IN ('RHB','RHA') AND l.amount_pence < 0 AND l.entry_date > p.d - 56) AS hb_recent,
                    COALESCE(bit_or(1::bigint << ((p.monday - l.entry_date + 6) / 7)) FILTER (
                        WHERE l.amount_pence < 0 AND l.code IN ('RDD','RPY','RBR','RCP','RSO','RIT','RRC','RHB','RHA')
                          AND l.entry_date < p.monday AND l.entry_date >= p.monday - 182), 0) AS paid_mask,
                    COALESCE(bit_or(1::bigint << ((p.monday - l.rent_week) / 7)) FILTER (
                        WHERE l.amount_pence > 0 AND l.rent_week < p.monday AND l.rent_week >= p.monday - 182), 0) AS charged_mask
            """
        // The ledger's part: one pass over every entry to the day, or each account's entries since
        // the carried date; `g` has the figures, `c` the carried balance (zero without).
        let ledger: SQLQuery
        let agg: SQLQuery
        var lastPaid: SQLQuery = "g.last_paid"
        var lastDD: SQLQuery = "g.last_dd"
        var lastReturn: SQLQuery = "g.last_rdn"
        if let carried {
            agg = ""
            ledger = """
                LEFT JOIN LATERAL (SELECT \(figures) FROM ledger_entries l
                    WHERE l.account_id = a.id AND l.entry_date > \(carried)::date AND l.entry_date <= p.d) g ON true
                LEFT JOIN ledger_carried c ON c.account_id = a.id
                """
            lastPaid = "COALESCE(g.last_paid, c.last_receipt)"
            lastDD = "COALESCE(g.last_dd, c.last_direct_debit)"
            lastReturn = "COALESCE(g.last_rdn, c.last_return)"
        } else {
            agg = """
                agg AS (
                    SELECT l.account_id, \(figures)
                    FROM ledger_entries l, p
                    WHERE l.entry_date <= p.d \(filter)
                    GROUP BY l.account_id),
                """
            ledger = "LEFT JOIN agg g ON g.account_id = a.id LEFT JOIN (SELECT NULL::bigint AS balance_pence) c ON true"
        }
        return """
            WITH p AS (SELECT \(day)::date AS d, (\(day)::date - (extract(isodow FROM \(day)::date)::int - 1)) AS monday),
            \(agg)
            weekly AS (
                SELECT a.id AS account_id, COALESCE(sum(c.weekly_pence), 0) AS weekly
                FROM rent_accounts a JOIN tenancies t ON t.id = a.tenancy_id
                JOIN weekly_charges c ON c.property_id = t.property_id, p
                WHERE c.effective_from <= p.d AND (c.effective_to IS NULL OR c.effective_to >= p.d)
                  AND t.start_date <= p.d AND (t.end_date IS NULL OR t.end_date >= p.d)
                GROUP BY a.landlord, a.id)
            SELECT a.id, a.account_ref, t.tenants[1], pr.address, pr.postcode, t.end_date,
                   COALESCE(g.balance, 0) + COALESCE(c.balance_pence, 0), COALESCE(g.current_charge, 0), COALESCE(w.weekly, 0),
                   EXISTS (SELECT 1 FROM free_weeks f WHERE f.monday = p.monday),
                   \(lastPaid), \(lastDD), \(lastReturn), COALESCE(g.dd_recent, 0), COALESCE(g.dd_prior, 0), COALESCE(g.cash_recent, 0),
                   COALESCE(g.cash_only_recent, 0), COALESCE(g.hb_recent, 0), COALESCE(g.paid_mask, 0), COALESCE(g.charged_mask, 0),
                   COALESCE(g.balance_4w, 0) + COALESCE(c.balance_pence, 0),
                   EXISTS (SELECT 1 FROM arrears_circumstances c WHERE c.account_id = a.id AND c.kind = 'uc-claim' AND c.from_date <= p.d
                           AND (c.to_date IS NULL OR c.to_date >= p.d)
                           AND c.id = (SELECT max(c2.id) FROM arrears_circumstances c2 WHERE c2.account_id = a.id AND c2.kind = 'uc-claim')),
                   COALESCE(t.correspondence_address, '')
            FROM rent_accounts a JOIN tenancies t ON t.id = a.tenancy_id JOIN properties pr ON pr.id = t.property_id
            CROSS JOIN p
            \(ledger)
            LEFT JOIN weekly w ON w.account_id = a.id
            \(accountFilter)
            ORDER BY a.account_ref
            """
    }

    /// What a caller reads of each account.
    public enum Detail: Sendable {
        /// Everything: the position and the early-warning figures (`hub arrears list`, `show`,
        /// `at-risk`, the back-test, the report).
        case full
        /// The position only, as the nightly review needs it (`reviewQuery`): the early-warning
        /// figures are not read (`lastPayment` and `lastDirectDebitReturn` nil, the counts and
        /// `balanceFourWeeksAgo` zero, the masks cover weeks 1-13 only). The position is the same
        /// as `.full` gives.
        case review
    }

    /// The query of every account's position on a day, optionally one account, for the nightly
    /// review: the same columns as `figuresQuery` (so one decoder reads both), but only what the
    /// position needs, in one pass over the ledger that PostgreSQL can share among parallel
    /// workers (the day and its Monday are parameters, not a CTE, which would keep the scan to one
    /// process). Every figure but the balance and the current week's charge is of the last 13
    /// weeks, and its FILTER tests the date first: an older row (most of them) fails each after
    /// one date comparison, never reaching the `code IN (...)` lists. The last Direct Debit is read
    /// within the 13 weeks: it only counts for a Direct Debit payer, who has one in the last 56
    /// days by definition of the method; the masks cover weeks 1-13 (the missed payments' window).
    static func reviewQuery(_ day: Day, accountId: Int64?, carried: Day? = nil) -> SQLQuery {
        positionsQuery([day], accountId: accountId, carried: carried)
    }

    /// The positions on several days in the same one pass over the ledger (to the latest day): each
    /// row is an account, with `reviewQuery`'s columns for each day in turn (block k at column
    /// `k * positionColumns`). An earlier day's figures are the same aggregates with the entry's
    /// date tested against that day first, so an entry costs a few more comparisons, not another
    /// pass over the history (the arrears report reads the day and the week before). With
    /// `carried` (at least `CarriedBalances.reach` days before every day), only each account's
    /// entries after it are read, through the by-account index, and its carried balance added.
    static func positionsQuery(_ days: [Day], accountId: Int64?, carried: Day? = nil) -> SQLQuery {
        precondition(!days.isEmpty, "positionsQuery needs a day")
        let last = days.max()!
        let filter: SQLQuery = accountId.map { "AND l.account_id = \($0)" } ?? ""
        let accountFilter: SQLQuery = accountId.map { "WHERE a.id = \($0)" } ?? ""
        var aggregates: SQLQuery = ""
        var weekly: SQLQuery = ""
        var columns: SQLQuery = ""
        for (k, day) in days.enumerated() {
            let monday = RentWeek(containing: day).monday
            let window = monday - 91
            let recent = day - 56
            // The latest day is the scan's own bound; an earlier one is tested first in each figure.
            let upTo: SQLQuery = day == last ? "" : "l.entry_date <= \(day)::date AND "
            let n = SQLQuery(unescaped: String(k))
            let balanceFilter: SQLQuery = day == last ? "" : "FILTER (WHERE l.entry_date <= \(day)::date)"
            aggregates.append(
                """
                \(unescaped: k == 0 ? "" : ",")
                    sum(l.amount_pence) \(balanceFilter) AS balance\(n),
                    COALESCE(sum(l.amount_pence) FILTER (WHERE \(upTo)l.rent_week = \(monday)::date), 0) AS current_charge\(n),
                    max(l.entry_date) FILTER (WHERE \(upTo)l.entry_date >= \(window)::date AND l.amount_pence < 0 AND l.code = 'RDD') AS last_dd\(n),
                    count(*) FILTER (WHERE \(upTo)l.entry_date > \(recent)::date AND l.amount_pence < 0 AND l.code = 'RDD') AS dd_recent\(n),
                    count(*) FILTER (WHERE \(upTo)l.entry_date > \(recent)::date AND l.amount_pence < 0 AND l.code IN ('RPY','RBR','RCP','RSO','RIT','RRC')) AS cash_recent\(n),
                    count(*) FILTER (WHERE \(upTo)l.entry_date > \(recent)::date AND l.amount_pence < 0 AND l.code IN ('RPY','RBR','RCP')) AS cash_only_recent\(n),
                    count(*) FILTER (WHERE \(upTo)l.entry_date > \(recent)::date AND l.amount_pence < 0 AND l.code IN ('RHB','RHA')) AS hb_recent\(n),
                    bit_or(1::bigint << ((\(monday)::date - l.entry_date + 6) / 7)) FILTER (
                        WHERE \(upTo)l.entry_date >= \(window)::date AND l.entry_date < \(monday)::date AND l.amount_pence < 0
                          AND l.code IN ('RDD','RPY','RBR','RCP','RSO','RIT','RRC','RHB','RHA')) AS paid_mask\(n),
                    bit_or(1::bigint << ((\(monday)::date - l.rent_week) / 7)) FILTER (
                        WHERE \(upTo)l.rent_week >= \(window)::date AND l.rent_week < \(monday)::date AND l.amount_pence > 0) AS charged_mask\(n)
                """)
            weekly.append(
                """
                \(unescaped: k == 0 ? "" : ",")
                    COALESCE(sum(c.weekly_pence) FILTER (
                        WHERE c.effective_from <= \(day)::date AND (c.effective_to IS NULL OR c.effective_to >= \(day)::date)
                          AND t.start_date <= \(day)::date AND (t.end_date IS NULL OR t.end_date >= \(day)::date)), 0) AS weekly\(n)
                """)
            columns.append(
                """
                \(unescaped: k == 0 ? "" : ",")
                   a.id, a.account_ref, t.tenants[1], pr.address, pr.postcode, t.end_date,
                   COALESCE(g.balance\(n), 0) + COALESCE(c.balance_pence, 0), COALESCE(g.current_charge\(n), 0), COALESCE(w.weekly\(n), 0),
                   EXISTS (SELECT 1 FROM free_weeks f WHERE f.monday = \(monday)::date),
                   NULL::date, g.last_dd\(n), NULL::date, COALESCE(g.dd_recent\(n), 0), 0, COALESCE(g.cash_recent\(n), 0),
                   COALESCE(g.cash_only_recent\(n), 0), COALESCE(g.hb_recent\(n), 0), COALESCE(g.paid_mask\(n), 0), COALESCE(g.charged_mask\(n), 0),
                   0::bigint,
                   EXISTS (SELECT 1 FROM arrears_circumstances c WHERE c.account_id = a.id AND c.kind = 'uc-claim' AND c.from_date <= \(day)::date
                           AND (c.to_date IS NULL OR c.to_date >= \(day)::date)
                           AND c.id = (SELECT max(c2.id) FROM arrears_circumstances c2 WHERE c2.account_id = a.id AND c2.kind = 'uc-claim')),
                   COALESCE(t.correspondence_address, '')
                """)
        }
        let agg: SQLQuery
        let ledger: SQLQuery
        if let carried {
            agg = ""
            ledger = """
                LEFT JOIN LATERAL (SELECT \(aggregates) FROM ledger_entries l
                    WHERE l.account_id = a.id AND l.entry_date > \(carried)::date AND l.entry_date <= \(last)::date) g ON true
                LEFT JOIN ledger_carried c ON c.account_id = a.id
                """
        } else {
            agg = """
                agg AS (
                    SELECT l.account_id,\(aggregates)
                    FROM ledger_entries l
                    WHERE l.entry_date <= \(last)::date \(filter)
                    GROUP BY l.account_id),
                """
            ledger = "LEFT JOIN agg g ON g.account_id = a.id LEFT JOIN (SELECT NULL::bigint AS balance_pence) c ON true"
        }
        return """
            WITH \(agg)
            weekly AS (
                SELECT a.id AS account_id,\(weekly)
                FROM rent_accounts a JOIN tenancies t ON t.id = a.tenancy_id
                JOIN weekly_charges c ON c.property_id = t.property_id
                GROUP BY a.id)
            SELECT\(columns)
            FROM rent_accounts a JOIN tenancies t ON t.id = a.tenancy_id JOIN properties pr ON pr.id = t.property_id
            \(ledger)
            LEFT JOIN weekly w ON w.account_id = a.id
            \(accountFilter)
            ORDER BY a.account_ref
            """
    }

    /// The columns of one day's block in `positionsQuery` (and of `figuresQuery`).
    static let positionColumns = 23

    /// The memory the nightly review's transaction gives the positions query's aggregate (per
    /// process; PostgreSQL allows a hash table twice this). Measured: 50 MB a process for 100,000
    /// accounts, so about 250,000 accounts aggregate without spilling to disk.
    static let reviewWorkMem = "64MB"

    /// Every account's position on a day (or one account's).
    /// Balances carried forward (`CarriedBalances`) are used when they serve the day; `wholeLedger`
    /// sums every entry instead (the tests and benchmarks compare the two).
    public static func load(
        on day: Day, accountId: Int64? = nil, detail: Detail = .full, wholeLedger: Bool = false, config: ArrearsConfig, db: Connection
    ) throws -> [ArrearsAccount] {
        let carried = wholeLedger ? nil : try CarriedBalances.usable(for: [day], on: db)
        let query = detail == .full ? figuresQuery(day, accountId: accountId, carried: carried) : reviewQuery(day, accountId: accountId, carried: carried)
        return try db.query(query).map { row in try account(row, on: day, config: config) }
    }

    /// Every account's position on each of several days, in one pass over the ledger (the
    /// positions as `.review` reads them, which are `.full`'s): one list per day, in the order of
    /// `days`, each in account reference order.
    public static func load(on days: [Day], wholeLedger: Bool = false, config: ArrearsConfig, db: Connection) throws -> [[ArrearsAccount]] {
        let carried = wholeLedger ? nil : try CarriedBalances.usable(for: days, on: db)
        let rows = try db.query(positionsQuery(days, accountId: nil, carried: carried))
        return try days.indices.map { k in try rows.map { try account($0, on: days[k], config: config, block: k) } }
    }

    static func account(_ row: Row, on day: Day, config: ArrearsConfig, block: Int = 0) throws -> ArrearsAccount {
        let c = block * positionColumns
        let ddRecent = try row.decode(Int.self, c + 13)
        let cashRecent = try row.decode(Int.self, c + 15)
        let cashOnly = try row.decode(Int.self, c + 16)
        let hbRecent = try row.decode(Int.self, c + 17)
        let uc = try row.decode(Bool.self, c + 21)
        let lastDD = try row.decode(Day?.self, c + 11)
        let method: Arrears.PaymentMethod
        if ddRecent > 0 && ddRecent >= cashRecent {
            method = .directDebit
        } else if uc && hbRecent == 0 {
            method = .universalCredit
        } else if hbRecent > 0 && hbRecent >= cashRecent {
            method = .housingBenefit
        } else if cashRecent > 0 {
            method = cashOnly * 2 >= cashRecent ? .cash : .bank
        } else {
            method = .none
        }
        let paidMask = try row.decode(Int64.self, c + 18)
        let chargedMask = try row.decode(Int64.self, c + 19)
        // Weeks 1-13 back that were charged (never a free week: no debit) and had no receipt.
        let last13: Int64 = 0b11_1111_1111_1110
        let unpaid = (chargedMask & ~paidMask & last13).nonzeroBitCount
        var ddExpected = 0
        var nextDD: Day?
        var weeksSinceDD = 0
        if method == .directDebit, let lastDD {
            ddExpected = lastDD.distance(to: day) / config.directDebitCycleDays
            nextDD = lastDD + config.directDebitCycleDays
            // Earlier weeks (1-26 back) charged with a Monday after the last collection.
            let monday = RentWeek(containing: day).monday
            for back in 1...26 where chargedMask & (1 << back) != 0 && monday - 7 * back > lastDD { weeksSinceDD += 1 }
        }
        let figures = Arrears.Figures(
            balance: Money(pence: try row.decode(Int64.self, c + 6)), currentWeekCharge: Money(pence: try row.decode(Int64.self, c + 7)),
            weeklyCharge: Money(pence: try row.decode(Int64.self, c + 8)), freeWeek: try row.decode(Bool.self, c + 9), method: method,
            nextDirectDebit: nextDD, weeksChargedSinceLastDirectDebit: weeksSinceDD, unpaidWeeks: unpaid, directDebitsExpected: ddExpected, directDebitsReceived: 0)
        let address = try row.decode(String.self, c + 3)
        let correspondence = try row.decode(String.self, c + 22)
        let postcode = try row.decode(String.self, c + 4)
        return ArrearsAccount(
            accountId: try row.decode(Int64.self, c + 0), account: try row.decode(String.self, c + 1), tenant: row.text(c + 2) ?? "",
            addressLines: (correspondence.isEmpty ? address : correspondence).split(separator: ",").map { String($0.trimmingSpaces) },
            postcode: postcode, patch: String(postcode.split(separator: " ").first ?? ""), tenancyEnd: try row.decode(Day?.self, c + 5),
            position: Arrears.position(figures, on: day, graceDays: config.graceDays), lastPayment: try row.decode(Day?.self, c + 10),
            paidWeeksMask: paidMask, chargedWeeksMask: chargedMask, balanceFourWeeksAgo: Money(pence: try row.decode(Int64.self, c + 20)),
            lastDirectDebitReturn: try row.decode(Day?.self, c + 12), directDebitsPrior: try row.decode(Int.self, c + 14), directDebitsRecent: ddRecent,
            cashOrBankRecent: cashRecent, universalCreditClaim: uc)
    }

    /// The account id of a reference.
    /// - Throws: `RunError.notFound` naming the reference.
    public static func accountId(_ reference: String, on db: Connection) throws -> Int64 {
        guard let row = try db.queryOne("SELECT id FROM rent_accounts WHERE account_ref = $1", [reference]) else {
            throw RunError(.notFound, "there is no rent account \(reference.prefix(30)): check the reference (hub accounts balance lists them)")
        }
        return try row.decode(Int64.self, 0)
    }
}
