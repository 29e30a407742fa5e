internal import HousingFinance

/// Reads an outlet file: cash paid with a swipe card at PayPoint, Post Office or allpay counters,
/// as CSV with a header and a trailer.
///
/// Layout (`Interfaces/inbound/outlet/README.md`):
/// - header, exactly: `TRANSACTION_ID,DATE,TIME,CARD_NUMBER,AMOUNT,OUTLET_ID,PROVIDER`;
/// - one line per payment: the provider's unique transaction id, `dd/MM/yyyy`, `HH:mm:ss`, the
///   card number (16 to 19 digits; allpay's is 19), pounds with exactly two decimals (a leading
///   `-` for a reversal), the outlet id, and `PAYPOINT`, `POST OFFICE` or `ALLPAY`;
/// - trailer, last: `TRAILER,<count of payment lines>,<net total, two decimals>`.
///
/// The trailer must be there (else `truncated`) and tie to the penny (else `totalsDoNotTie`,
/// naming both figures). Each payment's `reference` and `cardNumber` are the card number (the
/// matcher maps cards to rent accounts), `bankReference` the transaction id, `sourceCode` the
/// provider, `transactionCode` `RPY` (PayPoint, allpay) or `RBR` (Post Office).
public struct OutletFileReader: Sendable {
    /// The header line, exactly.
    public static let header = ["TRANSACTION_ID", "DATE", "TIME", "CARD_NUMBER", "AMOUNT", "OUTLET_ID", "PROVIDER"]
    /// The providers and the transaction code each suggests.
    public static let providers: [String: String] = ["PAYPOINT": "RPY", "POST OFFICE": "RBR", "ALLPAY": "RPY"]

    /// The largest outlet file (64 MB), line (4 KB) and field (200 characters).
    public static let limits = InputLimits(kind: "an outlet file", maxFileBytes: 64 * InputLimits.megabyte, maxLineBytes: 4096, maxFieldCharacters: 200)

    /// The file's content.
    public let bytes: [UInt8]
    /// The file's name, for messages.
    public let fileName: String

    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - fileName: the file's name, for messages.
    public init(bytes: [UInt8], fileName: String) {
        self.bytes = bytes
        self.fileName = fileName
    }

