import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// The command line as a person meets it: one prefix for errors, a usage error with the command's
/// own usage, the nearest command to a misspelled one, the README's exit codes (a record that
/// does not exist is bad input, 2), a helpful word when there is no configuration, and the
/// embedded cluster reached however its configuration is named.
@Suite struct CommandLineTests {
    let voice = CommandOutputTests()

    @Test func aRecordThatDoesNotExistIsBadInputInEveryCommand() throws {
        let (folder, environment) = try voice.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing: [([String], String)] = [
            (["runs", "show", "999999"], "there is no run 999999"),
            (["runs", "reverse", "999999", "--reason", "test"], "there is no run 999999"),
            (["runs", "reverse", "--back-to", "999999", "--reason", "test", "--yes"], "there is no run 999999"),
            (["accounts", "statement", "100000011"], "there is no rent account '100000011'"),
            (["sales-orders", "show", "999999"], "there is no sales order"),
            (["sales-orders", "approve", "999999", "--note", "test"], "there is no sales order"),
            (["suspense", "allocate", "999999", "100000011", "--note", "test"], "there is no suspense item 999999"),
            (["exports", "show", "99"], "there is no outbound file with sequence number 99"),
            (["migration", "reports", "999999"], "there is no rehearsal 999999"),
        ]
        for (command, words) in missing {
            let (status, output) = try voice.hub(command, environment, in: folder)
            #expect(status == 2, "\(command): \(output)")
            #expect(output.hasPrefix("error: "), "\(command): \(output)")
            #expect(output.contains(words), "\(command): \(output)")
        }
    }

    @Test func usageErrorsShowTheCommandsOwnUsageAndSuggestTheNearestCommand() throws {
        let (folder, environment) = try voice.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A value found wrong while the command runs: still that command's usage, exit 64.
        var (status, output) = try voice.hub(["run", "rent-debit", "--week", "2026-11-02", "--as-of", "someday"], environment, in: folder)
        #expect(status == 64, "\(output)")
        #expect(output.hasPrefix("error: --as-of 'someday' is not a date YYYY-MM-DD"), "\(output)")
        #expect(output.contains("Usage: hub run rent-debit "), "\(output)")
        #expect(!output.contains("Usage: hub <subcommand>"), "\(output)")
        // An unknown option: the same prefix and the command's usage.
        (status, output) = try voice.hub(["runs", "list", "--bogus"], environment, in: folder)
        #expect(status == 64 && output.hasPrefix("error: ") && output.contains("Usage: hub runs list "), "\(output)")
        // A misspelled command: the nearest is suggested.
        (status, output) = try voice.hub(["rns", "list"], environment, in: folder)
        #expect(status == 64, "\(output)")
        #expect(output.hasPrefix("error: 'rns' is not a command of `hub`; did you mean 'runs'?"), "\(output)")
        (status, output) = try voice.hub(["run", "rent-debt", "--week", "2026-11-02"], environment, in: folder)
        #expect(status == 64, "\(output)")
        #expect(output.contains("did you mean 'rent-debit'?"), "\(output)")
        #expect(output.contains("Usage: hub run <subcommand>"), "\(output)")
        (status, output) = try voice.hub(["sales-orders", "aprove", "1"], environment, in: folder)
        #expect(output.contains("did you mean 'approve'?") && status == 64, "\(output)")
        // Every error of the hub's own speaks the same way.
        (status, output) = try voice.hub(["import", folder.appendingPathComponent("nothing.xml").path], environment, in: folder)
        #expect(status == 2 && output.hasPrefix("error: "), "\(output)")
    }

