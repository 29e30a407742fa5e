import BankFiles
import Foundation
import HousingFinance
import Postgres

/// What one kind of loader file is: its columns, its checks and how it is applied. The kinds
/// (`PropertiesLoad`, `TenanciesLoad`, `AccountsLoad`, `ChargesLoad`, `OpeningBalancesLoad`, and
/// the repairs loads `SORLoad`, `ContractTermsLoad`, `RepairOrdersLoad`) each run as `LoadJob<Kind>`.
public protocol LoadKind: Sendable {
    /// What the file loads, as on the command line (`properties`).
    static var kind: String { get }
    /// What the file loads, in the report (`schedule of rates`); the kind unless given.
    static var title: String { get }
    /// Whether rows with a value that cannot be read are staged too (that value NULL), so that the
    /// checks report their other columns' problems as well. Such a kind's checks allow NULLs;
    /// nothing is applied while any row is bad.
    static var checksUnreadableRows: Bool { get }
    /// The job's name in `runs.job` (`load-properties`).
    static var jobName: String { get }
    /// How a load's run may be reversed.
    static var reversal: ReversalRule { get }
    /// The columns: first those the header must have, in order, then the optional ones.
    static var columns: [LoaderColumn] { get }
    /// Sets of columns whose values may appear on one line of a file only.
    static var uniqueKeys: [[String]] { get }
    /// The money column that `--expect-total` is compared with, if the file has one.
    static var totalColumn: String? { get }
    /// Problems within one row (an end before a start).
    static func rowProblems(_ row: LoadRow) -> [LoadProblem]
    /// Checks against the database and across rows, as SQL over the staging table `load_stage`
    /// returning `line, column, value, reason`.
    static func checks(_ context: LoadContext) -> [SQLQuery]
    /// The tables a load writes, analysed after it so that the next load's plans (and the
    /// recalculation triggers' plans) see their real size.
    static var tables: [String] { get }
    /// Applies the staged rows, set-based. Returns counts for the report.
    static func apply(_ context: LoadContext) throws -> [String: Int]
}

extension LoadKind {
    public static func rowProblems(_ row: LoadRow) -> [LoadProblem] { [] }
    public static var title: String { kind }
    public static var checksUnreadableRows: Bool { false }
}

/// One data row of a loader file, read.
public struct LoadRow: Sendable {
    /// The file line.
    public var line: Int
    /// The fields as written, by column name.
    public var raw: [String: String]
    var values: [String: LoadValue]

    func day(_ column: String) -> Day? { values[column]?.day }
    func text(_ column: String) -> String? { values[column]?.text }
    func integer(_ column: String) -> Int64? { values[column]?.integer }
}

/// What a kind's checks and apply work with.
public struct LoadContext {
    /// The run's connection, in the run's transaction; `load_stage` holds the good rows.
    public let connection: Connection
    public let runId: Int64
    public let businessDate: Day
    /// The file's name.
    public let file: String
    /// The optional columns the header has.
    public let present: Set<String>

    /// `s.<column>` when the file has the column, else the existing row's `<existing>.<column>`.
    func newValue(_ column: String, existing: String, whenEmpty: String? = nil) -> String {
        guard present.contains(column) else { return "\(existing).\(column)" }
        return whenEmpty.map { "COALESCE(s.\(column), \($0))" } ?? "s.\(column)"
    }
}

/// The report of a load.
public struct LoadReport: JobReport {
    public var kind: String
    public var file: String
    public var sha256: String
    public var rows: Int
    /// What was done: inserted, updated, unchanged...
    public var done: [String: Int]
    /// The total of the money column, for charges and opening balances.
    public var totalPence: Int64?
    /// What the next rent debit run will adjust in weeks already posted, after this load.
    public var pendingAdjustments: PendingAdjustments?
    public var warnings: [String]

    public var counts: [String: Int] { done.merging(["rows": rows]) { a, _ in a } }

