import Foundation
import HousingFinance
import Postgres

/// `hub load mandates`: Direct Debit instructions migrated from the earlier system. They are
/// already lodged with Bacs, so they are loaded live with no AUDDIS 0N; the amount the payer was
/// last told (and when) is recorded as their advance notice, so that the first collection in the
/// hub collects it, and a different amount needs a notice in time (docs/direct-debit.md).
public enum MandatesLoad: LoadKind {
    public static let kind = "mandates"
    public static let jobName = "load-mandates"
    public static let reversal = ReversalRule.never("loaded mandates are collected from; cancel a wrong one with hub dd mandate cancel")
    public static let columns = [
        LoaderColumn("account_ref", required: true, .accountReference, "The rent account (already loaded); also the reference quoted to the bank."),
        LoaderColumn("payer_name", required: true, .text, "The account holder's name."),
        LoaderColumn("sort_code", required: true, .text, "The payer's sort code, 6 digits (12-34-56 or 123456)."),
        LoaderColumn("account_number", required: true, .text, "The payer's account number, 8 digits."),
        LoaderColumn("frequency", required: true, .choice(DDFrequency.allCases.map(\.rawValue)), "weekly, fortnightly, four-weekly or monthly."),
        LoaderColumn("collection_day", required: true, .integer(1...28), "ISO weekday 1 (Monday) to 5 (Friday) for weekly frequencies; day of the month 1 to 28 for monthly."),
        LoaderColumn("start_date", required: true, .date, "The first day a collection may be due in the hub (fortnightly and four-weekly count their weeks from the first collection day on or after it)."),
        LoaderColumn("last_notified_amount", required: true, .money(allowNegative: false), "The amount the payer was last told, in pounds."),
        LoaderColumn("last_notified_on", required: true, .date, "The day that notice was sent."),
        LoaderColumn("extra_amount", inHeader: false, required: false, .money(allowNegative: false), "A fixed extra amount per collection (an arrears arrangement), in pounds."),
    ]
    public static let uniqueKeys = [["account_ref"]]
    public static let tables = ["dd_mandates", "dd_notices"]
    public static let totalColumn: String? = "last_notified_amount"

    public static func rowProblems(_ row: LoadRow) -> [LoadProblem] {
        var problems: [LoadProblem] = []
        do { _ = try BankDetails(sortCode: row.text("sort_code") ?? "", accountNumber: row.text("account_number") ?? "") } catch {
            let column = error.field == "sort code" ? "sort_code" : "account_number"
            problems.append(LoadProblem(line: row.line, column: column, value: row.raw[column], reason: "\(error.message)"))
        }
        if let frequency = row.text("frequency").flatMap(DDFrequency.init(rawValue:)), frequency != .monthly,
           let day = row.integer("collection_day"), day > 5 {
            problems.append(LoadProblem(line: row.line, column: "collection_day", value: row.raw["collection_day"],
                                        reason: "a \(frequency.rawValue) mandate collects on a weekday: 1 (Monday) to 5 (Friday)"))
        }
        return problems
    }

    public static func checks(_ context: LoadContext) -> [SQLQuery] {
        [
            """
            SELECT s.line, 'account_ref', s.account_ref, 'there is no rent account ' || s.account_ref || ': load it in an accounts file first'
            FROM load_stage s WHERE NOT EXISTS (SELECT 1 FROM rent_accounts a WHERE a.account_ref = s.account_ref)
            """,
            """
            SELECT s.line, 'account_ref', s.account_ref, 'account ' || s.account_ref || ' already has ' || m.status || ' mandate ' || m.id || ': cancel it first or leave the row out'
            FROM load_stage s JOIN rent_accounts a ON a.account_ref = s.account_ref JOIN dd_mandates m ON m.account_id = a.id AND m.status IN ('pending', 'live')
            """,
            """
            SELECT s.line, 'account_ref', s.account_ref, 'the reference cannot be quoted to Bacs: 6 to 18 capitals or digits, never starting DDIC'
            FROM load_stage s WHERE NOT (upper(s.account_ref) ~ '^[A-Z0-9 .&/-]{6,18}$') OR upper(s.account_ref) LIKE 'DDIC%'
            """,
        ]
    }

    public static func apply(_ context: LoadContext) throws -> [String: Int] {
        let db = context.connection
        let extra = context.present.contains("extra_amount") ? "COALESCE(s.extra_amount, 0)" : "0"
        let inserted = try db.execute(
            """
            WITH made AS (
                INSERT INTO dd_mandates (account_id, reference, payer_name, sort_code, account_number, frequency, collection_day, start_date,
                                         extra_pence, status, origin, run_id)
                SELECT a.id, upper(s.account_ref), s.payer_name, regexp_replace(s.sort_code, '[- ]', '', 'g'), regexp_replace(s.account_number, ' ', '', 'g'),
                       s.frequency, s.collection_day, s.start_date, \(unescaped: extra), 'live', 'loaded', \(context.runId)
                FROM load_stage s JOIN rent_accounts a ON a.account_ref = s.account_ref ORDER BY s.line
                RETURNING id, account_id),
            notices AS (
                INSERT INTO dd_notices (mandate_id, amount_pence, first_date, sent_on, run_id)
                SELECT m.id, s.last_notified_amount, s.last_notified_on, s.last_notified_on, \(context.runId)
                FROM made m JOIN rent_accounts a ON a.id = m.account_id JOIN load_stage s ON s.account_ref = a.account_ref RETURNING 1)
            INSERT INTO dd_mandate_events (mandate_id, action, old_status, new_status, reason, run_id, details)
            SELECT m.id, 'loaded', NULL, 'live', 'migrated from the earlier system (already lodged)', \(context.runId),
                   jsonb_build_object('file', \(context.file)::text, 'notices', (SELECT count(*) FROM notices))
            FROM made m
            """).affectedRows
        var counts = ["mandates loaded": inserted]
        for row in try db.query("SELECT frequency, count(*) FROM load_stage GROUP BY 1") { counts[row.text(0)!] = Int(row.int64(1)) }
        return counts
    }
}
