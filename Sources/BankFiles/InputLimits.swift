public import Foundation
internal import HousingFinance

/// The largest file, line and field a reader accepts: one value per kind of file, documented in
/// the kind's `Interfaces/inbound/*/README.md`. Beyond a limit the file is refused as `tooLong`
/// (naming the file, the line or element, the field and the maximum) and nothing is posted.
///
/// Line limits are what keep memory flat: a file is read in chunks and refused as soon as a
/// line passes its maximum (`BoundedFile`), so a 50 MB line costs no more memory than a short
/// one. The XML formats are streamed; their texts are limited by `maxLineBytes` too (the
/// longest text of one element) and by libxml2's own 10 MB stop.
public struct InputLimits: Hashable, Sendable {
    /// What the file is, for messages, with its article: `an MT940 statement`.
    public var kind: String
    /// The largest file, in bytes.
    public var maxFileBytes: Int
    /// The longest line (text formats) or element text (XML), in bytes, line break excluded.
    public var maxLineBytes: Int
    /// The longest field, in characters: a CSV field (quoted fields may span lines), an MT940
    /// field over its continuation lines.
    public var maxFieldCharacters: Int

    /// Limits for a kind of file.
    public init(kind: String, maxFileBytes: Int, maxLineBytes: Int, maxFieldCharacters: Int) {
        self.kind = kind
        self.maxFileBytes = maxFileBytes
        self.maxLineBytes = maxLineBytes
        self.maxFieldCharacters = maxFieldCharacters
    }

    /// A mebibyte.
    public static let megabyte = 1 << 20

    /// Any text file read without a kind of its own (tests, tools): 64 MB, lines of 64 KB.
    public static let text = InputLimits(kind: "a text file", maxFileBytes: 64 * megabyte, maxLineBytes: 64 * 1024, maxFieldCharacters: 64 * 1024)

    /// The limits of each payment format (the readers' `limits`).
    public static func of(_ format: PaymentFormat) -> InputLimits {
        switch format {
        case .camt053, .camt054: CamtReader.limits
        case .mt940: MT940Reader.limits
        case .cashFile: CashFileReader.limits
        case .outlet: OutletFileReader.limits
        case .card: CardPaymentsReader.limits
        case .housingBenefit: HousingBenefitReader.limits
        case .arudd: ARUDDReader.limits
        }
    }

    /// The longest value of each field of a `Payment`, whatever the format: what the hub stores
    /// in `payment_entries` and `suspense_items`. The names are as messages give them.
    public static let paymentFields: [(name: String, value: @Sendable (Payment) -> String?, max: Int)] = [
        ("reference", { $0.reference }, 1_000),
        ("details", { $0.details }, 4_000),
        ("bank reference", { $0.bankReference }, 140),
        ("entry reference", { $0.entryReference }, 140),
        ("end-to-end id", { $0.endToEndId }, 140),
        ("payer name", { $0.payerName }, 140),
        ("card number", { $0.cardNumber }, 19),
        ("transaction code", { $0.transactionCode }, 35),
        ("source code", { $0.sourceCode }, 35),
        ("bank transaction code", { $0.bankTransactionCode }, 140),
        ("statement id", { $0.statementId }, 140),
        ("return reason code", { $0.returnReasonCode }, 35),
        ("original reference", { $0.originalReference }, 140),
    ]

    /// Refuses a payment any of whose fields is longer than `paymentFields` allows.
    /// - Throws: `FileReadError` `tooLong` at the payment's position, naming the field.
    public func check(_ payment: Payment, file: String) throws(FileReadError) {
        for field in InputLimits.paymentFields {
            guard let value = field.value(payment), value.count > field.max else { continue }
            throw tooLong(file: file, position: payment.position, field: field.name, value: value, max: field.max)
        }
    }

