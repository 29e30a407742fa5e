import BankFiles
import Foundation
import HousingFinance
import Hub
import HubDemo
import Postgres
import Testing

/// A council with three properties, a schedule of rates with a price change, a 10% uplift and an
/// override, and repair orders for every rule of the review.
struct RepairsFixture {
    let runner: Runner
    let config: HubConfig
    let review: SalesOrderReviewConfig
    let db: Connection

    static let sor = """
        code,description,unit,base_price,effective_from,effective_to
        DES5R003,Redecorate a room,room,80.00,2026-01-01,
        PLU1001,Replace a tap,each,30.00,2026-01-01,
        ELE2002,Replace a socket,each,43.64,2026-01-01,
        ELE2002,Replace a socket,each,50.00,2026-04-07,
        OLD0001,Withdrawn item,each,10.00,2026-01-01,2026-03-31
        BIG0001,Rewire a house,house,2000.00,2026-01-01,

        """
    static let terms = """
        term,sor_code,value,effective_from,effective_to
        uplift,,10,2026-01-01,
        override,PLU1001,33.55,2026-01-01,

        """
    // Prices on 2026-04-07: DES5R003 88.00 (80.00 + 10%), PLU1001 33.55 (override), ELE2002 55.00
    // (50.00 + 10% from 2026-04-07; 48.00 the day before), BIG0001 2,200.00.
    static let orders = """
        job_number,property_ref,priority,raised_date,estimated_value,sor_code,quantity
        J1,P-LIVE,NORMAL,2026-04-01,226.33,DES5R003,2
        J1,P-LIVE,NORMAL,2026-04-01,226.33,PLU1001,1.5
        J2,P-LIVE,URGENT,2026-04-01,48.00,ELE2002,1
        J3,P-LIVE,URGENT,2026-04-01,48.00,ELE2002,1
        J4,P-LIVE,NORMAL,2026-04-01,100.00,DES5R003,2
        J5,P-LIVE,NORMAL,2026-04-01,2200.00,BIG0001,1
        J7,P-SOLD,NORMAL,2026-03-01,88.00,DES5R003,1
        J8,P-LIVE,NORMAL,2026-04-01,98.00,DES5R003,1
        J9,P-LIVE,NORMAL,2026-04-01,88.00,DES5R003,1
        J10,P-LIVE,NORMAL,2026-04-05,88.00,DES5R003,1
        J11,P-LIVE,NORMAL,2026-04-01,88.00,DES5R003,1
        J12,P-VOID,EMERGENCY,2026-04-01,88.00,DES5R003,1

        """
    /// ODS's day: one job for each rule (business date 2026-04-08).
    static let completions = """
        HDR,ODS,2026-04-08,1
        JOB,J1,2026-04-07,Alan Fixit,226.33
        LIN,DES5R003,2
        LIN,PLU1001,1.5
        JOB,J2,2026-04-06,Alan Fixit,48.00
        LIN,ELE2002,1
        JOB,J3,2026-04-07,Alan Fixit,55.00
        LIN,ELE2002,1
        JOB,J4,2026-04-07,Alan Fixit,176.00
        LIN,DES5R003,2
        JOB,J5,2026-04-07,Alan Fixit,2200.00
        LIN,BIG0001,1
        JOB,J6,2026-04-07,Alan Fixit,88.00
        LIN,DES5R003,1
        JOB,J7,2026-04-07,Alan Fixit,88.00
        LIN,DES5R003,1
        JOB,J8,2026-04-07,Alan Fixit,98.00
        LIN,DES5R003,1
        LIN,XYZ999,1
        LIN,OLD0001,1
        JOB,J9,2026-04-07,Alan Fixit,90.00
        LIN,DES5R003,1
        JOB,J10,2026-04-04,Alan Fixit,88.00
        LIN,DES5R003,1
        JOB,J11,2026-04-09,Alan Fixit,88.00
        LIN,DES5R003,1
        JOB,J12,2026-04-07,Beth Smith,88.00
        LIN,DES5R003,1
        JOB,J1,2026-04-07,Alan Fixit,226.33
        LIN,DES5R003,2
        LIN,PLU1001,1.5
        TRL,13,3559.66

        """
    static let businessDate = Day(iso: "2026-04-08")!

