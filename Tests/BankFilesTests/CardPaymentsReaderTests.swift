import BankFiles
import Foundation
import HousingFinance
import Testing

@Suite struct CardPaymentsReaderTests {
    static let name = "card-payments-20250107.csv"
    static let mapping = CardColumnMapping(
        reference: "Reference", amount: "Amount", date: "Date", dateFormat: .iso, transactionId: "Transaction ID",
        payerName: "Payer", status: "Status", successfulStatuses: ["success"])

    static func sample() throws -> String {
        String(decoding: try SampleFiles.inbound("card-payments/\(name)"), as: UTF8.self)
    }

    static func reader(_ text: String, mapping: CardColumnMapping = mapping) -> CardPaymentsReader {
        CardPaymentsReader(bytes: Array(text.utf8), fileName: name, mapping: mapping)
    }

    @Test func sampleReadsSuccessfulPaymentsAndRefunds() throws {
        let (totals, payments) = try readAll(Self.reader(try Self.sample()).read)
        #expect(totals.format == .card)
        #expect(totals.creditCount == 3)
        #expect(totals.creditTotal == Money(pence: 95_50 + 1_200_00 + 125_00))
        #expect(totals.debitCount == 1)
        #expect(totals.debitTotal == Money(pence: 30_00))
        #expect(totals.checks == ["no trailer: 3 payments £1,420.50 and 1 refund £30.00 read; 1 row skipped as not successful"])
        #expect(payments.map(\.position.line) == [2, 3, 5, 7])

        #expect(payments[0].reference == "100023450")
        #expect(payments[0].payerName == "Smith, John")
        #expect(payments[0].bankReference == "TX-20250107-0001")
        #expect(payments[0].bookingDate == Day(year: 2025, month: 1, day: 7))
        #expect(payments[0].transactionCode == "RCP")
        #expect(payments[1].amount == Money(pence: 1_200_00))
        #expect(payments[2].reference == "100034562\nFLAT 4 ELM COURT")
        #expect(payments[3].direction == .debit)
        #expect(payments[3].transactionCode == "REF")
    }

    @Test func mappingDecidesTheColumns() throws {
        let text = "Ref;ignored,Paid On,Value,Id\r\n100023450,07/01/2025,\"£12.50\",A1\r\n100045671,07/01/2025 14:02,3,A2"
        let mapping = CardColumnMapping(reference: "ref;ignored", amount: "VALUE", date: "paid on", dateFormat: .uk, transactionId: "id")
        let (totals, payments) = try readAll(Self.reader(text, mapping: mapping).read)
        #expect(totals.creditTotal == Money(pence: 15_50))
        #expect(payments.map(\.reference) == ["100023450", "100045671"])
        #expect(payments[0].payerName == nil)
        expectRefusal(.malformed, file: Self.name, line: 1, containing: "'Payer Name'",
                      Self.reader(text, mapping: CardColumnMapping(reference: "Ref;ignored", amount: "Value", date: "Paid On", dateFormat: .uk, transactionId: "Id", payerName: "Payer Name")).read)
    }

    @Test func truncatedFileIsRefused() throws {
        let sample = try Self.sample()
        expectRefusal(.truncated, file: Self.name, line: 7, containing: "cut off", Self.reader(String(sample.prefix(sample.count - 20))).read)
        let openQuote = try Self.sample().replacingOccurrences(of: "FLAT 4 ELM COURT\",Ahmed Khan,125.00,Success,VISA\r\n", with: "")
        let cut = String(openQuote[..<openQuote.range(of: "TX-20250107-0005")!.lowerBound])
        expectRefusal(.truncated, file: Self.name, line: 5, containing: "still open", Self.reader(cut).read)
        expectRefusal(.truncated, file: Self.name, line: nil, containing: "empty", Self.reader("").read)
    }

    @Test func dateThatDoesNotExistIsRefused() throws {
        let text = try Self.sample().replacingOccurrences(of: "2025-01-07T09:01:10Z", with: "2025-02-31T09:01:10Z")
        expectRefusal(.invalidValue, file: Self.name, line: 3, containing: "2025-02-31", Self.reader(text).read)
    }

    @Test func amountWithThreeDecimalsIsRefused() throws {
        let text = try Self.sample().replacingOccurrences(of: ",95.50,", with: ",95.505,")
        expectRefusal(.invalidValue, file: Self.name, line: 2, containing: "more than two decimals", Self.reader(text).read)
        let words = try Self.sample().replacingOccurrences(of: ",95.50,", with: ",ninety,")
        expectRefusal(.malformed, file: Self.name, line: 2, containing: "'ninety'", Self.reader(words).read)
    }

    @Test func quotingAndDuplicatesAreChecked() throws {
        let sample = try Self.sample()
        expectRefusal(.malformed, file: Self.name, line: 2, containing: "double quote inside",
                      Self.reader(sample.replacingOccurrences(of: "\"Smith, John\"", with: "Smith \"John\"")).read)
        expectRefusal(.malformed, file: Self.name, line: 2, containing: "fields but the header has",
                      Self.reader(sample.replacingOccurrences(of: "\"Smith, John\"", with: "Smith, John")).read)
        expectRefusal(.malformed, file: Self.name, line: 7, containing: "already used on line 2",
                      Self.reader(sample.replacingOccurrences(of: "TX-20250107-0005", with: "TX-20250107-0001")).read)
    }

    @Test func garbageIsRefused() throws {
        expectRefusal(.malformed, file: Self.name, line: 1, containing: "control byte",
                      CardPaymentsReader(bytes: [0x1F, 0x8B, 0x08, 0x00, 0x00], fileName: Self.name, mapping: Self.mapping).read)
        expectRefusal(.malformed, file: Self.name, line: 1, containing: "no column 'Reference'", Self.reader("\u{00E9}\u{00E8}garbage\n").read)
    }
}
