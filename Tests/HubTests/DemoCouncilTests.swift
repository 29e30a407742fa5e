import Foundation
import HousingFinance
import Hub
import HubDemo
import Postgres
import Testing

/// The demo council: generated the same every time, loaded through the loaders, charged by the rent debit.
@Suite struct DemoCouncilTests {
    static let goLive = d("2026-04-06")

    @Test func theSameSeedMakesTheSameCouncil() {
        let a = DemoCouncil(properties: 50, goLive: Self.goLive).files()
        let b = DemoCouncil(properties: 50, goLive: Self.goLive).files()
        #expect(a.properties == b.properties && a.tenancies == b.tenancies && a.accounts == b.accounts)
        #expect(a.charges == b.charges && a.openingBalances == b.openingBalances)
        #expect(a.tenancies != DemoCouncil(properties: 50, seed: 7, goLive: Self.goLive).files().tenancies)
    }

    @Test func aSmallCouncilLoadsWithFlatsVoidsJointTenanciesAndValidAccounts() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        let council = DemoCouncil(properties: 300, goLive: Self.goLive)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)")
        let loads = try #require(try council.seed(runner: runner, businessDate: d("2026-11-30"), directory: directory))
        #expect(loads.map(\.job) == ["load-properties", "load-tenancies", "load-accounts", "load-charges", "load-opening-balances"])
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("demo-properties.csv").path))
        // A second seed finds the council and loads nothing.
        #expect(try council.seed(runner: runner, businessDate: d("2026-11-30"), directory: nil) == nil)

        let summary = try DemoCouncil.summary(on: db, on: d("2026-11-30"), calendar: .none)
        #expect(summary.properties == 300)
        #expect((summary.byType["house"] ?? 0) > 100)
        #expect((summary.byType["flat"] ?? 0) > 60)
        #expect(summary.voids > 0)
        #expect(summary.jointTenancies > 20)
        #expect(summary.endedTenancies > 10)
        #expect(summary.accounts == summary.tenancies)
        #expect(summary.inArrears > 0 && summary.inCredit > 0)
        #expect(summary.paymentCards > 100 && summary.legacyReferences > 0)

        // Every flat has a service charge besides its basic rent; houses have none.
        #expect(try db.queryOne("SELECT count(*) FROM properties p WHERE property_type = 'flat' AND NOT EXISTS (SELECT 1 FROM weekly_charges w WHERE w.property_id = p.id AND charge_code = 'DSC')")!.int64(0) == 0)
        #expect(try db.queryOne("SELECT count(*) FROM properties p JOIN weekly_charges w ON w.property_id = p.id WHERE property_type = 'house' AND charge_code = 'DSC'")!.int64(0) == 0)
        #expect(summary.chargesByCode["DHE"] ?? 0 > 0)
        #expect(summary.chargesByCode["DBR"] == 300)

        // Every account reference passes the modulus-11 check digit; cards are 19 digits.
        for row in try db.query("SELECT account_ref FROM rent_accounts") {
            #expect(AccountReference(row.text(0)!, scheme: .standard)?.digits == row.text(0))
        }
        #expect(try db.queryOne("SELECT count(*) FROM account_payment_cards WHERE length(card_number) <> 19")!.int64(0) == 0)

        // The rent debit of the go-live week charges exactly the tenancies live in it.
        let runs = RentDebitRuns(runner: runner, config: TestHub.config(goLive: Self.goLive))
        let outcome = try #require(try runs.postThrough(RentWeek(containing: Self.goLive), businessDate: Self.goLive).first)
        let live = try db.queryOne(
            "SELECT count(*) FROM tenancies WHERE start_date <= $1 AND (end_date IS NULL OR end_date >= $2)", [Self.goLive.advanced(by: 6), Self.goLive])!.int64(0)
        #expect(outcome.report.accountsDebited == Int(live))
        #expect(try db.queryOne("SELECT count(DISTINCT account_id) FROM ledger_entries WHERE code = 'DBR'")!.int64(0) == live)
        #expect(outcome.report.entriesByCode["DSC"] ?? 0 > 0)
    }

    @Test func hubDemoSeedsOnceSummarisesAndRunsTheRentDebit() throws {
        let database = try TestHub.database()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "go-live: 2026-04-06\nrent-calendar: rent-calendar.yaml\ndirectories:\n  inbox: inbox\n".write(
            to: folder.appendingPathComponent("hub.yaml"), atomically: true, encoding: .utf8)
        try "2026/27:\n  - 2026-12-21\n  - 2026-12-28\n  - 2027-03-22\n  - 2027-03-29\n".write(
            to: folder.appendingPathComponent("rent-calendar.yaml"), atomically: true, encoding: .utf8)
        // The other features' settings (payments, exports, repairs) as shipped.
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Config")
        for name in try FileManager.default.contentsOfDirectory(atPath: shipped.path) where !["hub.yaml", "rent-calendar.yaml"].contains(name) {
            try FileManager.default.copyItem(at: shipped.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let environment = ["HUB_CONFIG": folder.appendingPathComponent("hub.yaml").path, "HUB_DATABASE_URL": database.connectionString]
        func demo() throws -> (Int32, String) {
            let log = folder.appendingPathComponent("demo-\(UUID().uuidString).log")
            let status = try HubProcess.start(["demo", "--properties", "120", "--as-of", "2026-04-22"], environment: environment, output: log.path).wait()
            return (status, try String(contentsOf: log, encoding: .utf8))
        }
        let (status, text) = try demo()
        #expect(status == 0, "\(text)")
        #expect(text.contains("Seeded the demo council"))
        #expect(text.contains("Properties: 120 ("))
        #expect(text.contains("Free weeks in rent year 2026/27: 2026-12-21, 2026-12-28, 2027-03-22, 2027-03-29"))
        #expect(text.contains("Rent debit: posted 3 weeks"))
        #expect(text.contains("Rent debit for the week of 2026-04-20"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("demo/demo-charges.csv").path))
        // Direct Debit: two tenancies in five pay by it; a collection day's file is written and read back.
        #expect(text.contains("Loaded mandates from mandates.csv"), "\(text)")
        #expect(text.contains("Direct Debit collection: input day 2026-04-22, processing 2026-04-23, entry day 2026-04-24"), "\(text)")
        #expect(text.contains("the totals tie"), "\(text)")
        // Its ARUDD report through the payment inbox's dd folder, acted on as hub dd returns does.
        #expect(text.contains("Payment inbox: dd/ARUDD-2026-04-28.xml: imported"), "\(text)")
        #expect(text.contains("re-present on ") && text.contains("mandate cancelled; account flagged for the income team"), "\(text)")
        // The statements of the entry day and the returns' day reconcile with the collection file and the report.
        #expect(text.contains("Direct Debit on 2026-04-24:") && text.contains("Direct Debit on 2026-04-28:"), "\(text)")
        #expect(text.components(separatedBy: "Every collection and return ties to the statement.").count == 3, "\(text)")
        #expect(text.components(separatedBy: "ties to the penny").count >= 3, "\(text)")
        #expect(text.contains("none to suspense"))
        let (again, second) = try demo()
        #expect(again == 0)
        #expect(second.contains("reusing it"))
        #expect(second.contains("already posted"))
        #expect(second.contains("Direct Debit collection of 2026-04-22: already done"))
        #expect(try database.connect().queryOne("SELECT count(*) FROM properties")!.decode(Int.self, 0) == 120)
    }

    @Test func resetStopsAndDeletesTheEmbeddedClusterAndNeverAConfiguredDatabase() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-reset-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer {
            try? EmbeddedCluster.remove(in: folder.appendingPathComponent("var/embedded-postgres"))
            try? FileManager.default.removeItem(at: folder)
        }
        try "go-live: 2026-04-06\ndirectories:\n  inbox: var/inbox\n  archive: var/archive\n  rejected: var/rejected\n  outbox: var/outbox\n  embedded-database: var/embedded-postgres\n"
            .write(to: folder.appendingPathComponent("hub.yaml"), atomically: true, encoding: .utf8)
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Config")
        for name in try FileManager.default.contentsOfDirectory(atPath: shipped.path) where name != "hub.yaml" {
            try FileManager.default.copyItem(at: shipped.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        func demo(_ arguments: [String], _ environment: [String: String]) throws -> (Int32, String) {
            let log = folder.appendingPathComponent("demo-\(UUID().uuidString).log")
            let status = try HubProcess.start(["demo", "--properties", "20", "--as-of", "2026-04-08"] + arguments, environment: environment, output: log.path).wait()
            return (status, try String(contentsOf: log, encoding: .utf8))
        }
        let embedded = ["HUB_CONFIG": folder.appendingPathComponent("hub.yaml").path]
        var (status, text) = try demo([], embedded)
        #expect(status == 0, "\(text)")
        #expect(text.contains("Properties: 20 ("), "\(text)")
        // Go-live safety: the council's extract is rehearsed through its manifest first, and a go-live checkpoint marks the loads.
        #expect(text.contains("Migration rehearsal 1 of demo-migration.yaml (go-live 2026-04-06): GO (0 problems)"), "\(text)")
        #expect(text.contains("Checkpoint go-live marks the loads"), "\(text)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("var/demo/demo-migration.yaml").path))
        (status, text) = try demo([], embedded)
        #expect(text.contains("reusing it"), "\(text)")
        // --reset: the cluster is stopped and deleted, and the council made again from nothing.
        (status, text) = try demo(["--reset"], embedded)
        #expect(status == 0, "\(text)")
        #expect(text.contains("Reset: the embedded cluster"))
        #expect(text.contains("Seeded the demo council"), "\(text)")
        #expect(!text.contains("reusing it"))

        // With a database configured, --reset is refused and the database keeps its council.
        let database = try TestHub.database()
        try database.connect().execute("INSERT INTO properties (property_ref, uprn, address, postcode, bedrooms, owned_from) VALUES ('KEEP1', '1', '1 Keep St', 'AB1 2CD', 1, '2000-01-01')")
        (status, text) = try demo(["--reset"], embedded.merging(["HUB_DATABASE_URL": database.connectionString]) { $1 })
        #expect(status == 2, "\(text)")
        #expect(text.contains("never deleted"), "\(text)")
        #expect(try database.connect().queryOne("SELECT count(*) FROM properties WHERE property_ref = 'KEEP1'")!.decode(Int.self, 0) == 1)
    }
}