    init(limits: [String: Money] = ["hub_repairs": Money(pence: 100_000)]) throws {
        runner = try TestHub.runner()
        config = TestHub.config(goLive: Day(iso: "2026-04-06")!)
        review = SalesOrderReviewConfig(
            settings: .init(tolerancePercentBasisPoints: 1000, toleranceAbsolute: Money(pence: 5000), automaticApprovalLimit: Money(pence: 100_000)),
            authorisationLimits: limits, councilId: "TEST-COUNCIL")
        db = try runner.database.connect()
        try db.addTenancy(account: "100000011", property: "P-LIVE", start: "2020-01-01", charges: [])
        try db.addTenancy(account: "100000029", property: "P-SOLD", start: "2020-01-01", end: "2026-03-31", charges: [], ownedTo: "2026-03-31")
        try db.execute("INSERT INTO properties (property_ref, address, postcode, bedrooms) VALUES ('P-VOID', '3 Empty Row', 'AB1 2CD', 2)")
        _ = try runner.run(LoadJob<SORLoad>(file: "sor.csv", bytes: Array(Self.sor.utf8), scheme: .standard), businessDate: Self.businessDate)
        _ = try runner.run(LoadJob<ContractTermsLoad>(file: "terms.csv", bytes: Array(Self.terms.utf8), scheme: .standard), businessDate: Self.businessDate)
        _ = try runner.run(LoadJob<RepairOrdersLoad>(file: "orders.csv", bytes: Array(Self.orders.utf8), scheme: .standard), businessDate: Self.businessDate)
    }

    /// Writes a completed-jobs file and reviews it.
    func reviewFile(_ text: String, name: String = "completed-1.csv") throws -> RunOutcome<SalesOrderReviewJob.Report> {
        let file = config.directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: config.directory, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return try SalesOrderReviewRuns(runner: runner, config: config).review(file: file, review: review, businessDate: Self.businessDate)
    }

    func orders(job: String) throws -> [SalesOrderRecord] {
        try SalesOrderRecord.list(on: db).filter { $0.jobNumber == job }
    }

    func postings() throws -> [String: Int64] {
        var sums: [String: Int64] = [:]
        for row in try db.query("SELECT analysis, sum(amount_pence) FROM gl_postings WHERE code = 'RPR' GROUP BY analysis") {
            sums[row.text(0)!] = row.int64(1)
        }
        return sums
    }
}

