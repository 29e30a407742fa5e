import BankFiles
import Foundation
import HousingFinance
import Testing

@Suite struct HousingBenefitReaderTests {
    static let name = "hb-credits-20250106.csv"

    static func sample() throws -> String {
        String(decoding: try SampleFiles.inbound("housing-benefit/\(name)"), as: UTF8.self)
    }

    static func reader(_ text: String) -> HousingBenefitReader {
        HousingBenefitReader(bytes: Array(text.utf8), fileName: name)
    }

    @Test func sampleReadsAndTiesToItsTrailer() throws {
        let (totals, payments) = try readAll(Self.reader(try Self.sample()).read)
        #expect(totals.format == .housingBenefit)
        #expect(totals.fileDate == Day(year: 2025, month: 1, day: 6))
        #expect(totals.creditCount == 4)
        #expect(totals.creditTotal == Money(pence: 95_50 + 62_10 + 110_00 + 8_75))
        #expect(totals.debitCount == 1)
        #expect(totals.debitTotal == Money(pence: 12_40))
        #expect(totals.checks == ["trailer: 5 credits, net £263.95, as read"])
        #expect(payments.map(\.position.line) == [2, 3, 4, 5, 6])

        let regular = payments[0]
        #expect(regular.reference == "100023450")
        #expect(regular.entryReference == "HB0012345")
        #expect(regular.benefitWeek == Day(year: 2025, month: 1, day: 6))
        #expect(regular.bookingDate == Day(year: 2025, month: 1, day: 6))
        #expect(regular.transactionCode == "RHB")
        #expect(regular.sourceCode == "HB")
        let takenBack = payments[3]
        #expect(takenBack.direction == .debit)
        #expect(takenBack.amount == Money(pence: 12_40))
        #expect(takenBack.transactionCode == "RHA")
        #expect(takenBack.benefitWeek == Day(year: 2024, month: 12, day: 30))
        #expect(payments[4].direction == .credit)
        #expect(payments[4].transactionCode == "RHA")
    }

    @Test func missingTrailerIsTruncated() throws {
        let sample = try Self.sample()
        expectRefusal(.truncated, file: Self.name, line: 6, containing: "without its trailer",
                      Self.reader(sample.replacingOccurrences(of: "TRAILER,5,263.95\n", with: "")).read)
        expectRefusal(.truncated, file: Self.name, line: 6, containing: "cut off", Self.reader(String(sample.prefix(sample.count - 30))).read)
    }

    @Test func trailerOffByAPennyNamesBothFigures() throws {
        let text = try Self.sample().replacingOccurrences(of: "TRAILER,5,263.95", with: "TRAILER,5,263.94")
        let error = expectRefusal(.totalsDoNotTie, file: Self.name, line: 7, containing: "£263.94", Self.reader(text).read)
        #expect(error?.message.contains("£263.95") == true)
    }

    @Test func datesThatDoNotExistOrAreNotMondaysAreRefused() throws {
        let sample = try Self.sample()
        expectRefusal(.invalidValue, file: Self.name, line: 3, containing: "31/02/2025",
                      Self.reader(sample.replacingOccurrences(of: "100045671,06/01/2025", with: "100045671,31/02/2025")).read)
        expectRefusal(.invalidValue, file: Self.name, line: 3, containing: "not a Monday",
                      Self.reader(sample.replacingOccurrences(of: "100045671,06/01/2025", with: "100045671,07/01/2025")).read)
        expectRefusal(.invalidValue, file: Self.name, line: 1, containing: "31/02/2025",
                      Self.reader(sample.replacingOccurrences(of: "CREDITS,06/01/2025", with: "CREDITS,31/02/2025")).read)
    }

    @Test func amountsAreStrict() throws {
        let sample = try Self.sample()
        expectRefusal(.invalidValue, file: Self.name, line: 4, containing: "3 decimals",
                      Self.reader(sample.replacingOccurrences(of: "110.00,HB", with: "110.005,HB")).read)
        expectRefusal(.invalidValue, file: Self.name, line: 4, containing: "negative",
                      Self.reader(sample.replacingOccurrences(of: "110.00,HB", with: "-110.00,HB")).read)
        expectRefusal(.malformed, file: Self.name, line: 4, containing: "'XB'",
                      Self.reader(sample.replacingOccurrences(of: "110.00,HB", with: "110.00,XB")).read)
    }

    @Test func garbageIsRefused() throws {
        expectRefusal(.malformed, file: Self.name, line: 1, containing: "control byte",
                      HousingBenefitReader(bytes: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0x00], fileName: Self.name).read)
        expectRefusal(.malformed, file: Self.name, line: 1, containing: "header", Self.reader("claim,account\n1,2\n").read)
    }
}
