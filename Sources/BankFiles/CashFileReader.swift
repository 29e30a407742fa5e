internal import HousingFinance

/// Reads the fixed-width cash file (`CashFileYYYYMMDD`): one known public layout of a London
/// council's cash payments from PayPoint, Post Office and allpay outlets.
///
/// Layout (`Interfaces/inbound/cash-file/README.md`), 55 characters a line:
///
/// | columns | field | rule |
/// | --- | --- | --- |
/// | 1-10 | rent account | left-aligned; trimmed, it is the payment's `reference` |
/// | 11-30 | payment source | the card number (digits) or the provider's source text |
/// | 31-33 | method | letters or digits, such as `CSH`, `CHQ`, `CRD` |
/// | 34-43 | amount | pounds with a decimal point and exactly two decimals, right-aligned, a leading `-` for a reversal: `    125.50`, `   -125.50` |
/// | 44-53 | date | `dd/MM/yyyy` |
/// | 54-55 | provider | a code in `providerCodes` (`PP`, `PO`, `AP` by default) |
///
/// Control totals: the public layout has no trailer, so the control is the count and net sum
/// of the lines read (returned in `FileTotals`), the file's name, which must carry a real date,
/// and each line's shape. A provider may add one optional trailer as the last line:
/// `TRL`, the count in columns 4-13 and the net total in columns 14-26 (same amount rule),
/// which must then tie. A day without payments is sent as the trailer alone.
public struct CashFileReader: Sendable {
    /// The default transaction codes by provider code: `PP` PayPoint -> `RPY`, `PO` Post Office
    /// -> `RBR`, `AP` allpay -> `RPY` (allpay's payments are taken at PayPoint and Post Office
    /// counters; there is no allpay code among the hub's defaults, so change this if the ledger
    /// wants one).
    public static let defaultProviderCodes: [String: String] = ["PP": "RPY", "PO": "RBR", "AP": "RPY"]

    /// The width of a payment line.
    public static let lineWidth = 55

    /// The largest cash file (64 MB) and line (1 KB: a longer line is not read at all; one of
    /// 56 to 1,024 characters is refused as the wrong width). Fields are fixed-width.
    public static let limits = InputLimits(kind: "a cash file", maxFileBytes: 64 * InputLimits.megabyte, maxLineBytes: 1024, maxFieldCharacters: lineWidth)

    /// The file's content.
    public let bytes: [UInt8]
    /// The file's name: `CashFileYYYYMMDD`, optionally with an extension (`.txt`).
    public let fileName: String
    /// The provider codes the file may use, each with the transaction code to suggest.
    public let providerCodes: [String: String]

    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - fileName: the file's name, `CashFileYYYYMMDD` (an extension is allowed).
    ///   - providerCodes: provider code -> transaction code; unknown codes are refused.
    public init(bytes: [UInt8], fileName: String, providerCodes: [String: String] = CashFileReader.defaultProviderCodes) {
        self.bytes = bytes
        self.fileName = fileName
        self.providerCodes = providerCodes
    }

    /// The date in a name `CashFileYYYYMMDD[.ext]`: nil if the name is not so shaped, and
    /// `.invalid` if it is but the date does not exist.
    static func nameDate(_ name: String) -> NameDate {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        guard base.hasPrefix("CashFile") else { return .notCashFile }
        let rest = base.dropFirst("CashFile".count)
        let digits = rest.prefix(8)
        guard digits.count == 8, digits.allSatisfy(\.isASCIIDigit), rest.dropFirst(8).isEmpty || rest.dropFirst(8).first == "." else {
            return .notCashFile
        }
        return Day(compact: digits).map(NameDate.day) ?? .invalid(String(digits))
    }

    enum NameDate: Equatable {
        case notCashFile
        case invalid(String)
        case day(Day)
    }

