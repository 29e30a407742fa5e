import HousingFinance
import Testing

@Suite struct MoneyTests {
    @Test(arguments: [
        ("£1,234.56", 123456),
        ("1234.56", 123456),
        ("-0.05", -5),
        ("-£0.05", -5),
        ("£-0.05", -5),
        ("+5", 500),
        ("+£5", 500),
        ("12.5", 1250),
        ("0", 0),
        ("-0.00", 0),
        ("  42.00 \r\n", 4200),
        ("1,000,000", 100_000_000),
        ("007.10", 710),
        ("999,999,999,999,999.99", 99_999_999_999_999_999),
        ("-999999999999999.99", -99_999_999_999_999_999),
    ] as [(String, Int64)])
    func readsAmountsAsWritten(text: String, pence: Int64) throws {
        #expect(try Money(parsing: text) == Money(pence: pence))
    }

    @Test(arguments: [
        ("", "empty"),
        ("   ", "empty"),
        ("1,23.45", "thousands separators"),
        (",123.45", "thousands separators"),
        ("1234,567.00", "thousands separators"),
        ("12.345", "more than two decimals"),
        ("12.34000", "more than two decimals"),
        ("1.2.3", "more than one decimal point"),
        ("12.", "no digits after"),
        (".50", "no digits before"),
        ("-", "no digits before"),
        ("£", "no digits before"),
        ("--5", "not digits"),
        ("-£-5", "not digits"),
        ("12a", "not digits"),
        ("1e5", "not digits"),
        ("١٢", "not digits"),
        ("12.3x", "decimals are not digits"),
        ("1,000,000,000,000,000", "too large"),
        ("9999999999999999", "too large"),
    ])
    func refusesMalformedAmountsSayingWhy(text: String, reason: String) {
        // The amount is in pounds: a refusal that says "in pence" is not true to the column.
        #expect {
            try Money(parsing: text)
        } throws: { error in
            let description = (error as? MoneyParseError)?.description ?? ""
            return !description.contains("in pence") && (!reason.contains("two decimals") || description.contains("in pounds with at most two decimals"))
        }
        #expect {
            try Money(parsing: text)
        } throws: { error in
            guard let error = error as? MoneyParseError else { return false }
            return error.text == text && error.description.contains(reason)
        }
    }

    @Test func trailingZerosAreAcceptedOnlyWhenAllowed() throws {
        #expect(try Money(parsing: "12.34000", decimals: .trailingZerosAllowed) == Money(pence: 1234))
        #expect(try Money(parsing: "-0.50000", decimals: .trailingZerosAllowed) == Money(pence: -50))
        #expect(throws: MoneyParseError.self) { try Money(parsing: "12.34001", decimals: .trailingZerosAllowed) }
        #expect(throws: MoneyParseError.self) { try Money(parsing: "12.345", decimals: .trailingZerosAllowed) }
    }

    @Test func readsCommaDecimalsWithDotGrouping() throws {
        #expect(try Money(parsing: "1.234,56", decimalSeparator: ",") == Money(pence: 123456))
        #expect(try Money(parsing: "150,5", decimalSeparator: ",") == Money(pence: 15050))
        #expect(throws: MoneyParseError.self) { try Money(parsing: "1,234.56", decimalSeparator: ",") }
    }

    @Test(arguments: [
        (123456, "£1,234.56", "1234.56"),
        (-5, "-£0.05", "-0.05"),
        (0, "£0.00", "0.00"),
        (99, "£0.99", "0.99"),
        (100, "£1.00", "1.00"),
        (-100_000_000, "-£1,000,000.00", "-1000000.00"),
        (12_345_678_901, "£123,456,789.01", "123456789.01"),
    ] as [(Int64, String, String)])
    func formatsForPeopleAndFiles(pence: Int64, formatted: String, plain: String) {
        let money = Money(pence: pence)
        #expect(money.formatted == formatted)
        #expect(money.description == formatted)
        #expect(money.plain == plain)
    }

    @Test func formattedAndPlainTextReadBackToTheSameAmount() throws {
        for pence: Int64 in [0, 1, -1, 9, 10, 999, 1000, 100_000, -123_456_789, 99_999_999_999_999_999] {
            let money = Money(pence: pence)
            #expect(try Money(parsing: money.formatted) == money)
            #expect(try Money(parsing: money.plain) == money)
        }
    }

    @Test func theSmallestAmountFormatsWithoutOverflow() {
        #expect(Money(pence: .min).plain == "-92233720368547758.08")
    }

    @Test(arguments: [
        (10000 * 3, 7, 4286),  // 4285.714...
        (10000 * 4, 7, 5714),  // 5714.285...
        (7, 2, 4),  // 3.5 rounds up
        (5, 10, 1),  // 0.5 rounds up
        (4, 10, 0),  // 0.4 rounds down
        (1, 3, 0),
        (2, 3, 1),
        (-7, 2, -4),  // halves go away from zero
        (-5, 10, -1),
        (-10000 * 3, 7, -4286),
        (0, 7, 0),
        (14, 7, 2),
    ] as [(Int64, Int64, Int64)])
    func roundsHalfUpAwayFromZero(numerator: Int64, denominator: Int64, pence: Int64) {
        #expect(Money.roundHalfUp(numerator, dividedBy: denominator) == Money(pence: pence))
    }

    @Test func aFullWeekOfDailyChargesIsTheWeeklyCharge() {
        for weekly: Int64 in [1, 9999, 12345, 100_000] {
            #expect(Money.roundHalfUp(weekly * 7, dividedBy: 7) == Money(pence: weekly))
        }
    }

    @Test func arithmeticAndOrder() {
        var total = Money(pence: 150)
        total += Money(pence: 50)
        total -= Money(pence: 25)
        #expect(total == Money(pence: 175))
        #expect(-total == Money(pence: -175))
        #expect(Money(pence: -1) < .zero)
        #expect(Money(pence: 3) - Money(pence: 5) == Money(pence: -2))
    }
}
