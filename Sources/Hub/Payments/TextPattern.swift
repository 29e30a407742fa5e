import Foundation

/// A settlement signature's pattern (a regular expression, case ignored). Patterns that are only
/// words and `|` alternatives (`PAYPOINT`, `WORLDPAY|CARD ACQUIRER`) are checked as plain
/// substrings, which is what they mean and many times faster than the regex engine on a
/// statement of 200,000 entries; anything else goes to `Regex`.
struct TextPattern {
    private let alternatives: [[UInt8]]?
    private let regex: Regex<AnyRegexOutput>?

    init(_ pattern: String) throws {
        let literal = pattern.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || $0 == " " || $0 == "|" || $0 == "-" || $0 == "/" || $0 == "&"
        }
        if literal {
            alternatives = pattern.uppercased().split(separator: "|").map { Array($0.utf8) }.filter { !$0.isEmpty }
            regex = nil
        } else {
            alternatives = nil
            regex = try Regex(pattern).ignoresCase()
        }
    }

    /// Whether the pattern is found in a text given upper-cased.
    func matches(upper text: String?) -> Bool {
        guard let text, !text.isEmpty else { return false }
        if let alternatives {
            return alternatives.contains { needle in Self.contains(text.utf8, needle) }
        }
        return (try? regex!.firstMatch(in: text)) != nil
    }

    /// Plain byte search (references are short; no locale, no Foundation).
    static func contains(_ haystack: String.UTF8View, _ needle: [UInt8]) -> Bool {
        let bytes = Array(haystack)
        guard bytes.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        while i <= bytes.count - needle.count {
            if bytes[i] == first {
                var j = 1
                while j < needle.count && bytes[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}
