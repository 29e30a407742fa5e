import Foundation
import HousingFinance
import Hub
import HubTesting
import Testing

@Suite struct RepairsLoadsTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interfaces/inbound/repairs/README.md")

    @Test func everyTextColumnsLimitIsDocumented() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        for columns in [SORLoad.columns, ContractTermsLoad.columns, RepairOrdersLoad.columns] {
            for column in columns {
                switch column.format {
                case .text, .sorCode, .identifier: break
                default: continue
                }
                let limit = column.maxLength
                let rows = text.split(separator: "\n").filter { $0.hasPrefix("| `\(column.name)` |") }
                #expect(!rows.isEmpty && rows.allSatisfy { $0.hasSuffix("| \(limit) |") }, "\(column.name) \(limit)")
            }
        }
    }

    @Test func aValueLongerThanItsColumnIsRefusedWithTheOthers() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        let orders = """
            job_number,property_ref,priority,raised_date,estimated_value,sor_code,quantity
            J1,\(String(repeating: "P", count: 31)),NORMAL,2026-04-01,10.00,\(String(repeating: "A", count: 17)),1
            J 2,P1,NORMAL,2026-04-01,10.00,A1,1

            """
        let error = try #require(throws: LoadError.self) {
            try runner.run(LoadJob<RepairOrdersLoad>(file: "orders.csv", bytes: Array(orders.utf8), scheme: .standard), businessDate: Day(iso: "2026-04-08")!)
        }
        #expect(error.description.contains("line 2, column property_ref, value 'PPPP"), "\(error)")
        #expect(error.description.contains("more than the 30 the column property_ref allows"), "\(error)")
        #expect(error.description.contains("line 2, column sor_code"), "\(error)")
        #expect(error.description.contains("more than the 16 the column sor_code allows"), "\(error)")
        #expect(error.description.contains("line 3, column job_number, value 'J 2': printable characters without spaces"), "\(error)")
        #expect(try db.queryOne("SELECT count(*) FROM repair_orders")!.decode(Int.self, 0) == 0)
    }

    @Test func aJobsRowsMustAgreeAndTheJobIsLoadedOnce() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        try db.execute("INSERT INTO properties (property_ref, address, postcode, bedrooms) VALUES ('P1', '1 Road', 'AB1 2CD', 2)")
        _ = try runner.run(LoadJob<SORLoad>(file: "sor.csv", bytes: Array(RepairsFixture.sor.utf8), scheme: .standard), businessDate: Day(iso: "2026-04-08")!)
        let disagreeing = """
            job_number,property_ref,priority,raised_date,estimated_value,sor_code,quantity
            J1,P1,NORMAL,2026-04-01,10.00,PLU1001,1
            J1,P1,urgent,2026-04-01,10.00,ELE2002,2

            """
        let error = try #require(throws: LoadError.self) {
            try runner.run(LoadJob<RepairOrdersLoad>(file: "orders.csv", bytes: Array(disagreeing.utf8), scheme: .standard), businessDate: Day(iso: "2026-04-08")!)
        }
        #expect(error.description.contains("line 3, column priority, value 'urgent': differs from job J1's first row (line 2)"), "\(error)")
        let good = disagreeing.replacingOccurrences(of: "urgent", with: "normal")
        let outcome = try runner.run(LoadJob<RepairOrdersLoad>(file: "orders.csv", bytes: Array(good.utf8), scheme: .standard), businessDate: Day(iso: "2026-04-08")!)
        #expect(outcome.report.render().hasPrefix("Loaded repair orders from orders.csv"))
        #expect(outcome.report.done["orders"] == 1)
        let lines = try db.query("SELECT line_number, sor_code, quantity_hundredths FROM repair_order_lines ORDER BY line_number").map { "\($0.text(0)!) \($0.text(1)!) \($0.text(2)!)" }
        #expect(lines == ["1 PLU1001 100", "2 ELE2002 200"])
        #expect(try db.queryOne("SELECT priority FROM repair_orders")!.text(0) == "NORMAL")
    }
}
