import BankFiles
import Foundation
import HousingFinance
import Testing

/// The reader takes the usual amounts and dates by a fast path on their bytes; every other way
/// of writing the same value must read the same as the usual one.
@Suite struct CamtWrittenFormsTests {
    func read(_ text: String) throws -> (payments: [Payment], totals: FileTotals) {
        var payments: [Payment] = []
        let totals = try CamtReader(bytes: Array(text.utf8), fileName: "forms.xml").read { payments.append($0) }
        return (payments, totals)
    }

    var statement: String { get throws { CamtFixtures.text(try CamtFixtures.statementBytes()) } }

    @Test(arguments: ["125.5", "0125.50", "125.500", "00125.5000", " 125.50 "])
    func anAmountWrittenAnotherWayReadsTheSame(_ written: String) throws {
        let usual = try read(try statement)
        let other = try read(CamtFixtures.replacing("<Amt Ccy=\"GBP\">125.50</Amt>", with: "<Amt Ccy=\"GBP\">\(written)</Amt>", in: try statement))
        #expect(other.payments.first?.amount == Money(pence: 12_550))
        #expect(other.payments.map(\.amount) == usual.payments.map(\.amount))
        #expect(other.totals.creditTotal == usual.totals.creditTotal)
    }

    @Test(arguments: ["<Dt> 2026-12-01 </Dt>", "<DtTm>2026-12-01T09:30:00</DtTm>", "<DtTm>2026-12-01T09:30:00+01:00</DtTm>", "<Dt>\n2026-12-01\n</Dt>",
        // An xs:date may carry a time zone: the calendar day is kept, whatever the offset.
        "<Dt>2026-12-01+02:00</Dt>", "<Dt>2026-12-01-11:00</Dt>", "<Dt>2026-12-01Z</Dt>", "<DtTm>2026-12-01T23:30:00-05:00</DtTm>"])
    func aDateWrittenAnotherWayReadsTheSame(_ written: String) throws {
        let usual = try read(try statement)
        let text = try statement
        let occurrences = text.components(separatedBy: "<Dt>2026-12-01</Dt>").count - 1
        #expect(occurrences > 1)
        for occurrence in 1...occurrences {
            let other = try read(CamtFixtures.replacing("<Dt>2026-12-01</Dt>", with: written, in: text, occurrence: occurrence))
            #expect(other.payments.map(\.bookingDate) == usual.payments.map(\.bookingDate), "occurrence \(occurrence)")
            #expect(other.totals.fileDate == usual.totals.fileDate, "occurrence \(occurrence)")
        }
    }

    @Test(arguments: ["2026-12-1", "2026-13-01", "2026-12-01X", "2026-12-01 T", "２０２６-12-01", "2026-12-01+2:00", "2026-12-01+15:00", "2026-12-01+02:60", "2026-02-30+01:00"])
    func aDateThatIsNotOneIsStillRefused(_ written: String) throws {
        let text = CamtFixtures.replacing("<Dt>2026-12-01</Dt>", with: "<Dt>\(written)</Dt>", in: try statement)
        #expect(throws: FileReadError.self) { try read(text) }
    }
}
