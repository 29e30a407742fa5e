import Foundation
import HousingFinance
import Testing

/// How counts, numbers and amounts read in the hub's text, and how money goes into JSON.
@Suite struct WordingTests {
    @Test(arguments: [
        (1, "entry", "1 entry"), (2, "entry", "2 entries"), (0, "file", "0 files"), (1, "file", "1 file"),
        (12_000, "charge", "12,000 charges"), (3, "batch", "3 batches"), (2, "day", "2 days"), (2, "payment card", "2 payment cards"),
        (1, "reversal entry", "1 reversal entry"), (5, "reversal entry", "5 reversal entries"), (2, "house", "2 houses"),
    ] as [(Int, String, String)])
    func countsAreSingularOrPlural(count: Int, noun: String, text: String) {
        #expect(Wording.count(count, noun) == text)
    }

    @Test func anIrregularPluralIsGiven() {
        #expect(Wording.count(2, "person", "people") == "2 people")
        #expect(Wording.count(1, "person", "people") == "1 person")
    }

    @Test func numbersHaveThousandsCommas() {
        #expect(Wording.number(0) == "0")
        #expect(Wording.number(999) == "999")
        #expect(Wording.number(1000) == "1,000")
        #expect(Wording.number(1_234_567) == "1,234,567")
        #expect(Wording.number(-12_000) == "-12,000")
    }

    @Test func hashesAreShortenedToTwelveCharacters() {
        #expect(Wording.shortHash(String(repeating: "ab", count: 32)) == "abababababab")
    }

    @Test func amountsReadAsPoundsWithCreditsNegative() {
        #expect(Money(pence: 123_456).formatted == "£1,234.56")
        #expect(Money(pence: -1200).formatted == "-£12.00")
        #expect(Money(pence: 5).formatted == "£0.05")
    }

    @Test func moneyIsIntegerPenceInJSONAndTheOlderFormStillReads() throws {
        struct Holder: Codable, Equatable { var amount: Money }
        #expect(String(decoding: try JSONEncoder().encode(Holder(amount: Money(pence: -1250))), as: UTF8.self) == #"{"amount":-1250}"#)
        #expect(try JSONDecoder().decode(Holder.self, from: Data(#"{"amount":-1250}"#.utf8)) == Holder(amount: Money(pence: -1250)))
        #expect(try JSONDecoder().decode(Holder.self, from: Data(#"{"amount":{"pence":99}}"#.utf8)) == Holder(amount: Money(pence: 99)))
    }
}
