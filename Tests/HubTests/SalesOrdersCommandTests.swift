import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// `hub run sales-order-review`, `hub sales-orders` and `hub load sor` through the executable:
/// what an operator sees and the exit codes scripts rely on.
@Suite struct SalesOrdersCommandTests {
    func hub(_ arguments: [String], _ environment: [String: String], in folder: URL) throws -> (Int32, String) {
        let output = folder.appendingPathComponent("out-\(UUID().uuidString).log")
        let process = try HubProcess.start(arguments, environment: environment, output: output.path)
        let status = process.wait()
        return (status, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    @Test func reviewListDecideAndExitCodes() throws {
        let fixture = try RepairsFixture()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-repairs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "go-live: 2026-04-06\nrent-calendar: rent-calendar.yaml\ndirectories:\n  outbox: outbox\n  inbox: inbox\n"
            .write(to: folder.appendingPathComponent("hub.yaml"), atomically: true, encoding: .utf8)
        try "{}\n".write(to: folder.appendingPathComponent("rent-calendar.yaml"), atomically: true, encoding: .utf8)
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/sales-order-review.yaml")
        try FileManager.default.copyItem(at: shipped, to: folder.appendingPathComponent("sales-order-review.yaml"))
        try RepairsFixture.completions.write(to: folder.appendingPathComponent("completed.csv"), atomically: true, encoding: .utf8)
        try "HDR,ODS,2026-04-08,2\nJOB,J1,2026-04-07,Al,1.00\nTRL,1,1.00\n".write(to: folder.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        let environment = ["HUB_CONFIG": folder.appendingPathComponent("hub.yaml").path, "HUB_DATABASE_URL": fixture.runner.database.connectionString]

        var (status, output) = try hub(["run", "sales-order-review", folder.appendingPathComponent("completed.csv").path, "--as-of", "2026-04-08"], environment, in: folder)
        #expect(status == 0, "\(output)")
        #expect(output.contains("approved: 4 (£417.33), held: 2 (£2,376.00), rejected: 7"), "\(output)")
        #expect(output.contains("Written to \(folder.path)/outbox/ods-sales-orders/ODS-SO-000001.xml"), "\(output)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("outbox/ods-sales-orders/ODS-SO-000001.xml").path))

        (status, output) = try hub(["run", "sales-order-review", folder.appendingPathComponent("completed.csv").path, "--as-of", "2026-04-08"], environment, in: folder)
        #expect(status == 3, "the same file twice: \(output)")

        (status, output) = try hub(["run", "sales-order-review", folder.appendingPathComponent("bad.csv").path, "--as-of", "2026-04-08"], environment, in: folder)
        #expect(status == 2, "\(output)")
        #expect(output.contains("line 2: job J1 has no good LIN records"), "\(output)")

        (status, output) = try hub(["sales-orders", "list", "--status", "held"], environment, in: folder)
        #expect(status == 0, "\(output)")
        let held = TextRows.all(output).filter { $0.first?.hasPrefix("SO") == true }
        #expect(held.count == 2 && held[0][1] == "held" && held[0][2] == "J4" && held[1][2] == "J5", "\(output)")
        #expect(output.contains("2 sales orders"), "\(output)")
        let j4 = held[0][0]
        let j5 = held[1][0]

        // The test server's superuser has no authorisation limit in the configuration: refused, exit 5.
        let asSuperuser = environment.merging(["HUB_DATABASE_URL": fixture.runner.database.adminConnectionString!]) { $1 }
        (status, output) = try hub(["sales-orders", "approve", j5, "--note", "agreed"], asSuperuser, in: folder)
        #expect(status == 5, "\(output)")
        #expect(output.contains("has no authorisation limit"), "\(output)")

        (status, output) = try hub(["sales-orders", "reject", j4, "--reason", "two rooms were not done"], environment, in: folder)
        #expect(status == 0, "\(output)")
        (status, output) = try hub(["sales-orders", "show", j4], environment, in: folder)
        // The decisions: who rejected it, when, and why.
        let decision = try #require(TextRows.row(output, with: "rejected"), "\(output)")
        #expect(decision.count == 5 && !decision[2].isEmpty && decision[3].hasPrefix("£") && decision[4] == "two rooms were not done", "\(output)")
        #expect(decision[0].wholeMatch(of: /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/) != nil, "a time to the second: \(output)")
        (status, output) = try hub(["sales-orders", "reject", j4, "--reason", "again"], environment, in: folder)
        #expect(status == 5, "\(output)")

        try "code,description\nA,B\n".write(to: folder.appendingPathComponent("sor.csv"), atomically: true, encoding: .utf8)
        (status, output) = try hub(["load", "sor", folder.appendingPathComponent("sor.csv").path], environment, in: folder)
        #expect(status == 2, "\(output)")
        #expect(output.contains("the column 'base_price' is missing"), "\(output)")
    }
}