    public func render() -> String {
        var lines = ["Loaded \(kind) from \(file) (SHA-256 \(Wording.shortHash(sha256))): \(Wording.count(rows, "row"))"]
        for key in done.keys.sorted() { lines.append("  \(key): \(Wording.number(done[key]!))") }
        if let totalPence { lines.append("  total: \(Money(pence: totalPence).formatted)") }
        if let pendingAdjustments, pendingAdjustments.entries > 0 { lines.append("  \(pendingAdjustments.sentence)") }
        for warning in warnings { lines.append("  warning: \(warning)") }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Loads one file of reference data or opening balances through the run framework: identity is
/// the file's SHA-256 (the same file is never loaded twice), all or nothing, every bad row
/// reported, control totals checked, rows staged by binary COPY and applied with set-based SQL.
public struct LoadJob<Kind: LoadKind>: Job {
    public static var name: String { Kind.jobName }
    public static var reversal: ReversalRule { Kind.reversal }

    /// The file's name as given.
    public let file: String
    public let bytes: [UInt8]
    public let sha256: String
    /// The source system's row count, if given.
    public let expectRows: Int?
    /// The source system's total of the money column, if given.
    public let expectTotal: Money?
    /// The account reference scheme references are checked against.
    public let scheme: AccountReferenceScheme
    /// The hub's configuration, for the rent rules: when given, the report says how many accounts
    /// the next rent debit run will adjust for weeks already posted.
    public var rentConfig: HubConfig?

    /// A load of a file's content.
    public init(file: String, bytes: [UInt8], expectRows: Int? = nil, expectTotal: Money? = nil, scheme: AccountReferenceScheme) {
        self.file = file
        self.bytes = bytes
        self.sha256 = SHA256.hex(SHA256.hash(bytes))
        self.expectRows = expectRows
        self.expectTotal = expectTotal
        self.scheme = scheme
    }

    /// A load of a file on disk, read within `InputLimits.loader` (a file too large or a line too
    /// long is refused as it is read, before any of it is held whole).
    /// - Throws: `LoadError` when the file cannot be read or passes a limit.
    public init(file url: URL, expectRows: Int? = nil, expectTotal: Money? = nil, scheme: AccountReferenceScheme) throws {
        let bytes: [UInt8]
        do { bytes = try BoundedFile.read(url: url, limits: .loader) } catch {
            throw LoadError(file: url.path, kind: Kind.kind, problems: [LoadProblem(line: error.position.line, column: nil, value: nil, reason: error.message)])
        }
        self.init(file: url.path, bytes: bytes, expectRows: expectRows, expectTotal: expectTotal, scheme: scheme)
    }

    public var businessKey: String { sha256 }
    public var inboundFile: InboundFile? { InboundFile(kind: Kind.kind, fileName: file, sha256: sha256, source: .bytes(bytes)) }
    public var parameters: [String: String] {
        var parameters = ["file": file, "sha256": sha256, "kind": Kind.kind]
        if let expectRows { parameters["expect-rows"] = String(expectRows) }
        if let expectTotal { parameters["expect-total"] = expectTotal.plain }
        return parameters
    }

    func refuse(_ problems: [LoadProblem]) -> LoadError { LoadError(file: file, kind: Kind.kind, problems: problems) }

    public func run(in context: RunContext) throws -> LoadReport {
        let db = context.connection
        // The same bytes are never loaded twice, as this kind or another.
        if let earlier = try db.queryOne("SELECT kind, file_name, run_id, loaded_at FROM loaded_files WHERE sha256 = \(sha256)") {
            throw RunError(
                .alreadyCompleted,
                "\(file) was already loaded (as \(earlier.text(0) ?? "?") '\(earlier.text(1) ?? "?")' by run \(earlier.text(2) ?? "?") at \(try earlier.decode(Date?.self, 3).map(Timestamp.text) ?? "?")): the same file (SHA-256 \(sha256)) is never loaded twice",
                runId: try earlier.decode(Int64.self, 2))
        }
        let (rows, unreadable, present, readProblems, dataLines) = try read()
        var problems = readProblems

        // Control totals against the source system's.
        if let expectRows, expectRows != dataLines {
            problems.append(LoadProblem(line: nil, column: nil, value: String(dataLines), reason: "the file has \(dataLines) rows but --expect-rows says \(expectRows): the file is not the whole extract, or the count is wrong"))
        }
        var total: Int64?
        if let column = Kind.totalColumn {
            total = rows.reduce(0) { $0 + ($1.integer(column) ?? 0) }
            if let expectTotal, expectTotal.pence != total {
                problems.append(LoadProblem(line: nil, column: column, value: Money(pence: total!).plain, reason: "the \(column) column totals \(Money(pence: total!).plain)\(readProblems.isEmpty ? "" : " (of the rows that could be read)") but --expect-total says \(expectTotal.plain): a difference of \(Money(pence: total! - expectTotal.pence).plain)"))
            }
        }

        // Stage the rows that could be read, and check them against each other and the database.
        let columns = Kind.columns
        try db.execute("DROP TABLE IF EXISTS load_stage")
        try db.execute("CREATE TEMPORARY TABLE load_stage (line integer NOT NULL, \(unescaped: columns.map { "\($0.name) \($0.sqlType)" }.joined(separator: ", "))) ON COMMIT DROP")
        try db.copyIn(table: "load_stage", columns: ["line"] + columns.map(\.name)) { writer in
            for row in rows + unreadable {
                try writer.beginRow(columns: columns.count + 1)
                writer.write(Int32(row.line))
                for column in columns {
                    switch row.values[column.name] ?? .null {
                    case .null: writer.writeNull()
                    case .text(let text): writer.write(text)
                    case .integer(let value): writer.write(value)
                    case .date(let day): writer.writeDate(daysSince1970: day.daysSinceEpoch)
                    case .boolean(let value): writer.write(value)
                    }
                }
            }
        }
        try db.execute("ANALYZE load_stage")
        let loadContext = LoadContext(connection: db, runId: context.runId, businessDate: context.businessDate, file: file, present: present)
        for sql in Kind.checks(loadContext) {
            for row in try db.query(sql) {
                problems.append(LoadProblem(line: row.text(0).flatMap { Int($0) }, column: row.text(1), value: row.text(2), reason: row.text(3) ?? "refused"))
            }
        }
        guard problems.isEmpty else { throw refuse(problems) }

        let done = try Kind.apply(loadContext)
        // Fresh statistics for what was just written: without them the triggers' plans of the
        // next load take a large table for an empty one. (Only the tables' owner may analyse;
        // for other roles PostgreSQL skips with a warning and autovacuum catches up.)
        try db.execute("ANALYZE \(unescaped: Kind.tables.joined(separator: ", "))")
        try db.execute(
            "INSERT INTO loaded_files (sha256, kind, file_name, rows, run_id) VALUES ($1, $2, $3, $4, $5)",
            [sha256, Kind.kind, file, rows.count, context.runId])
        try db.execute(
            "INSERT INTO audit_events (action, entity, entity_ref, run_id, details) VALUES ('load', $1, $2, $3, $4::jsonb)",
            [Kind.kind, sha256, context.runId, try HubJSON.text(done.merging(["rows": rows.count]) { a, _ in a })])
        var warnings: [String] = []
        if rows.isEmpty { warnings.append("the file has a header and no rows: nothing was loaded") }
        var pending: PendingAdjustments?
        if let rentConfig, try db.queryOne("SELECT 1 FROM rent_recalc LIMIT 1") != nil {
            pending = try RentDebitJob.pendingAdjustments(
                on: db, calendar: rentConfig.rentCalendar, goLive: rentConfig.goLive, adjustmentCode: rentConfig.adjustmentCode)
        }
        return LoadReport(
            kind: Kind.title, file: file, sha256: sha256, rows: rows.count, done: done, totalPence: total, pendingAdjustments: pending, warnings: warnings)
    }

    /// Reads and checks the file's rows on their own (formats, required values, duplicates).
    /// - Returns: the good rows, and (for a kind that `checksUnreadableRows`) the bad ones.
    func read() throws -> (rows: [LoadRow], unreadable: [LoadRow], present: Set<String>, problems: [LoadProblem], dataLines: Int) {
        let text: TextFile
        do { text = try TextFile(bytes: bytes, name: file, limits: .loader) } catch {
            throw refuse([LoadProblem(line: error.position.line, column: nil, value: nil, reason: error.message)])
        }
        var lines = text.lines
        while let last = lines.last, last.text.trimmingCharacters(in: CharacterSet.whitespaces).isEmpty { lines.removeLast() }
        guard let headerLine = lines.first else {
            throw refuse([LoadProblem(line: 1, column: nil, value: nil, reason: "the file is empty: it must start with the header \(Kind.columns.filter(\.inHeader).map(\.name).joined(separator: ","))")])
        }
        // The header: the required columns exactly, in order, then any of the optional ones.
        let header: [String]
        switch CSV.fields(of: headerLine.text) {
        case .success(let fields): header = fields.map { $0.trimmingCharacters(in: .whitespaces) }
        case .failure(let problem): throw refuse([LoadProblem(line: 1, column: nil, value: headerLine.text, reason: problem.reason)])
        }
        let required = Kind.columns.filter(\.inHeader).map(\.name)
        let optional = Kind.columns.filter { !$0.inHeader }.map(\.name)
        var headerProblems: [LoadProblem] = []
        for name in required where !header.contains(name) {
            headerProblems.append(LoadProblem(line: 1, column: name, value: nil, reason: "the column '\(name)' is missing: the header must start with exactly \(required.joined(separator: ",")) (in that order)"))
        }
        if headerProblems.isEmpty && Array(header.prefix(required.count)) != required {
            headerProblems.append(LoadProblem(line: 1, column: nil, value: headerLine.text, reason: "the header must start with exactly \(required.joined(separator: ",")) (in that order)"))
        }
        for name in header.dropFirst(required.count) where !optional.contains(name) || header.filter({ $0 == name }).count > 1 {
            headerProblems.append(LoadProblem(line: 1, column: name, value: name, reason: optional.contains(name) ? "the column appears twice" : "not a column of the \(Kind.kind) file (optional columns: \(optional.isEmpty ? "none" : optional.joined(separator: ", ")))"))
        }
        guard headerProblems.isEmpty else { throw refuse(headerProblems) }
        let present = Set(header.dropFirst(required.count))
        let byName = Dictionary(uniqueKeysWithValues: Kind.columns.map { ($0.name, $0) })

        var rows: [LoadRow] = []
        var unreadable: [LoadRow] = []
        var problems: [LoadProblem] = []
        var seen: [[String]: [String: Int]] = [:]
        let dataLines = lines.dropFirst()
        rows.reserveCapacity(dataLines.count)
        for line in dataLines {
            if line.text.trimmingSpaces.isEmpty {
                problems.append(LoadProblem(line: line.number, column: nil, value: "", reason: "an empty line: remove it"))
                continue
            }
            let fields: [String]
            switch CSV.fields(of: line.text) {
            case .success(let split): fields = split
            case .failure(let problem):
                problems.append(LoadProblem(line: line.number, column: nil, value: line.text, reason: problem.reason))
                continue
            }
            guard fields.count == header.count else {
                problems.append(LoadProblem(line: line.number, column: nil, value: line.text, reason: "\(fields.count) fields where the header has \(header.count) columns (a comma inside a value must be in double quotes)"))
                continue
            }
            var row = LoadRow(line: line.number, raw: [:], values: [:])
            var good = true
            for (name, field) in zip(header, fields) {
                let column = byName[name]!
                row.raw[name] = field
                switch column.read(field, scheme: scheme) {
                case .success(let value): row.values[name] = value
                case .failure(let reason):
                    good = false
                    problems.append(LoadProblem(line: line.number, column: name, value: field, reason: reason))
                }
            }
            let rowProblems = Kind.rowProblems(row)
            problems += rowProblems
            for key in Kind.uniqueKeys {
                let values = key.map { name -> String? in
                    guard let value = row.values[name], value != .null else { return nil }
                    switch value {
                    case .text(let t): return t
                    case .integer(let i): return String(i)
                    case .date(let d): return d.iso
                    case .boolean(let b): return String(b)
                    case .null: return nil
                    }
                }
                guard values.allSatisfy({ $0 != nil }) else { continue }
                let joined = values.map { $0! }
                if let first = seen[key]?[joined.joined(separator: "\u{1F}")] {
                    good = false
                    problems.append(LoadProblem(line: line.number, column: key.joined(separator: "+"), value: joined.joined(separator: ","), reason: "a duplicate of line \(first): each \(key.joined(separator: " + ")) appears once in a file"))
                } else {
                    seen[key, default: [:]][joined.joined(separator: "\u{1F}")] = line.number
                }
            }
            if good && rowProblems.isEmpty { rows.append(row) } else if Kind.checksUnreadableRows { unreadable.append(row) }
        }
        return (rows, unreadable, present, problems, dataLines.count)
    }
}

extension InputLimits {
    /// The largest loader file (64 MB: a council of 100,000 tenancies is about 10 MB) and line
    /// (32 KB); each column's longest value is its `LoaderColumn.maxLength`. Also the limits of
    /// the repairs loads (schedule of rates, contract terms, repair orders).
    public static let loader = InputLimits(kind: "a loader file", maxFileBytes: 64 * megabyte, maxLineBytes: 32 * 1024, maxFieldCharacters: 1_000)
}

/// The loads by kind, for the command line and the demo.
public enum Loaders {
    /// The kinds of file, as on the command line.
    public static let kinds = [
        PropertiesLoad.kind, TenanciesLoad.kind, AccountsLoad.kind, ChargesLoad.kind, OpeningBalancesLoad.kind,
        SORLoad.kind, ContractTermsLoad.kind, RepairOrdersLoad.kind,
    ]

    /// The columns of a kind, for help and documentation.
    public static func columns(of kind: String) -> [LoaderColumn]? {
        switch kind {
        case PropertiesLoad.kind: PropertiesLoad.columns
        case TenanciesLoad.kind: TenanciesLoad.columns
        case AccountsLoad.kind: AccountsLoad.columns
        case ChargesLoad.kind: ChargesLoad.columns
        case OpeningBalancesLoad.kind: OpeningBalancesLoad.columns
        case SORLoad.kind: SORLoad.columns
        case ContractTermsLoad.kind: ContractTermsLoad.columns
        case RepairOrdersLoad.kind: RepairOrdersLoad.columns
        default: nil
        }
    }

    /// Reads and checks a loader file on its own, as a load does before it touches the database
    /// (formats, required values, duplicates within the file); for the fuzz targets.
    /// - Returns: the problems found (empty when every row reads), or nil for an unknown kind.
    /// - Throws: `LoadError` when the file is refused whole (not text, no header, a bad header).
    public static func check(kind: String, bytes: [UInt8], file: String, scheme: AccountReferenceScheme) throws -> [LoadProblem]? {
        func problems<Kind: LoadKind>(_: Kind.Type) throws -> [LoadProblem] {
            try LoadJob<Kind>(file: file, bytes: bytes, scheme: scheme).read().problems
        }
        switch kind {
        case PropertiesLoad.kind: return try problems(PropertiesLoad.self)
        case TenanciesLoad.kind: return try problems(TenanciesLoad.self)
        case AccountsLoad.kind: return try problems(AccountsLoad.self)
        case ChargesLoad.kind: return try problems(ChargesLoad.self)
        case OpeningBalancesLoad.kind: return try problems(OpeningBalancesLoad.self)
        default: return nil
        }
    }
}
