import Foundation
import HousingFinance
import Postgres

// The repairs reference-data loads, kinds of the loaders' `LoadJob` (Sources/Hub/Loaders): the same
// header rules, every bad row reported, all or nothing, the same file (SHA-256) never loaded twice.
// Layouts and limits: Interfaces/inbound/repairs/README.md.

/// `hub load sor FILE.csv`: the Schedule of Rates. A price change is a new row from its first day;
/// the earlier row need not be closed (the latest start in force wins).
public enum SORLoad: LoadKind {
    public static let kind = "sor"
    public static let title = "schedule of rates"
    public static let jobName = "load-sor"
    public static var reversal: ReversalRule { JobRules.reversal(of: jobName) }
    public static let columns = [
        LoaderColumn("code", required: true, .sorCode, maxLength: 16, "The SOR code: capital letters and digits."),
        LoaderColumn("description", required: true, .text, maxLength: 200, "What the work is."),
        LoaderColumn("unit", required: true, .text, maxLength: 20, "The unit it is priced in (each, m2, room)."),
        LoaderColumn("base_price", required: true, .money(allowNegative: false), "The base price of one unit, in pounds."),
        LoaderColumn("effective_from", required: true, .date, "The first day of the price. YYYY-MM-DD."),
        LoaderColumn("effective_to", required: false, .date, "The last day of the price; empty = open-ended."),
    ]
    // The date first, so that a duplicate is reported in the column a user changes to mend it.
    public static let uniqueKeys = [["effective_from", "code"]]
    public static let totalColumn: String? = nil
    public static let tables = ["sor_rates"]

    public static func rowProblems(_ row: LoadRow) -> [LoadProblem] { RepairsLoads.periodProblems(row) }

    public static func checks(_ context: LoadContext) -> [SQLQuery] { [] }

    public static func apply(_ context: LoadContext) throws -> [String: Int] {
        try context.connection.execute(
            """
            INSERT INTO sor_rates (code, description, unit, base_pence, effective_from, effective_to, run_id)
            SELECT code, description, unit, base_price, effective_from, effective_to, \(context.runId) FROM load_stage ORDER BY line
            """)
        let codes = try context.connection.queryOne("SELECT count(DISTINCT code) FROM load_stage")!.decode(Int.self, 0)
        return ["codes": codes]
    }
}

/// `hub load contract-terms FILE.csv`: the contract's uplift and per-code prices. `uplift` rows
/// leave `sor_code` empty and give a percentage (`12.5`); `override` rows give the code's contract
/// price in pounds.
public enum ContractTermsLoad: LoadKind {
    public static let kind = "contract-terms"
    public static let title = "contract terms"
    public static let jobName = "load-contract-terms"
    public static var reversal: ReversalRule { JobRules.reversal(of: jobName) }
    public static let columns = [
        LoaderColumn("term", required: true, .choice(["uplift", "override"]), "uplift (every code) or override (one code's price)."),
        LoaderColumn("sor_code", required: false, .sorCode, maxLength: 16, "An override's SOR code; empty for an uplift."),
        LoaderColumn("value", required: true, .hundredths(allowNegative: true), "An uplift's percentage (12.5) or an override's price in pounds."),
        LoaderColumn("effective_from", required: true, .date, "The first day of the term. YYYY-MM-DD."),
        LoaderColumn("effective_to", required: false, .date, "The last day of the term; empty = open-ended."),
    ]
    public static let uniqueKeys: [[String]] = []
    public static let totalColumn: String? = nil
    public static let tables = ["contract_uplifts", "contract_overrides"]

    public static func rowProblems(_ row: LoadRow) -> [LoadProblem] {
        var problems = RepairsLoads.periodProblems(row)
        func problem(_ column: String, _ reason: String) {
            problems.append(LoadProblem(line: row.line, column: column, value: row.raw[column]?.trimmingSpaces, reason: reason))
        }
        switch row.text("term") {
        case "uplift":
            if row.text("sor_code") != nil { problem("sor_code", "an uplift applies to every code: leave sor_code empty") }
            if let value = row.integer("value"), value <= -10_000 { problem("value", "an uplift is a percentage above -100, like 12.5") }
        case "override":
            if row.raw["sor_code"]?.trimmingSpaces.isEmpty ?? true { problem("sor_code", "an override names the SOR code it prices") }
            if let value = row.integer("value"), value < 0 { problem("value", "an override's price may not be negative") }
        default: break
        }
        return problems
    }

    public static func checks(_ context: LoadContext) -> [SQLQuery] { [] }

    public static func apply(_ context: LoadContext) throws -> [String: Int] {
        let db = context.connection
        let uplifts = try db.execute(
            """
            INSERT INTO contract_uplifts (basis_points, effective_from, effective_to, run_id)
            SELECT value, effective_from, effective_to, \(context.runId) FROM load_stage WHERE term = 'uplift' ORDER BY line
            """)
        let overrides = try db.execute(
            """
            INSERT INTO contract_overrides (code, price_pence, effective_from, effective_to, run_id)
            SELECT sor_code, value, effective_from, effective_to, \(context.runId) FROM load_stage WHERE term = 'override' ORDER BY line
            """)
        return ["uplifts": uplifts.affectedRows, "overrides": overrides.affectedRows]
    }
}

