import HousingFinance
import InterfaceFiles
import Testing

/// The events of the council-tax sample: one of each kind.
enum SampleCouncilTaxEvents {
    static let roseCourt = CouncilTaxEvent.Address(lines: ["Flat 3, Rose Court", "Mill Lane", "Eastham"], postcode: "EH4 7QT")
    static let parkRoad = CouncilTaxEvent.Address(lines: ["12 Park Road", "Eastham"], postcode: "EH2 1AB")

    static let events: [CouncilTaxEvent] = [
        .init(
            eventId: "CT0000101", kind: .tenancyStart, propertyReference: "P004512", uprn: "100023336956",
            address: roseCourt, effectiveDate: Day(year: 2025, month: 4, day: 7)!,
            tenantNames: ["Ms Ann O'Neil", "Mr David \"Dai\" Jones"]),
        .init(
            eventId: "CT0000102", kind: .tenancyEnd, propertyReference: "P000877", uprn: "100023336001",
            address: parkRoad, effectiveDate: Day(year: 2025, month: 4, day: 13)!, tenantNames: ["Mrs Joan Smith"],
            furnished: true,
            forwardingAddress: .init(lines: ["Care Home, 4 Station Street", "Westham"], postcode: "WH1 9ZZ")),
        .init(
            eventId: "CT0000103", kind: .voidStart, propertyReference: "P000877", uprn: "100023336001",
            address: parkRoad, effectiveDate: Day(year: 2025, month: 4, day: 14)!),
        .init(
            eventId: "CT0000104", kind: .voidEnd, propertyReference: "P002210", uprn: "100023339870",
            address: .init(lines: ["7 Ash Grove"], postcode: "EH3 2CD"), effectiveDate: Day(year: 2025, month: 4, day: 20)!),
        .init(
            eventId: "CT0000105", kind: .acquired, propertyReference: "P009001", uprn: "10093214567",
            address: .init(lines: ["21 New Street", "Eastham"], postcode: "EH1 5XY"), effectiveDate: Day(year: 2025, month: 4, day: 1)!),
        .init(
            eventId: "CT0000106", kind: .disposed, propertyReference: "P000123", uprn: "100023330123",
            address: .init(lines: ["2 Old Lane", "Eastham"], postcode: "EH1 6AA"), effectiveDate: Day(year: 2025, month: 4, day: 4)!),
        .init(
            eventId: "CT0000107", kind: .amendment, originalEventId: "CT0000102", propertyReference: "P000877",
            uprn: "100023336001", address: parkRoad, effectiveDate: Day(year: 2025, month: 4, day: 6)!,
            tenantNames: ["Mrs Joan Smith"], furnished: true,
            forwardingAddress: .init(lines: ["Care Home, 4 Station Street", "Westham"], postcode: "WH1 9ZZ")),
    ]

    static let header = CouncilTaxWriter.FileHeader(sequenceNumber: 17, created: Day(year: 2025, month: 4, day: 14)!)
}

@Suite struct CouncilTaxWriterTests {
    let writer = CouncilTaxWriter(header: SampleCouncilTaxEvents.header)

    @Test func sampleIsRegeneratedByteForByte() throws {
        let written = try writer.write(SampleCouncilTaxEvents.events)
        let sample = try RepositoryFile.sample("Interfaces/outbound/council-tax/sample.csv", regeneratingFrom: written)
        #expect(written == sample)
    }

