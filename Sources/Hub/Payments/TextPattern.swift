import Foundation

/// A settlement signature's pattern (a regular expression, case ignored). Patterns that are only
/// words and `|` alternatives (`PAYPOINT`, `WORLDPAY|CARD ACQUIRER`) are checked as plain
/// substrings, which is what they mean and many times faster than the regex engine on a
/// statement of 200,000 entries; anything else goes to `Regex`.
struct TextPattern {
    private let alternatives: [String]?
    private let regex: Regex<AnyRegexOutput>?

    init(_ pattern: String) throws {
        let literal = pattern.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || $0 == " " || $0 == "|" || $0 == "-" || $0 == "/" || $0 == "&"
        }
        if literal {
            alternatives = pattern.uppercased().split(separator: "|").map(String.init).filter { !$0.isEmpty }
            regex = nil
        } else {
            alternatives = nil
            regex = try Regex(pattern).ignoresCase()
        }
    }

    /// Whether the pattern is found in a text given upper-cased.
    func matches(upper text: String?) -> Bool {
        guard let text, !text.isEmpty else { return false }
        if let alternatives { return alternatives.contains { text.contains($0) } }
        return (try? regex!.firstMatch(in: text)) != nil
    }
}