    /// Refuses a field longer than `max` characters (by default `maxFieldCharacters`).
    /// - Throws: `FileReadError` `tooLong` naming the field.
    public func check(_ value: some StringProtocol, field: String, file: String, position: FilePosition, max: Int? = nil) throws(FileReadError) {
        let max = max ?? maxFieldCharacters
        // Counting bytes first is quick; a value within the limit in bytes is within it in characters.
        guard value.utf8.count > max, value.count > max else { return }
        throw tooLong(file: file, position: position, field: field, value: value, max: max)
    }

    /// The refusal of a value that is too long.
    public func tooLong(file: String, position: FilePosition, field: String, value: some StringProtocol, max: Int) -> FileReadError {
        FileReadError(
            .tooLong, file: file, position: position,
            "the \(field) \(Wording.shortQuote(value)) is longer than the \(Wording.count(max, "character")) \(kind) allows; ask the sender to correct it (the limits are in the interface's README)")
    }

    /// The refusal of a line that is too long (its text is not kept: it may be huge).
    func lineTooLong(file: String, line: Int) -> FileReadError {
        FileReadError(
            .tooLong, file: file, position: FilePosition(line: line),
            "the line is longer than the \(Wording.count(maxLineBytes, "byte")) \(kind) allows (the rest of the file was not read); check that this is the expected file, and ask the sender to correct it")
    }

    /// The refusal of a file that is too large.
    func fileTooLarge(file: String, bytes: Int) -> FileReadError {
        FileReadError(
            .tooLong, file: file, position: FilePosition(),
            "the file is \(Wording.count(bytes, "byte")), more than the \(Wording.count(maxFileBytes, "byte")) \(kind) may be; check that this is the expected file, or split it")
    }
}

/// Reads a file whole within its limits: a file larger than `maxFileBytes` is refused before it
/// is read, and a line longer than `maxLineBytes` as soon as the read reaches it, so memory
/// stays within the file limit however long a line is, and small for a file of one huge line.
public enum BoundedFile {
    /// The size of each read.
    static let chunk = 64 * 1024

    /// Refuses a file larger than `limits.maxFileBytes` without reading it (for the streamed
    /// XML formats).
    /// - Returns: the file's size, if it can be told.
    @discardableResult
    public static func checkSize(url: URL, limits: InputLimits) throws(FileReadError) -> Int? {
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
        if let size, size > limits.maxFileBytes { throw limits.fileTooLarge(file: url.lastPathComponent, bytes: size) }
        return size
    }

    /// Reads a file's bytes.
    /// - Parameters:
    ///   - url: the file.
    ///   - limits: its kind's limits.
    ///   - checkLines: whether to refuse a long line (text formats); XML formats are checked by
    ///     their reader instead.
    /// - Throws: `FileReadError`: `tooLong` (the file or a line), `malformed` (cannot be read).
    public static func read(url: URL, limits: InputLimits, checkLines: Bool = true) throws(FileReadError) -> [UInt8] {
        let name = url.lastPathComponent
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw FileReadError(.malformed, file: name, position: FilePosition(), "cannot read the file: \(error.localizedDescription); check the path and its permissions")
        }
        defer { try? handle.close() }
        let size = try checkSize(url: url, limits: limits)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(size ?? chunk, limits.maxFileBytes))
        var line = 1
        var lineLength = 0
        while true {
            let data: Data
            do {
                data = try handle.read(upToCount: chunk) ?? Data()
            } catch {
                throw FileReadError(.malformed, file: name, position: FilePosition(line: line), "cannot read the file: \(error.localizedDescription)")
            }
            if data.isEmpty { break }
            if bytes.count + data.count > limits.maxFileBytes { throw limits.fileTooLarge(file: name, bytes: bytes.count + data.count) }
            if checkLines {
                for byte in data {
                    if byte == 0x0A {
                        line += 1
                        lineLength = 0
                    } else {
                        lineLength += 1
                        if lineLength > limits.maxLineBytes { throw limits.lineTooLong(file: name, line: line) }
                    }
                }
            }
            bytes.append(contentsOf: data)
        }
        return bytes
    }
}
