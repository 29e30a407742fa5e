import Foundation
import Testing

/// `hub tools generate-camt` and `hub tools check`, run as the built executable (no database).
@Suite struct ToolsCommandTests {
    func run(_ arguments: [String], in folder: URL) throws -> (status: Int32, output: String) {
        let log = folder.appendingPathComponent("out-\(UUID().uuidString).txt")
        let process = try HubProcess.start(arguments, environment: [:], output: log.path)
        let status = process.wait()
        return (status, try String(contentsOf: log, encoding: .utf8))
    }

    @Test func generatedStatementIsCheckedAndABadOneRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-tools-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let camt = folder.appendingPathComponent("statement.xml"), mt940 = folder.appendingPathComponent("statement.sta")

        let generated = try run(["tools", "generate-camt", "--entries", "500", "--out", camt.path, "--mt940", mt940.path], in: folder)
        #expect(generated.status == 0, "\(generated.output)")

        let checked = try run(["tools", "check", camt.path], in: folder)
        #expect(checked.status == 0, "\(checked.output)")
        #expect(checked.output.contains("statement.xml: camt053, 1 statement, dated 2026-12-01"), "\(checked.output)")
        // 500 entries: 10 itemised in three (30 payments), 5 returned items.
        #expect(TextRows.row(checked.output, with: "credits")?.prefix(2) == ["credits", "505"], "\(checked.output)")
        #expect(TextRows.row(checked.output, with: "debits")?.prefix(2) == ["debits", "5"], "\(checked.output)")
        #expect(TextRows.row(checked.output, with: "credits")?.last?.hasPrefix("£") == true, "\(checked.output)")
        #expect(checked.output.contains("= closing"), "\(checked.output)")

        // The same payments as MT940, with the same totals.
        let json = try run(["tools", "check", "--json", mt940.path], in: folder)
        let camtJSON = try run(["tools", "check", "--json", "--format", "camt053", camt.path], in: folder)
        // The hub's JSON style: snake_case keys, money as integer pence in keys ending _pence.
        struct Output: Decodable {
            struct Totals: Decodable, Equatable {
                var credit_count: Int
                var debit_count: Int
                var credit_total_pence: Int64
                var debit_total_pence: Int64
                var closing_balance_pence: Int64?
            }
            var totals: Totals
        }
        let fromMT940 = try JSONDecoder().decode(Output.self, from: Data(json.output.utf8))
        let fromCamt = try JSONDecoder().decode(Output.self, from: Data(camtJSON.output.utf8))
        #expect(fromMT940.totals == fromCamt.totals)
        #expect(fromCamt.totals.credit_count == 505 && fromCamt.totals.debit_count == 5 && fromCamt.totals.closing_balance_pence != nil)

        // A closing balance off by a penny: exit code 2, the file, line and element named.
        var text = try String(contentsOf: camt, encoding: .utf8)
        let closing = try #require(text.firstMatch(of: /<Cd>CLBD<\/Cd>\s*<\/CdOrPrtry>\s*<\/Tp>\s*<Amt Ccy="GBP">(\d+)\.(\d\d)<\/Amt>/))
        let pence = Int(closing.output.1)! * 100 + Int(closing.output.2)! + 1
        text = text.replacingCharacters(in: closing.range, with: String(text[closing.range]).replacingOccurrences(
            of: ">\(closing.output.1).\(closing.output.2)<", with: ">\(pence / 100).\(String(format: "%02d", pence % 100))<"))
        let bad = folder.appendingPathComponent("bad.xml")
        try text.write(to: bad, atomically: true, encoding: .utf8)
        let refused = try run(["tools", "check", bad.path], in: folder)
        #expect(refused.status == 2, "\(refused.output)")
        #expect(refused.output.contains("error: bad.xml: line "), "\(refused.output)")
        #expect(refused.output.contains("/Document/BkToCstmrStmt[1]/Stmt[1]/Bal[2]"), "\(refused.output)")
        #expect(refused.output.contains("a difference of 0.01"), "\(refused.output)")
    }
}
