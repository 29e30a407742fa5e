import BankFiles
import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// Hostile 50 MB single-line files, given to the built `hub` as an operator would: each is
/// refused while it is read (peak memory of the process stays small), standard error and
/// `runs.error` stay small, and nothing is posted.
@Suite(.serialized) struct InputLimitsCommandTests {
    /// The hub's resident memory when it imports a small file is about this; a 50 MB line read
    /// whole would add at least 50 MB.
    static let peakLimitKB = 48 * 1024

    /// A folder with the shipped configuration on a new test database, as `hub` reads it.
    func setUp() throws -> (folder: URL, environment: [String: String], database: HubDatabase) {
        let database = try TestHub.database()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "go-live: 2026-04-06\nrent-calendar: rent-calendar.yaml\ndirectories:\n  inbox: inbox\n  archive: archive\n  rejected: rejected\n  outbox: outbox\n"
            .write(to: folder.appendingPathComponent("hub.yaml"), atomically: true, encoding: .utf8)
        let shipped = CommandOutputTests.repository.appendingPathComponent("Config")
        for name in try FileManager.default.contentsOfDirectory(atPath: shipped.path) where name != "hub.yaml" {
            try FileManager.default.copyItem(at: shipped.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        return (folder, [
            "HUB_CONFIG": folder.appendingPathComponent("hub.yaml").path, "HUB_DATABASE_URL": database.connectionString,
            "HUB_ADMIN_DATABASE_URL": database.adminConnectionString!,
        ], database)
    }

    /// Runs `hub` under `/usr/bin/time`, returning its exit status, its output (standard output
    /// and error together) and its peak resident memory in KB as `time` measures it. (A process
    /// spawned straight from the test would report the test process's own peak: Linux keeps the
    /// high-water mark across `exec`.)
    func hub(_ arguments: [String], _ environment: [String: String], in folder: URL) throws -> (status: Int32, output: String, peakKB: Int) {
        let log = folder.appendingPathComponent("out-\(UUID().uuidString).log")
        let peak = folder.appendingPathComponent("peak-\(UUID().uuidString).txt")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-f", "%M", "-o", peak.path, HubProcess.executable] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let peakText = try String(contentsOf: peak, encoding: .utf8)
        let peakKB = Int(peakText.split(separator: "\n").last(where: { Int($0) != nil }) ?? "") ?? Int.max
        return (process.terminationStatus, try String(contentsOf: log, encoding: .utf8), peakKB)
    }

    /// A file of `head`, then 50 MB of one byte with no line break, then `tail`.
    func hugeLine(_ folder: URL, _ name: String, head: String, tail: String = "\n") throws -> URL {
        let url = folder.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(head.utf8))
        let block = Data(repeating: UInt8(ascii: "A"), count: InputLimits.megabyte)
        for _ in 0..<50 { try handle.write(contentsOf: block) }
        try handle.write(contentsOf: Data(tail.utf8))
        return url
    }

    @Test func aFiftyMegabyteLineInAPaymentFileIsRefusedInSmallMemoryWithAShortError() throws {
        let (folder, environment, database) = try setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try hub(["db", "migrate"], environment, in: folder).status == 0)
        let db = try database.connect()

        // A small file first: the memory any import takes.
        let sample = CommandOutputTests.repository.appendingPathComponent("Interfaces/inbound/outlet/outlet-20250107.csv")
        let baseline = try hub(["import", "--dry-run", "--format", "outlet", sample.path], environment, in: folder)
        #expect(baseline.status == 0, "\(baseline.output)")

        let files: [(URL, String)] = [
            (try hugeLine(folder, "statement.sta", head: ":20:RCA1\n:25:60161331926819\n:28C:1/1\n:60F:C250103GBP0,00\n:61:2501060106C95,50NTRFNONREF//X1\n:86:", tail: "\n:62F:C250106GBP95,50\n-\n"), "mt940"),
            (try hugeLine(folder, "outlet.csv", head: "TRANSACTION_ID,DATE,TIME,CARD_NUMBER,AMOUNT,OUTLET_ID,PROVIDER\nPP1,06/01/2025,09:14:02,6335590012345678,95.50,"), "outlet"),
            (try hugeLine(folder, "card.csv", head: "Transaction ID,Date,Reference,Payer,Amount,Status\nTX1,2025-01-07,100023450,"), "card"),
            (try hugeLine(folder, "hb.csv", head: "HEADER,HOUSING BENEFIT CREDITS,06/01/2025\nCREDIT,"), "hb"),
        ]
        for (file, format) in files {
            let result = try hub(["import", "--format", format, file.path], environment, in: folder)
            #expect(result.status != 0, "\(format)")
            #expect(result.output.utf8.count < 2_000, "\(format): \(result.output.utf8.count) bytes of output")
            #expect(result.output.contains("\(file.lastPathComponent): line "), "\(format): \(result.output.prefix(500))")
            #expect(result.output.contains("longer than the"), "\(format): \(result.output.prefix(500))")
            #expect(result.peakKB < max(Self.peakLimitKB, baseline.peakKB + 16 * 1024), "\(format): peak \(result.peakKB) KB (a small import: \(baseline.peakKB) KB)")
        }
        let errors = try db.query("SELECT length(error) FROM runs WHERE status = 'failed' ORDER BY id").map { $0.text(0).flatMap { Int($0) } ?? 0 }
        #expect(errors.count == files.count)
        #expect(errors.allSatisfy { $0 < 1_000 }, "\(errors)")
        #expect(try db.queryOne("SELECT count(*) FROM payment_entries")!.int64(0) == 0)
        #expect(try db.queryOne("SELECT count(*) FROM suspense_items")!.int64(0) == 0)

        // `hub tools check` reads through the same limits, without a database.
        let checked = try hub(["tools", "check", "--format", "mt940", files[0].0.path], [:], in: folder)
        #expect(checked.status == 2, "\(checked.output.prefix(500))")
        #expect(checked.output.utf8.count < 1_000)
        #expect(checked.peakKB < max(Self.peakLimitKB, baseline.peakKB + 16 * 1024), "peak \(checked.peakKB) KB")
    }

