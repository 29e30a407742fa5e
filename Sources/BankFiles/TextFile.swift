/// A text file's bytes decoded and split into numbered lines, surviving what real bank and
/// provider files do: LF, CRLF and lone trailing CRs mixed, no final newline, a UTF-8
/// byte-order mark, SOH/ETX bytes around SWIFT messages, 0x1A (DOS end-of-file) bytes at the end
/// or between concatenated files, and ISO-8859-1 or Windows-1252 text.
///
/// Decoding: the bytes are read as UTF-8 when they are valid UTF-8, else as Windows-1252 (a
/// superset of ISO-8859-1's printable characters; the five bytes Windows-1252 leaves undefined
/// read as their ISO-8859-1 control characters). Any other control byte (NUL, BEL, ESC...) means
/// the file is not text: it is refused as `malformed`, naming the line.
public struct TextFile: Sendable {
    /// How the bytes were decoded.
    public enum Encoding: String, Sendable {
        /// Valid UTF-8 (with or without a byte-order mark; plain ASCII is UTF-8).
        case utf8
        /// Not valid UTF-8: read as Windows-1252 / ISO-8859-1.
        case windows1252
    }

    /// One line of the file, without its line break.
    public struct Line: Hashable, Sendable {
        /// The 1-based line number, as an editor shows it.
        public var number: Int
        /// The line's text without the line break and without trailing carriage returns.
        public var text: String

        /// A line with its number and text.
        public init(number: Int, text: String) {
            self.number = number
            self.text = text
        }
    }

    /// The file's name as given.
    public let name: String
    /// How the bytes were decoded.
    public let encoding: Encoding
    /// The lines in file order. A final line break does not make an extra empty line; an empty
    /// file has no lines.
    public let lines: [Line]
    /// Whether the last line ended with a line break. A fixed-width or CSV line cut short with
    /// no line break after it is how a truncated delivery shows.
    public let endsWithLineBreak: Bool

    /// Decodes and splits a file.
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - name: the file's name, for error messages.
    ///   - limits: the largest file and line of its kind (`InputLimits.text` by default).
    /// - Throws: `FileReadError`: `malformed` if the file holds a control byte that no text file
    ///   has (NUL and the like), naming the line; `unsupported` for UTF-16 text (a byte-order
    ///   mark `FF FE` or `FE FF`); `tooLong` for a file or a line beyond `limits`, refused as
    ///   soon as the line passes its maximum.
    public init(bytes: [UInt8], name: String, limits: InputLimits = .text) throws(FileReadError) {
        self.name = name
        if bytes.count > limits.maxFileBytes { throw limits.fileTooLarge(file: name, bytes: bytes.count) }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw FileReadError(
                .unsupported, file: name, position: FilePosition(line: 1),
                "the file is UTF-16 text; the hub reads UTF-8 or Windows-1252 (ISO-8859-1): ask for it in one of those, or save it as UTF-8")
        }
        var content = bytes[...]
        if content.starts(with: [0xEF, 0xBB, 0xBF]) { content = content.dropFirst(3) }
        let isUTF8 = String(validating: content, as: UTF8.self) != nil
        encoding = isUTF8 ? .utf8 : .windows1252

        var lines: [Line] = []
        var current: [UInt8] = []
        var number = 1
        var length = 0
        func finishLine() {
            while current.last == 0x0D { current.removeLast() }
            let text = isUTF8 ? String(decoding: current, as: UTF8.self) : TextFile.windows1252(current)
            lines.append(Line(number: number, text: text))
            current.removeAll(keepingCapacity: true)
            number += 1
            length = 0
        }
        for byte in content {
            // Every byte but the line feed counts, as `BoundedFile` counts them.
            if byte != 0x0A {
                length += 1
                if length > limits.maxLineBytes { throw limits.lineTooLong(file: name, line: number) }
            }
            switch byte {
            case 0x0A:
                finishLine()
            case 0x01, 0x03, 0x1A:
                // SOH and ETX frame SWIFT messages; SUB (0x1A) is DOS's end of file.
                continue
            case 0x09, 0x0D:
                current.append(byte)
            case 0x00..<0x20, 0x7F:
                throw FileReadError(
                    .malformed, file: name, position: FilePosition(line: number),
                    "the file holds the control byte 0x\(String(byte, radix: 16, uppercase: true)), so it is not a text file; check that the right file was delivered")
            default:
                current.append(byte)
            }
        }
        endsWithLineBreak = current.isEmpty
        if !current.isEmpty { finishLine() }
        self.lines = lines
    }

    /// Windows-1252 code points for bytes 0x80-0x9F; 0 where the code page leaves a byte undefined.
    private static let high: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]

    private static func windows1252(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            var value = UInt32(byte)
            if (0x80...0x9F).contains(byte), high[Int(byte - 0x80)] != 0 { value = high[Int(byte - 0x80)] }
            scalars.append(Unicode.Scalar(value)!)
        }
        return String(scalars)
    }
}
