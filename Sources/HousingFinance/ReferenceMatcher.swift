/// Matches a payment's free-text reference to a rent account (DOMAIN.md, "Matching").
///
/// The rules are tried in order, and the first that finds an account decides:
/// 1. **Account reference**: a number in the text that is a valid reference under the scheme
///    (check digit right) and names an existing account.
/// 2. **Payment card**: the payment's own card number, then any number of `cardLengths` digits
///    in the text, issued for an account.
/// 3. **Legacy reference**: the whole text, then each word, then each field, in the legacy
///    normal form (`normalisedLegacyReference`), known from the earlier system.
/// 4. **Near miss**: a number of the reference's length with one wrong digit or two adjacent
///    digits swapped, where exactly one such change gives a valid reference of an existing
///    account. On by default only for schemes with a check digit: without one every change is
///    "valid" and a typing slip would land on a neighbour's account.
///
/// How the text is read (`ReferenceText`): letters upper-cased; MT940 `?NN` subfield markers are
/// breaks; numbers are runs of digits, tried first as written and then joined across single
/// spaces, hyphens and dots (`100-023-453`). Leading zeros follow the scheme: a number with
/// fewer digits than a reference is padded with zeros if at least `scheme.minimumDigits` digits
/// were written, and one with more is read only if the extra digits on the left are zeros.
///
/// Within each step (numbers as written, then joined; or whole text, words, fields) all
/// candidates are tried: one account found matches; two or more different accounts leave the
/// payment unmatched as ambiguous, rather than guess; none goes on to the next step.
///
/// Pure and deterministic: the only questions asked are those of the `AccountLookup` given.
public struct ReferenceMatcher: Sendable {
    /// The council's account reference scheme.
    public let scheme: AccountReferenceScheme
    /// How many digits a payment card number may have (allpay's have 19).
    public let cardLengths: ClosedRange<Int>
    /// Whether the near-miss rule is tried.
    public let allowsNearMiss: Bool

    /// Creates a matcher.
    /// - Parameters:
    ///   - scheme: the council's account reference scheme.
    ///   - cardLengths: how many digits a payment card number may have; 16 to 19 by default.
    ///   - allowsNearMiss: whether to try the near-miss rule; nil means yes if the scheme has a
    ///     check digit, no if not.
    public init(
        scheme: AccountReferenceScheme = .standard, cardLengths: ClosedRange<Int> = 16...19,
        allowsNearMiss: Bool? = nil
    ) {
        self.scheme = scheme
        self.cardLengths = cardLengths
        self.allowsNearMiss = allowsNearMiss ?? scheme.hasCheckDigit
    }

    /// Matches a payment to an account.
    /// - Parameters:
    ///   - reference: the payment's free-text reference as the file gave it.
    ///   - cardNumber: the payment card number, for files that carry one apart from the reference.
    ///   - lookup: answers about the council's accounts.
    /// - Returns: the account and the rule that found it, or why none was chosen.
    public func match(_ reference: String, cardNumber: String? = nil, in lookup: some AccountLookup) -> ReferenceMatch {
        let text = ReferenceText(reference)
        let card = cardNumber.map(Self.normalisedCardNumber) ?? ""
        guard text.hasContent || !card.isEmpty else { return .unmatched(.noReference) }
        let numberTiers = text.numberTiers

        for numbers in numberTiers {
            var found = Found()
            for number in numbers {
                if let canonical = scheme.canonical(number, minimum: scheme.minimumDigits),
                   scheme.isValid(canonical: canonical) {
                    let account = AccountReference(canonical: canonical)
                    if lookup.accountExists(account) { found.add(account) }
                }
            }
            if let decided = found.decision(.accountReference) { return decided }
        }

        if !card.isEmpty, let account = lookup.account(forCard: card) {
            return .matched(account, rule: .paymentCard)
        }
        for numbers in numberTiers {
            var found = Found()
            for number in numbers where cardLengths.contains(number.count) {
                if let account = lookup.account(forCard: String(decoding: number, as: UTF8.self)) { found.add(account) }
            }
            if let decided = found.decision(.paymentCard) { return decided }
        }

        for keys in text.legacyTiers {
            var found = Found()
            for key in keys {
                if let account = lookup.account(forLegacyReference: key) { found.add(account) }
            }
            if let decided = found.decision(.legacyReference) { return decided }
        }

        if allowsNearMiss {
            for numbers in numberTiers {
                var found = Found()
                var original: String?
                for number in numbers {
                    guard let canonical = scheme.canonical(number, minimum: scheme.minimumDigits) else { continue }
                    let zerosAdded = max(0, scheme.length - number.count)
                    let before = found.accounts.count
                    nearMisses(of: canonical, from: zerosAdded, in: lookup) { found.add($0) }
                    if original == nil && found.accounts.count > before {
                        original = String(decoding: canonical, as: UTF8.self)
                    }
                }
                if let original, let decided = found.decision(.nearMiss(original: original)) { return decided }
            }
        }
        return .unmatched(.noAccount)
    }

    /// Calls `body` with each existing account whose reference differs from `canonical` by one
    /// digit, or by a swap of two adjacent digits, at or after position `first` (the digits
    /// written, not the zeros added in front), and has a valid check digit.
    private func nearMisses(
        of canonical: [UInt8], from first: Int, in lookup: some AccountLookup, _ body: (AccountReference) -> Void
    ) {
        var variant = canonical
        func tryVariant() {
            guard scheme.isValid(canonical: variant) else { return }
            let account = AccountReference(canonical: variant)
            if lookup.accountExists(account) { body(account) }
        }
        for position in first..<variant.count {
            let written = variant[position]
            for digit in UInt8(ascii: "0")...UInt8(ascii: "9") where digit != written {
                variant[position] = digit
                tryVariant()
            }
            variant[position] = written
        }
        for position in first..<(variant.count - 1) where variant[position] != variant[position + 1] {
            variant.swapAt(position, position + 1)
            tryVariant()
            variant.swapAt(position, position + 1)
        }
    }

    /// The accounts one step of one rule found, without repeats, in the order found.
    private struct Found {
        var accounts: [AccountReference] = []

        mutating func add(_ account: AccountReference) {
            if !accounts.contains(account) { accounts.append(account) }
        }

        /// A match if exactly one account was found, ambiguity if several, nil (go on) if none.
        func decision(_ rule: MatchRule) -> ReferenceMatch? {
            switch accounts.count {
            case 0: return nil
            case 1: return .matched(accounts[0], rule: rule)
            default: return .unmatched(.ambiguous(rule: rule, accounts: accounts.sorted()))
            }
        }
    }

    /// A card number's normal form: its digits, everything else dropped. `AccountIndex` keys
    /// cards by it; another `AccountLookup` should too.
    public static func normalisedCardNumber(_ number: String) -> String {
        String(decoding: number.utf8.filter(ReferenceText.isDigit), as: UTF8.self)
    }

    /// A legacy reference's normal form: letters upper-cased, everything but ASCII letters and
    /// digits dropped, and if only digits are left, their leading zeros dropped (`HSG/0123-a`
    /// reads `HSG0123A`; `0012345` reads `12345`). `AccountIndex` keys legacy references by it;
    /// another `AccountLookup` should too.
    public static func normalisedLegacyReference(_ reference: String) -> String {
        ReferenceText.legacyKey(reference.utf8) ?? ""
    }
}