@Suite struct SalesOrderReviewTests {
    @Test func ruleTable() throws {
        let fixture = try RepairsFixture()
        let outcome = try fixture.reviewFile(RepairsFixture.completions)
        #expect(outcome.report.jobs == 13)
        // job, decision, reason codes, priced pence
        let table: [(String, String, [String], Int64?)] = [
            ("J1", "approved", [], 226_33),  // an uplift (DES5R003) and an override (PLU1001) together
            ("J2", "approved", [], 48_00),  // the old ELE2002 price, the day before the change
            ("J3", "approved", [], 55_00),  // the new price, in force on the completion date; £7 over the estimate is within £50
            ("J4", "held", ["over-tolerance"], 176_00),
            ("J5", "held", ["over-approval-limit"], 2200_00),
            ("J6", "rejected", ["unknown-job"], 88_00),
            ("J7", "rejected", ["not-council-owned"], 88_00),
            ("J8", "rejected", ["unknown-sor-code", "unknown-sor-code"], nil),
            ("J9", "rejected", ["claimed-not-priced"], 88_00),
            ("J10", "rejected", ["completed-before-raised"], 88_00),
            ("J11", "rejected", ["completed-in-future"], 88_00),
            ("J12", "approved", [], 88_00),
        ]
        for (job, status, reasons, priced) in table {
            let order = try #require(try fixture.orders(job: job).first, "\(job)")
            #expect(order.status == status, "\(job): \(order.reasons)")
            #expect(order.reasons.map(\.code) == reasons, "\(job)")
            #expect(order.priced?.pence == priced, "\(job)")
        }
        // J1 appears twice in the file: the second is rejected as already billed.
        let j1 = try fixture.orders(job: "J1")
        #expect(j1.map(\.status) == ["approved", "rejected"])
        #expect(j1[1].reasons.map(\.code) == ["already-billed"])
        #expect(j1[1].reasons[0].text.contains(j1[0].reference))
        // J8: one code unknown, one withdrawn before the completion date.
        let j8 = try fixture.orders(job: "J8")[0].reasons.map(\.text)
        #expect(j8.contains { $0.contains("XYZ999 is not in the schedule") })
        #expect(j8.contains { $0.contains("OLD0001 is not in force") })
        #expect(outcome.report.approved == 4 && outcome.report.held == 2 && outcome.report.rejected == 7)

        // Approved costs posted for the general ledger: by priority, VOID for the empty property.
        #expect(try fixture.postings() == ["NORMAL": 226_33, "URGENT": 48_00 + 55_00, "VOID": 88_00])
        // Every decision recorded, who and when.
        let decisions = try SalesOrderRecord.decisions(j1[0].id, on: fixture.db)
        #expect(decisions.count == 1)
        #expect(decisions[0].automatic && decisions[0].decision == "approved" && decisions[0].runId == outcome.record.id)
        #expect(decisions[0].decidedBy == (try fixture.db.queryOne("SELECT session_user::text")!.decode(String.self, 0)))

        // One sales-order file, delivered, with the four approved orders, valid against the XSD.
        let name = try #require(outcome.report.salesOrderFile)
        let path = fixture.config.outbox.appendingPathComponent("ods-sales-orders").appendingPathComponent(name)
        let bytes = Array(try Data(contentsOf: path))
        try SalesOrderFile.validate(bytes, name: name)
        let xml = String(decoding: bytes, as: UTF8.self)
        #expect(xml.contains("<OrderCount>4</OrderCount>"))
        #expect(xml.contains("<TotalValue>417.33</TotalValue>"))
        #expect(xml.contains("<JobNumber>J12</JobNumber>"))
        #expect(!xml.contains("<JobNumber>J4</JobNumber>"))
        #expect(xml.contains("<UnitPrice>33.55</UnitPrice>"))
        #expect(xml.contains("<LineValue>50.33</LineValue>"))
    }

    @Test func aJobBilledTwiceIsRejectedTheSecondTime() throws {
        let fixture = try RepairsFixture()
        _ = try fixture.reviewFile(RepairsFixture.completions)
        let again = """
            HDR,ODS,2026-04-08,2
            JOB,J2,2026-04-06,Alan Fixit,48.00
            LIN,ELE2002,1
            TRL,1,48.00

            """
        let outcome = try fixture.reviewFile(again, name: "completed-2.csv")
        #expect(outcome.report.rejected == 1)
        let j2 = try fixture.orders(job: "J2")
        #expect(j2.map(\.status) == ["approved", "rejected"])
        #expect(j2[1].reasons.map(\.code) == ["already-billed"])
        #expect(outcome.report.salesOrderFile == nil)
        #expect(try fixture.postings()["URGENT"] == 48_00 + 55_00)
        // The same file again is refused whole: one run per file.
        let error = try #require(throws: RunError.self) { try fixture.reviewFile(again, name: "completed-2-copy.csv") }
        #expect(error.code == .alreadyCompleted)
    }

    @Test func approvalNeedsALimitThatCoversTheValue() throws {
        let pid = UInt32.random(in: 0...UInt32.max)
        let clerk = "repairs_clerk_\(pid)"
        let senior = "repairs_senior_\(pid)"
        let fixture = try RepairsFixture(limits: ["hub_repairs": Money(pence: 100_000), senior: Money(pence: 500_000)])
        _ = try fixture.reviewFile(RepairsFixture.completions)
        let j5 = try #require(try fixture.orders(job: "J5").first)
        #expect(j5.status == "held")
        try fixture.runner.database.admin().execute("CREATE ROLE \(unescaped: clerk) LOGIN IN ROLE hub_repairs")
        try fixture.runner.database.admin().execute("CREATE ROLE \(unescaped: senior) LOGIN IN ROLE hub_repairs")
        let runs = SalesOrderReviewRuns(runner: fixture.runner, config: fixture.config)

        let asClerk = try fixture.runner.database.admin()
        try asClerk.execute("SET SESSION AUTHORIZATION \(unescaped: clerk)")
        let refusal = try #require(throws: RunError.self) {
            try runs.approve(j5.id, note: "looks right", review: fixture.review, on: asClerk, businessDate: RepairsFixture.businessDate)
        }
        #expect(refusal.code == .refused)
        #expect(refusal.message.contains("£1,000.00"))
        #expect(refusal.message.contains(clerk))
        #expect(try fixture.orders(job: "J5")[0].status == "held")