    @Test func aLoaderFileWithAFiftyMegabyteAddressOrATenThousandCharacterOneIsRefused() throws {
        let (folder, environment, database) = try setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try hub(["db", "migrate"], environment, in: folder).status == 0)

        let header = "property_ref,uprn,address,postcode,council_tax_ref,bedrooms\n"
        // A 10,000-character address on a line within the line limit: refused by its column's maximum.
        let long = folder.appendingPathComponent("long.csv")
        try (header + "P1,1,\"\(String(repeating: "1 Long Road ", count: 834))End\",AB1 2CD,,2\nP\(String(repeating: "9", count: 60)),2,2 Road,AB1 2CD,,2\n")
            .write(to: long, atomically: true, encoding: .utf8)
        let refused = try hub(["load", "properties", long.path, "--dry-run"], environment, in: folder)
        #expect(refused.status == 2, "\(refused.output)")
        #expect(refused.output.contains("line 2, column address, value '1 Long Road 1 Long Road 1 Long Road 1 Lo…'"), "\(refused.output)")
        #expect(refused.output.contains("10,011 characters, more than the 250 the column address allows"), "\(refused.output)")
        #expect(refused.output.contains("line 3, column property_ref"), "\(refused.output)")
        #expect(refused.output.contains("more than the 50 the column property_ref allows"), "\(refused.output)")

        // A 50 MB address: refused at its line, in small memory, with a short message.
        let huge = try hugeLine(folder, "huge.csv", head: header + "P1,1,")
        let result = try hub(["load", "properties", huge.path, "--dry-run"], environment, in: folder)
        #expect(result.status == 2, "\(result.output.prefix(500))")
        #expect(result.output.utf8.count < 1_000, "\(result.output.prefix(1_000))")
        #expect(result.output.contains("line 2"), "\(result.output.prefix(500))")
        #expect(result.output.contains("32,768 bytes a loader file allows"), "\(result.output.prefix(500))")
        #expect(result.peakKB < Self.peakLimitKB, "peak \(result.peakKB) KB")
        #expect(try database.connect().queryOne("SELECT count(*) FROM properties")!.int64(0) == 0)
    }

    @Test func aConfigurationFileOrValueTooLargeIsRefusedNamingIt() throws {
        let (folder, environment, _) = try setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let payments = folder.appendingPathComponent("payments.yaml")
        var text = try String(contentsOf: payments, encoding: .utf8)
        text = text.replacingOccurrences(of: "bank-credit: RBT", with: "bank-credit: " + String(repeating: "R", count: 5_000))
        try text.write(to: payments, atomically: true, encoding: .utf8)
        let result = try hub(["import", "--dry-run", "--inbox"], environment, in: folder)
        #expect(result.status == 2, "\(result.output)")
        #expect(result.output.contains("payments.yaml: codes.bank-credit: the value 'RRRR"), "\(result.output)")
        #expect(result.output.contains("longer than the 1,000 characters a value may be"), "\(result.output)")
        #expect(result.output.utf8.count < 1_000)

        try Data(repeating: UInt8(ascii: "#"), count: ConfigLimits.maxFileBytes + 1).write(to: payments)
        let large = try hub(["import", "--dry-run", "--inbox"], environment, in: folder)
        #expect(large.status == 2, "\(large.output)")
        #expect(large.output.contains("payments.yaml: the file is 1,048,577 bytes, more than the 1,048,576 bytes a configuration file may be"), "\(large.output)")
    }
}
