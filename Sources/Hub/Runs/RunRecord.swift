import Foundation
import HousingFinance
import Postgres

/// The count and money of one transaction code within a run.
public struct CodeTotal: Codable, Hashable, Sendable {
    public var code: String
    public var entries: Int
    public var pence: Int64
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

    /// A one-line summary.
    public var summaryLine: String {
        let money = totals.map { "\($0.code) \(Money(pence: $0.pence).plain)" }.joined(separator: ", ")
        var flags = ""
        if let reversedByRunId { flags += " [reversed by run \(reversedByRunId)]" }
        if let reversesRunId { flags += " [reverses run \(reversesRunId)]" }
        return "\(id)  \(job)  \(businessKey)  \(status)  \(`operator`)  \(businessDate.iso)  \(money)\(flags)"
    }

    /// Every recorded field, for `hub runs show`.
    public var detail: String {
        var lines = [
            "Run \(id): \(job) \(businessKey)",
            "  status:         \(status)",
            "  business date:  \(businessDate.iso)",
            "  operator:       \(`operator`) on \(host)",
            "  started:        \(startedAt)",
            "  finished:       \(finishedAt.map { "\($0)" } ?? "-")",
        ]
        if let slot { lines.append("  slot:           \(slot)") }
        if !parameters.isEmpty {
            lines.append("  parameters:     " + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        for (key, value) in counts.sorted(by: { $0.key < $1.key }) { lines.append("  \(key): \(value)") }
        if !totals.isEmpty {
            lines.append("  totals by code:")
            for total in totals { lines.append("    \(total.code)  \(total.entries) entries  \(Money(pence: total.pence).formatted)") }
        }
        if let reversesRunId { lines.append("  reverses run:   \(reversesRunId)") }
        if let reversedByRunId { lines.append("  reversed by:    run \(reversedByRunId)") }
        for warning in warnings { lines.append("  warning: \(warning)") }
        if let error { lines.append("  error: \(error)") }
        if let reportText { lines.append(""); lines.append(reportText) }
        return lines.joined(separator: "\n")
    }
}
