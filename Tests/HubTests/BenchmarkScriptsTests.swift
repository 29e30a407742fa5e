import Foundation
import Testing

/// Every script under Benchmarks/ runs on today's schema: each once at a tiny size, with the hub
/// built beside the tests (HUB_BIN) and its own throwaway PostgreSQL cluster (lib.sh), and
/// prints its figures. (The figures at these sizes mean nothing; that the scripts run does.)
@Suite(.serialized) struct BenchmarkScriptsTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The scripts, a tiny size for each, and a line of figures each must print.
    static let scripts: [(script: String, arguments: [String], figures: String)] = [
        ("rent-debit", ["40"], "same rows and pence: yes"),
        ("rent-debit", ["--landlords", "3", "20"], "same rows and pence: yes"),
        ("rent-debit", ["--without-rls", "20"], "same rows and pence: yes"),
        ("gl-export", ["40"], "same postings and total debits: yes"),
        ("payment-import", ["40"], "ties: True"),
        ("payments", ["40", "0.0005"], "same payments read by all three: yes"),
        ("rehearsal", ["20"], "GO (0 problems)"),
        ("arrears-review", ["40"], "letters and messages sent:"),
        ("dd-collection", ["40"], "same rows and pence: yes"),
        ("console", ["20", "5", "5", "200"], "5 clients, "),
        ("history", ["40", "1"], "same postings for the day in both: yes; hub db verify of the history: intact"),
    ]

    @Test func everyBenchmarkScriptIsTested() throws {
        let present = try FileManager.default.contentsOfDirectory(atPath: Self.repository.appendingPathComponent("Benchmarks").path)
            .filter { !$0.contains(".") }
        #expect(Set(present) == Set(Self.scripts.map(\.script)), "a benchmark script without a test, or a test without its script")
    }

    @Test(arguments: BenchmarkScriptsTests.scripts.map { ([$0.script] + $0.arguments).joined(separator: " ") })
    func theScriptRunsOnTodaysSchema(_ invocation: String) throws {
        let entry = try #require(Self.scripts.first { ([$0.script] + $0.arguments).joined(separator: " ") == invocation })
        let script = entry.script
        let hub = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hub").path
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("hub-bench-\(script)-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.repository.appendingPathComponent("Benchmarks/\(script)").path] + entry.arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HUB_BIN"] = hub
        environment["HUB_DATABASE_URL"] = nil
        environment["HUB_CONFIG"] = nil
        process.environment = environment
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try output.close()
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(process.terminationStatus == 0, "\(script): \(text.suffix(3000))")
        #expect(text.contains(entry.figures), "\(script): \(text.suffix(3000))")
    }
}
