/// An amount of money in integer pence. Never floating point.
///
/// Positive and negative amounts are both allowed; what a sign means (a debit or a credit)
/// is the business of whoever holds the value.
public struct Money: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The amount in pence.
    public var pence: Int64

    /// Creates an amount from pence.
    public init(pence: Int64) { self.pence = pence }

    /// Zero pence.
    public static let zero = Money(pence: 0)

    public static func < (a: Money, b: Money) -> Bool { a.pence < b.pence }
    public static func + (a: Money, b: Money) -> Money { Money(pence: a.pence + b.pence) }
    public static func - (a: Money, b: Money) -> Money { Money(pence: a.pence - b.pence) }
    public static prefix func - (a: Money) -> Money { Money(pence: -a.pence) }
    public static func += (a: inout Money, b: Money) { a.pence += b.pence }
    public static func -= (a: inout Money, b: Money) { a.pence -= b.pence }

    /// The amount as pounds and pence with a sign and no currency symbol or grouping: `1234.56`, `-0.05`.
    public var plain: String {
        let negative = pence < 0
        let magnitude = pence.magnitude
        let pounds = magnitude / 100
        let rest = magnitude % 100
        return (negative ? "-" : "") + String(pounds) + "." + (rest < 10 ? "0" : "") + String(rest)
    }

    /// The amount as people read it, in every text the hub prints (reports, lists, statements):
    /// `£1,234.56`, `-£0.05` (a credit on a rent account, money out). File formats use `plain`.
    public var formatted: String {
        let negative = pence < 0
        let magnitude = pence.magnitude
        let pounds = String(magnitude / 100)
        var grouped = ""
        for (index, character) in pounds.enumerated() {
            if index > 0 && (pounds.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        let rest = magnitude % 100
        return (negative ? "-" : "") + "£" + grouped + "." + (rest < 10 ? "0" : "") + String(rest)
    }

    public var description: String { formatted }

    /// Encodes as a JSON integer of pence (the hub's JSON style: a key ending `_pence`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(pence)
    }

    /// Decodes an integer of pence, or the older form `{"pence": N}`.
    public init(from decoder: any Decoder) throws {
        if let container = try? decoder.singleValueContainer(), let pence = try? container.decode(Int64.self) {
            self.pence = pence
            return
        }
        let keyed = try decoder.container(keyedBy: CodingKeys.self)
        self.pence = try keyed.decode(Int64.self, forKey: .pence)
    }

    private enum CodingKeys: String, CodingKey { case pence }

    /// Rounds `numerator / denominator` pence to the nearest penny, halves away from zero
    /// (round-half-up on magnitudes), exactly, in integers.
    /// - Parameters:
    ///   - numerator: the amount in pence times some factor (for example weekly pence × days).
    ///   - denominator: the divisor, greater than zero (for example 7).
    public static func roundHalfUp(_ numerator: Int64, dividedBy denominator: Int64) -> Money {
        precondition(denominator > 0, "denominator must be positive")
        let magnitude = (numerator.magnitude * 2 + denominator.magnitude) / (denominator.magnitude * 2)
        return Money(pence: numerator < 0 ? -Int64(magnitude) : Int64(magnitude))
    }
}

/// Why a text could not be read as an amount of money.
public struct MoneyParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text as given.
    public var text: String
    /// What was wrong with it.
    public var reason: String
    public var description: String { "\(Wording.shortQuote(text)) is not an amount of money: \(reason)" }
}

extension Money {
    /// How strictly decimals are read.
    public enum DecimalRule: Sendable {
        /// At most two decimals: `12.345` is refused.
        case pence
        /// More than two decimals are accepted only when the extra digits are zeros (`12.34000`),
        /// as some banks write them; `12.345` is still refused.
        case trailingZerosAllowed
    }

    /// Reads an amount written as people and files write it: an optional sign (`-` or `+`, before
    /// or after a `£`), digits with optional thousands commas in the right places, and an optional
    /// decimal point with up to two decimals. `£1,234.56`, `-0.05`, `1234`, `-£12.5`.
    /// - Parameters:
    ///   - text: the text to read; surrounding spaces are ignored.
    ///   - decimals: how many decimals are accepted.
    ///   - decimalSeparator: `.` by default; some bank formats use `,` (MT940).
    /// - Throws: `MoneyParseError` naming the text and what was wrong.
    public init(parsing text: String, decimals: DecimalRule = .pence, decimalSeparator: Character = ".") throws {
        func fail(_ reason: String) -> MoneyParseError { MoneyParseError(text: text, reason: reason) }
        var chars = Substring(text.trimmingSpaces)
        if chars.isEmpty { throw fail("it is empty") }
        var negative = false
        var sawSign = false
        func takeSign() {
            if let c = chars.first, c == "-" || c == "+" {
                negative = c == "-"
                sawSign = true
                chars = chars.dropFirst()
            }
        }
        takeSign()
        if chars.first == "£" {
            chars = chars.dropFirst()
            if !sawSign { takeSign() }
        }
        let parts = chars.split(separator: decimalSeparator, maxSplits: 2, omittingEmptySubsequences: false)
        if parts.count > 2 { throw fail("it has more than one decimal point") }
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        if whole.isEmpty { throw fail("there are no digits before the decimal point") }
        if parts.count == 2 && fraction.isEmpty { throw fail("there are no digits after the decimal point") }
        let groupSeparator: Character = decimalSeparator == "." ? "," : "."
        var digits = ""
        if whole.contains(groupSeparator) {
            let groups = whole.split(separator: groupSeparator, omittingEmptySubsequences: false)
            for (index, group) in groups.enumerated() {
                let ok = index == 0 ? (1...3).contains(group.count) : group.count == 3
                if !ok { throw fail("its thousands separators are misplaced") }
                digits += group
            }
        } else {
            digits = String(whole)
        }
        guard digits.allSatisfy(\.isASCIIDigit) else { throw fail("it has characters that are not digits") }
        guard fraction.allSatisfy(\.isASCIIDigit) else { throw fail("its decimals are not digits") }
        var decimalsText = String(fraction)
        if decimalsText.count > 2 {
            let extra = decimalsText.dropFirst(2)
            if decimals == .pence || extra.contains(where: { $0 != "0" }) {
                throw fail("it has more than two decimals (\(decimalsText.count)); amounts are in pounds with at most two decimals (whole pence)")
            }
            decimalsText = String(decimalsText.prefix(2))
        }
        while decimalsText.count < 2 { decimalsText += "0" }
        let trimmed = digits.drop(while: { $0 == "0" })
        if trimmed.count > 15 { throw fail("it is too large") }
        guard let pounds = Int64(trimmed.isEmpty ? "0" : String(trimmed)), let pennies = Int64(decimalsText) else {
            throw fail("it is not a number")
        }
        let total = pounds * 100 + pennies
        self.pence = negative ? -total : total
    }
}

extension Character {
    /// `0` to `9` only (not other scripts' digits).
    @inlinable public var isASCIIDigit: Bool { self >= "0" && self <= "9" && isASCII }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, carriage returns and newlines.
    public var trimmingSpaces: SubSequence {
        // "\r\n" is one Character (a grapheme cluster), equal to neither "\r" nor "\n".
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return self[endIndex...] }
        let end = lastIndex(where: { !isSpace($0) })!
        return self[start...end]
    }
}
