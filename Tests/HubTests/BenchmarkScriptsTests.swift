import Foundation
import Testing

/// Every script under Benchmarks/ runs on today's schema: each once at a tiny size, with the hub
/// built beside the tests (HUB_BIN) and its own throwaway PostgreSQL cluster (lib.sh), and
/// prints its figures. (The figures at these sizes mean nothing; that the scripts run does.)
@Suite(.serialized) struct BenchmarkScriptsTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The scripts, a tiny size for each, and a line of figures each must print (`; also: ` joins
    /// two that must both appear).
    static let scripts: [(script: String, arguments: [String], figures: String)] = [
        ("rent-debit", ["40"], "same rows and pence: yes"),
        ("rent-debit", ["--landlords", "3", "20"], "same rows and pence: yes"),
        ("rent-debit", ["--without-rls", "20"], "same rows and pence: yes"),
        ("gl-export", ["40"], "same postings and total debits: yes"),
        ("payment-import", ["40"], "ties: True"),
        ("payments", ["40", "0.0005"], "same payments read by all three: yes"),
        ("rehearsal", ["20"], "GO (0 problems)"),
        ("arrears-review", ["40"], "letters and messages sent:; also: the next night's review (balances carried):"),
        ("dd-collection", ["40"], "same rows and pence: yes"),
        ("console", ["20", "5", "5", "200"], "5 clients, "),
        ("history", ["40", "1"], "same postings for the day in both: yes; hub db verify of the history: intact; also: "
            + "same total as from the whole ledger: yes; the arrears report the same: yes"),
    ]

    @Test func everyBenchmarkScriptIsTested() throws {
        let present = try FileManager.default.contentsOfDirectory(atPath: Self.repository.appendingPathComponent("Benchmarks").path)
            .filter { !$0.contains(".") }
        #expect(Set(present) == Set(Self.scripts.map(\.script)), "a benchmark script without a test, or a test without its script")
    }

    @Test(arguments: BenchmarkScriptsTests.scripts.map { ([$0.script] + $0.arguments).joined(separator: " ") })
    func theScriptRunsOnTodaysSchema(_ invocation: String) throws {
        let entry = try #require(Self.scripts.first { ([$0.script] + $0.arguments).joined(separator: " ") == invocation })
        let (status, text) = try Self.run(entry.script, entry.arguments)
        #expect(status == 0, "\(entry.script): \(text.suffix(3000))")
        for figures in entry.figures.components(separatedBy: "; also: ") {
            #expect(text.contains(figures), "\(entry.script): \(text.suffix(3000))")
        }
    }

    /// A history kept with KEEP=1 is timed again with REUSE=: the last run's day taken back (the
    /// seal chain intact again, as `hub db verify` checks at this size), the cluster resized, the
    /// indexes prewarmed, the day's jobs only.
    @Test func aKeptHistoryIsTimedAgain() throws {
        let (status, text) = try Self.run("history", ["40", "1"], ["KEEP": "1"])
        #expect(status == 0, "history: \(text.suffix(3000))")
        let kept = try #require(text.firstMatch(of: /psql "host=(\/tmp\/hub-bench-[A-Za-z0-9]+) port=/)?.1, "\(text.suffix(3000))")
        defer {
            let stop = Process()
            stop.executableURL = URL(fileURLWithPath: "/bin/bash")
            stop.arguments = ["-c", "pg_ctl=\"$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)\"; "
                + "if [ \"$(id -u)\" -eq 0 ]; then runuser -u postgres -- \"$pg_ctl\" -D '\(kept)/data' -m immediate stop; "
                + "else \"$pg_ctl\" -D '\(kept)/data' -m immediate stop; fi; rm -rf '\(kept)'"]
            stop.standardOutput = FileHandle.nullDevice
            stop.standardError = FileHandle.nullDevice
            try? stop.run()
            stop.waitUntilExit()
        }
        let (again, second) = try Self.run("history", [], ["REUSE": String(kept), "DAY_ONLY": "1", "PREWARM": "1", "SHARED_BUFFERS": "160MB"])
        #expect(again == 0, "history again: \(second.suffix(3000))")
        #expect(second.contains("History of 40 accounts over 1 years"), "\(second.suffix(3000))")
        #expect(second.contains("shared buffers (160MB, each account's last leaf of the by-account index and the payment entries' key prewarmed"), "\(second.suffix(3000))")
        #expect(second.contains("same postings for the day in both: yes; hub db verify of the history: intact"), "\(second.suffix(3000))")
    }

    /// Runs Benchmarks/SCRIPT with the hub built beside the tests and its own cluster: the exit
    /// status and everything it printed.
    static func run(_ script: String, _ arguments: [String], _ extra: [String: String] = [:]) throws -> (Int32, String) {
        let hub = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hub").path
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("hub-bench-\(script)-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.repository.appendingPathComponent("Benchmarks/\(script)").path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HUB_BIN"] = hub
        environment["HUB_DATABASE_URL"] = nil
        environment["HUB_ADMIN_DATABASE_URL"] = nil
        environment["HUB_CONFIG"] = nil
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try output.close()
        return (process.terminationStatus, try String(contentsOf: log, encoding: .utf8))
    }
}
