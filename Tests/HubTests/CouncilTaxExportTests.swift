import Foundation
import HousingFinance
import Hub
import InterfaceFiles
import Postgres
import Testing

/// The council tax change export against a real database: events derived from tenancies and
/// properties, amendments and cancellations, the 21 and 14 day rules, long voids.
@Suite struct CouncilTaxExportTests {
    struct World {
        let runner: Runner
        let db: Connection
        let settings: ExportsConfig.CouncilTax

        @discardableResult
        func property(_ ref: String, uprn: String? = nil, address: String = "1 High Street, Eastham", ownedFrom: String = "1900-01-01", ownedTo: String? = nil) throws -> Int64 {
            try db.queryOne(
                "INSERT INTO properties (property_ref, uprn, address, postcode, bedrooms, owned_from, owned_to) VALUES ($1, $2, $3, 'EH1 1AA', 2, $4, $5) RETURNING id",
                [ref, uprn ?? "10000" + ref.filter(\.isNumber), address, ownedFrom, ownedTo])!.decode(Int64.self, 0)
        }

        func tenancy(_ ref: String, property: String, start: String, end: String? = nil, tenants: [String] = ["Ann Jones"],
                     furnished: Bool = false, forwarding: String? = nil) throws {
            try db.execute(
                """
                INSERT INTO tenancies (tenancy_ref, property_id, start_date, end_date, tenants, furnished, forwarding_address)
                SELECT $1, id, $3, $4, ARRAY(SELECT jsonb_array_elements_text($5::jsonb)), $6, $7 FROM properties WHERE property_ref = $2
                """, [ref, property, start, end, String(decoding: try JSONEncoder().encode(tenants), as: UTF8.self), furnished, forwarding])
        }

        func export(_ asOf: String) throws -> RunOutcome<CouncilTaxExportJob.Report> {
            try runner.run(CouncilTaxExportJob(asOf: d(asOf), settings: settings), businessDate: d(asOf))
        }

        /// The D records of a file, as fields.
        func events(_ outcome: RunOutcome<CouncilTaxExportJob.Report>) throws -> [[String]] {
            let sequence = try #require(outcome.report.sequence)
            let file = try #require(try OutboundFile.find(interface: "council-tax", sequence: sequence, on: db))
            let records = csvRecords(try OutboundFile.content(id: file.id, on: db))
            #expect(records.first == ["H", "CTAX-CHANGES", "1", String(sequence), outcome.report.asOf.iso])
            let events = Array(records.dropFirst().dropLast())
            #expect(records.last == ["T", String(events.count)])
            #expect(events.allSatisfy { $0.count == CouncilTaxWriter.eventColumns.count && $0[0] == "D" })
            return events
        }
    }

    func world() throws -> World {
        let runner = try TestHub.runner()
        return World(runner: runner, db: try runner.database.connect(), settings: ExportsConfig.CouncilTax(eventsFrom: d("2026-04-06")))
    }

    /// [event type, property, effective date] of each event.
    func summary(_ events: [[String]]) -> [[String]] { events.map { [$0[2], $0[4], $0[11]] } }

    @Test func aTenancyEndThenANewTenancySendEndVoidStartVoidEndAndStart() throws {
        let w = try world()
        try w.property("P1", address: "Flat 3, Rose Court, Mill Lane")
        try w.tenancy("T1", property: "P1", start: "2020-01-06", end: "2026-11-01", tenants: ["Joan Smith"], furnished: true,
                      forwarding: "Care Home, 4 Station Street, Westham, WH1 9ZZ")
        let first = try w.export("2026-11-03")
        let events = try w.events(first)
        #expect(summary(events) == [["TENANCY_END", "P1", "2026-11-01"], ["VOID_START", "P1", "2026-11-02"]])
        let end = events[0]
        #expect(end[5] == "100001")
        #expect(Array(end[6...10]) == ["Flat 3", "Rose Court", "Mill Lane", "", "EH1 1AA"])
        #expect(end[12] == "Joan Smith" && end[16] == "Y")
        #expect(Array(end[17...21]) == ["Care Home", "4 Station Street", "Westham", "", "WH1 9ZZ"])
        #expect(events[1][12] == "" && events[1][16] == "N")
        #expect(first.report.warnings.isEmpty)

        // A new tenancy two weeks later ends the void.
        try w.tenancy("T2", property: "P1", start: "2026-11-16", tenants: ["Ravi Patel", "Mina Patel"])
        let second = try w.export("2026-11-05")
        #expect(summary(try w.events(second)) == [["VOID_END", "P1", "2026-11-15"], ["TENANCY_START", "P1", "2026-11-16"]])
        #expect(try w.events(second)[1][12...13] == ["Ravi Patel", "Mina Patel"])
        #expect(second.report.sequence == 2)

        // Nothing changed: nothing is sent again and no file is made.
        let third = try w.export("2026-11-06")
        #expect(third.report.sent.isEmpty && third.report.fileName == nil)
        let sent = try #require(try w.db.queryOne("SELECT count(*), count(DISTINCT event_key) FROM council_tax_events_sent"))
        #expect(try sent.decode(Int.self, 0) == 4)
        #expect(try sent.decode(Int.self, 1) == 4)
    }

