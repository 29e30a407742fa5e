/// A rent account's reference in canonical form: exactly the scheme's length of ASCII digits,
/// check digit included, leading zeros kept (`AccountReferenceScheme` describes the rules).
///
/// Made by a scheme, which checks the check digit, or decoded from what the hub stored.
public struct AccountReference: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The reference's digits, for example `100023453`.
    public let digits: String

    init(canonical bytes: some Collection<UInt8>) {
        digits = String(decoding: bytes, as: UTF8.self)
    }

    /// The reference for an account number, or nil when the number is out of range or is not
    /// issued (its modulus-11 check digit would be 10). Same as `scheme.reference(for:)`.
    public static func make(_ number: Int, scheme: AccountReferenceScheme = .standard) -> AccountReference? {
        scheme.reference(for: number)
    }

    /// Reads a reference as a person or a file gives it on its own: digits, perhaps with spaces,
    /// hyphens or dots between them (`100-023-453`), leading zeros dropped or added. Nil when
    /// anything else is there, when it has too many significant digits, or when its check
    /// digit is wrong. (To find a reference inside free text, use `ReferenceMatcher`.)
    public init?(_ candidate: some StringProtocol, scheme: AccountReferenceScheme = .standard) {
        var written: [UInt8] = []
        for byte in candidate.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): written.append(byte)
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."): continue
            default: return nil
            }
        }
        guard !written.isEmpty, let canonical = scheme.canonical(written, minimum: 1),
              scheme.isValid(canonical: canonical)
        else { return nil }
        self.init(canonical: canonical)
    }

    public var description: String { digits }

    public static func < (a: AccountReference, b: AccountReference) -> Bool { a.digits < b.digits }

    /// Encodes as its digits.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }

    /// Decodes from its canonical digits (an ASCII digit string), without a scheme; the store
    /// checks references against its scheme when it loads them.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(Wording.shortQuote(text)) is not an account reference: digits only")
        }
        digits = text
    }
}