        let asSenior = try fixture.runner.database.admin()
        try asSenior.execute("SET SESSION AUTHORIZATION \(unescaped: senior)")
        let outcome = try runs.approve(j5.id, note: "full rewire agreed with the surveyor", review: fixture.review, on: asSenior, businessDate: RepairsFixture.businessDate)
        #expect(outcome.record.operator == senior)
        #expect(outcome.report.salesOrderFileSequence == 2)
        let approved = try fixture.orders(job: "J5")[0]
        #expect(approved.status == "approved")
        #expect(approved.approvedBy == senior)
        let decisions = try SalesOrderRecord.decisions(j5.id, on: fixture.db)
        #expect(decisions.map(\.decision) == ["held", "approved"])
        #expect(decisions[1].decidedBy == senior && !decisions[1].automatic && decisions[1].note == "full rewire agreed with the surveyor")
        #expect(try fixture.postings()["NORMAL"] == 226_33 + 2200_00)
        let file = fixture.config.outbox.appendingPathComponent("ods-sales-orders/\(outcome.report.salesOrderFile)")
        let xml = try String(contentsOf: file, encoding: .utf8)
        #expect(xml.contains("<ApprovedBy>\(senior)</ApprovedBy>"))
        #expect(xml.contains("<SequenceNumber>2</SequenceNumber>"))