    @Test func aTenancyFollowedTheNextDayByAnotherHasNoVoid() throws {
        let w = try world()
        try w.property("P2")
        try w.tenancy("T1", property: "P2", start: "2020-01-06", end: "2026-11-08")
        try w.tenancy("T2", property: "P2", start: "2026-11-09", tenants: ["Sam Lee"])
        let outcome = try w.export("2026-11-09")
        #expect(summary(try w.events(outcome)) == [["TENANCY_END", "P2", "2026-11-08"], ["TENANCY_START", "P2", "2026-11-09"]])
    }

    @Test func aChangedDateGoesAsAnAmendmentAndAVanishedEventAsACancellationNamingTheOriginal() throws {
        let w = try world()
        try w.property("P3")
        try w.tenancy("T1", property: "P3", start: "2020-01-06", end: "2026-11-01")
        try w.property("P4")
        try w.tenancy("T9", property: "P4", start: "2026-11-02", tenants: ["Wrong Entry"])
        let first = try w.events(try w.export("2026-11-03"))
        // P4 stood empty before T9 (never let since it was acquired), so T9 also ends a void.
        #expect(Set(summary(first)) == [["TENANCY_END", "P3", "2026-11-01"], ["VOID_START", "P3", "2026-11-02"],
                                        ["VOID_END", "P4", "2026-11-01"], ["TENANCY_START", "P4", "2026-11-02"]])
        let id = { (type: String, property: String) in first.first { $0[2] == type && $0[4] == property }![1] }

        // The tenant really left on 25 October; the P4 tenancy was entered by mistake.
        try w.db.execute("UPDATE tenancies SET end_date = '2026-10-25' WHERE tenancy_ref = 'T1'")
        // A tenancy keyed in error and taken out by the database's administrator (no hub role deletes one).
        try w.runner.database.admin().execute("DELETE FROM tenancies WHERE tenancy_ref = 'T9'")
        let outcome = try w.export("2026-11-04")
        let second = try w.events(outcome)
        let rows = second.map { [$0[2], $0[3], $0[4], $0[11]] }
        #expect(rows.contains(["AMENDMENT", id("TENANCY_END", "P3"), "P3", "2026-10-25"]))
        #expect(rows.contains(["AMENDMENT", id("VOID_START", "P3"), "P3", "2026-10-26"]))
        #expect(rows.contains(["CANCELLATION", id("TENANCY_START", "P4"), "P4", "2026-11-02"]))
        #expect(rows.contains(["CANCELLATION", id("VOID_END", "P4"), "P4", "2026-11-01"]))
        #expect(second.count == 4)
        // The amendment of the tenancy end carries its tenants; each event went in exactly one file.
        #expect(second.first { $0[3] == id("TENANCY_END", "P3") }?[12] == "Ann Jones")
        #expect(try w.db.queryOne("SELECT count(*) = count(DISTINCT event_id) FROM council_tax_events_sent")!.decode(Bool.self, 0))

        // A second amendment still names the original event.
        try w.db.execute("UPDATE tenancies SET end_date = '2026-10-26' WHERE tenancy_ref = 'T1'")
        let third = try w.events(try w.export("2026-11-05"))
        #expect(third.map { [$0[2], $0[3], $0[11]] }.contains(["AMENDMENT", id("TENANCY_END", "P3"), "2026-10-26"]))
        // The cancelled tenancy entered again is a new event.
        try w.tenancy("T9", property: "P4", start: "2026-11-02", tenants: ["Right Entry"])
        let fourth = try w.events(try w.export("2026-11-06"))
        #expect(fourth.map { [$0[2], $0[3], $0[12]] }.contains(["TENANCY_START", "", "Right Entry"]))
        #expect(!fourth.map { $0[1] }.contains(id("TENANCY_START", "P4")))
    }

    @Test func anEventMoreThan14DaysAheadIsHeldBackUntilDueAndOneOlderThan21DaysIsSentWithAWarning() throws {
        let w = try world()
        try w.property("P5")
        try w.tenancy("T5", property: "P5", start: "2026-12-01", tenants: ["Future Tenant"])
        try w.property("P6")
        try w.tenancy("T6", property: "P6", start: "2020-01-06", end: "2026-10-01")  // entered late
        let first = try w.export("2026-11-10")
        // 1 December is 21 days ahead of 10 November: held back. The void end on 30 November too.
        #expect(first.report.heldBack.map(\.kind).sorted() == ["TENANCY_START", "VOID_END"])
        #expect(first.report.warnings.contains { $0.contains("2 events are more than 14 days ahead and held back until due") })
        let events = try w.events(first)
        #expect(summary(events) == [["TENANCY_END", "P6", "2026-10-01"], ["VOID_START", "P6", "2026-10-02"]])
        let late = try #require(first.report.warnings.first { $0.hasPrefix("2 events were sent more than 21 days after taking effect: ") })
        #expect(late.contains("TENANCY_END of P6 on 2026-10-01 (40 days)"))
        #expect(late.contains("VOID_START of P6 on 2026-10-02 (39 days)"))

        // 17 November: 14 days before 1 December, so both are due now.
        let second = try w.export("2026-11-17")
        #expect(second.report.heldBack.isEmpty)
        #expect(summary(try w.events(second)) == [["VOID_END", "P5", "2026-11-30"], ["TENANCY_START", "P5", "2026-12-01"]])
        // 21 days exactly is not late.
        try w.property("P7")
        try w.tenancy("T7", property: "P7", start: "2020-01-06", end: "2026-10-28")
        let third = try w.export("2026-11-18")
        #expect(summary(try w.events(third)) == [["TENANCY_END", "P7", "2026-10-28"], ["VOID_START", "P7", "2026-10-29"]])
        #expect(third.report.warnings.isEmpty)
    }

    @Test func acquisitionAndDisposalAreSentAndAnEmptyAcquisitionStartsAVoid() throws {
        let w = try world()
        try w.property("P8", ownedFrom: "2026-10-20")
        try w.property("P9", ownedFrom: "2026-10-20")
        try w.tenancy("T9", property: "P9", start: "2026-10-20", tenants: ["Sitting Tenant"])
        try w.property("P10", ownedTo: "2026-10-31")
        let outcome = try w.export("2026-11-02")
        let rows = summary(try w.events(outcome))
        #expect(rows.contains(["ACQUIRED", "P8", "2026-10-20"]))
        #expect(rows.contains(["VOID_START", "P8", "2026-10-20"]))
        #expect(rows.contains(["ACQUIRED", "P9", "2026-10-20"]))
        #expect(rows.contains(["TENANCY_START", "P9", "2026-10-20"]))
        #expect(!rows.contains(["VOID_START", "P9", "2026-10-20"]))
        #expect(rows.contains(["DISPOSED", "P10", "2026-10-31"]))
        #expect(rows.count == 5)
        // Properties owned since before the hub's events-from date send no history.
        #expect(!rows.contains { $0[1] == "P10" && $0[0] == "ACQUIRED" })
    }

    @Test func aVoidLongerThan12MonthsIsReportedForTheEmptyHomesPremium() throws {
        let w = try world()
        try w.property("P11")
        try w.tenancy("T11", property: "P11", start: "2015-01-05", end: "2025-06-30")
        try w.property("P12")
        try w.tenancy("T12", property: "P12", start: "2015-01-05", end: "2026-01-31")
        try w.property("P13")
        try w.tenancy("T13", property: "P13", start: "2015-01-05")
        let outcome = try w.export("2026-11-03")
        #expect(outcome.report.longVoids.map(\.propertyReference) == ["P11"])
        #expect(outcome.report.longVoids.first?.effectiveDate == d("2025-07-01"))
        #expect(outcome.report.warnings.contains { $0.contains("1 home has been void for more than 12 months (empty-homes premium): P11 since 2025-07-01") })
        // The history before events-from is not sent.
        #expect(outcome.report.sent.isEmpty)
    }

    @Test func anEventThatCannotBeSentIsHeldWithTheReasonAndTheRestGoOut() throws {
        let w = try world()
        try w.property("P14", uprn: "")
        try w.db.execute("UPDATE properties SET uprn = NULL WHERE property_ref = 'P14'")
        try w.tenancy("T14", property: "P14", start: "2026-11-02")
        try w.property("P15")
        try w.tenancy("T15", property: "P15", start: "2026-11-02")
        let outcome = try w.export("2026-11-03")
        #expect(summary(try w.events(outcome)) == [["VOID_END", "P15", "2026-11-01"], ["TENANCY_START", "P15", "2026-11-02"]])
        #expect(outcome.report.refused.map(\.propertyReference) == ["P14", "P14"])
        let unsendable = try #require(outcome.report.warnings.first { $0.hasPrefix("2 events cannot be sent; correct the property or tenancy and they go in the next file: ") })
        #expect(unsendable.contains("TENANCY_START of P14 on 2026-11-02: ") && unsendable.contains("uprn"), "\(unsendable)")
        // Corrected, it goes in the next file.
        try w.db.execute("UPDATE properties SET uprn = '100014' WHERE property_ref = 'P14'")
        #expect(summary(try w.events(try w.export("2026-11-04"))) == [["VOID_END", "P14", "2026-11-01"], ["TENANCY_START", "P14", "2026-11-02"]])
    }
}
