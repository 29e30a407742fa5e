import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// The repository's root, for Config/ and Interfaces/ files.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

enum ExportsTestSupport {
    /// The shipped financial map.
    static func mapText() throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent("Config/financial-map.csv"), encoding: .utf8)
    }

    static func map(_ text: String? = nil) throws -> FinancialMap {
        try FinancialMap(csv: text ?? mapText(), file: "Config/financial-map.csv")
    }

    static func gl(format: ExportsConfig.GLFormat = .unit4, map: FinancialMap? = nil) throws -> ExportsConfig.GL {
        var settings = ExportsConfig.GL(map: try map ?? self.map())
        settings.format = format
        return settings
    }
}

/// Postings made by hand inside a run: rows in gl_postings (suspense, repairs) and ledger entries
/// (payments), as the payments and repairs jobs make them.
struct HandPostingsJob: Job {
    static let name = "test-hand-postings"
    static let reversal = ReversalRule.independent

    struct Posting: Sendable {
        var ledgerAccount: Int64?
        var code: String
        var analysis: String?
        var pence: Int64
        var date: String
    }

    let key: String
    let postings: [Posting]

    var businessKey: String { key }
    var parameters: [String: String] { [:] }

    struct Report: JobReport {
        var n: Int
        var counts: [String: Int] { ["postings": n] }
        var warnings: [String] { [] }
        func render() -> String { "\(n) postings\n" }
    }

    func run(in context: RunContext) throws -> Report {
        for posting in postings {
            if let account = posting.ledgerAccount {
                try context.connection.execute(
                    "INSERT INTO ledger_entries (account_id, code, charge_code, amount_pence, entry_date, run_id) VALUES ($1, $2, $3, $4, $5, $6)",
                    [account, posting.code, posting.analysis, posting.pence, posting.date, context.runId])
            } else {
                try context.connection.execute(
                    "INSERT INTO gl_postings (run_id, code, analysis, amount_pence, entry_date) VALUES ($1, $2, $3, $4, $5)",
                    [context.runId, posting.code, posting.analysis, posting.pence, posting.date])
            }
        }
        return Report(n: postings.count)
    }
}

/// A CRLF CSV file's records as fields, read by the hub's CSV reader.
func csvRecords(_ bytes: [UInt8]) -> [[String]] {
    let text = String(decoding: bytes, as: UTF8.self)
    return text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.map { line in
        guard case .success(let fields) = CSV.fields(of: line) else { return [line] }
        return fields
    }
}

/// `-12.34` as pence.
func pence(_ text: String) -> Int64 { Int64(text.replacingOccurrences(of: ".", with: ""))! }