    /// Reads the file, calling `body` for each payment line in file order, and returns the totals
    /// once the whole file is read and, with a trailer, tied to it.
    /// - Throws: `FileReadError` naming the file and line: `malformed` (a line of the wrong
    ///   width or shape, a bad file name), `truncated` (the last line cut short, an empty file),
    ///   `invalidValue` (a date that does not exist or lies after the file's date, three
    ///   decimals, a zero amount, an unknown provider), `totalsDoNotTie` (the trailer); or
    ///   whatever `body` throws.
    public func read(_ body: (Payment) throws -> Void) throws -> FileTotals {
        let start = FilePosition()
        let fileDay: Day
        switch CashFileReader.nameDate(fileName) {
        case .notCashFile:
            throw FileReadError(.malformed, file: fileName, position: start, "a cash file must be named CashFileYYYYMMDD (its business date); rename it or check that it is a cash file")
        case .invalid(let digits):
            throw FileReadError(.invalidValue, file: fileName, position: start, "the date \(digits) in the file's name is not a date that exists; the provider must resend it under its right name")
        case .day(let day):
            fileDay = day
        }
        let file = try TextFile(bytes: bytes, name: fileName, limits: CashFileReader.limits)
        var lines = file.lines[...]
        while let last = lines.last, last.text.trimmingSpaces.isEmpty { lines = lines.dropLast() }
        guard let lastLine = lines.last else {
            throw FileReadError(.truncated, file: fileName, position: start, "the file is empty; a day without payments is sent as a trailer line alone (TRL), so ask the provider for the file again")
        }
        var totals = FileTotals(format: .cashFile)
        totals.fileDate = fileDay
        var net = Money.zero
        var trailer: (count: Int, total: Money, line: Int)?
        for line in lines {
            let context = LineContext(file: fileName, line: line.number)
            if line.text.hasPrefix("TRL") {
                guard line.number == lastLine.number else {
                    throw context.error(.malformed, "a trailer line (TRL) stands before the end of the file; the trailer must be the last line")
                }
                trailer = try CashFileReader.trailer(line.text, context)
                continue
            }
            let characters = Array(line.text)
            guard characters.count == CashFileReader.lineWidth else {
                if line.number == lastLine.number && !file.endsWithLineBreak && characters.count < CashFileReader.lineWidth {
                    throw context.error(.truncated, "the last line is \(characters.count) characters, not \(CashFileReader.lineWidth), and has no line break: the file was cut off; ask the provider to send it again")
                }
                throw context.error(.malformed, "the line is \(characters.count) characters; a cash-file line is exactly \(CashFileReader.lineWidth) (trailing spaces included)")
            }
            let payment = try self.payment(characters, on: fileDay, context)
            try CashFileReader.limits.check(payment, file: fileName)
            net += payment.direction == .credit ? payment.amount : -payment.amount
            totals.add(payment)
            try body(payment)
        }
        let sum = "\(Wording.count(totals.recordCount, "line")), net \(net.formatted)"
        if let trailer {
            guard trailer.count == totals.recordCount, trailer.total == net else {
                throw LineContext(file: fileName, line: trailer.line).error(
                    .totalsDoNotTie, "the trailer says \(trailer.count) lines totalling \(trailer.total.formatted), but the file holds \(totals.recordCount) lines totalling \(net.formatted), a difference of \((trailer.total - net).formatted); ask the provider to resend the file")
            }
            totals.checks.append("trailer: \(sum), as the trailer says")
        } else {
            totals.checks.append("no trailer (the public layout has none): \(sum) read")
        }
        return totals
    }

    private func payment(_ characters: [Character], on fileDay: Day, _ context: LineContext) throws(FileReadError) -> Payment {
        func columns(_ from: Int, _ to: Int) -> String { String(characters[(from - 1)..<to]) }
        let account = columns(1, 10).trimmingSpaces
        let source = columns(11, 30).trimmingSpaces
        let method = columns(31, 33).trimmingSpaces
        let provider = columns(54, 55)
        guard !method.isEmpty, method.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw context.error(.malformed, "the method (columns 31-33) \(Wording.shortQuote(columns(31, 33))) is not a method code")
        }
        let signed = try context.strictAmount(columns(34, 43), field: "amount (columns 34-43)", signed: true)
        guard signed != .zero else {
            throw context.error(.invalidValue, "the amount (columns 34-43) is zero; a cash-file line records money taken or reversed")
        }
        let date = try context.day(columns(44, 53), field: "date (columns 44-53)", layout: .uk)
        guard date <= fileDay else {
            throw context.error(.invalidValue, "the date \(date.ukFormat) is after the file's date \(fileDay.ukFormat); a cash file reports payments already taken")
        }
        guard let code = providerCodes[provider] else {
            let known = providerCodes.keys.sorted().joined(separator: ", ")
            throw context.error(.invalidValue, "the provider code (columns 54-55) \(Wording.shortQuote(provider)) is not one the hub knows (\(known)); add it to the provider codes or correct the file")
        }
        var payment = Payment(
            position: FilePosition(line: context.line), amount: signed < .zero ? -signed : signed,
            direction: signed < .zero ? .debit : .credit, bookingDate: date, reference: String(account))
        payment.valueDate = date
        if !source.isEmpty {
            payment.details = String(source)
            if source.allSatisfy(\.isASCIIDigit) { payment.cardNumber = String(source) }
        }
        payment.bankTransactionCode = String(method)
        payment.sourceCode = provider
        payment.transactionCode = code
        return payment
    }

    private static func trailer(_ text: String, _ context: LineContext) throws(FileReadError) -> (count: Int, total: Money, line: Int) {
        let characters = Array(text)
        guard characters.count == 26 else {
            throw context.error(.malformed, "the trailer is \(characters.count) characters; it is TRL, the count in columns 4-13 and the net total in columns 14-26")
        }
        let count = try context.count(String(characters[3..<13]), field: "trailer count (columns 4-13)")
        let total = try context.strictAmount(String(characters[13..<26]), field: "trailer total (columns 14-26)", signed: true)
        return (count, total, context.line)
    }
}
