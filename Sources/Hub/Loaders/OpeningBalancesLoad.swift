import Foundation
import HousingFinance
import Postgres

/// `hub load opening-balances`: each account's balance migrated from the earlier system. It is
/// posted to the ledger as code `OPB` dated `as_of`, and stands for everything before that day:
/// the rent debit charges the account from `as_of` (or go-live, if later). An account has one
/// opening balance; to replace it, reverse the run that loaded it (`hub runs reverse`), which
/// takes the ledger entry back and frees the account for a new one.
public enum OpeningBalancesLoad: LoadKind {
    public static let kind = "opening-balances"
    public static let jobName = "load-opening-balances"
    public static let reversal = ReversalRule.independent
    public static let columns = [
        LoaderColumn("account_ref", required: true, .accountReference, "The rent account (already loaded), with its check digit."),
        LoaderColumn("balance", required: true, .money(allowNegative: true), "Pounds with two decimals: positive = arrears (owed by the tenant), negative = in credit."),
        LoaderColumn("as_of", required: true, .date, "The day the balance is posted on; it covers everything before that day. YYYY-MM-DD."),
    ]
    public static let uniqueKeys = [["account_ref"]]
    public static let tables = ["opening_balances"]
    public static let totalColumn: String? = "balance"

    public static func checks(_ context: LoadContext) -> [SQLQuery] {
        [
            """
            SELECT s.line, 'account_ref', s.account_ref, 'there is no rent account ' || s.account_ref || ': load it in an accounts file first'
            FROM load_stage s WHERE NOT EXISTS (SELECT 1 FROM rent_accounts a WHERE a.account_ref = s.account_ref)
            """,
            """
            SELECT s.line, 'account_ref', s.account_ref,
                   'the account already has an opening balance of ' || to_char(o.balance_pence / 100.0, 'FM999999990.00') || ' as of ' || o.as_of
                   || ' (run ' || o.run_id || '): it is in the ledger; reverse run ' || o.run_id || ' first to replace it'
            FROM load_stage s JOIN rent_accounts a ON a.account_ref = s.account_ref JOIN opening_balances o ON o.account_id = a.id
            """,
        ]
    }

    public static func apply(_ context: LoadContext) throws -> [String: Int] {
        let db = context.connection
        try db.execute(
            """
            INSERT INTO opening_balances (account_id, balance_pence, as_of, run_id)
            SELECT a.id, s.balance, s.as_of, $1 FROM load_stage s JOIN rent_accounts a ON a.account_ref = s.account_ref ORDER BY s.line
            """, [context.runId])
        let posted = try db.execute(
            """
            INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id, description, source_ref)
            SELECT a.id, 'OPB', s.balance, s.as_of, $1, 'Opening balance brought forward', $2::text || ':' || s.line
            FROM load_stage s JOIN rent_accounts a ON a.account_ref = s.account_ref WHERE s.balance <> 0 ORDER BY s.line
            """, [context.runId, context.file]).affectedRows
        let row = try db.queryOne(
            "SELECT count(*), count(*) FILTER (WHERE balance > 0), count(*) FILTER (WHERE balance < 0), count(*) FILTER (WHERE balance = 0) FROM load_stage")!
        return [
            "balances": Int(row.int64(0)), "ledger entries": posted, "in arrears": Int(row.int64(1)),
            "in credit": Int(row.int64(2)), "zero": Int(row.int64(3)),
        ]
    }
}