        // A decided order is not decided again.
        let again = try #require(throws: RunError.self) {
            try runs.approve(j5.id, note: "again", review: fixture.review, on: asSenior, businessDate: RepairsFixture.businessDate)
        }
        #expect(again.code == .alreadyCompleted || again.code == .refused)
    }

    @Test func aRepairsOfficerLoadsReviewsAndApprovesWithTheRolesGrants() throws {
        let runner = try TestHub.runner()
        let config = TestHub.config(goLive: Day(iso: "2026-04-06")!)
        let admin = try runner.database.admin()
        try admin.addTenancy(account: "100000011", property: "P-LIVE", start: "2020-01-01", charges: [])
        let officer = "repairs_officer_\(UInt32.random(in: 0...UInt32.max))"
        try admin.execute("CREATE ROLE \(unescaped: officer) LOGIN IN ROLE hub_repairs")
        let db = try runner.database.admin()
        try db.execute("SET SESSION AUTHORIZATION \(unescaped: officer)")
        let date = RepairsFixture.businessDate
        _ = try runner.run(LoadJob<SORLoad>(file: "sor.csv", bytes: Array(RepairsFixture.sor.utf8), scheme: .standard), on: db, businessDate: date)
        _ = try runner.run(LoadJob<ContractTermsLoad>(file: "terms.csv", bytes: Array(RepairsFixture.terms.utf8), scheme: .standard), on: db, businessDate: date)
        let orders = "job_number,property_ref,priority,raised_date,estimated_value,sor_code,quantity\nJ1,P-LIVE,NORMAL,2026-04-01,226.33,DES5R003,2\nJ1,P-LIVE,NORMAL,2026-04-01,226.33,PLU1001,1.5\nJ4,P-LIVE,NORMAL,2026-04-01,100.00,DES5R003,2\n"
        _ = try runner.run(LoadJob<RepairOrdersLoad>(file: "orders.csv", bytes: Array(orders.utf8), scheme: .standard), on: db, businessDate: date)
        let completions = "HDR,ODS,2026-04-08,1\nJOB,J1,2026-04-07,Al,226.33\nLIN,DES5R003,2\nLIN,PLU1001,1.5\nJOB,J4,2026-04-07,Al,176.00\nLIN,DES5R003,2\nTRL,2,402.33\n"
        let review = SalesOrderReviewConfig(
            settings: .init(tolerancePercentBasisPoints: 1000, toleranceAbsolute: Money(pence: 5000), automaticApprovalLimit: Money(pence: 100_000)),
            authorisationLimits: ["hub_repairs": Money(pence: 100_000)], councilId: "TEST-COUNCIL")
        let outcome = try runner.run(SalesOrderReviewJob(fileName: "c.csv", bytes: Array(completions.utf8), review: review), on: db, businessDate: date)
        #expect(outcome.record.operator == officer)
        #expect(outcome.report.approved == 1 && outcome.report.held == 1)
        let held = try #require(try SalesOrderRecord.list(status: "held", on: db).first)
        let approval = try SalesOrderReviewRuns(runner: runner, config: config).approve(held.id, note: "two rooms", review: review, on: db, businessDate: date)
        #expect(approval.report.approvedBy == officer)
        #expect(try db.queryOne("SELECT count(*), sum(amount_pence) FROM gl_postings")!.decode(Int.self, 0) == 2)
        #expect(try db.queryOne("SELECT count(*) FROM outbound_deliveries")!.decode(Int.self, 0) == 2)
        // The officer cannot rewrite a decision.
        let error = try #require(throws: PostgresError.self) { try db.execute("DELETE FROM sales_order_decisions") }
        #expect(error.isInsufficientPrivilege || error.sqlState == "HUB01")
    }

    @Test func reviewRunsCannotBeReversed() throws {
        let fixture = try RepairsFixture()
        let outcome = try fixture.reviewFile(RepairsFixture.completions)
        let error = try #require(throws: RunError.self) {
            try fixture.runner.run(ReversalJob(originalRunId: outcome.record.id, reason: "test"), businessDate: RepairsFixture.businessDate)
        }
        #expect(error.code == .refused)
        #expect(error.message.contains("sent to ODS"))
        #expect(try fixture.postings()["NORMAL"] == 226_33)
    }

    @Test func twoFilesWithTheSameJobReviewedAtOnceBillItOnce() throws {
        let fixture = try RepairsFixture()
        let files = (1...2).map { n in
            "HDR,ODS,2026-04-08,\(n)\nJOB,J2,2026-04-06,Operative \(n),48.00\nLIN,ELE2002,1\nTRL,1,48.00\n"
        }
        let outcomes = LockedBox<[Result<SalesOrderReviewJob.Report, any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let result = Result { try fixture.reviewFile(files[i], name: "same-job-\(i).csv").report }
            outcomes.mutate { $0.append(result) }
        }
        let reports = try outcomes.value.map { try $0.get() }
        #expect(reports.map(\.approved).sorted() == [0, 1])
        #expect(reports.map(\.rejected).sorted() == [0, 1])
        #expect(try fixture.orders(job: "J2").map(\.status).sorted() == ["approved", "rejected"])
        #expect(try fixture.postings() == ["URGENT": 48_00])
    }

    @Test func aLimitComesFromTheRoleOrAnyRoleItIsAMemberOf() throws {
        let db = try TestHub.database().admin()
        let suffix = UInt32.random(in: 0...UInt32.max)
        let (manager, team, person, stranger) = ("mgr_\(suffix)", "team_\(suffix)", "pat_\(suffix)", "sam_\(suffix)")
        try db.execute("CREATE ROLE \(unescaped: manager) NOLOGIN")
        try db.execute("CREATE ROLE \(unescaped: team) NOLOGIN IN ROLE \(unescaped: manager)")
        try db.execute("CREATE ROLE \(unescaped: person) LOGIN IN ROLE \(unescaped: team), hub_repairs")
        try db.execute("CREATE ROLE \(unescaped: stranger) LOGIN")
        let limits = ["hub_repairs": Money(pence: 100_000), manager: Money(pence: 900_000)]
        let limit = try #require(try SalesOrderAuthority.limit(of: person, limits: limits, on: db))
        #expect(limit.amount == Money(pence: 900_000) && limit.role == manager)
        #expect(try SalesOrderAuthority.limit(of: stranger, limits: limits, on: db) == nil)
        let own = try #require(try SalesOrderAuthority.limit(of: person, limits: limits.merging([person: Money(pence: 5)]) { a, _ in a }, on: db))
        #expect(own.amount == Money(pence: 900_000), "the highest applies")
    }

    @Test func aPersonRejectsAHeldOrder() throws {
        let fixture = try RepairsFixture()
        _ = try fixture.reviewFile(RepairsFixture.completions)
        let j4 = try #require(try fixture.orders(job: "J4").first)
        let rejected = try SalesOrderAuthority.reject(j4.id, reason: "two rooms were not done", on: fixture.db)
        #expect(rejected.status == "rejected")
        #expect(rejected.reasons.last?.text == "two rooms were not done")
        #expect(try SalesOrderRecord.decisions(j4.id, on: fixture.db).map(\.decision) == ["held", "rejected"])
        let error = try #require(throws: RunError.self) { try SalesOrderAuthority.reject(j4.id, reason: "again", on: fixture.db) }
        #expect(error.code == .refused)
        #expect(try fixture.postings()["NORMAL"] == 226_33)
    }

    @Test func theFileValidatesAndABrokenOneDoesNot() throws {
        let fixture = try RepairsFixture()
        let outcome = try fixture.reviewFile(RepairsFixture.completions)
        let file = try #require(try OutboundFile.files(ofRun: outcome.record.id, on: fixture.db).first)
        let content = try fixture.db.queryOne("SELECT content FROM outbound_files WHERE id = $1", [file.id])!.decode([UInt8].self, 0)
        try SalesOrderFile.validate(content, name: file.fileName)
        let text = String(decoding: content, as: UTF8.self)
        for broken in [
            text.replacingOccurrences(of: "<Priority>NORMAL</Priority>", with: "<Priority>WHENEVER</Priority>"),
            text.replacingOccurrences(of: "<UnitPrice>33.55</UnitPrice>", with: "<UnitPrice>33.555</UnitPrice>"),
            text.replacingOccurrences(of: "<Control>", with: "<Trailer>").replacingOccurrences(of: "</Control>", with: "</Trailer>"),
        ] {
            #expect(broken != text)
            #expect(throws: (any Error).self) { try SalesOrderFile.validate(Array(broken.utf8), name: "broken.xml") }
        }
    }

    @Test func odsSeesTheFileThroughItsViewOnly() throws {
        let fixture = try RepairsFixture()
        let outcome = try fixture.reviewFile(RepairsFixture.completions)
        let ods = try fixture.runner.database.admin()
        try ods.execute("SET ROLE hub_ods")
        let row = try #require(try ods.queryOne("SELECT sequence, file_name, content FROM ods_sales_order_files"))
        #expect(try row.decode(Int64.self, 0) == 1)
        #expect(try row.decode(String.self, 1) == outcome.report.salesOrderFile)
        #expect(String(decoding: try row.decode([UInt8].self, 2), as: UTF8.self).contains("<JobNumber>J1</JobNumber>"))
        for table in ["sales_orders", "sales_order_decisions", "repair_orders", "sor_rates", "gl_postings"] {
            let error = try #require(throws: PostgresError.self) { try ods.query("SELECT * FROM \(unescaped: table)") }
            #expect(error.isInsufficientPrivilege, "\(table)")
        }
    }

    @Test func aBadCompletedJobsFileReviewsNothing() throws {
        let fixture = try RepairsFixture()
        let error = try #require(throws: RunError.self) {
            try fixture.reviewFile("HDR,ODS,2026-04-08,1\nJOB,J1,2026-04-07,Al,226.33\nLIN,DES5R003,2\nTRL,1,1.00\n")
        }
        #expect(error.code == .badInput)
        #expect(error.message.contains("line 4"))
        #expect(try SalesOrderRecord.list(on: fixture.db).isEmpty)
    }

    @Test func theSchedulerReviewsEachFileWaitingInTheInbox() throws {
        let fixture = try RepairsFixture()
        try FileManager.default.createDirectory(at: fixture.config.directory, withIntermediateDirectories: true)
        let yaml = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/sales-order-review.yaml"), encoding: .utf8)
        try Data(yaml.utf8).write(to: fixture.config.directory.appendingPathComponent("sales-order-review.yaml"))
        let inbox = fixture.config.inbox.appendingPathComponent("ods")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        try Data(RepairsFixture.completions.utf8).write(to: inbox.appendingPathComponent("a.csv"))
        try Data("HDR,ODS,2026-04-08,2\nTRL,1,0.00\n".utf8).write(to: inbox.appendingPathComponent("b.csv"))
        let error = try #require(throws: RunError.self) {
            try JobLauncher(runner: fixture.runner, config: fixture.config).launch(job: "sales-order-review", parameters: [:], businessDate: RepairsFixture.businessDate)
        }
        #expect(error.code == .badInput && error.message.contains("b.csv"))
        #expect(FileManager.default.fileExists(atPath: fixture.config.archive.appendingPathComponent("ods/a.csv").path))
        #expect(FileManager.default.fileExists(atPath: fixture.config.rejected.appendingPathComponent("ods/b.csv").path))
        #expect(try SalesOrderRecord.list(status: "approved", on: fixture.db).count == 4)
        #expect(try fixture.db.queryOne("SELECT count(*) FROM outbound_deliveries")!.decode(Int.self, 0) == 1)
    }

    @Test func loadsReportEveryBadRowAndLoadNothing() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        let bad = """
            code,description,unit,base_price,effective_from,effective_to
            DES5R003,Redecorate,room,80.00,2026-01-01,
            des5r003,Redecorate,room,12.345,2026-13-01,
            PLU1001,Tap,each,30.00,2026-04-01,2026-03-01
            DES5R003,Again,room,81.00,2026-01-01,

            """
        // A refused load is a LoadError (bad input, exit 2) listing every bad row.
        let error = try #require(throws: LoadError.self) {
            try runner.run(LoadJob<SORLoad>(file: "sor.csv", bytes: Array(bad.utf8), scheme: .standard), businessDate: Day(iso: "2026-04-08")!)
        }
        for expected in [
            "line 3, column code, value 'des5r003'", "line 3, column base_price, value '12.345'", "line 3, column effective_from, value '2026-13-01'",
            "line 4, column effective_to", "line 5, column effective_from",
        ] {
            #expect(error.description.contains(expected), "\(expected)")
        }
        #expect(try db.queryOne("SELECT count(*) FROM sor_rates")!.decode(Int.self, 0) == 0)

        let good = Array(RepairsFixture.sor.utf8)
        _ = try runner.run(LoadJob<SORLoad>(file: "sor.csv", bytes: good, scheme: .standard), businessDate: Day(iso: "2026-04-08")!)
        let twice = try #require(throws: RunError.self) {
            try runner.run(LoadJob<SORLoad>(file: "sor-again.csv", bytes: good, scheme: .standard), businessDate: Day(iso: "2026-04-08")!)
        }
        #expect(twice.code == .alreadyCompleted)
        // A load of reference data cannot be reversed: the refusal must not advise reversing it.
        #expect(!twice.message.contains("Reverse run"), "\(twice.message)")
        #expect(twice.message.contains("cannot be reversed: rates are reference data"), "\(twice.message)")
        // Loaded as another kind, the same bytes are refused too.
        let asTerms = try #require(throws: RunError.self) {
            try runner.run(LoadJob<ContractTermsLoad>(file: "sor.csv", bytes: good, scheme: .standard), businessDate: Day(iso: "2026-04-08")!)
        }
        #expect(asTerms.code == .alreadyCompleted)

        let orders = """
            job_number,property_ref,priority,raised_date,estimated_value,sor_code,quantity
            J1,NOWHERE,SOON,2026-04-01,10.00,NOPE1,0

            """
        let orderError = try #require(throws: LoadError.self) {
            try runner.run(LoadJob<RepairOrdersLoad>(file: "orders.csv", bytes: Array(orders.utf8), scheme: .standard), businessDate: Day(iso: "2026-04-08")!)
        }
        for column in ["property_ref", "priority", "sor_code", "quantity"] {
            #expect(orderError.description.contains("line 2, column \(column)"), "\(column)")
        }
    }

    @Test func theConfigurationFileIsReadWithErrorsNamingTheKey() throws {
        let shipped = try SalesOrderReviewConfig.load(file: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/sales-order-review.yaml"))
        #expect(shipped.settings.tolerancePercentBasisPoints == 1000)
        #expect(shipped.settings.toleranceAbsolute == Money(pence: 5000))
        #expect(shipped.authorisationLimits["hub_repairs"] == Money(pence: 250_000))
        let error = try #require(throws: ConfigError.self) {
            try SalesOrderReviewConfig.parse("council-id: X\ntolerance:\n  percent: ten\n  absolute: 5\nautomatic-approval-limit: 1\n", file: "r.yaml")
        }
        #expect(error.key == "tolerance.percent")
    }
}

