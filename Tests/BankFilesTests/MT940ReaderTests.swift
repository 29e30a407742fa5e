import BankFiles
import HousingFinance
import Testing

@Suite struct MT940ReaderTests {
    static let sampleName = "statement-20250107.sta"

    static func sampleText() throws -> String {
        String(decoding: try SampleFiles.inbound("mt940/\(sampleName)"), as: UTF8.self)
    }

    static func read(_ text: String, currency: String? = "GBP") throws -> (FileTotals, [Payment]) {
        var payments: [Payment] = []
        let totals = try MT940Reader(bytes: Array(text.utf8), fileName: sampleName, currency: currency).read { payments.append($0) }
        return (totals, payments)
    }

    /// Reads `text` expecting a refusal, and checks that the message names the file and line.
    static func refusal(_ text: String, currency: String? = "GBP") throws -> FileReadError {
        let error = try #require(throws: FileReadError.self) { try read(text, currency: currency) }
        #expect(error.file == sampleName)
        #expect(error.description.hasPrefix("\(sampleName): line "))
        return error
    }

    @Test func sampleStatementsTieAndEveryEntryIsRead() throws {
        let (totals, payments) = try Self.read(Self.sampleText())
        #expect(totals.format == .mt940)
        #expect(totals.statements == 2)
        #expect(totals.creditCount == 5)
        #expect(totals.creditTotal == Money(pence: 95_50 + 412_00 + 60_00 + 125_00 + 95_50))
        #expect(totals.debitCount == 1)
        #expect(totals.debitTotal == Money(pence: 95_50))
        #expect(totals.openingBalance == Money(pence: 12_500_00))
        #expect(totals.closingBalance == Money(pence: 13_192_50))
        #expect(totals.fileDate == Day(year: 2025, month: 1, day: 7))
        #expect(totals.checks.count == 2)
        #expect(totals.checks[0].contains("opening £12,500.00 + credits £567.50 - debits £95.50 = closing :62F: £12,972.00"))

        #expect(payments.map(\.position.line) == [6, 9, 12, 14, 24, 26])
        let first = payments[0]
        #expect(first.reference == "100023450 RENT J SMITH")
        #expect(first.bankReference == "0106A1234567")
        #expect(first.entryReference == nil)
        #expect(first.bankTransactionCode == "NTRF")
        #expect(first.statementId == "RCA250106001 5/1")
        #expect(first.bookingDate == Day(year: 2025, month: 1, day: 6))
        #expect(first.valueDate == Day(year: 2025, month: 1, day: 6))
    }

    @Test func wrappedInformationRunsOnAndKeepsItsLines() throws {
        let (_, payments) = try Self.read(Self.sampleText())
        let wrapped = payments[1]
        #expect(wrapped.reference == "FP FROM MRS A KOWALSKA REF 100045671 RENT JANUARY PLUS ARREARS AGREED WITH HOUSING OFFICER")
        #expect(wrapped.details == "FP FROM MRS A KOWALSKA REF 100045671 RENT JANUARY PLUS ARREARS AG\nREED WITH HOUSING OFFICER")
        #expect(wrapped.entryReference == "FP250106RENT")
    }

    @Test func reversalsCountTheWayTheyMoveMoney() throws {
        let (_, payments) = try Self.read(Self.sampleText())
        #expect(payments[2].direction == .debit)  // D: the returned item
        #expect(payments[5].direction == .credit)  // RD: reversal of that debit
        #expect(payments[5].amount == Money(pence: 95_50))
        // Read as a reversal of a credit (a debit), the second statement no longer ties.
        let error = try Self.refusal(Self.sampleText().replacingOccurrences(of: "RD95,50", with: "RC95,50"))
        #expect(error.code == .totalsDoNotTie)
        #expect(error.message.contains("difference of £191.00"))
    }

