/// How a council's rent account references are formed: how many digits, and which check digit.
///
/// Account references are numeric and have a fixed length. Leading zeros are part of the
/// reference but carry no information: `000123457` and `123457` name the same account. A
/// candidate with fewer digits than the length is padded with zeros on the left; one with more
/// digits is accepted only if the extra digits on the left are all zeros. The canonical form
/// (what `AccountReference.digits` holds and what the store keys accounts by) is always exactly
/// `length` digits. Under the modulus-11 scheme this is safe, because a leading zero adds nothing
/// to the weighted sum: padding never changes whether a check digit is valid.
public struct AccountReferenceScheme: Hashable, Sendable, Codable {
    /// The kind of check digit a reference ends with.
    public enum CheckDigit: String, Hashable, Sendable, Codable {
        /// Modulus 11 (the ISBN-10 rule on a shorter number): the number's digits are weighted, from
        /// the left, `numberLength + 1` down to 2; the check digit is `(11 - sum % 11) % 11`, so
        /// that the weighted sum of the whole reference, the check digit weighted 1, is a multiple
        /// of 11. A number whose check digit would be 10 is never issued. The rule detects every
        /// single wrong digit and every swap of two adjacent digits.
        case modulus11
        /// No check digit: every number of the right length is a valid reference.
        case none
    }

    /// The check digit the references end with.
    public let checkDigit: CheckDigit
    /// Digits in the account number, not counting the check digit (8 for the standard scheme).
    public let numberLength: Int
    /// The fewest digits a number written in a payment's free text must have to be read as an
    /// account reference (with its leading zeros dropped), so that house and flat numbers, amounts
    /// and dates are not mistaken for one. Does not apply to `AccountReference.init(_:scheme:)`.
    public let minimumDigits: Int

    /// Creates a scheme.
    /// - Parameters:
    ///   - checkDigit: the check digit the references end with.
    ///   - numberLength: digits in the account number without the check digit: 1 to 9 for
    ///     modulus 11 (beyond 9 a weight would be 11 and the check would miss errors), 1 to 18 for none.
    ///   - minimumDigits: the fewest digits a reference written in free text may have; from 1 to
    ///     the reference's full length. Nil means the full length less three.
    /// - Throws: `AccountReferenceSchemeError` when a length is out of range.
    public init(checkDigit: CheckDigit, numberLength: Int, minimumDigits: Int? = nil) throws(AccountReferenceSchemeError) {
        let maximum = checkDigit == .modulus11 ? 9 : 18
        guard (1...maximum).contains(numberLength) else {
            throw AccountReferenceSchemeError(
                message: "an account number of \(numberLength) digits is not possible with check digit \(Wording.shortQuote(checkDigit.rawValue)): use 1 to \(maximum) digits")
        }
        let length = numberLength + (checkDigit == .none ? 0 : 1)
        let minimum = minimumDigits ?? max(1, length - 3)
        guard (1...length).contains(minimum) else {
            throw AccountReferenceSchemeError(
                message: "a minimum of \(minimum) digits for references in free text is not possible for references of \(length) digits: use 1 to \(length)")
        }
        self.checkDigit = checkDigit
        self.numberLength = numberLength
        self.minimumDigits = minimum
    }

    private enum CodingKeys: String, CodingKey { case checkDigit, numberLength, minimumDigits }

    /// Decodes `checkDigit` (`modulus11` or `none`), `numberLength` and, optionally,
    /// `minimumDigits`, checked as `init(checkDigit:numberLength:minimumDigits:)` checks them.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            checkDigit: container.decode(CheckDigit.self, forKey: .checkDigit),
            numberLength: container.decode(Int.self, forKey: .numberLength),
            minimumDigits: container.decodeIfPresent(Int.self, forKey: .minimumDigits))
    }

    /// The default: an 8-digit account number and a modulus-11 check digit, 9 digits in all;
    /// references written with 6 digits or more are read from free text.
    public static let standard = try! AccountReferenceScheme(checkDigit: .modulus11, numberLength: 8)

    /// Digits in a full reference, check digit included.
    public var length: Int { numberLength + (checkDigit == .none ? 0 : 1) }

    /// Whether references carry a check digit.
    public var hasCheckDigit: Bool { checkDigit != .none }

    /// The reference for an account number, or nil when the number is out of range (below 1 or
    /// more than `numberLength` digits) or is not issued because its modulus-11 check digit would be 10.
    public func reference(for number: Int) -> AccountReference? {
        guard number >= 1 else { return nil }
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: numberLength)
        var rest = number
        for index in digits.indices.reversed() {
            digits[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        guard rest == 0 else { return nil }
        if checkDigit == .modulus11 {
            let check = (11 - weightedSum(digits, firstWeight: numberLength + 1) % 11) % 11
            guard check < 10 else { return nil }
            digits.append(UInt8(ascii: "0") + UInt8(check))
        }
        return AccountReference(canonical: digits)
    }

    /// Whether a full-length string of ASCII digits is a valid reference under this scheme.
    func isValid(canonical digits: some Collection<UInt8>) -> Bool {
        switch checkDigit {
        case .none: return true
        case .modulus11: return weightedSum(digits, firstWeight: length) % 11 == 0
        }
    }

    /// The canonical reference for ASCII digits as written: padded on the left with zeros to the
    /// full length, or stripped of extra leading zeros. Nil if it is longer than the length once
    /// its leading zeros are dropped, or shorter than `minimum` digits as written.
    func canonical(_ written: some Collection<UInt8>, minimum: Int) -> [UInt8]? {
        let count = written.count
        guard count >= minimum else { return nil }
        if count >= length {
            let excess = written.prefix(count - length)
            guard excess.allSatisfy({ $0 == UInt8(ascii: "0") }) else { return nil }
            return Array(written.dropFirst(count - length))
        }
        return [UInt8](repeating: UInt8(ascii: "0"), count: length - count) + written
    }

    /// The sum of ASCII digits weighted from `firstWeight` on the left down by one per digit.
    private func weightedSum(_ digits: some Collection<UInt8>, firstWeight: Int) -> Int {
        var sum = 0
        var weight = firstWeight
        for digit in digits {
            sum += Int(digit &- UInt8(ascii: "0")) * weight
            weight -= 1
        }
        return sum
    }
}

/// Why an account reference scheme's configuration cannot be used.
public struct AccountReferenceSchemeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong and what to use instead.
    public var message: String
    public var description: String { "account reference scheme: \(message)" }
}
