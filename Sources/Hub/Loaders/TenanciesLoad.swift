import Foundation
import HousingFinance
import Postgres

/// `hub load tenancies`: who is liable for which property from when to when. A tenancy already in
/// the hub is updated where the file differs (an end date entered, a name corrected), with an
/// audit event; the rent debit then adjusts the weeks affected. A tenancy never moves to another
/// property.
public enum TenanciesLoad: LoadKind {
    public static let kind = "tenancies"
    public static let jobName = "load-tenancies"
    public static let reversal = ReversalRule.never("reference data is corrected by loading a file with the corrected rows; each change is audited")
    public static let columns = [
        LoaderColumn("tenancy_ref", required: true, .text, "The tenancy's reference in the housing system; unique."),
        LoaderColumn("property_ref", required: true, .text, "The property let (already loaded)."),
        LoaderColumn("start_date", required: true, .date, "First day the tenant is liable, YYYY-MM-DD."),
        LoaderColumn("end_date", required: false, .date, "Last day the tenant is liable (inclusive); empty while the tenancy is live."),
        LoaderColumn("tenants", required: true, .list, "The tenants' names, separated by ';' (two or more for a joint tenancy)."),
        LoaderColumn("furnished", required: true, .boolean, "yes or no."),
        LoaderColumn("tenure", inHeader: false, required: false, .choice(["secure", "introductory", "flexible", "demoted", "licence", "assured", "starter"]), "secure (default), introductory, flexible, demoted, licence, assured or starter."),
        LoaderColumn("forwarding_address", inHeader: false, required: false, .text, maxLength: 250, "Where to write after the tenancy ends."),
        LoaderColumn("correspondence_address", inHeader: false, required: false, .text, maxLength: 250, "Where to write if not the property."),
    ]
    public static let uniqueKeys = [["tenancy_ref"]]
    public static let tables = ["tenancies"]
    public static let totalColumn: String? = nil

    public static func rowProblems(_ row: LoadRow) -> [LoadProblem] {
        if let start = row.day("start_date"), let end = row.day("end_date"), end < start {
            return [LoadProblem(line: row.line, column: "end_date", value: row.raw["end_date"], reason: "the tenancy ends before it starts (\(start.iso))")]
        }
        return []
    }

    static func newValues(_ context: LoadContext) -> [(String, String)] {
        [
            ("start_date", "s.start_date"), ("end_date", "s.end_date"), ("tenants", "string_to_array(s.tenants, ';')"),
            ("furnished", "s.furnished"),
            ("tenure", context.newValue("tenure", existing: "t", whenEmpty: "'secure'")),
            ("forwarding_address", context.newValue("forwarding_address", existing: "t")),
            ("correspondence_address", context.newValue("correspondence_address", existing: "t")),
        ]
    }

    public static func checks(_ context: LoadContext) -> [SQLQuery] {
        [
            """
            SELECT s.line, 'property_ref', s.property_ref, 'there is no property ' || s.property_ref || ': load it in a properties file first'
            FROM load_stage s WHERE NOT EXISTS (SELECT 1 FROM properties p WHERE p.property_ref = s.property_ref)
            """,
            """
            SELECT s.line, 'property_ref', s.property_ref,
                   'tenancy ' || s.tenancy_ref || ' is of property ' || p.property_ref || ': a tenancy cannot move to another property; end it and load a new tenancy'
            FROM load_stage s JOIN tenancies t ON t.tenancy_ref = s.tenancy_ref JOIN properties p ON p.id = t.property_id
            WHERE p.property_ref <> s.property_ref
            """,
            // Two tenancies of one property may not overlap (in the file, or with the hub's).
            """
            WITH others AS (
                SELECT line, tenancy_ref, property_ref, start_date, end_date FROM load_stage
                UNION ALL
                SELECT NULL, t.tenancy_ref, p.property_ref, t.start_date, t.end_date FROM tenancies t JOIN properties p ON p.id = t.property_id
                WHERE NOT EXISTS (SELECT 1 FROM load_stage s WHERE s.tenancy_ref = t.tenancy_ref))
            SELECT s.line, 'start_date', s.start_date::text,
                   'the tenancy overlaps tenancy ' || o.tenancy_ref || COALESCE(' (line ' || o.line || ')', ' (already in the hub)') || ' of property ' || s.property_ref
                   || ' (' || o.start_date || ' to ' || COALESCE(o.end_date::text, 'live') || ')'
            FROM load_stage s JOIN others o ON o.property_ref = s.property_ref AND o.tenancy_ref <> s.tenancy_ref
            WHERE daterange(s.start_date, s.end_date, '[]') && daterange(o.start_date, o.end_date, '[]')
            """,
        ]
    }

    public static func apply(_ context: LoadContext) throws -> [String: Int] {
        let db = context.connection
        let values = newValues(context)
        let old = "jsonb_build_object(" + values.map { "'\($0.0)', t.\($0.0)" }.joined(separator: ", ") + ")"
        let new = "jsonb_build_object(" + values.map { "'\($0.0)', \($0.1)" }.joined(separator: ", ") + ")"
        try db.execute(
            """
            WITH pairs AS (
                SELECT s.line, t.tenancy_ref, \(unescaped: old) AS was, \(unescaped: new) AS became
                FROM load_stage s JOIN tenancies t ON t.tenancy_ref = s.tenancy_ref)
            INSERT INTO audit_events (action, entity, entity_ref, run_id, details)
            SELECT 'update', 'tenancy', tenancy_ref, $1, jsonb_build_object('file', $2::text, 'line', line,
                'old', (SELECT jsonb_object_agg(key, value) FROM jsonb_each(was) WHERE became -> key IS DISTINCT FROM value),
                'new', (SELECT jsonb_object_agg(key, value) FROM jsonb_each(became) WHERE was -> key IS DISTINCT FROM value))
            FROM pairs WHERE was IS DISTINCT FROM became
            """, [context.runId, context.file])
        let updated = try db.execute(
            """
            UPDATE tenancies t SET \(unescaped: values.map { "\($0.0) = \($0.1)" }.joined(separator: ", "))
            FROM load_stage s WHERE t.tenancy_ref = s.tenancy_ref
              AND (\(unescaped: values.map { "t.\($0.0)" }.joined(separator: ", "))) IS DISTINCT FROM (\(unescaped: values.map(\.1).joined(separator: ", ")))
            """).affectedRows
        let inserted = try db.execute(
            """
            INSERT INTO tenancies (tenancy_ref, property_id, start_date, end_date, tenure, furnished, tenants, correspondence_address, forwarding_address)
            SELECT s.tenancy_ref, p.id, s.start_date, s.end_date, COALESCE(s.tenure, 'secure'), s.furnished, string_to_array(s.tenants, ';'),
                   s.correspondence_address, s.forwarding_address
            FROM load_stage s JOIN properties p ON p.property_ref = s.property_ref
            WHERE NOT EXISTS (SELECT 1 FROM tenancies t WHERE t.tenancy_ref = s.tenancy_ref)
            ORDER BY s.line
            """).affectedRows
        let counts = try db.queryOne(
            "SELECT count(*), count(*) FILTER (WHERE strpos(tenants, ';') > 0), count(*) FILTER (WHERE end_date IS NOT NULL) FROM load_stage")!
        return [
            "inserted": inserted, "updated": updated, "unchanged": Int(counts.int64(0)) - inserted - updated,
            "joint tenancies": Int(counts.int64(1)), "ended tenancies": Int(counts.int64(2)),
        ]
    }
}
