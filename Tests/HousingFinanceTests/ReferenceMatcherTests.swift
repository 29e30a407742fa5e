import HousingFinance
import Testing

@Suite struct ReferenceMatcherTests {
    static func account(_ number: Int) -> AccountReference { AccountReference.make(number)! }

    // 100023452, 200023454, 000123455, 123456789.
    static let a = account(10_002_345)
    static let b = account(20_002_345)
    static let small = account(12_345)
    static let c = account(12_345_678)
    static let allpayCard = "6335870012345678901"
    static let legacyAccount = account(10_000_000)
    static let numericLegacyAccount = account(10_000_006)

    static let lookup = AccountIndex(
        accounts: [a, b, small, c, legacyAccount, numericLegacyAccount],
        cards: [allpayCard: c, "4929 0000 0000 0006": a],
        legacyReferences: ["HSG/0123/A": legacyAccount, "0045678": numericLegacyAccount])

    let matcher = ReferenceMatcher()

    func match(_ text: String, cardNumber: String? = nil) -> ReferenceMatch {
        matcher.match(text, cardNumber: cardNumber, in: Self.lookup)
    }

    @Test(arguments: [
        "100023452",
        "RENT 100023452 FLAT 3",
        "rent 100023452 flat 3",
        "REF:100-023-452",
        "Ref 100.023.452",
        "100 023 452",
        "/ROC/100023452/",
        "ACC100023452",
        "EREF+NOTPROVIDED?20RENT?21100023452?22FLAT 3",
        "?20100023452",
        "MR J SMITH 100023452 RENT 01/04/2025",
        "£25.00 100023452",
    ])
    func findsAnAccountReferenceInFreeText(text: String) {
        #expect(match(text) == .matched(Self.a, rule: .accountReference))
    }

    @Test(arguments: ["123455", "0123455", "000123455", "0000000123455", "TENANT 123455"])
    func leadingZerosMayBeDroppedOrAdded(text: String) {
        #expect(match(text) == .matched(Self.small, rule: .accountReference))
    }

    @Test func tooFewDigitsAreNotReadAsAReference() {
        // 23455 has only 5 digits: below the scheme's minimum of 6, like a flat or house number.
        #expect(match("23455") == .unmatched(.noAccount))
        #expect(match("FLAT 51") == .unmatched(.noAccount))  // 000000051 is valid, but not from 2 digits
    }

    @Test func twoAccountReferencesAreAmbiguous() {
        #expect(match("100023452 AND 200023454") == .unmatched(.ambiguous(rule: .accountReference, accounts: [Self.a, Self.b])))
        #expect(match("100023452 100023452") == .matched(Self.a, rule: .accountReference))
    }

    @Test func numbersAsWrittenComeBeforeJoinedNumbers() {
        // "100023452 3" joins to 1000234523, too long; the number as written matches first.
        #expect(match("100023452 3") == .matched(Self.a, rule: .accountReference))
    }

    @Test func aValidReferenceOfNoAccountDoesNotMatch() throws {
        let unknown = try #require(AccountReference.make(30_002_345))
        #expect(match(unknown.digits) == .unmatched(.noAccount))
    }

    @Test(arguments: [
        ("6335870012345678901", nil),
        ("ALLPAY 6335 8700 1234 5678 901", nil),
        ("6335-8700-1234-5678-901", nil),
        ("CASH", "6335870012345678901"),
        ("", "6335 8700 1234 5678 901"),
    ] as [(String, String?)])
    func findsAPaymentCard(text: String, cardNumber: String?) {
        #expect(match(text, cardNumber: cardNumber) == .matched(Self.c, rule: .paymentCard))
    }

    @Test func sixteenDigitCardsMatchToo() {
        #expect(match("CARD 4929000000000006") == .matched(Self.a, rule: .paymentCard))
    }

    @Test func anAccountReferenceComesBeforeTheCard() {
        #expect(match("200023454", cardNumber: Self.allpayCard) == .matched(Self.b, rule: .accountReference))
    }

    @Test(arguments: [
        ("HSG/0123/A", Self.legacyAccount),
        ("hsg 0123 a", Self.legacyAccount),
        ("HSG-0123-A", Self.legacyAccount),
        ("SO HSG/0123/A", Self.legacyAccount),
        ("/ROC/HSG0123A/", Self.legacyAccount),
        ("45678", Self.numericLegacyAccount),
        ("0045678", Self.numericLegacyAccount),
        ("OLD REF 045678", Self.numericLegacyAccount),
    ])
    func findsALegacyReference(text: String, account: AccountReference) {
        #expect(match(text) == .matched(account, rule: .legacyReference))
    }

