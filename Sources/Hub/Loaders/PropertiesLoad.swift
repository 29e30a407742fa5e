import Foundation
import HousingFinance
import Postgres

/// `hub load properties`: the council's homes. A property already in the hub is updated where the
/// file differs, with an audit event holding the old and new values.
public enum PropertiesLoad: LoadKind {
    public static let kind = "properties"
    public static let jobName = "load-properties"
    public static let reversal = ReversalRule.never("reference data is corrected by loading a file with the corrected rows; each change is audited")
    public static let columns = [
        LoaderColumn("property_ref", required: true, .text, "The property's reference in the housing system; unique."),
        LoaderColumn("uprn", required: false, .text, maxLength: 12, "Unique Property Reference Number: 1 to 12 digits."),
        LoaderColumn("address", required: true, .text, maxLength: 250, "The postal address without the postcode (quote it if it has commas)."),
        LoaderColumn("postcode", required: true, .postcode, "UK postcode, like AB1 2CD."),
        LoaderColumn("council_tax_ref", required: false, .text, "The council tax property reference."),
        LoaderColumn("bedrooms", required: true, .integer(0...20), "Number of bedrooms, 0 for a bedsit."),
        LoaderColumn("property_type", inHeader: false, required: false, .choice(["house", "flat", "bungalow", "maisonette", "bedsit"]), "house, flat, bungalow, maisonette or bedsit (default house)."),
        LoaderColumn("owned_from", inHeader: false, required: false, .date, "First day the council owns it, YYYY-MM-DD (default: always)."),
        LoaderColumn("owned_to", inHeader: false, required: false, .date, "Last day the council owns it (sold, demolished); empty while owned."),
    ]
    public static let uniqueKeys = [["property_ref"]]
    public static let tables = ["properties"]
    public static let totalColumn: String? = nil

    public static func rowProblems(_ row: LoadRow) -> [LoadProblem] {
        var problems: [LoadProblem] = []
        if let uprn = row.text("uprn"), !(1...12).contains(uprn.count) || !uprn.allSatisfy({ $0.isASCII && $0.isNumber }) {
            problems.append(LoadProblem(line: row.line, column: "uprn", value: row.raw["uprn"], reason: "a UPRN is 1 to 12 digits"))
        }
        if let from = row.day("owned_from"), let to = row.day("owned_to"), to < from {
            problems.append(LoadProblem(line: row.line, column: "owned_to", value: row.raw["owned_to"], reason: "ownership ends before it starts (\(from.iso))"))
        }
        return problems
    }

    /// The new values of an existing property's columns, as SQL over `s` (stage) and `p` (existing).
    static func newValues(_ context: LoadContext) -> [(String, String)] {
        [
            ("uprn", "s.uprn"), ("address", "s.address"), ("postcode", "s.postcode"), ("council_tax_ref", "s.council_tax_ref"),
            ("bedrooms", "s.bedrooms::integer"),
            ("property_type", context.newValue("property_type", existing: "p", whenEmpty: "'house'")),
            ("owned_from", context.newValue("owned_from", existing: "p", whenEmpty: "DATE '1900-01-01'")),
            ("owned_to", context.newValue("owned_to", existing: "p")),
        ]
    }

    public static func checks(_ context: LoadContext) -> [SQLQuery] {
        let values = Dictionary(uniqueKeysWithValues: newValues(context))
        return [
            """
            SELECT s.line, 'owned_to', (\(unescaped: values["owned_to"]!))::text,
                   'ownership would end before it starts (' || (\(unescaped: values["owned_from"]!))::text || ')'
            FROM load_stage s JOIN properties p ON p.property_ref = s.property_ref
            WHERE (\(unescaped: values["owned_to"]!)) < (\(unescaped: values["owned_from"]!))
            """
        ]
    }

    public static func apply(_ context: LoadContext) throws -> [String: Int] {
        let db = context.connection
        let values = newValues(context)
        let old = "jsonb_build_object(" + values.map { "'\($0.0)', p.\($0.0)" }.joined(separator: ", ") + ")"
        let new = "jsonb_build_object(" + values.map { "'\($0.0)', \($0.1)" }.joined(separator: ", ") + ")"
        _ = try db.queryOne(
            """
            WITH pairs AS (
                SELECT s.line, p.property_ref, \(unescaped: old) AS was, \(unescaped: new) AS became
                FROM load_stage s JOIN properties p ON p.property_ref = s.property_ref),
            audited AS (
                INSERT INTO audit_events (action, entity, entity_ref, run_id, details)
                SELECT 'update', 'property', property_ref, $1, jsonb_build_object('file', $2::text, 'line', line,
                    'old', (SELECT jsonb_object_agg(key, value) FROM jsonb_each(was) WHERE became -> key IS DISTINCT FROM value),
                    'new', (SELECT jsonb_object_agg(key, value) FROM jsonb_each(became) WHERE was -> key IS DISTINCT FROM value))
                FROM pairs WHERE was IS DISTINCT FROM became RETURNING 1)
            SELECT count(*) FROM audited
            """, [context.runId, context.file])!.int64(0)
        let updated = try db.execute(
            """
            UPDATE properties p SET \(unescaped: values.map { "\($0.0) = \($0.1)" }.joined(separator: ", "))
            FROM load_stage s WHERE p.property_ref = s.property_ref
              AND (\(unescaped: values.map { "p.\($0.0)" }.joined(separator: ", "))) IS DISTINCT FROM (\(unescaped: values.map(\.1).joined(separator: ", ")))
            """).affectedRows
        let inserted = try db.execute(
            """
            INSERT INTO properties (property_ref, uprn, address, postcode, council_tax_ref, bedrooms, property_type, owned_from, owned_to)
            SELECT s.property_ref, s.uprn, s.address, s.postcode, s.council_tax_ref, s.bedrooms, COALESCE(s.property_type, 'house'),
                   COALESCE(s.owned_from, DATE '1900-01-01'), s.owned_to
            FROM load_stage s WHERE NOT EXISTS (SELECT 1 FROM properties p WHERE p.property_ref = s.property_ref)
            ORDER BY s.line
            """).affectedRows
        let total = try db.queryOne("SELECT count(*) FROM load_stage")!.int64(0)
        return ["inserted": inserted, "updated": updated, "unchanged": Int(total) - inserted - updated]
    }
}
