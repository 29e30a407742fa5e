import Foundation
import HousingFinance
import Postgres

/// The count and money of one transaction code within a run.
public struct CodeTotal: Codable, Hashable, Sendable {
    public var code: String
    public var entries: Int
    public var pence: Int64

    public init(code: String, entries: Int, pence: Int64) {
        self.code = code
        self.entries = entries
        self.pence = pence
    }

    enum CodingKeys: String, CodingKey {
        case code, entries
        case pence = "amount_pence"
        /// How runs recorded before the JSON style named the amount.
        case olderPence = "pence"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(String.self, forKey: .code)
        entries = try container.decode(Int.self, forKey: .entries)
        pence = try container.decodeIfPresent(Int64.self, forKey: .pence) ?? container.decode(Int64.self, forKey: .olderPence)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(entries, forKey: .entries)
        try container.encode(pence, forKey: .pence)
    }
}

/// A run as recorded in `runs`: what `hub runs list` and `hub runs show` print.
public struct RunRecord: Codable, Hashable, Sendable {
    public var id: Int64
    public var job: String
    public var businessKey: String
    public var businessDate: Day
    public var parameters: [String: String]
    public var `operator`: String
    public var host: String
    public var slot: String?
    public var startedAt: Date
    public var finishedAt: Date?
    public var status: String
    public var counts: [String: Int]
    public var totals: [CodeTotal]
    public var warnings: [String]
    public var error: String?
    public var reversesRunId: Int64?
    public var reversedByRunId: Int64?
    public var reportText: String?

    static let columns = """
        id, job, business_key, business_date, parameters::text, operator, host, slot, started_at, finished_at, status,
        counts::text, totals::text, warnings::text, error, reverses_run_id, reversed_by_run_id, report_text
        """

    init(_ row: Row) throws {
        let decoder = JSONDecoder()
        id = try row.decode(Int64.self, 0)
        job = try row.decode(String.self, 1)
        businessKey = try row.decode(String.self, 2)
        businessDate = try row.decode(Day.self, 3)
        parameters = try decoder.decode([String: String].self, from: Data(try row.decode(String.self, 4).utf8))
        `operator` = try row.decode(String.self, 5)
        host = try row.decode(String.self, 6)
        slot = try row.decode(String?.self, 7)
        startedAt = try row.decode(Date.self, 8)
        finishedAt = try row.decode(Date?.self, 9)
        status = try row.decode(String.self, 10)
        counts = try decoder.decode([String: Int].self, from: Data(try row.decode(String.self, 11).utf8))
        // A run that never completed keeps the column's empty default.
        let totalsText = try row.decode(String.self, 12)
        totals = totalsText == "{}" ? [] : try decoder.decode([CodeTotal].self, from: Data(totalsText.utf8))
        warnings = try decoder.decode([String].self, from: Data(try row.decode(String.self, 13).utf8))
        error = try row.decode(String?.self, 14)
        reversesRunId = try row.decode(Int64?.self, 15)
        reversedByRunId = try row.decode(Int64?.self, 16)
        reportText = try row.decode(String?.self, 17)
    }

    /// Reads one run.
    public static func find(_ id: Int64, on connection: Connection) throws -> RunRecord? {
        try connection.queryOne("SELECT \(unescaped: columns) FROM runs WHERE id = $1", [id]).map(RunRecord.init)
    }

    /// Lists runs, newest first, filtered by job, status and business date range.
    public static func list(
        job: String? = nil, status: String? = nil, from: Day? = nil, to: Day? = nil, limit: Int = 100, on connection: Connection
    ) throws -> [RunRecord] {
        try connection.query(
            """
            SELECT \(unescaped: columns) FROM runs
            WHERE ($1::text IS NULL OR job = $1) AND ($2::text IS NULL OR status = $2)
              AND ($3::date IS NULL OR business_date >= $3) AND ($4::date IS NULL OR business_date <= $4)
            ORDER BY id DESC LIMIT $5
            """, [job, status, from, to, limit]
        ).map(RunRecord.init)
    }

    /// The business key as lists show it: a file's SHA-256 shortened to its first 12 characters.
    public var displayKey: String {
        businessKey.count == 64 && businessKey.allSatisfy(\.isHexDigit) ? Wording.shortHash(businessKey) : businessKey
    }