@Suite struct RepairsDemoTests {
    @Test func theDemoShowsApprovedHeldAndRejectedOrders() throws {
        let runner = try TestHub.runner()
        let config = TestHub.config(goLive: Day(iso: "2026-04-06")!)
        let db = try runner.database.connect()
        for i in 1...6 {
            try db.addTenancy(account: "10000\(i)", property: "DEMO-\(i)", start: "2020-01-01", charges: [])
        }
        try db.execute("INSERT INTO properties (property_ref, address, postcode, bedrooms) VALUES ('DEMO-VOID', '9 Empty Row', 'AB1 2CD', 2)")
        let text = try RepairsDemo.run(runner: runner, config: config, businessDate: Day(iso: "2026-04-08")!, directory: config.directory.appendingPathComponent("demo"))
        #expect(text.contains("approved: 5"))
        #expect(text.contains("held: 2"))
        #expect(text.contains("rejected: 3"))
        #expect(text.contains("Sales-order file for ODS: "))
        #expect(try SalesOrderRecord.list(status: "approved", on: db).contains { $0.analysis == "VOID" })
        // Run again on the same day: nothing is loaded or reviewed twice.
        let again = try RepairsDemo.run(runner: runner, config: config, businessDate: Day(iso: "2026-04-08")!, directory: config.directory.appendingPathComponent("demo"))
        #expect(again.contains("already reviewed"))
        #expect(try SalesOrderRecord.list(on: db).count == 10)
    }
}

