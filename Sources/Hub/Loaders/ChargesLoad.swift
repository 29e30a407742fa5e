import Foundation
import HousingFinance
import Postgres

/// `hub load charges`: the weekly charges of each property by code and effective dates. A rent
/// change is a new row with a later effective date: the property's open-ended charge of the same
/// code is closed the day before. A row for an existing property, code and effective date is
/// refused (it has been charged); so is any overlap with a charge already in the hub.
public enum ChargesLoad: LoadKind {
    public static let kind = "charges"
    public static let jobName = "load-charges"
    /// A charges load can be reversed, newest first: its rows are removed, the charges it closed
    /// are reopened, and the next rent debit adjusts the weeks affected (a rewind takes a faulty
    /// load out this way). A wrong charge can also be corrected by a new row with a later date.
    public static let reversal = ReversalRule.newestFirst
    public static let columns = [
        LoaderColumn("property_ref", required: true, .text, "The property charged (already loaded)."),
        LoaderColumn("charge_code", required: true, .code, "The transaction code: DBR basic rent, DSC service charge, DHE heating, DWR water rates..."),
        LoaderColumn("weekly_amount", required: true, .money(allowNegative: false), "Pounds a week with two decimals, like 98.45 (no £, no commas)."),
        LoaderColumn("effective_from", required: true, .date, "First day the amount applies, YYYY-MM-DD."),
        LoaderColumn("effective_to", required: false, .date, "Last day it applies (inclusive); empty until a later row replaces it."),
    ]
    public static let uniqueKeys = [["property_ref", "charge_code", "effective_from"]]
    public static let tables = ["weekly_charges"]
    public static let totalColumn: String? = "weekly_amount"

    public static func rowProblems(_ row: LoadRow) -> [LoadProblem] {
        if let from = row.day("effective_from"), let to = row.day("effective_to"), to < from {
            return [LoadProblem(line: row.line, column: "effective_to", value: row.raw["effective_to"], reason: "the charge ends before it starts (\(from.iso))")]
        }
        return []
    }

    public static func checks(_ context: LoadContext) -> [SQLQuery] {
        [
            """
            SELECT s.line, 'property_ref', s.property_ref, 'there is no property ' || s.property_ref || ': load it in a properties file first'
            FROM load_stage s WHERE NOT EXISTS (SELECT 1 FROM properties p WHERE p.property_ref = s.property_ref)
            """,
            """
            SELECT s.line, 'effective_from', s.effective_from::text,
                   'property ' || s.property_ref || ' already has a ' || s.charge_code || ' charge from ' || w.effective_from || ' of '
                   || to_char(w.weekly_pence / 100.0, 'FM999999990.00') || ' a week: a charge in the ledger cannot be changed by a load; load a new row with a later effective date instead'
            FROM load_stage s JOIN properties p ON p.property_ref = s.property_ref
            JOIN weekly_charges w ON w.property_id = p.id AND w.charge_code = s.charge_code AND w.effective_from = s.effective_from
            """,
            """
            SELECT s.line, 'effective_from', s.effective_from::text,
                   'the ' || s.charge_code || ' charge overlaps the one on line ' || o.line || ' (' || o.effective_from || ' to ' || COALESCE(o.effective_to::text, 'open') || '): end the earlier one the day before the later starts'
            FROM load_stage s JOIN load_stage o ON o.property_ref = s.property_ref AND o.charge_code = s.charge_code AND o.line <> s.line
            WHERE daterange(s.effective_from, s.effective_to, '[]') && daterange(o.effective_from, o.effective_to, '[]')
            """,
            """
            SELECT s.line, 'effective_from', s.effective_from::text,
                   'the ' || s.charge_code || ' charge overlaps the hub''s charge from ' || w.effective_from || ' to ' || COALESCE(w.effective_to::text, 'open') || ' of property ' || s.property_ref
            FROM load_stage s JOIN properties p ON p.property_ref = s.property_ref
            JOIN weekly_charges w ON w.property_id = p.id AND w.charge_code = s.charge_code AND w.effective_from <> s.effective_from
            WHERE daterange(s.effective_from, s.effective_to, '[]') && daterange(w.effective_from, w.effective_to, '[]')
              AND NOT (w.effective_to IS NULL AND w.effective_from < s.effective_from)
            """,
        ]
    }

    public static func apply(_ context: LoadContext) throws -> [String: Int] {
        let db = context.connection
        let closed = try db.queryOne(
            """
            WITH firsts AS (
                SELECT p.id AS property_id, s.charge_code, min(s.effective_from) AS first_from
                FROM load_stage s JOIN properties p ON p.property_ref = s.property_ref GROUP BY 1, 2),
            closed AS (
                UPDATE weekly_charges w SET effective_to = f.first_from - 1 FROM firsts f
                WHERE w.property_id = f.property_id AND w.charge_code = f.charge_code AND w.effective_to IS NULL AND w.effective_from < f.first_from
                RETURNING w.property_id, w.charge_code, w.effective_from, w.effective_to),
            audited AS (
                INSERT INTO audit_events (action, entity, entity_ref, run_id, details)
                SELECT 'close-charge', 'property', p.property_ref, $1, jsonb_build_object('file', $2::text, 'charge_code', c.charge_code,
                    'effective_from', c.effective_from, 'old', jsonb_build_object('effective_to', NULL), 'new', jsonb_build_object('effective_to', c.effective_to))
                FROM closed c JOIN properties p ON p.id = c.property_id RETURNING 1)
            SELECT count(*) FROM audited
            """, [context.runId, context.file])!.int64(0)
        let inserted = try db.execute(
            """
            INSERT INTO weekly_charges (property_id, charge_code, weekly_pence, effective_from, effective_to, run_id)
            SELECT p.id, s.charge_code, s.weekly_amount, s.effective_from, s.effective_to, \(context.runId)
            FROM load_stage s JOIN properties p ON p.property_ref = s.property_ref ORDER BY s.line
            """).affectedRows
        var counts = ["inserted": inserted, "earlier charges closed": Int(closed)]
        for row in try db.query("SELECT charge_code, count(*) FROM load_stage GROUP BY 1") {
            counts["code \(row.text(0)!)"] = Int(row.int64(1))
        }
        return counts
    }
}