    /// Entries posted to the ledger, over every code.
    public var entries: Int { totals.reduce(0) { $0 + $1.entries } }

    /// Money posted to the ledger, net over every code.
    public var netPence: Int64 { totals.reduce(0) { $0 + $1.pence } }

    /// What a list says beside a run: reversed by or reversing another run.
    public var note: String {
        var notes: [String] = []
        if let reversedByRunId { notes.append("reversed by run \(reversedByRunId)") }
        if let reversesRunId { notes.append("reverses run \(reversesRunId)") }
        return notes.joined(separator: ", ")
    }

    /// Runs as a table, for `hub runs list` and the plan of `hub runs reverse --back-to`.
    public static func table(_ runs: [RunRecord]) -> TextTable {
        var table = TextTable([
            .init("Run", .right), .init("Job"), .init("Key"), .init("Business date"), .init("Status"), .init("Started"),
            .init("Finished"), .init("Operator"), .init("Entries", .right), .init("Net", .right), .init("Note"),
        ])
        for run in runs {
            table.add([
                String(run.id), run.job, run.displayKey, run.businessDate.iso, run.status, Timestamp.text(run.startedAt),
                run.finishedAt.map(Timestamp.text) ?? "-", run.operator,
                Wording.number(run.entries), Money(pence: run.netPence).formatted, run.note,
            ])
        }
        return table
    }

    /// The money a run posted to the ledger, by transaction code, as a table.
    public static func totalsTable(_ totals: [CodeTotal]) -> TextTable {
        var table = TextTable([.init("Code"), .init("Entries", .right), .init("Amount", .right)])
        for total in totals { table.add([total.code, Wording.number(total.entries), Money(pence: total.pence).formatted]) }
        return table
    }

    /// Count labels as stored with a run and printed as JSON: snake_case (`accounts debited` ->
    /// `accounts_debited`, `rule: payment-card` -> `rule_payment_card`).
    public static func countLabels(_ counts: [String: Int]) -> [String: Int] {
        Dictionary(counts.map { (label($0.key), $0.value) }, uniquingKeysWith: +)
    }

    /// A label in snake_case: lowercase letters and digits, anything else one `_`.
    static func label(_ text: String) -> String {
        var result = ""
        for character in text.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber) { result.append(character) }
            else if !result.isEmpty && result.last != "_" { result.append("_") }
        }
        while result.last == "_" { result.removeLast() }
        return result
    }

    /// Every recorded field, for `hub runs show`.
    public var detail: String {
        var lines = [
            "Run \(id): \(job) \(businessKey)",
            "  status:         \(status)",
            "  business date:  \(businessDate.iso)",
            "  operator:       \(`operator`) on \(host)",
            "  started:        \(Timestamp.text(startedAt))",
            "  finished:       \(finishedAt.map(Timestamp.text) ?? "-")",
        ]
        if let slot { lines.append("  slot:           \(slot)") }
        if !parameters.isEmpty {
            lines.append("  parameters:     " + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        for (key, value) in counts.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(key.replacingOccurrences(of: "_", with: " ")): \(Wording.number(value))")
        }
        if let reversesRunId { lines.append("  reverses run:   \(reversesRunId)") }
        if let reversedByRunId { lines.append("  reversed by:    run \(reversedByRunId)") }
        for warning in warnings { lines.append("  warning: \(warning)") }
        if let error { lines.append("  error: \(error)") }
        var text = lines.joined(separator: "\n") + "\n"
        if !totals.isEmpty { text += "  posted to the ledger by code:\n" + RunRecord.totalsTable(totals).render(indent: 4) }
        if let reportText { text += "\n" + reportText }
        return text
    }

    /// The report stored with a run, as JSON in the hub's style (`hub runs show ID --json`), or
    /// nil for a run that recorded none (a failed run).
    public static func report(_ id: Int64, on connection: Connection) throws -> RawJSON? {
        try connection.queryOne("SELECT report::text FROM runs WHERE id = \(id)")?.decode(String?.self, 0).map(RawJSON.init)
    }
}