@Suite struct RepairsDemoOnTheDemoCouncilTests {
    @Test func theDemoRunsOnTheSeededDemoCouncil() throws {
        let runner = try TestHub.runner()
        let config = TestHub.config(goLive: Day(iso: "2026-04-06")!)
        let date = Day(iso: "2026-04-15")!
        let directory = config.directory.appendingPathComponent("demo")
        _ = try DemoCouncil(properties: 60, goLive: config.goLive).seed(runner: runner, businessDate: date, directory: directory)
        let text = try RepairsDemo.run(runner: runner, config: config, businessDate: date, directory: directory)
        #expect(text.contains("approved: 5"), "\(text)")
        #expect(text.contains("held: 2"), "\(text)")
        #expect(text.contains("rejected: 3"), "\(text)")
    }
}

@Suite struct RepairsFileIdentityTests {
    @Test func aFileIsKnownByItsSHA256() {
        let bytes = Array("abc".utf8)
        let digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        #expect(LoadJob<SORLoad>(file: "a", bytes: bytes, scheme: .standard).businessKey == digest)
        #expect(LoadJob<ContractTermsLoad>(file: "a", bytes: bytes, scheme: .standard).businessKey == digest)
        #expect(LoadJob<RepairOrdersLoad>(file: "a", bytes: bytes, scheme: .standard).businessKey == digest)
        let review = SalesOrderReviewConfig(
            settings: .init(tolerancePercentBasisPoints: 0, toleranceAbsolute: .zero, automaticApprovalLimit: .zero), authorisationLimits: [:], councilId: "X")
        #expect(SalesOrderReviewJob(fileName: "a", bytes: bytes, review: review).businessKey == digest)
    }
}

@Suite struct RepairsFinancialMapTests {
    @Test func everyRepairsAnalysisHasItsOwnLineInTheFinancialMap() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/financial-map.csv")
        let map = try FinancialMap(csv: try String(contentsOf: file, encoding: .utf8), file: "Config/financial-map.csv")
        let analyses = SalesOrder.Priority.allCases.map(RepairsCodes.analysis(for:)) + [RepairsCodes.void]
        for analysis in analyses {
            let mapping = try #require(map.mappings.first { $0.key == "RPR/\(analysis)" }, "RPR/\(analysis)")
            // A positive amount debits the repairs cost account and credits the ODS creditor.
            #expect(mapping.ledgerAccount == "6100" && mapping.contraAccount == "2300" && mapping.fund == .hra)
        }
    }
}

/// A value shared between threads, confined to its lock.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func mutate(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
