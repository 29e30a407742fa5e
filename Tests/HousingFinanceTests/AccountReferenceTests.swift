import Foundation
import HousingFinance
import Testing

@Suite struct AccountReferenceTests {
    /// Worked by hand: weights 9 to 2 over the eight digits, check = (11 - sum mod 11) mod 11.
    /// 10002345: 1×9 + 2×5 + 3×4 + 4×3 + 5×2 = 53; 53 mod 11 = 9; 11 - 9 = 2.
    @Test(arguments: [
        (10_002_345, "100023452"),
        (20_002_345, "200023454"),
        (12_345_678, "123456789"),
        (10_000_000, "100000002"),
        (10_000_006, "100000061"),
        (12_345, "000123455"),
        (5, "000000051"),
        (1, "000000019"),
    ])
    func generatesTheModulus11CheckDigit(number: Int, reference: String) throws {
        let made = try #require(AccountReference.make(number))
        #expect(made.digits == reference)
        #expect(AccountReference(reference) == made)
    }

    @Test func numbersWhoseCheckDigitWouldBeTenAreNotIssued() {
        // 6: 6×2 = 12; 12 mod 11 = 1; 11 - 1 = 10.
        #expect(AccountReference.make(6) == nil)
        var skipped = 0
        for number in 10_000_000..<10_000_220 {
            let written = String(number)
            let validCheckDigits = (0...9).filter { AccountReference(written + String($0)) != nil }
            if let reference = AccountReference.make(number) {
                #expect(validCheckDigits.count == 1 && reference.digits == written + String(validCheckDigits[0]))
            } else {
                #expect(validCheckDigits.isEmpty, "\(number) is not issued, so no reference for it may validate")
                skipped += 1
            }
        }
        #expect(skipped == 20)  // one number in eleven
    }

    @Test func numbersOutOfRangeHaveNoReference() {
        #expect(AccountReference.make(0) == nil)
        #expect(AccountReference.make(-5) == nil)
        #expect(AccountReference.make(100_000_000) == nil)
        // The largest: 9 × (9 + 8 + ... + 2) = 396 = 36 × 11, so the check digit is 0.
        #expect(AccountReference.make(99_999_999)?.digits == "999999990")
    }

    @Test(arguments: [
        ("100023452", "100023452"),
        ("100-023-452", "100023452"),
        ("100 023 452", "100023452"),
        ("123455", "000123455"),
        ("0000123455", "000123455"),
        ("51", "000000051"),
    ])
    func validatesACandidateWithLeadingZerosDroppedOrAdded(candidate: String, canonical: String) {
        #expect(AccountReference(candidate)?.digits == canonical)
    }

    @Test(arguments: [
        "100023453",  // wrong check digit
        "100023425",  // last two digits swapped
        "1100023452",  // too many significant digits
        "10002345",  // check digit missing: reads as 010002345, which is not valid
        "REF100023452", "100023452X", "", " - ", "１００",
    ])
    func refusesInvalidCandidates(candidate: String) {
        #expect(AccountReference(candidate) == nil)
    }

    @Test func detectsEverySingleWrongDigitAndAdjacentSwap() throws {
        for number in [10_002_345, 12_345_678, 98_765_432, 12_345] {
            let reference = try #require(AccountReference.make(number))
            let digits = Array(reference.digits)
            for position in digits.indices {
                for digit in "0123456789" where digit != digits[position] {
                    var changed = digits
                    changed[position] = digit
                    #expect(AccountReference(String(changed)) == nil, "\(String(changed))")
                }
                if position + 1 < digits.count && digits[position] != digits[position + 1] {
                    var swapped = digits
                    swapped.swapAt(position, position + 1)
                    #expect(AccountReference(String(swapped)) == nil, "\(String(swapped))")
                }
            }
        }
    }

    @Test func theNoneSchemeAcceptsAnyNumberOfItsLength() throws {
        let scheme = try AccountReferenceScheme(checkDigit: .none, numberLength: 10)
        #expect(scheme.length == 10 && !scheme.hasCheckDigit && scheme.minimumDigits == 7)
        #expect(AccountReference.make(12345, scheme: scheme)?.digits == "0000012345")
        #expect(AccountReference.make(6, scheme: scheme)?.digits == "0000000006")
        #expect(AccountReference("12345", scheme: scheme)?.digits == "0000012345")
        #expect(AccountReference("12345678901", scheme: scheme) == nil)
    }

    @Test func refusesSchemesThatCannotWork() {
        #expect(throws: AccountReferenceSchemeError.self) { try AccountReferenceScheme(checkDigit: .modulus11, numberLength: 10) }
        #expect(throws: AccountReferenceSchemeError.self) { try AccountReferenceScheme(checkDigit: .none, numberLength: 0) }
        #expect(throws: AccountReferenceSchemeError.self) {
            try AccountReferenceScheme(checkDigit: .modulus11, numberLength: 8, minimumDigits: 10)
        }
        #expect(AccountReferenceScheme.standard.length == 9 && AccountReferenceScheme.standard.minimumDigits == 6)
    }

    @Test func aSchemeIsReadFromConfigurationAndChecked() throws {
        let decoder = JSONDecoder()
        let scheme = try decoder.decode(AccountReferenceScheme.self, from: Data(#"{"checkDigit":"none","numberLength":10}"#.utf8))
        #expect(scheme == (try AccountReferenceScheme(checkDigit: .none, numberLength: 10, minimumDigits: 7)))
        #expect(try decoder.decode(AccountReferenceScheme.self, from: JSONEncoder().encode(AccountReferenceScheme.standard)) == .standard)
        #expect(throws: AccountReferenceSchemeError.self) {
            try decoder.decode(AccountReferenceScheme.self, from: Data(#"{"checkDigit":"modulus11","numberLength":12}"#.utf8))
        }
    }

    @Test func encodesAsItsDigits() throws {
        let reference = try #require(AccountReference.make(12_345))
        let data = try JSONEncoder().encode([reference])
        #expect(String(decoding: data, as: UTF8.self) == #"["000123455"]"#)
        #expect(try JSONDecoder().decode([AccountReference].self, from: data) == [reference])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([AccountReference].self, from: Data(#"["12a"]"#.utf8)) }
    }
}