    @Test func germanSubfieldsGiveTheRemittanceAndTheWholeText() throws {
        let text = """
            :20:STARTUMS
            :25:60161331926819
            :28C:1/1
            :60F:C250106GBP0,00
            :61:2501060106C95,50N051NONREF
            :86:166?00GUTSCHRIFT?100599?20EREF+RENT 1000234?2150 JANUARY?32SMITH J?33OHN
            :62F:C250106GBP95,50
            """
        let (_, payments) = try Self.read(text)
        #expect(payments[0].reference == "EREF+RENT 1000234 50 JANUARY")
        #expect(payments[0].details == "166?00GUTSCHRIFT?100599?20EREF+RENT 1000234?2150 JANUARY?32SMITH J?33OHN")
        #expect(payments[0].payerName == "SMITH J OHN")
        #expect(payments[0].bankTransactionCode == "N051")
    }

    @Test func entryDateTakesTheYearNearestTheValueDate() throws {
        let text = """
            :20:YEAREND
            :25:60161331926819
            :28C:1/1
            :60F:C241231GBP0,00
            :61:2412310102C10,00NTRFNONREF
            :61:2501021231C5,00NTRFNONREF
            :62F:C250102GBP15,00
            """
        let (_, payments) = try Self.read(text)
        #expect(payments[0].bookingDate == Day(year: 2025, month: 1, day: 2))
        #expect(payments[0].valueDate == Day(year: 2024, month: 12, day: 31))
        #expect(payments[1].bookingDate == Day(year: 2024, month: 12, day: 31))
    }

    @Test func truncatedStatementIsRefused() throws {
        let text = try Self.sampleText()
        let cut = String(text[..<text.range(of: ":62F:C250107")!.lowerBound])
        let error = try Self.refusal(cut)
        #expect(error.code == .truncated)
        #expect(error.position.line == 27)
        #expect(error.message.contains("RCA250107001"))
    }

    @Test func closingBalanceOffByAPennyIsRefusedWithTheDifference() throws {
        let text = try Self.sampleText().replacingOccurrences(of: ":62F:C250106GBP12972,00", with: ":62F:C250106GBP12972,01")
        let error = try Self.refusal(text)
        #expect(error.code == .totalsDoNotTie)
        #expect(error.position.line == 16)
        #expect(error.message.contains("RCA250106001"))
        #expect(error.message.contains("difference of £0.01"))
    }

    @Test func dateThatDoesNotExistIsRefused() throws {
        let text = try Self.sampleText().replacingOccurrences(of: ":61:2501060106C60,00", with: ":61:2502310231C60,00")
        let error = try Self.refusal(text)
        #expect(error.code == .invalidValue)
        #expect(error.position.line == 14)
        #expect(error.message.contains("250231"))
    }

    @Test func amountWithThreeDecimalsIsRefused() throws {
        let text = try Self.sampleText().replacingOccurrences(of: "C60,00NTRF", with: "C60,005NTRF")
        let error = try Self.refusal(text)
        #expect(error.code == .invalidValue)
        #expect(error.position.line == 14)
        #expect(error.message.contains("3 decimals"))
    }

    @Test func garbageIsRefused() throws {
        let binary = try #require(throws: FileReadError.self) {
            try MT940Reader(bytes: [0x3A, 0x32, 0x30, 0x3A, 0x00, 0xFF, 0x13, 0x0A], fileName: Self.sampleName).read { _ in }
        }
        #expect(binary.code == .malformed)
        #expect(binary.description.hasPrefix("\(Self.sampleName): line 1: "))
        let text = try Self.refusal("Dear Sir,\nplease find our statement attached.\n")
        #expect(text.code == .malformed)
        #expect(text.message.contains("no MT940 statement"))
    }

    @Test func statementInAnotherCurrencyIsRefused() throws {
        let text = try Self.sampleText().replacingOccurrences(of: "GBP", with: "EUR")
        let error = try Self.refusal(text)
        #expect(error.code == .unsupported)
        #expect(error.position.line == 5)
        #expect(error.message.contains("EUR"))
        #expect(try Self.read(text, currency: "EUR").0.statements == 2)
    }

    @Test func interimReportIsRefusedAsUnsupported() throws {
        let text = """
            :20:INTRADAY
            :25:60161331926819
            :28C:1/1
            :34F:GBPD0,00
            :13D:2501061200+0000
            """
        let error = try Self.refusal(text)
        #expect(error.code == .unsupported)
        #expect(error.position.line == 4)
    }
}