    @Test func recordsCarryEveryEventAndTheTrailerCountsThem() throws {
        let events = SampleCouncilTaxEvents.events
        let records = try crlfRecords(writer.write(events)).map(csvFields)
        #expect(records.first == ["H", "CTAX-CHANGES", "1", "17", "2025-04-14"])
        #expect(records.last == ["T", String(events.count)])
        let details = Array(records.dropFirst().dropLast())
        #expect(details.count == events.count)
        let columns = CouncilTaxWriter.eventColumns
        func column(_ name: String) -> Int { columns.firstIndex(of: name)! }
        for (fields, event) in zip(details, events) {
            #expect(fields.count == columns.count)
            #expect(fields[0] == "D")
            #expect(fields[column("event_id")] == event.eventId)
            #expect(fields[column("event_type")] == event.kind.rawValue)
            #expect(fields[column("original_event_id")] == (event.originalEventId ?? ""))
            #expect(fields[column("uprn")] == event.uprn)
            #expect(fields[column("effective_date")] == event.effectiveDate.iso)
            #expect(fields[column("postcode")] == event.address.postcode)
            #expect(fields[column("address_1")] == event.address.lines[0])
            let tenants = (1...4).map { fields[column("tenant_\($0)")] }.filter { !$0.isEmpty }
            #expect(tenants == event.tenantNames)
            #expect(fields[column("furnished")] == (event.furnished ? "Y" : "N"))
            #expect(fields[column("forwarding_postcode")] == (event.forwardingAddress?.postcode ?? ""))
        }
    }

    @Test func namesAndAddressesWithCommasAndQuotesAreEscaped() throws {
        let text = String(decoding: try writer.write(SampleCouncilTaxEvents.events), as: UTF8.self)
        #expect(text.contains(",\"Flat 3, Rose Court\",Mill Lane,"))
        #expect(text.contains(",\"Mr David \"\"Dai\"\" Jones\","))
        #expect(text.contains(",Ms Ann O'Neil,"))
    }

    @Test func anAmendmentMustNameTheEventItCorrects() throws {
        var amendment = SampleCouncilTaxEvents.events[6]
        amendment.originalEventId = nil
        let error = try #require(throws: OutboundFileError.self) { try writer.write([amendment]) }
        #expect(error.field == "original_event_id")
        #expect(error.record.contains("CT0000107"))

        var start = SampleCouncilTaxEvents.events[0]
        start.originalEventId = "CT0000001"
        #expect(throws: OutboundFileError.self) { try writer.write([start]) }
    }

    @Test func tenancyRulesAreEnforced() throws {
        var start = SampleCouncilTaxEvents.events[0]
        start.tenantNames = []
        #expect(throws: OutboundFileError.self) { try writer.write([start]) }
        start.tenantNames = ["A", "B", "C", "D", "E"]
        let tooMany = try #require(throws: OutboundFileError.self) { try writer.write([start]) }
        #expect(tooMany.message.contains("at most 4"))
        var void = SampleCouncilTaxEvents.events[2]
        void.tenantNames = ["Mrs Joan Smith"]
        #expect(throws: OutboundFileError.self) { try writer.write([void]) }
        void.tenantNames = []
        void.forwardingAddress = SampleCouncilTaxEvents.parkRoad
        #expect(throws: OutboundFileError.self) { try writer.write([void]) }
    }

    @Test func badValuesAreRefusedNamingTheField() throws {
        var event = SampleCouncilTaxEvents.events[0]
        event.uprn = "UPRN1"
        #expect(try #require(throws: OutboundFileError.self) { try writer.write([event]) }.field == "uprn")
        event = SampleCouncilTaxEvents.events[0]
        event.address.lines[1] = "Mill\nLane"
        #expect(try #require(throws: OutboundFileError.self) { try writer.write([event]) }.field == "address_2")
        event = SampleCouncilTaxEvents.events[0]
        event.address.lines = ["1", "2", "3", "4", "5"]
        #expect(try #require(throws: OutboundFileError.self) { try writer.write([event]) }.field == "address_1")
        let twice = try #require(throws: OutboundFileError.self) {
            try writer.write([SampleCouncilTaxEvents.events[0], SampleCouncilTaxEvents.events[0]])
        }
        #expect(twice.field == "event_id")
    }

    @Test func anEmptyFileHasHeaderAndTrailer() throws {
        #expect(try crlfRecords(writer.write([])) == ["H,CTAX-CHANGES,1,17,2025-04-14", "T,0"])
    }
}
