import BankFiles
import Foundation
import HousingFinance
import Postgres

/// The report of a repairs reference-data load.
public struct RepairsLoadReport: JobReport {
    public var kind: String
    public var file: String
    public var sha256: String
    public var rows: Int
    public var details: [String: Int]
    public var counts: [String: Int] { details.merging(["rows": rows]) { a, _ in a } }
    public var warnings: [String] { [] }
    public func render() -> String {
        var lines = ["Loaded \(kind) from \(file) (SHA-256 \(Wording.shortHash(sha256))): \(Wording.count(rows, "row"))"]
        for key in details.keys.sorted() { lines.append("  \(key): \(Wording.number(details[key]!))") }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// What the three repairs loads share: a CSV with a header row of named columns, every bad row
/// reported (line, column, value, reason) and nothing loaded if there is one, the same file
/// (SHA-256) never loaded twice.
struct RepairsCSV {
    let file: CSVTableFile
    let columns: [String: Int]
    var problems: [LoadProblem] = []

    /// Reads the file and its header.
    /// - Throws: `RunError.badInput` for a file that is not CSV or has not the columns.
    init(bytes: [UInt8], name: String, required: [String], optional: [String] = []) throws {
        do { file = try CSVTableFile(bytes: bytes, name: name, limits: .loader) } catch {
            throw RunError(.badInput, "\(error)")
        }
        guard let header = file.records.first else {
            throw RunError(.badInput, "\(name): the file is empty; it needs a header row: \(required.joined(separator: ","))")
        }
        var columns: [String: Int] = [:]
        var headerProblems: [String] = []
        for (index, raw) in header.fields.enumerated() {
            let name = raw.trimmingSpaces.lowercased()
            if !(required + optional).contains(name) { headerProblems.append("column \(index + 1) \(Wording.shortQuote(raw)) is not a column of this file") }
            if columns[name] != nil { headerProblems.append("column \(Wording.shortQuote(name)) appears twice") }
            columns[name] = index
        }
        for name in required where columns[name] == nil { headerProblems.append("the column \(Wording.shortQuote(name)) is missing") }
        if !headerProblems.isEmpty {
            throw RunError(.badInput, "\(name): line \(header.line) (the header): " + headerProblems.joined(separator: "; ")
                + ". The header must name the columns \(required.joined(separator: ","))" + (optional.isEmpty ? "" : " (optional: \(optional.joined(separator: ",")))"))
        }
        self.columns = columns
    }

    var rows: ArraySlice<CSVTableFile.Record> { file.records.dropFirst() }

    func value(_ record: CSVTableFile.Record, _ column: String) -> String {
        guard let index = columns[column], index < record.fields.count else { return "" }
        return String(record.fields[index].trimmingSpaces)
    }

    mutating func problem(_ record: CSVTableFile.Record, _ column: String, _ reason: String) {
        problems.append(LoadProblem(line: record.line, column: column, value: value(record, column), reason: reason))
    }

    /// Checks the record's field count; false (and a problem) if it is wrong.
    mutating func checkWidth(_ record: CSVTableFile.Record) -> Bool {
        if record.fields.count != file.records[0].fields.count {
            problems.append(LoadProblem(
                line: record.line, column: "(row)", value: record.fields.joined(separator: ","),
                reason: "has \(record.fields.count) fields; the header has \(file.records[0].fields.count)"))
            return false
        }
        return true
    }

    mutating func code(_ record: CSVTableFile.Record, _ column: String) -> String? {
        let text = value(record, column)
        guard (1...16).contains(text.count), text.allSatisfy({ $0.isASCIIDigit || ($0.isASCII && $0.isUppercase) }) else {
            problem(record, column, "a SOR code is 1 to 16 capital letters and digits")
            return nil
        }
        return text
    }

    mutating func day(_ record: CSVTableFile.Record, _ column: String, optional: Bool = false) -> Day?? {
        let text = value(record, column)
        if text.isEmpty && optional { return .some(nil) }
        guard let day = Day(iso: text) else {
            problem(record, column, optional ? "not a date YYYY-MM-DD (leave it empty for no end)" : "not a date YYYY-MM-DD")
            return nil
        }
        return .some(day)
    }

    mutating func money(_ record: CSVTableFile.Record, _ column: String) -> Money? {
        do {
            let money = try Money(parsing: value(record, column))
            guard money >= .zero else { problem(record, column, "must not be negative"); return nil }
            return money
        } catch {
            problem(record, column, "not an amount in pounds with at most two decimals, like 12.50")
            return nil
        }
    }

    mutating func text(_ record: CSVTableFile.Record, _ column: String, max: Int) -> String? {
        let text = value(record, column)
        guard !text.isEmpty, text.count <= max else { problem(record, column, "must be 1 to \(max) characters"); return nil }
        return text
    }

    /// Throws every problem found, if any.
    func throwProblems() throws {
        guard !problems.isEmpty else { return }
        let shown = problems.prefix(200)
        throw RunError(.badInput, "\(file.name): \(Wording.count(problems.count, "bad value")); nothing was loaded. Correct them and load the file again:\n  "
            + shown.map(\.description).joined(separator: "\n  ") + (problems.count > shown.count ? "\n  ... and \(problems.count - shown.count) more" : ""))
    }

    /// Refuses a file loaded before (by its SHA-256), whatever it was loaded as.
    static func refuseIfLoaded(sha256: String, fileName: String, context: RunContext) throws {
        if let earlier = try context.connection.queryOne(
            "SELECT kind, file_name, run_id, loaded_at FROM loaded_files WHERE sha256 = $1", [sha256])
        {
            throw RunError(
                .alreadyCompleted,
                "\(fileName) was already loaded (as \(earlier.text(0) ?? "?") \(Wording.shortQuote(earlier.text(1) ?? "?")) by run \(earlier.text(2) ?? "?") at \(try earlier.decode(Date?.self, 3).map(Timestamp.text) ?? "?")): the same file (SHA-256 \(sha256)) is never loaded twice",
                runId: try earlier.decode(Int64.self, 2))
        }
    }

    /// Records a loaded file.
    static func recordLoad(sha256: String, kind: String, fileName: String, rows: Int, context: RunContext) throws {
        try context.connection.execute(
            "INSERT INTO loaded_files (sha256, kind, file_name, rows, run_id) VALUES ($1, $2, $3, $4, $5)",
            [sha256, kind, fileName, rows, context.runId])
        try context.connection.execute(
            "INSERT INTO audit_events (action, entity, entity_ref, run_id, details) VALUES ('load', $1, $2, $3, jsonb_build_object('file', $4::text, 'rows', $5::int))",
            [kind, sha256, context.runId, fileName, rows])
    }
}

/// `hub load sor FILE.csv`: the Schedule of Rates. Columns `code,description,unit,base_price,
/// effective_from,effective_to` (effective_to empty = open-ended). A price change is a new row
/// from its first day; the earlier row need not be closed (the latest start in force wins).
public struct LoadSORJob: Job {
    public static let name = "load-sor"
    public static var reversal: ReversalRule { JobRules.reversal(of: name) }
    public static let columns = ["code", "description", "unit", "base_price", "effective_from", "effective_to"]

    public let fileName: String
    public let bytes: [UInt8]
    public init(fileName: String, bytes: [UInt8]) {
        self.fileName = fileName
        self.bytes = bytes
        self.businessKey = SHA256.hex(SHA256.hash(bytes))
    }
    /// The file's SHA-256 (hex), computed once.
    public let businessKey: String
    public var parameters: [String: String] { ["file": fileName, "sha256": businessKey] }

    /// Reads and checks the file without the database.
    /// - Throws: `RunError.badInput` listing every bad value.
    public static func parse(bytes: [UInt8], name: String) throws -> [ContractPricing.Rate] {
        var csv = try RepairsCSV(bytes: bytes, name: name, required: columns)
        var rates: [ContractPricing.Rate] = []
        var seen: [String: Int] = [:]
        for record in csv.rows {
            guard csv.checkWidth(record) else { continue }
            let code = csv.code(record, "code")
            let description = csv.text(record, "description", max: 200)
            let unit = csv.text(record, "unit", max: 20)
            let price = csv.money(record, "base_price")
            let from = csv.day(record, "effective_from")
            let to = csv.day(record, "effective_to", optional: true)
            guard let code, let description, let unit, let price, let from = from ?? nil, let to else { continue }
            if let to, to < from { csv.problem(record, "effective_to", "is before effective_from \(from.iso)"); continue }
            if let line = seen["\(code) \(from.iso)"] {
                csv.problem(record, "effective_from", "\(code) from \(from.iso) is already on line \(line)")
                continue
            }
            seen["\(code) \(from.iso)"] = record.line
            rates.append(ContractPricing.Rate(code: code, description: description, unit: unit, basePrice: price, effectiveFrom: from, effectiveTo: to))
        }
        try csv.throwProblems()
        return rates
    }

    public func run(in context: RunContext) throws -> RepairsLoadReport {
        try RepairsCSV.refuseIfLoaded(sha256: businessKey, fileName: fileName, context: context)
        let rates = try Self.parse(bytes: bytes, name: fileName)
        try RepairsCSV.recordLoad(sha256: businessKey, kind: "sor", fileName: fileName, rows: rates.count, context: context)
        try context.connection.copyIn(
            table: "sor_rates", columns: ["code", "description", "unit", "base_pence", "effective_from", "effective_to", "run_id"]
        ) { rows in
            for rate in rates {
                try rows.beginRow(columns: 7)
                rows.write(rate.code)
                rows.write(rate.description)
                rows.write(rate.unit)
                rows.write(rate.basePrice.pence)
                rows.writeDate(daysSince1970: rate.effectiveFrom.daysSinceEpoch)
                if let to = rate.effectiveTo { rows.writeDate(daysSince1970: to.daysSinceEpoch) } else { rows.writeNull() }
                rows.write(context.runId)
            }
        }
        return RepairsLoadReport(
            kind: "schedule of rates", file: fileName, sha256: businessKey, rows: rates.count,
            details: ["codes": Set(rates.map(\.code)).count])
    }
}

/// `hub load contract-terms FILE.csv`: the contract's uplift and per-code prices. Columns
/// `term,sor_code,value,effective_from,effective_to`: `uplift` rows leave `sor_code` empty and give
/// a percentage (`12.5`); `override` rows give the code's contract price in pounds.
public struct LoadContractTermsJob: Job {
    public static let name = "load-contract-terms"
    public static var reversal: ReversalRule { JobRules.reversal(of: name) }
    public static let columns = ["term", "sor_code", "value", "effective_from", "effective_to"]

    public let fileName: String
    public let bytes: [UInt8]
    public init(fileName: String, bytes: [UInt8]) {
        self.fileName = fileName
        self.bytes = bytes
        self.businessKey = SHA256.hex(SHA256.hash(bytes))
    }
    /// The file's SHA-256 (hex), computed once.
    public let businessKey: String
    public var parameters: [String: String] { ["file": fileName, "sha256": businessKey] }

    /// Reads and checks the file without the database.
    /// - Throws: `RunError.badInput` listing every bad value.
    public static func parse(bytes: [UInt8], name: String) throws -> (uplifts: [ContractPricing.Uplift], overrides: [ContractPricing.Override]) {
        var csv = try RepairsCSV(bytes: bytes, name: name, required: columns)
        var uplifts: [ContractPricing.Uplift] = []
        var overrides: [ContractPricing.Override] = []
        for record in csv.rows {
            guard csv.checkWidth(record) else { continue }
            let term = csv.value(record, "term").lowercased()
            let from = csv.day(record, "effective_from")
            let to = csv.day(record, "effective_to", optional: true)
            switch term {
            case "uplift":
                if !csv.value(record, "sor_code").isEmpty { csv.problem(record, "sor_code", "an uplift applies to every code: leave sor_code empty") }
                var basisPoints: Int64?
                if let percent = try? Money(parsing: csv.value(record, "value")), !csv.value(record, "value").contains("£"), percent.pence > -10_000 {
                    basisPoints = percent.pence
                } else {
                    csv.problem(record, "value", "an uplift is a percentage with at most two decimals, like 12.5")
                }
                guard let basisPoints, let from = from ?? nil, let to else { continue }
                if let to, to < from { csv.problem(record, "effective_to", "is before effective_from \(from.iso)"); continue }
                uplifts.append(ContractPricing.Uplift(basisPoints: basisPoints, effectiveFrom: from, effectiveTo: to))
            case "override":
                let code = csv.code(record, "sor_code")
                let price = csv.money(record, "value")
                guard let code, let price, let from = from ?? nil, let to else { continue }
                if let to, to < from { csv.problem(record, "effective_to", "is before effective_from \(from.iso)"); continue }
                overrides.append(ContractPricing.Override(code: code, price: price, effectiveFrom: from, effectiveTo: to))
            default:
                csv.problem(record, "term", "must be uplift or override")
            }
        }
        try csv.throwProblems()
        return (uplifts, overrides)
    }

    public func run(in context: RunContext) throws -> RepairsLoadReport {
        try RepairsCSV.refuseIfLoaded(sha256: businessKey, fileName: fileName, context: context)
        let terms = try Self.parse(bytes: bytes, name: fileName)
        try RepairsCSV.recordLoad(
            sha256: businessKey, kind: "contract-terms", fileName: fileName, rows: terms.uplifts.count + terms.overrides.count, context: context)
        for uplift in terms.uplifts {
            try context.connection.execute(
                "INSERT INTO contract_uplifts (basis_points, effective_from, effective_to, run_id) VALUES ($1, $2, $3, $4)",
                [uplift.basisPoints, uplift.effectiveFrom, uplift.effectiveTo, context.runId])
        }
        for override in terms.overrides {
            try context.connection.execute(
                "INSERT INTO contract_overrides (code, price_pence, effective_from, effective_to, run_id) VALUES ($1, $2, $3, $4, $5)",
                [override.code, override.price.pence, override.effectiveFrom, override.effectiveTo, context.runId])
        }
        return RepairsLoadReport(
            kind: "contract terms", file: fileName, sha256: businessKey, rows: terms.uplifts.count + terms.overrides.count,
            details: ["uplifts": terms.uplifts.count, "overrides": terms.overrides.count])
    }
}

/// `hub load repair-orders FILE.csv`: repair orders as raised, one row per line. Columns
/// `job_number,property_ref,priority,raised_date,estimated_value,sor_code,quantity`; the rows of
/// one job repeat its property, priority, raised date and estimate, which must agree.
public struct LoadRepairOrdersJob: Job {
    public static let name = "load-repair-orders"
    public static var reversal: ReversalRule { JobRules.reversal(of: name) }
    public static let columns = ["job_number", "property_ref", "priority", "raised_date", "estimated_value", "sor_code", "quantity"]

    /// One raised order, as read.
    public struct Order: Hashable, Sendable {
        public var line: Int
        public var jobNumber: String
        public var propertyRef: String
        public var priority: SalesOrder.Priority
        public var raisedDate: Day
        public var estimate: Money
        public var lines: [(code: String, quantity: SalesOrder.Quantity, fileLine: Int)]
        public static func == (a: Order, b: Order) -> Bool { a.jobNumber == b.jobNumber && a.line == b.line }
        public func hash(into hasher: inout Hasher) { hasher.combine(jobNumber) }
    }

    public let fileName: String
    public let bytes: [UInt8]
    public init(fileName: String, bytes: [UInt8]) {
        self.fileName = fileName
        self.bytes = bytes
        self.businessKey = SHA256.hex(SHA256.hash(bytes))
    }
    /// The file's SHA-256 (hex), computed once.
    public let businessKey: String
    public var parameters: [String: String] { ["file": fileName, "sha256": businessKey] }

    /// Reads and checks the file; with a connection, also against the database (the property
    /// exists, the job is not loaded already, the SOR code is in the schedule).
    /// - Throws: `RunError.badInput` listing every bad value.
    public static func parse(bytes: [UInt8], name: String, checkingAgainst db: Connection? = nil) throws -> [Order] {
        var csv = try RepairsCSV(bytes: bytes, name: name, required: columns)
        var orders: [String: Order] = [:]
        var order: [String] = []
        var properties: [String: Bool] = [:]
        var codes: Set<String>?
        if let db {
            codes = Set(try db.query("SELECT DISTINCT code FROM sor_rates UNION SELECT DISTINCT code FROM contract_overrides").compactMap { $0.text(0) })
        }
        for record in csv.rows {
            guard csv.checkWidth(record) else { continue }
            let job = csv.value(record, "job_number")
            var good = true
            if job.isEmpty || job.count > 30 || !job.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline && $0.asciiValue! > 0x20 && $0.asciiValue! < 0x7F }) {
                csv.problem(record, "job_number", "a job number is 1 to 30 printable characters with no spaces")
                good = false
            }
            let property = csv.value(record, "property_ref")
            if property.isEmpty || property.count > 30 || property.contains(" ") {
                csv.problem(record, "property_ref", "a property reference is 1 to 30 characters with no spaces")
                good = false
            } else if let db {
                if properties[property] == nil {
                    properties[property] = try db.queryOne("SELECT 1 FROM properties WHERE property_ref = $1", [property]) != nil
                }
                if properties[property] == false { csv.problem(record, "property_ref", "no such property in the hub"); good = false }
            }
            let priority = SalesOrder.Priority(rawValue: csv.value(record, "priority").uppercased())
            if priority == nil { csv.problem(record, "priority", "must be IMMEDIATE, EMERGENCY, URGENT or NORMAL"); good = false }
            let raised = csv.day(record, "raised_date") ?? nil
            let estimate = csv.money(record, "estimated_value")
            let code = csv.code(record, "sor_code")
            if let code, let codes, !codes.contains(code) { csv.problem(record, "sor_code", "not in the schedule of rates (load it first with hub load sor)"); good = false }
            let quantity = SalesOrder.Quantity(parsing: csv.value(record, "quantity"))
            if quantity == nil || quantity!.hundredths <= 0 {
                csv.problem(record, "quantity", "must be a number above zero with at most two decimals")
                good = false
            }
            guard good, let priority, let raised, let estimate, let code, let quantity else { continue }
            if var existing = orders[job] {
                var agrees = true
                for (column, same) in [
                    ("property_ref", existing.propertyRef == property), ("priority", existing.priority == priority),
                    ("raised_date", existing.raisedDate == raised), ("estimated_value", existing.estimate == estimate),
                ] where !same {
                    csv.problem(record, column, "differs from job \(job)'s first row (line \(existing.line))")
                    agrees = false
                }
                if agrees {
                    existing.lines.append((code, quantity, record.line))
                    orders[job] = existing
                }
            } else {
                if let db, try db.queryOne("SELECT 1 FROM repair_orders WHERE job_number = $1", [job]) != nil {
                    csv.problem(record, "job_number", "job \(job) was loaded already")
                    continue
                }
                orders[job] = Order(
                    line: record.line, jobNumber: job, propertyRef: property, priority: priority, raisedDate: raised, estimate: estimate,
                    lines: [(code, quantity, record.line)])
                order.append(job)
            }
        }
        try csv.throwProblems()
        return order.map { orders[$0]! }
    }

