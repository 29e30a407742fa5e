import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// Every command speaks with one voice: text as tables with amounts in pounds, JSON in one style
/// (docs/json.md), long lists summarised with a command that really lists them all. Runs the
/// built executable on a small demo council, as a person would.
@Suite struct CommandOutputTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A folder with the shipped configuration (the demo's go-live), on a new test database.
    func setUp() throws -> (folder: URL, environment: [String: String]) {
        let database = try TestHub.database()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-voice-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "go-live: 2026-04-06\nrent-calendar: rent-calendar.yaml\ndirectories:\n  inbox: inbox\n  archive: archive\n  rejected: rejected\n  outbox: outbox\n"
            .write(to: folder.appendingPathComponent("hub.yaml"), atomically: true, encoding: .utf8)
        let shipped = Self.repository.appendingPathComponent("Config")
        for name in try FileManager.default.contentsOfDirectory(atPath: shipped.path) where name != "hub.yaml" {
            try FileManager.default.copyItem(at: shipped.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        return (folder, [
            "HUB_CONFIG": folder.appendingPathComponent("hub.yaml").path, "HUB_DATABASE_URL": database.connectionString,
            "HUB_ADMIN_DATABASE_URL": database.adminConnectionString!,
        ])
    }

    func hub(_ arguments: [String], _ environment: [String: String], in folder: URL) throws -> (status: Int32, output: String) {
        let log = folder.appendingPathComponent("out-\(UUID().uuidString).log")
        let status = try HubProcess.start(arguments, environment: environment, output: log.path).wait()
        return (status, try String(contentsOf: log, encoding: .utf8))
    }

    /// Maps whose keys are data (transaction codes, providers, rules, parameters, labels), not names.
    static let dataMaps: Set<String> = [
        "counts", "parameters", "by_rule", "ledger_by_code_pence", "debits_by_code_pence", "entries_by_code", "skipped", "batches",
        "postings_by_source", "control_totals", "by_type", "charges_by_code", "done", "details",
    ]
    /// Words that name an amount of money: such a key must end `_pence`.
    static let moneyWords = ["amount", "balance", "total", "value", "priced", "claimed", "estimate", "limit", "movement", "net"]

    /// A JSON value as read, keeping integers apart from other numbers.
    indirect enum JSON: Decodable {
        case null, bool(Bool), integer(Int64), number(Double), string(String), array([JSON]), object([String: JSON])
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let value = try? container.decode(Bool.self) { self = .bool(value) }
            else if let value = try? container.decode(Int64.self) { self = .integer(value) }
            else if let value = try? container.decode(Double.self) { self = .number(value) }
            else if let value = try? container.decode(String.self) { self = .string(value) }
            else if let value = try? container.decode([JSON].self) { self = .array(value) }
            else { self = .object(try container.decode([String: JSON].self)) }
        }
        subscript(key: String) -> JSON? { if case .object(let members) = self { return members[key] } else { return nil } }
        var count: Int? { if case .array(let items) = self { return items.count } else { return nil } }
    }

    /// Every way the JSON breaks the style, as `path: problem`.
    static func styleProblems(_ value: JSON, path: String = "", parent: String = "") -> [String] {
        var problems: [String] = []
        switch value {
        case .object(let members):
            for (key, child) in members {
                let at = path + "/" + key
                if !dataMaps.contains(parent) {
                    if key.wholeMatch(of: /[a-z][a-z0-9_]*/) == nil { problems.append("\(at): not snake_case") }
                    let words = key.split(separator: "_").map(String.init)
                    switch child {
                    case .integer, .null, .object: break
                    case .number where key.hasSuffix("_pence"): problems.append("\(at): not integer pence")
                    default: if key.hasSuffix("_pence") { problems.append("\(at): not integer pence") }
                    }
                    if !key.hasSuffix("_pence"), words.contains(where: moneyWords.contains) {
                        if case .integer = child { problems.append("\(at): money without _pence") }
                    }
                    if case .string(let text) = child {
                        if key == "date" || key.hasSuffix("_date") || key == "as_of" || key == "through" || key == "week" || key == "from" || key == "to" {
                            if text.wholeMatch(of: /\d{4}-\d\d-\d\d/) == nil { problems.append("\(at): '\(text)' is not an ISO date") }
                        }
                        if key.hasSuffix("_at") || key == "next_firing" {
                            if text.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d/) == nil { problems.append("\(at): '\(text)' is not an ISO instant with offset") }
                        }
                    }
                }
                problems += styleProblems(child, path: at, parent: key)
            }
        case .array(let items):
            for (index, child) in items.enumerated() { problems += styleProblems(child, path: path + "[\(index)]", parent: parent) }
        default: break
        }
        return problems
    }

    @Test func everyListAndReportSpeaksTheSameWay() throws {
        let (folder, environment) = try setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let demo = try hub(["demo", "--properties", "60", "--as-of", "2026-12-01"], environment, in: folder)
        #expect(demo.status == 0, "\(demo.output)")

        // JSON: one style in every command.
        let db = try Connection.hub(environment["HUB_DATABASE_URL"]!)
        let councilTaxRun = try #require(try RunRecord.list(job: CouncilTaxExportJob.name, on: db).first)
        let importRun = try #require(try RunRecord.list(job: PaymentImportJob.name, on: db).first)
        let account = try #require(try AccountBalance.all(asOf: d("2026-12-01"), on: db).first).account
        let statement = folder.appendingPathComponent("demo/statement-20261201.xml").path
        let commands: [[String]] = [
            ["runs", "list"], ["runs", "show", String(councilTaxRun.id)], ["runs", "show", String(importRun.id)],
            ["accounts", "balance"], ["accounts", "statement", account], ["suspense", "list"], ["reconcile"], ["exports", "list"],
            ["exports", "show", "1", "--interface", "gl-journal", "--no-content"], ["sales-orders", "list"], ["sales-orders", "show", "6"],
            ["schedule", "--count", "2", "--jobs", Self.repository.appendingPathComponent("Jobs").path],
            ["jobs", "list", "--jobs", Self.repository.appendingPathComponent("Jobs").path],
            ["tools", "check", "--payments", statement], ["db", "migrate"], ["db", "status"],
            ["run", "rent-debit", "--week", "2026-12-07", "--dry-run", "--as-of", "2026-12-07"],
            ["migration", "reports"], ["checkpoint", "create", "voice-test", "--note", "a known-good point"], ["checkpoint", "list"],
            ["runs", "replay", "--list"],
            ["arrears", "list", "--as-of", "2026-12-01"], ["arrears", "show", account, "--as-of", "2026-12-01"], ["arrears", "worklist"],
            ["arrears", "report", "--as-of", "2026-12-01"], ["arrears", "at-risk", "--as-of", "2026-12-01"],
            ["arrears", "back-test", "--as-of", "2026-12-01"], ["writeoffs", "list"], ["run", "arrears-review", "--dry-run", "--as-of", "2026-12-02"],
        ]
        for command in commands {
            let (status, output) = try hub(command + ["--json"], environment, in: folder)
            #expect(status == 0, "\(command): \(output)")
            let value = try JSONDecoder().decode(JSON.self, from: Data(output.utf8))
            let problems = Self.styleProblems(value)
            #expect(problems.isEmpty, "hub \(command.joined(separator: " ")) --json: \(problems)")
        }

        // The reconciliation's JSON has its Direct Debit part, as its text does.
        let reconciled = try JSONDecoder().decode(JSON.self, from: Data(try hub(["reconcile", "--json"], environment, in: folder).output.utf8))
        let directDebit = try #require(reconciled["direct_debit"], "hub reconcile --json has direct_debit")
        let reconcileText = try hub(["reconcile"], environment, in: folder).output
        #expect(((directDebit["lines"]?.count ?? 0) > 0) == reconcileText.contains("Direct Debit on"), "\(reconcileText)")
        if case .bool = directDebit["ties"] {} else { Issue.record("direct_debit.ties is a boolean") }

        // Text: runs as a table, keys that are hashes shortened, money in pounds.
        let runs = try hub(["runs", "list", "--limit", "100"], environment, in: folder).output
        #expect(TextRows.all(runs).first == ["Run", "Job", "Key", "Business date", "Status", "Started", "Finished", "Operator", "Entries", "Net", "Note"], "\(runs)")
        let importRow = try #require(TextRows.row(runs, with: String(importRun.id)), "\(runs)")
        #expect(importRow[2] == String(importRun.businessKey.prefix(12)), "\(importRow)")
        #expect(importRow[5].wholeMatch(of: /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/) != nil, "\(importRow)")
        #expect(importRow[9].hasPrefix("-£"), "a payment is a credit: \(importRow)")

        let balances = try hub(["accounts", "balance"], environment, in: folder).output
        let lines = balances.split(separator: "\n").dropFirst()
        let amountEnds = Set(lines.dropLast().map { $0.count })
        #expect(amountEnds.count == 1, "the balances are right-aligned: \(balances)")
        #expect(lines.dropFirst().dropLast().allSatisfy { $0.hasSuffix(".00") || $0.contains("£") }, "\(balances)")
        #expect(balances.contains(" accounts, total £"), "\(balances)")

        // A long list: the report shows the first few and names the command that lists them all,
        // and that command does.
        let shown = try hub(["runs", "show", String(councilTaxRun.id)], environment, in: folder).output
        let warning = try #require(shown.split(separator: "\n").first { $0.contains("were sent more than 21 days after taking effect") }, "\(shown)")
        let count = try #require(Int(String(warning.firstMatch(of: /warning: ([0-9,]+) events/)!.output.1).replacingOccurrences(of: ",", with: "")))
        #expect(count > LongList.shownInline, "the demo has more late events than a warning shows: \(warning)")
        #expect(warning.contains("and \(count - LongList.shownInline) more (`hub runs show \(councilTaxRun.id) --json` lists them all)"), "\(warning)")
        let json = try hub(["runs", "show", String(councilTaxRun.id), "--json"], environment, in: folder).output
        let report = try #require(try JSONDecoder().decode(JSON.self, from: Data(json.utf8))["report"])
        #expect(report["late"]?.count == count, "every late event is listed")
        let sent = try #require(report["sent"]?.count)
        #expect(shown.contains("... and \(Wording.number(sent - LongList.shown)) more: `hub runs show \(councilTaxRun.id) --json` lists them all"), "\(shown)")
    }
}