    @Test func outsideTheProjectFolderTheHubSaysHowToGiveAConfiguration() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-noconfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("out.log").path
        let status = try HubProcess.start(["runs", "list"], environment: ["HUB_CONFIG": "", "HUB_DATABASE_URL": ""], output: log, directory: folder.path).wait()
        let output = try String(contentsOfFile: log, encoding: .utf8)
        #expect(status == 2, "\(output)")
        #expect(output.hasPrefix("error: "), "\(output)")
        for words in ["--config FILE", "HUB_CONFIG", "project folder", "/etc/hub/hub.yaml", "docs/operations.md"] {
            #expect(output.contains(words), "\(words): \(output)")
        }
        #expect(!output.contains("cannot read the file"), "\(output)")
    }

    /// The embedded cluster: `hub db start|status|stop`, and one cluster however the configuration is named.
    @Test func theSameConfigurationReachesTheSameEmbeddedClusterHoweverItIsNamed() throws {
        let (folder, _) = try voice.setUp()
        let project = folder.appendingPathComponent("project")
        let config = project.appendingPathComponent("Config")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".yaml") || name.hasSuffix(".csv") {
            try FileManager.default.moveItem(at: folder.appendingPathComponent(name), to: config.appendingPathComponent(name))
        }
        // The shipped layout: no database configured, the embedded cluster under ../var.
        try "go-live: 2026-04-06\nrent-calendar: rent-calendar.yaml\n".write(to: config.appendingPathComponent("hub.yaml"), atomically: true, encoding: .utf8)
        let clusterFolder = project.appendingPathComponent("var/embedded-postgres")
        defer {
            try? EmbeddedCluster.remove(in: clusterFolder)
            try? FileManager.default.removeItem(at: folder)
        }
        let environment = ["HUB_CONFIG": "", "HUB_DATABASE_URL": ""]
        func hub(_ arguments: [String]) throws -> (Int32, String) {
            let log = folder.appendingPathComponent("out-\(UUID().uuidString).log").path
            let status = try HubProcess.start(arguments, environment: environment, output: log, directory: project.path).wait()
            return (status, try String(contentsOfFile: log, encoding: .utf8))
        }
        var (status, output) = try hub(["db", "status"])
        #expect(status == 0 && output.contains("not made yet"), "\(output)")
        (status, output) = try hub(["db", "start"])
        #expect(status == 0 && output.contains("The embedded cluster is running"), "\(output)")
        let port = try #require(output.firstMatch(of: /port (\d+)/).map { String($0.1) }, "\(output)")
        // Named relatively, absolutely, with `..`, and by HUB_CONFIG: the same cluster, already running.
        let names = ["Config/hub.yaml", config.appendingPathComponent("hub.yaml").path, project.path + "/Config/../Config/hub.yaml"]
        for name in names {
            (status, output) = try hub(["db", "status", "--config", name])
            #expect(status == 0, "\(name): \(output)")
            #expect(output.contains("running") && output.contains("port \(port)"), "\(name): \(output)")
            (status, output) = try hub(["runs", "list", "--config", name])
            #expect(status == 0, "\(name): \(output)")
        }
        (status, output) = try hub(["db", "stop", "--config", names[1]])
        #expect(status == 0 && output.contains("Stopped the embedded cluster"), "\(output)")
        (status, output) = try hub(["db", "status"])
        #expect(status == 0 && output.contains("stopped"), "\(output)")
        // A configured database is never started or stopped by the hub.
        let database = try TestHub.database()
        let log = folder.appendingPathComponent("configured.log").path
        let refused = try HubProcess.start(["db", "stop"], environment: ["HUB_CONFIG": "", "HUB_DATABASE_URL": database.connectionString], output: log, directory: project.path).wait()
        let refusal = try String(contentsOfFile: log, encoding: .utf8)
        #expect(refused == 2 && refusal.contains("embedded cluster only"), "\(refusal)")
    }

    /// The README's own examples and every hint the demo prints work on the demo's council.
    @Test func theReadmesExamplesAndTheDemosHintsWork() throws {
        let (folder, environment) = try voice.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        var (status, output) = try voice.hub(["demo", "--properties", "30", "--as-of", "2026-12-01"], environment, in: folder)
        #expect(status == 0, "\(output)")
        let demo = output

        // The README's quick-start commands.
        let readme = try String(contentsOf: CommandOutputTests.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let examples = readme.split(separator: "\n").filter { $0.hasPrefix(".build/debug/hub ") }
        #expect(examples.count >= 3)
        for example in examples {
            let arguments = example.dropFirst(".build/debug/hub ".count).split(separator: " ").map(String.init)
            (status, output) = try voice.hub(arguments, environment, in: folder)
            #expect(status == 0, "README: \(example): \(output)")
        }

        // The demo's "Try next" commands, as printed.
        let tries = demo.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("hub ") && !$0.contains(" ID ") }
        #expect(tries.contains { $0.hasPrefix("hub accounts statement ") }, "\(demo)")
        for line in tries {
            (status, output) = try voice.hub(line.dropFirst(4).split(separator: " ").map(String.init) + ["--jobs", CommandOutputTests.repository.appendingPathComponent("Jobs").path].filter { _ in line.hasPrefix("hub jobs") }, environment, in: folder)
            #expect(status == 0, "demo hint \(line): \(output)")
        }
        // A person with an authorisation limit approves a held order, as the demo shows.
        let approve = try #require(demo.split(separator: "\n").first { $0.contains("hub sales-orders approve SO") }, "\(demo)")
        let match = try #require(approve.firstMatch(of: /HUB_DATABASE_URL='([^']+)' hub sales-orders approve (SO\d+) --note TEXT/), "\(approve)")
        var asOfficer = environment
        asOfficer["HUB_DATABASE_URL"] = String(match.1)
        (status, output) = try voice.hub(["sales-orders", "approve", String(match.2), "--note", "checked on site"], asOfficer, in: folder)
        #expect(status == 0, "\(output)")
        #expect(output.contains("approved by repairs_officer"), "\(output)")

        // The jobs the demo ran show their last run.
        (status, output) = try voice.hub(["jobs", "list", "--jobs", CommandOutputTests.repository.appendingPathComponent("Jobs").path], environment, in: folder)
        #expect(status == 0, "\(output)")
        for job in ["rent-debit", "payment-import", "sales-order-review", "gl-export", "council-tax-export"] {
            let row = try #require(TextRows.row(output, with: job), "\(output)")
            #expect(row.last?.hasPrefix("run ") == true, "\(job): \(output)")
        }

        // A second demo advises reversing only what can be reversed.
        (status, output) = try voice.hub(["demo", "--as-of", "2026-12-01"], environment, in: folder)
        #expect(status == 0, "\(output)")
        let db = try Connection.hub(environment["HUB_DATABASE_URL"]!)
        for advice in (demo + output).matches(of: /Reverse run (\d+) first/) {
            let run = try #require(try RunRecord.find(Int64(advice.1)!, on: db))
            #expect(try ReversalJob.refusal(for: run, on: db) == nil, "advised to reverse run \(run.id) (\(run.job)), which cannot be: \(output)")
        }
    }
}