    /// Reads the file, calling `body` for each payment line in file order, and returns the totals
    /// once the trailer ties.
    /// - Throws: `FileReadError` naming the file and line: `malformed` (wrong header, wrong
    ///   number of fields, a repeated transaction id, text after the trailer), `truncated` (no
    ///   trailer), `invalidValue` (a date or time that does not exist, three decimals, a zero
    ///   amount, a card number that is not 16-19 digits, an unknown provider), `totalsDoNotTie`;
    ///   or whatever `body` throws.
    public func read(_ body: (Payment) throws -> Void) throws -> FileTotals {
        let limits = OutletFileReader.limits
        let records = try CSVRecords(TextFile(bytes: bytes, name: fileName, limits: limits), limits: limits).records
        guard let first = records.first else {
            throw FileReadError(.truncated, file: fileName, position: FilePosition(), "the file is empty; ask the provider to send it again")
        }
        let columns = first.fields.map { $0.trimmingSpaces.uppercased() }
        guard columns == OutletFileReader.header else {
            throw LineContext(file: fileName, line: first.line).error(
                .malformed, "the header is \(Wording.shortQuote(first.fields.joined(separator: ","))); an outlet file starts with \(OutletFileReader.header.joined(separator: ","))")
        }
        var totals = FileTotals(format: .outlet)
        var net = Money.zero
        var seen: [String: Int] = [:]
        for (index, record) in records.enumerated().dropFirst() {
            let context = LineContext(file: fileName, line: record.line)
            if record.fields.first?.trimmingSpaces.uppercased() == "TRAILER" {
                guard index == records.count - 1 else {
                    throw LineContext(file: fileName, line: records[index + 1].line).error(.malformed, "this line follows the trailer (line \(record.line)); the trailer must be the last line")
                }
                guard record.fields.count == 3 else {
                    throw context.error(.malformed, "the trailer has \(record.fields.count) fields; it is TRAILER,<count>,<total>")
                }
                let count = try context.count(record.fields[1], field: "trailer count")
                let total = try context.strictAmount(record.fields[2], field: "trailer total", signed: true)
                guard count == totals.recordCount, total == net else {
                    throw context.error(
                        .totalsDoNotTie, "the trailer says \(count) payments totalling \(total.formatted), but the file holds \(totals.recordCount) totalling \(net.formatted); ask the provider to resend the file")
                }
                totals.checks.append("trailer: \(Wording.count(count, "payment")), net \(total.formatted), as read")
                return totals
            }
            guard record.fields.count == OutletFileReader.header.count else {
                if record.isUnterminatedLast && record.fields.count < OutletFileReader.header.count {
                    throw context.error(.truncated, "the last line has \(record.fields.count) of \(OutletFileReader.header.count) fields and no trailer follows: the file was cut off; ask the provider to send it again")
                }
                throw context.error(.malformed, "the line has \(record.fields.count) fields; a payment line has \(OutletFileReader.header.count): \(OutletFileReader.header.joined(separator: ","))")
            }
            let payment = try self.payment(record.fields, context)
            try limits.check(payment, file: fileName)
            if let earlier = seen[payment.bankReference!] {
                throw context.error(.malformed, "the transaction id \(payment.bankReference!) was already used on line \(earlier); each payment has its own id, so the file is corrupt")
            }
            seen[payment.bankReference!] = record.line
            net += payment.direction == .credit ? payment.amount : -payment.amount
            totals.add(payment)
            try body(payment)
        }
        let end = records.last!.line
        throw LineContext(file: fileName, line: end).error(
            .truncated, "the file ends without its trailer (TRAILER,<count>,<total>): it was cut off or is incomplete; ask the provider to send it again")
    }

    private func payment(_ fields: [String], _ context: LineContext) throws(FileReadError) -> Payment {
        let id = String(fields[0].trimmingSpaces)
        guard !id.isEmpty else { throw context.error(.malformed, "the transaction id is empty") }
        let date = try context.day(fields[1], field: "date", layout: .uk)
        let time = String(fields[2].trimmingSpaces)
        guard OutletFileReader.isTime(time) else {
            throw context.error(.invalidValue, "the time \(Wording.shortQuote(time)) is not a time of day HH:mm:ss")
        }
        let card = String(fields[3].trimmingSpaces)
        guard (16...19).contains(card.count), card.allSatisfy(\.isASCIIDigit) else {
            throw context.error(.invalidValue, "the card number \(Wording.shortQuote(card)) is not 16 to 19 digits")
        }
        let signed = try context.strictAmount(fields[4], field: "amount", signed: true)
        guard signed != .zero else { throw context.error(.invalidValue, "the amount is zero") }
        let outlet = String(fields[5].trimmingSpaces)
        guard !outlet.isEmpty else { throw context.error(.malformed, "the outlet id is empty") }
        let provider = fields[6].trimmingSpaces.uppercased()
        guard let code = OutletFileReader.providers[provider] else {
            throw context.error(.invalidValue, "the provider \(Wording.shortQuote(fields[6])) is not PAYPOINT, POST OFFICE or ALLPAY")
        }
        var payment = Payment(
            position: FilePosition(line: context.line), amount: signed < .zero ? -signed : signed,
            direction: signed < .zero ? .debit : .credit, bookingDate: date, reference: card)
        payment.cardNumber = card
        payment.bankReference = id
        payment.sourceCode = provider
        payment.transactionCode = code
        payment.details = "outlet \(outlet) at \(time)"
        return payment
    }

    /// `HH:mm:ss`, 00:00:00 to 23:59:59.
    static func isTime(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) }) else { return false }
        return Int(parts[0])! < 24 && Int(parts[1])! < 60 && Int(parts[2])! < 60
    }
}