/// `hub load repair-orders FILE.csv`: repair orders as raised, one row per line; the rows of one
/// job repeat its property, priority, raised date and estimate, which must agree. The property
/// must be in the hub, each SOR code in the schedule of rates, and the job not loaded before.
public enum RepairOrdersLoad: LoadKind {
    public static let kind = "repair-orders"
    public static let title = "repair orders"
    public static let jobName = "load-repair-orders"
    public static var reversal: ReversalRule { JobRules.reversal(of: jobName) }
    public static let columns = [
        LoaderColumn("job_number", required: true, .identifier, maxLength: 30, "The contractor's job number: printable characters, no spaces."),
        LoaderColumn("property_ref", required: true, .identifier, maxLength: 30, "The property (already in the hub)."),
        LoaderColumn("priority", required: true, .choice(["immediate", "emergency", "urgent", "normal"]), "IMMEDIATE, EMERGENCY, URGENT or NORMAL."),
        LoaderColumn("raised_date", required: true, .date, "The day the job was raised. YYYY-MM-DD."),
        LoaderColumn("estimated_value", required: true, .money(allowNegative: false), "The job's estimate, in pounds."),
        LoaderColumn("sor_code", required: true, .sorCode, maxLength: 16, "The line's SOR code (in the schedule of rates)."),
        LoaderColumn("quantity", required: true, .hundredths(allowNegative: false), "The line's quantity, above zero, at most two decimals."),
    ]
    public static let uniqueKeys: [[String]] = []
    public static let totalColumn: String? = nil
    public static let tables = ["repair_orders", "repair_order_lines"]
    public static let checksUnreadableRows = true

    public static func rowProblems(_ row: LoadRow) -> [LoadProblem] {
        guard let quantity = row.integer("quantity"), quantity <= 0 else { return [] }
        return [LoadProblem(line: row.line, column: "quantity", value: row.raw["quantity"]?.trimmingSpaces, reason: "must be a number above zero with at most two decimals")]
    }

    public static func checks(_ context: LoadContext) -> [SQLQuery] {
        [
            """
            SELECT s.line, 'property_ref', s.property_ref, 'no such property in the hub'
            FROM load_stage s WHERE s.property_ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM properties p WHERE p.property_ref = s.property_ref)
            """,
            """
            SELECT s.line, 'sor_code', s.sor_code, 'not in the schedule of rates (load it first with hub load sor)'
            FROM load_stage s WHERE s.sor_code IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM sor_rates r WHERE r.code = s.sor_code)
              AND NOT EXISTS (SELECT 1 FROM contract_overrides o WHERE o.code = s.sor_code)
            """,
            """
            SELECT s.line, 'job_number', s.job_number, 'job ' || s.job_number || ' was loaded already (run ' || o.run_id || ')'
            FROM load_stage s JOIN repair_orders o ON o.job_number = s.job_number
            """,
            // A job's rows agree with its first row.
            """
            WITH firsts AS (SELECT DISTINCT ON (job_number) * FROM load_stage WHERE job_number IS NOT NULL ORDER BY job_number, line)
            SELECT s.line, c.name, c.value, 'differs from job ' || s.job_number || '''s first row (line ' || f.line || ')'
            FROM load_stage s JOIN firsts f ON f.job_number = s.job_number AND f.line <> s.line
            CROSS JOIN LATERAL (VALUES
                ('property_ref', s.property_ref, s.property_ref <> f.property_ref),
                ('priority', s.priority, s.priority <> f.priority),
                ('raised_date', s.raised_date::text, s.raised_date <> f.raised_date),
                ('estimated_value', to_char(s.estimated_value / 100.0, 'FM999999990.00'), s.estimated_value <> f.estimated_value)
            ) AS c (name, value, differs)
            WHERE c.differs
            """,
        ]
    }

    public static func apply(_ context: LoadContext) throws -> [String: Int] {
        let db = context.connection
        let orders = try db.execute(
            """
            INSERT INTO repair_orders (job_number, property_id, priority, raised_date, estimate_pence, run_id)
            SELECT s.job_number, p.id, upper(s.priority), s.raised_date, s.estimated_value, \(context.runId)
            FROM (SELECT DISTINCT ON (job_number) * FROM load_stage ORDER BY job_number, line) s
            JOIN properties p ON p.property_ref = s.property_ref
            ORDER BY s.line
            """)
        try db.execute(
            """
            INSERT INTO repair_order_lines (repair_order_id, line_number, sor_code, quantity_hundredths)
            SELECT o.id, row_number() OVER (PARTITION BY s.job_number ORDER BY s.line), s.sor_code, s.quantity
            FROM load_stage s JOIN repair_orders o ON o.job_number = s.job_number AND o.run_id = \(context.runId)
            """)
        return ["orders": orders.affectedRows]
    }
}

/// What the repairs loads share.
enum RepairsLoads {
    /// A period that ends before it starts.
    static func periodProblems(_ row: LoadRow) -> [LoadProblem] {
        guard let from = row.day("effective_from"), let to = row.day("effective_to"), to < from else { return [] }
        return [LoadProblem(line: row.line, column: "effective_to", value: to.iso, reason: "is before effective_from \(from.iso)")]
    }
}
