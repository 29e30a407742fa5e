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
}