    @Test func legacyReferencesMustMatchExactly() {
        #expect(match("HSG0123B") == .unmatched(.noAccount))
        #expect(match("HSG0123") == .unmatched(.noAccount))
    }

    @Test func aCardComesBeforeALegacyReference() {
        #expect(match("HSG0123A 6335870012345678901") == .matched(Self.c, rule: .paymentCard))
    }

    @Test(arguments: [
        ("100023425", "100023425"),  // last two digits swapped
        ("100032452", "100032452"),  // adjacent digits swapped
        ("100023459", "100023459"),  // check digit wrong
        ("100073452", "100073452"),  // one digit wrong
        ("RENT 100-073-452", "100073452"),
        ("123545", "000123545"),  // leading zeros dropped and two digits swapped: account 000123455
    ])
    func findsANearMissOfExactlyOneAccount(text: String, original: String) {
        let expected = text == "123545" ? Self.small : Self.a
        #expect(match(text) == .matched(expected, rule: .nearMiss(original: original)))
    }

    @Test func aNearMissOfTwoAccountsIsAmbiguous() throws {
        // a = 100023452 and b = 200023454 differ in their first and last digits. Take a's digits
        // with b's first digit: one wrong digit from each.
        let between = "2" + Self.a.digits.dropFirst()
        #expect(AccountReference(between) == nil)
        #expect(match("RENT " + between) == .unmatched(.ambiguous(rule: .nearMiss(original: between), accounts: [Self.a, Self.b])))
    }

    @Test func aNearMissOnlyCountsAccountsThatExist() throws {
        let unknown = try #require(AccountReference.make(30_002_345))
        var digits = Array(unknown.digits)
        digits.swapAt(3, 4)
        #expect(digits != Array(unknown.digits))
        #expect(match(String(digits)) == .unmatched(.noAccount))
    }

    @Test func anEmptyReferenceIsUnmatched() {
        #expect(match("") == .unmatched(.noReference))
        #expect(match(" -- / ") == .unmatched(.noReference))
        #expect(match("", cardNumber: " ") == .unmatched(.noReference))
        #expect(match("NO IDEA") == .unmatched(.noAccount))
    }

    @Test func explainsWhyInWords() {
        let ambiguous = match("100023452 AND 200023454")
        #expect(ambiguous.description.contains("100023452, 200023454"))
        #expect(ambiguous.account == nil && ambiguous.rule == nil)
        let matched = match("100023425")
        #expect(matched.account == Self.a)
        #expect(matched.description == "account 100023452 by near miss of 100023425")
    }

    @Test func aSchemeWithoutCheckDigitMatchesExactlyAndSkipsNearMissesByDefault() throws {
        let scheme = try AccountReferenceScheme(checkDigit: .none, numberLength: 8)
        let account = try #require(AccountReference.make(12_345, scheme: scheme))
        let neighbour = try #require(AccountReference.make(12_346, scheme: scheme))
        let lookup = AccountIndex(accounts: [account, neighbour])
        let matcher = ReferenceMatcher(scheme: scheme)
        #expect(!matcher.allowsNearMiss)
        #expect(matcher.match("RENT 00012345", in: lookup) == .matched(account, rule: .accountReference))
        #expect(matcher.match("12345", in: lookup) == .matched(account, rule: .accountReference))
        #expect(matcher.match("12347", in: lookup) == .unmatched(.noAccount))
        let nearMisses = ReferenceMatcher(scheme: scheme, allowsNearMiss: true)
        #expect(nearMisses.match("12347", in: lookup) == .unmatched(.ambiguous(rule: .nearMiss(original: "00012347"), accounts: [account, neighbour])))
        #expect(nearMisses.match("12354", in: lookup) == .matched(account, rule: .nearMiss(original: "00012354")))
    }

    @Test func normalFormsForTheStore() {
        #expect(ReferenceMatcher.normalisedCardNumber("6335 8700-1234") == "633587001234")
        #expect(ReferenceMatcher.normalisedLegacyReference("hsg/0123-a") == "HSG0123A")
        #expect(ReferenceMatcher.normalisedLegacyReference("0045678") == "45678")
        #expect(ReferenceMatcher.normalisedLegacyReference("000") == "0")
        #expect(ReferenceMatcher.normalisedLegacyReference("A0045") == "A0045")
    }

    @Test func anIndexLeavesOutCardsGivenForTwoAccounts() {
        let index = AccountIndex(accounts: [Self.a, Self.b], cards: ["1111 2222 3333 4444": Self.a, "1111222233334444": Self.b])
        #expect(index.conflicts == ["1111222233334444"])
        #expect(index.account(forCard: "1111222233334444") == nil)
    }
}
