import BankFiles
import Foundation
import HousingFinance
import Testing

@Suite struct CashFileReaderTests {
    static let name = "CashFile20250107"

    static func sample() throws -> String {
        String(decoding: try SampleFiles.inbound("cash-file/\(name)"), as: UTF8.self)
    }

    static func reader(_ text: String, name: String = name) -> CashFileReader {
        CashFileReader(bytes: Array(text.utf8), fileName: name)
    }

    /// The sample with one line's columns replaced: `columns` 1-based inclusive.
    static func sample(line: Int, columns: ClosedRange<Int>, with replacement: String) throws -> String {
        var lines = try sample().split(separator: "\r\n", omittingEmptySubsequences: false).map { Array($0) }
        precondition(replacement.count == columns.count)
        lines[line - 1].replaceSubrange((columns.lowerBound - 1)..<columns.upperBound, with: replacement)
        return lines.map { String($0) }.joined(separator: "\r\n")
    }

    @Test func sampleReadsEveryLine() throws {
        let (totals, payments) = try readAll(Self.reader(try Self.sample()).read)
        #expect(totals.format == .cashFile)
        #expect(totals.fileDate == Day(year: 2025, month: 1, day: 7))
        #expect(totals.creditCount == 5)
        #expect(totals.creditTotal == Money(pence: 45_00 + 95_50 + 120_00 + 62_25 + 310_00))
        #expect(totals.debitCount == 1)
        #expect(totals.debitTotal == Money(pence: 20_00))
        #expect(totals.checks == ["no trailer (the public layout has none): 6 lines, net £612.75 read"])

        #expect(payments.map(\.position.line) == [1, 2, 3, 4, 5, 6])
        let allpay = payments[0]
        #expect(allpay.reference == "100023450")
        #expect(allpay.cardNumber == "6335590012345678901")
        #expect(allpay.sourceCode == "AP")
        #expect(allpay.transactionCode == "RPY")
        #expect(allpay.bankTransactionCode == "CSH")
        #expect(allpay.bookingDate == Day(year: 2025, month: 1, day: 6))
        #expect(payments[1].cardNumber == nil)
        #expect(payments[1].details == "PAYPOINT 204417")
        #expect(payments[2].transactionCode == "RBR")
        #expect(payments[4].direction == .debit)
        #expect(payments[4].amount == Money(pence: 20_00))
    }

    /// The optional trailer: `TRL`, the count in columns 4-13, the net total in columns 14-26.
    static func trailer(_ count: Int, _ total: String) -> String {
        let digits = String(count)
        return "TRL" + String(repeating: "0", count: 10 - digits.count) + digits + String(repeating: " ", count: 13 - total.count) + total + "\r\n"
    }

    @Test func trailerMustTieToThePenny() throws {
        let sample = try Self.sample()
        let good = sample + Self.trailer(6, "612.75")
        #expect(try readAll(Self.reader(good).read).totals.checks == ["trailer: 6 lines, net £612.75, as the trailer says"])
        let error = expectRefusal(.totalsDoNotTie, file: Self.name, line: 7, containing: "£612.76", Self.reader(sample + Self.trailer(6, "612.76")).read)
        #expect(error?.message.contains("£612.75") == true)
        #expect(error?.message.contains("difference of £0.01") == true)
        expectRefusal(.totalsDoNotTie, file: Self.name, line: 7, containing: "6 lines", Self.reader(sample + Self.trailer(5, "612.75")).read)
        expectRefusal(.malformed, file: Self.name, line: 1, containing: "last line", Self.reader(Self.trailer(0, "0.00") + sample).read)
        #expect(try readAll(Self.reader(Self.trailer(0, "0.00")).read).totals.recordCount == 0)
    }

    @Test func truncatedFileIsRefused() throws {
        let sample = try Self.sample()
        let cut = String(sample.prefix(sample.count - 20))
        expectRefusal(.truncated, file: Self.name, line: 6, containing: "cut off", Self.reader(cut).read)
        expectRefusal(.truncated, file: Self.name, line: nil, containing: "empty", Self.reader("").read)
    }

    @Test func dateThatDoesNotExistIsRefused() throws {
        let text = try Self.sample(line: 3, columns: 44...53, with: "31/02/2025")
        expectRefusal(.invalidValue, file: Self.name, line: 3, containing: "31/02/2025", Self.reader(text).read)
        expectRefusal(.invalidValue, file: "CashFile20250231", line: nil, containing: "20250231", Self.reader(try Self.sample(), name: "CashFile20250231").read)
        let later = try Self.sample(line: 2, columns: 44...53, with: "08/01/2025")
        expectRefusal(.invalidValue, file: Self.name, line: 2, containing: "after the file's date", Self.reader(later).read)
    }

    @Test func amountMustHaveExactlyTwoDecimals() throws {
        expectRefusal(.invalidValue, file: Self.name, line: 2, containing: "3 decimals", Self.reader(try Self.sample(line: 2, columns: 34...43, with: "    95.505")).read)
        expectRefusal(.malformed, file: Self.name, line: 2, containing: "two decimals", Self.reader(try Self.sample(line: 2, columns: 34...43, with: "      9550")).read)
        expectRefusal(.invalidValue, file: Self.name, line: 2, containing: "zero", Self.reader(try Self.sample(line: 2, columns: 34...43, with: "      0.00")).read)
    }

    @Test func linesOfTheWrongShapeAreRefused() throws {
        let long = try Self.sample().replacingOccurrences(of: "62.2507/01/2025AP", with: "62.2507/01/2025AP ")
        expectRefusal(.malformed, file: Self.name, line: 4, containing: "exactly 55", Self.reader(long).read)
        expectRefusal(.invalidValue, file: Self.name, line: 6, containing: "'ZZ'", Self.reader(try Self.sample(line: 6, columns: 54...55, with: "ZZ")).read)
        expectRefusal(.malformed, file: "payments.txt", line: nil, containing: "CashFileYYYYMMDD", Self.reader(try Self.sample(), name: "payments.txt").read)
    }

    @Test func garbageIsRefused() throws {
        expectRefusal(.malformed, file: Self.name, line: 2, containing: "control byte 0x1B", CashFileReader(bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1B, 0x0A], fileName: Self.name).read)
        expectRefusal(.malformed, file: Self.name, line: 1, containing: "55", Self.reader("%PDF-1.7 this is not a cash file\n").read)
    }
}
