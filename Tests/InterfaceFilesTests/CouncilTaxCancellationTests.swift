import Foundation
import HousingFinance
import InterfaceFiles
import Testing

/// A CANCELLATION withdraws an event already sent: it names the original, like an amendment.
@Suite struct CouncilTaxCancellationTests {
    let writer = CouncilTaxWriter(header: SampleCouncilTaxEvents.header)

    @Test func aCancellationNamesTheOriginalEvent() throws {
        var cancellation = SampleCouncilTaxEvents.events[0]
        cancellation.eventId = "CT0000108"
        cancellation.kind = .cancellation
        cancellation.originalEventId = "CT0000101"
        let records = try crlfRecords(writer.write([cancellation]))
        #expect(records[1].hasPrefix("D,CT0000108,CANCELLATION,CT0000101,P004512,"))
        #expect(records.last == "T,1")

        cancellation.originalEventId = nil
        let error = try #require(throws: OutboundFileError.self) { try writer.write([cancellation]) }
        #expect(error.field == "original_event_id")
        #expect(error.message.contains("cancellation must name the event it corrects"))
    }
}
