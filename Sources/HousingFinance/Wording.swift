/// How the hub words numbers, counts and hashes in text, the same in every command, report and
/// reader's check (with `Money.formatted` for amounts).
public enum Wording {
    /// A count with its noun, singular or plural as the number needs, with thousands commas:
    /// `1 entry`, `2 entries`, `12,000 charges`, `0 files`.
    /// - Parameters:
    ///   - count: how many.
    ///   - singular: the noun for one (`entry`, `account`, `run`).
    ///   - plural: the noun for any other number, when the usual English rule gets it wrong
    ///     (`person` -> `people`); by default `Wording.plural(singular)`.
    public static func count(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
        number(count) + " " + (count == 1 ? singular : plural ?? Wording.plural(singular))
    }

    /// A noun's plural by the usual English rules: `entry` -> `entries`, `batch` -> `batches`,
    /// `day` -> `days`, `file` -> `files`. The last word of a phrase is the one made plural.
    public static func plural(_ singular: String) -> String {
        let lower = singular.lowercased()
        if lower.hasSuffix("y"), let before = lower.dropLast().last, !"aeiou".contains(before) {
            return String(singular.dropLast()) + "ies"
        }
        if ["s", "x", "z", "ch", "sh"].contains(where: { lower.hasSuffix($0) }) { return singular + "es" }
        return singular + "s"
    }

    /// A whole number with thousands commas: `1234567` -> `1,234,567`.
    public static func number(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// A content hash as lists show it: its first 12 hex characters.
    public static func shortHash(_ hex: String) -> String { String(hex.prefix(12)) }

    /// The longest piece of a value any message or stored error quotes, in characters.
    public static let quoteLimit = 40

    /// A value quoted for a message: in single quotes, and when it is longer than `limit`
    /// characters only its first `limit`, an ellipsis and its length:
    /// `'100023450'`, `'AAAAAAAAAA…' (52,428,800 characters)`. Every message and stored error
    /// that repeats a value from a file, a parameter or a setting quotes it with this, so that a
    /// hostile 50 MB value gives a short message. Line breaks and other control characters in
    /// the piece shown are written as `\n`, `\t` or `\u{..}`, so the quote stays on one line.
    public static func shortQuote(_ value: some StringProtocol, limit: Int = quoteLimit) -> String {
        let (shown, truncated) = shortened(value, limit: limit)
        guard truncated else { return "'\(shown)'" }
        return "'\(shown)…' (\(Wording.count(value.count, "character")))"
    }

    /// The first `limit` characters of a value, control characters written out as `shortQuote`
    /// writes them, and whether the value was longer: what a stored problem keeps of a value.
    public static func shortened(_ value: some StringProtocol, limit: Int = quoteLimit) -> (text: String, truncated: Bool) {
        var shown = ""
        var count = 0
        var truncated = false
        for character in value {
            if count == limit {
                truncated = true
                break
            }
            count += 1
            switch character {
            case "\n", "\r\n": shown += "\\n"
            case "\r": shown += "\\r"
            case "\t": shown += "\\t"
            default:
                if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
                   scalar.value < 0x20 || scalar.value == 0x7F {
                    shown += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                } else {
                    shown.append(character)
                }
            }
        }
        return (shown, truncated)
    }
}
