import BankFiles
import Foundation
import HousingFinance
import Testing

@Suite struct OutletFileReaderTests {
    static let name = "outlet-20250107.csv"

    static func sample() throws -> String {
        String(decoding: try SampleFiles.inbound("outlet/\(name)"), as: UTF8.self)
    }

    static func reader(_ text: String) -> OutletFileReader {
        OutletFileReader(bytes: Array(text.utf8), fileName: name)
    }

    @Test func sampleReadsAndTiesToItsTrailer() throws {
        let (totals, payments) = try readAll(Self.reader(try Self.sample()).read)
        #expect(totals.format == .outlet)
        #expect(totals.creditCount == 5)
        #expect(totals.creditTotal == Money(pence: 95_50 + 40_00 + 45_00 + 120_00 + 12_00))
        #expect(totals.debitCount == 1)
        #expect(totals.debitTotal == Money(pence: 120_00))
        #expect(totals.checks == ["trailer: 6 payments, net £192.50, as read"])
        #expect(payments.map(\.position.line) == [2, 3, 4, 5, 6, 7])

        let first = payments[0]
        #expect(first.bankReference == "PP0000918231")
        #expect(first.cardNumber == "6335590012345678")
        #expect(first.reference == "6335590012345678")
        #expect(first.bookingDate == Day(year: 2025, month: 1, day: 6))
        #expect(first.sourceCode == "PAYPOINT")
        #expect(first.transactionCode == "RPY")
        #expect(first.details == "outlet 204417 at 09:14:02")
        #expect(payments[1].transactionCode == "RBR")
        #expect(payments[2].cardNumber == "6335590012345678901")
        #expect(payments[4].direction == .debit)
    }

    @Test func missingTrailerIsTruncated() throws {
        let sample = try Self.sample()
        let withoutTrailer = sample.replacingOccurrences(of: "TRAILER,6,192.50\r\n", with: "")
        expectRefusal(.truncated, file: Self.name, line: 7, containing: "without its trailer", Self.reader(withoutTrailer).read)
        let cut = String(sample.prefix(sample.count - 60))
        expectRefusal(.truncated, file: Self.name, line: 7, containing: "cut off", Self.reader(cut).read)
        expectRefusal(.truncated, file: Self.name, line: nil, containing: "empty", Self.reader("").read)
    }

    @Test func trailerOffByAPennyNamesBothFigures() throws {
        let sample = try Self.sample()
        let error = expectRefusal(.totalsDoNotTie, file: Self.name, line: 8, containing: "£192.51", Self.reader(sample.replacingOccurrences(of: "TRAILER,6,192.50", with: "TRAILER,6,192.51")).read)
        #expect(error?.message.contains("£192.50") == true)
        let count = expectRefusal(.totalsDoNotTie, file: Self.name, line: 8, containing: "7 payments", Self.reader(sample.replacingOccurrences(of: "TRAILER,6,", with: "TRAILER,7,")).read)
        #expect(count?.message.contains("holds 6") == true)
        expectRefusal(.malformed, file: Self.name, line: 9, containing: "follows the trailer", Self.reader(sample + "PP0000918247,07/01/2025,08:07:01,6335590011112222,1.00,204990,PAYPOINT\r\n").read)
    }

    @Test func dateThatDoesNotExistIsRefused() throws {
        let text = try Self.sample().replacingOccurrences(of: "PO7700012993,06/01/2025", with: "PO7700012993,31/02/2025")
        expectRefusal(.invalidValue, file: Self.name, line: 3, containing: "31/02/2025", Self.reader(text).read)
        let time = try Self.sample().replacingOccurrences(of: "11:40:55", with: "24:40:55")
        expectRefusal(.invalidValue, file: Self.name, line: 3, containing: "24:40:55", Self.reader(time).read)
    }

    @Test func amountMustHaveExactlyTwoDecimals() throws {
        let text = try Self.sample().replacingOccurrences(of: ",40.00,", with: ",40.001,")
        expectRefusal(.invalidValue, file: Self.name, line: 3, containing: "3 decimals", Self.reader(text).read)
        let noDecimals = try Self.sample().replacingOccurrences(of: ",40.00,", with: ",40,")
        expectRefusal(.malformed, file: Self.name, line: 3, containing: "two decimals", Self.reader(noDecimals).read)
    }

    @Test func recordsThatCannotBeTrustedAreRefused() throws {
        let sample = try Self.sample()
        expectRefusal(.malformed, file: Self.name, line: 4, containing: "already used on line 3",
                      Self.reader(sample.replacingOccurrences(of: "AP1000234501", with: "PO7700012993")).read)
        expectRefusal(.invalidValue, file: Self.name, line: 4, containing: "16 to 19 digits",
                      Self.reader(sample.replacingOccurrences(of: "6335590012345678901", with: "63355900123456789012")).read)
        expectRefusal(.invalidValue, file: Self.name, line: 4, containing: "WESTERN UNION",
                      Self.reader(sample.replacingOccurrences(of: ",ALLPAY", with: ",WESTERN UNION")).read)
        expectRefusal(.malformed, file: Self.name, line: 1, containing: "header",
                      Self.reader(sample.replacingOccurrences(of: "CARD_NUMBER", with: "CARD")).read)
    }

    @Test func garbageIsRefused() throws {
        expectRefusal(.malformed, file: Self.name, line: 1, containing: "control byte",
                      OutletFileReader(bytes: [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00], fileName: Self.name).read)
        expectRefusal(.malformed, file: Self.name, line: 1, containing: "header", Self.reader("\u{FFFD}\u{FFFD}garbage,more garbage\n").read)
    }
}
