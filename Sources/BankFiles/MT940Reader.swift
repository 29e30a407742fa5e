internal import HousingFinance

/// Reads a SWIFT MT940 customer statement file: one or more statements, each checked against its
/// own balances (opening + credits - debits = closing) before the next is read.
///
/// Layout and rules: `Interfaces/inbound/mt940/README.md`. In short:
/// - a statement starts at `:20:`; SWIFT blocks `{1:...}{2:...}{4:` (and the Swedish 7-bit `ä4:`)
///   and their ends `-}` (`-å`) frame messages; other lines before `:20:` are ignored;
/// - `:60F:`/`:60M:` opening balance, `:61:` statement lines each with an optional `:86:`,
///   `:62F:`/`:62M:` closing balance, then optionally `:64:`, `:65:` and a statement-level `:86:`;
/// - a field runs on over the following lines until a line starts with a tag `:NN:`/`:NNa:`;
/// - MT942 interim reports (`:34F:`, `:13D:`, `:90C:`, `:90D:`) are refused as `unsupported`.
///
/// Each `:61:` becomes a `Payment`: credit for `C` and `RD` (reversal of a debit), debit for `D`
/// and `RC`; `reference` is the `:86:` remittance text (subfields `?20`-`?29`, `?60`-`?63`
/// where the text is structured that way) or else its whole text; `details` the whole `:86:`;
/// `bankReference` the bank's reference after `//` unless `NONREF`; `entryReference` the
/// customer reference unless `NONREF`; `bankTransactionCode` the type (`NTRF`).
public struct MT940Reader: Sendable {
    /// The largest MT940 file (64 MB), line (4 KB; SWIFT writes 65 characters) and field (a
    /// tag's content over its continuation lines, 8,000 characters; SWIFT's `:86:` is 6 lines of
    /// 65). Each payment's fields are limited by `InputLimits.paymentFields`.
    public static let limits = InputLimits(kind: "an MT940 statement", maxFileBytes: 64 * InputLimits.megabyte, maxLineBytes: 4096, maxFieldCharacters: 8000)

    /// The file's content.
    public let bytes: [UInt8]
    /// The file's name, for messages.
    public let fileName: String
    /// The currency every balance must be in (`GBP` for the rent collection account); nil reads
    /// any currency (tests of other banks' files).
    public let currency: String?

    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - fileName: the file's name, for messages.
    ///   - currency: the currency the statements must be in; nil accepts any.
    public init(bytes: [UInt8], fileName: String, currency: String? = "GBP") {
        self.bytes = bytes
        self.fileName = fileName
        self.currency = currency
    }

    /// Reads the file, calling `body` for each statement line in file order, and returns the
    /// totals once every statement's balances tie.
    /// - Parameter body: called with each payment; an error it throws stops the read.
    /// - Returns: the totals: statements, credits and debits, the first opening and last closing
    ///   balance, the last closing balance's date, and one check line per statement.
    /// - Throws: `FileReadError` naming the file and line: `malformed` (not MT940, a field out of
    ///   place), `truncated` (a statement without its closing balance), `totalsDoNotTie` (with the
    ///   difference), `invalidValue` (a date that does not exist, three decimals), `unsupported`
    ///   (MT942, another currency); or whatever `body` throws.
    public func read(_ body: (Payment) throws -> Void) throws -> FileTotals {
        let limits = MT940Reader.limits
        let file = try TextFile(bytes: bytes, name: fileName, limits: limits)
        var machine = MT940StatementMachine(file: fileName, currency: currency)
        var field: (tag: String, line: Int, lines: [String])?

        var fieldLength = 0
        /// A continuation line of the open field, within the field's limit.
        func append(_ text: String) throws {
            if fieldLength == 0 { fieldLength = field!.lines.reduce(0) { $0 + $1.utf8.count + 1 } }
            fieldLength += text.utf8.count + 1
            field!.lines.append(text)
            if fieldLength > limits.maxFieldCharacters {
                let joined = field!.lines.joined(separator: "\n")
                try limits.check(joined, field: ":\(field!.tag): field", file: fileName, position: FilePosition(line: field!.line))
            }
        }

        func flushField() throws {
            fieldLength = 0
            guard let open = field else { return }
            field = nil
            if let payment = try machine.field(open.tag, lines: open.lines, line: open.line) {
                try limits.check(payment, file: fileName)
                try body(payment)
            }
        }

        for line in file.lines {
            let text = line.text
            if let start = MT940Reader.messageStart(text) {
                try flushField()
                try machine.messageBoundary(line: line.number, text: text)
                let rest = text[start...]
                guard let tag = MT940Reader.tag(rest) else { continue }
                field = (tag.name, line.number, [String(rest[tag.content...])])
            } else if text.trimmingSpaces == "-", field != nil, machine.isStatementOpen {
                // A bare `-` cannot end a statement before its closing balance: it is text
                // (a wrapped :86: line), as some banks write without SWIFT blocks.
                try append(text)
            } else if MT940Reader.isMessageEnd(text) {
                try flushField()
                try machine.messageBoundary(line: line.number, text: text)
            } else if let tag = MT940Reader.tag(text[...]) {
                try flushField()
                field = (tag.name, line.number, [String(text[tag.content...])])
            } else if text.hasPrefix("{") {
                try flushField()
            } else if field != nil {
                try append(text)
            }
        }
        try flushField()
        return try machine.finish(lastLine: file.lines.last?.number ?? 1)
    }

    /// Where the text block starts on a line that opens a SWIFT message (`{4:`, Swedish `ä4:`).
    static func messageStart(_ text: String) -> String.Index? {
        if let range = text.firstRange(of: "{4:") { return range.upperBound }
        if text.hasPrefix("ä4:") { return text.index(text.startIndex, offsetBy: 3) }
        return nil
    }

    /// A line that ends a SWIFT text block: `-`, `-}...`, or the Swedish 7-bit `-å`.
    static func isMessageEnd(_ text: String) -> Bool {
        let trimmed = text.trimmingSpaces
        return trimmed == "-" || trimmed.hasPrefix("-}") || trimmed.hasPrefix("-å")
    }

    /// A field tag at the start of a line: `:20:`, `:28C:`, `:NS:`; its name and where its content starts.
    static func tag(_ text: Substring) -> (name: String, content: String.Index)? {
        let bytes = text.utf8
        guard bytes.first == UInt8(ascii: ":") else { return nil }
        var index = bytes.index(after: bytes.startIndex)
        var name: [UInt8] = []
        while index < bytes.endIndex, bytes[index] != UInt8(ascii: ":"), name.count < 4 {
            name.append(bytes[index])
            index = bytes.index(after: index)
        }
        guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ":") else { return nil }
        let isDigit = { (b: UInt8) in b >= 48 && b <= 57 }
        let isUpper = { (b: UInt8) in b >= 65 && b <= 90 }
        let numbered = name.count >= 2 && name.count <= 3 && isDigit(name[0]) && isDigit(name[1]) && (name.count == 2 || isUpper(name[2]))
        guard numbered || name == Array("NS".utf8) || name == Array("940".utf8) else { return nil }
        return (String(decoding: name, as: UTF8.self), bytes.index(after: index))
    }
}
