/// A payment's free-text reference read once, byte by byte, into the pieces the matching rules
/// try. ASCII only: other bytes (a `£`, accented letters) count as punctuation.
///
/// - ASCII letters are upper-cased.
/// - An MT940 `?NN` subfield marker (`?` and two digits) is a field break, so `?20100023453`
///   reads as `100023453`.
/// - A *number* is a maximal run of digits (`RENT 100023453 FLAT 3` has `100023453` and `3`).
/// - A *joined number* is two or more numbers separated each by exactly one space, hyphen or dot,
///   read as one (`REF:100-023-453` gives `100023453`; `6335 8700 1234 5678 901` a card number).
/// - *Words* are split by white space and field breaks; *fields* by any byte that is not a
///   letter or digit (`/ROC/HSG0123A` has the field `HSG0123A`).
struct ReferenceText {
    private var bytes: [UInt8]
    private var runs: [Range<Int>] = []
    private var chains: [Range<Int>] = []

    private static let fieldBreak: UInt8 = 0x1F

    init(_ text: String) {
        bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") {
                bytes[index] = byte - 32
            } else if byte == UInt8(ascii: "?"), index + 2 < bytes.count,
                      Self.isDigit(bytes[index + 1]), Self.isDigit(bytes[index + 2]) {
                bytes[index] = Self.fieldBreak
                bytes[index + 1] = Self.fieldBreak
                bytes[index + 2] = Self.fieldBreak
                index += 2
            }
            index += 1
        }
        index = 0
        while index < bytes.count {
            guard Self.isDigit(bytes[index]) else {
                index += 1
                continue
            }
            let start = index
            while index < bytes.count && Self.isDigit(bytes[index]) { index += 1 }
            runs.append(start..<index)
        }
        var first = 0
        for next in runs.indices.dropFirst() + [runs.count] {
            let joined = next < runs.count && runs[next].lowerBound == runs[next - 1].upperBound + 1
                && Self.isJoiner(bytes[runs[next - 1].upperBound])
            if !joined {
                if next - first >= 2 { chains.append(first..<next) }
                first = next
            }
        }
    }

    /// Whether the text has any letter or digit.
    var hasContent: Bool { bytes.contains(where: Self.isAlphanumeric) }

    /// Numbers, then joined numbers: the two tiers a number-based rule tries in turn.
    var numberTiers: [[ArraySlice<UInt8>]] {
        let numbers = runs.map { bytes[$0] }
        let joined = chains.map { chain in ArraySlice(runs[chain].flatMap { bytes[$0] }) }
        return [numbers, joined]
    }

    /// Legacy reference candidates in three tiers: the whole text, then its words, then its
    /// fields; each in the legacy normal form, empty ones left out.
    var legacyTiers: [[String]] {
        func split(_ isBreak: (UInt8) -> Bool) -> [String] {
            bytes.split(whereSeparator: isBreak).compactMap(Self.legacyKey)
        }
        return [
            Self.legacyKey(bytes).map { [$0] } ?? [],
            split { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r")
                || $0 == UInt8(ascii: "\n") || $0 == Self.fieldBreak },
            split { !Self.isAlphanumeric($0) },
        ]
    }

    /// The legacy normal form: letters upper-cased, everything but ASCII letters and digits
    /// dropped, and, if only digits are left, their leading zeros dropped (`0012345` and
    /// `12345` are the same number). Nil if nothing is left.
    static func legacyKey(_ text: some Collection<UInt8>) -> String? {
        var key: [UInt8] = []
        key.reserveCapacity(text.count)
        for byte in text {
            if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") {
                key.append(byte - 32)
            } else if isAlphanumeric(byte) {
                key.append(byte)
            }
        }
        if key.allSatisfy(isDigit), let firstSignificant = key.firstIndex(where: { $0 != UInt8(ascii: "0") }) {
            key.removeFirst(firstSignificant)
        } else if !key.isEmpty && key.allSatisfy({ $0 == UInt8(ascii: "0") }) {
            key = [UInt8(ascii: "0")]
        }
        return key.isEmpty ? nil : String(decoding: key, as: UTF8.self)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    private static func isJoiner(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }
}