    public func run(in context: RunContext) throws -> RepairsLoadReport {
        let db = context.connection
        try RepairsCSV.refuseIfLoaded(sha256: businessKey, fileName: fileName, context: context)
        let orders = try Self.parse(bytes: bytes, name: fileName, checkingAgainst: db)
        try RepairsCSV.recordLoad(sha256: businessKey, kind: "repair-orders", fileName: fileName, rows: orders.reduce(0) { $0 + $1.lines.count }, context: context)
        for order in orders {
            let id = try db.queryOne(
                """
                INSERT INTO repair_orders (job_number, property_id, priority, raised_date, estimate_pence, run_id)
                SELECT $1, id, $3, $4, $5, $6 FROM properties WHERE property_ref = $2 RETURNING id
                """, [order.jobNumber, order.propertyRef, order.priority.rawValue, order.raisedDate, order.estimate.pence, context.runId])!
                .decode(Int64.self, 0)
            for (number, line) in order.lines.enumerated() {
                try db.execute(
                    "INSERT INTO repair_order_lines (repair_order_id, line_number, sor_code, quantity_hundredths) VALUES ($1, $2, $3, $4)",
                    [id, number + 1, line.code, line.quantity.hundredths])
            }
        }
        return RepairsLoadReport(
            kind: "repair orders", file: fileName, sha256: businessKey, rows: orders.reduce(0) { $0 + $1.lines.count },
            details: ["orders": orders.count])
    }
}
