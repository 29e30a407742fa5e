internal import HousingFinance

/// Reads the card payments CSV exported by the payment portal (online and phone payments),
/// with its columns found through a `CardColumnMapping`.
///
/// Layout (`Interfaces/inbound/card-payments/README.md`): a header line naming the columns,
/// then one line per payment, as RFC 4180 CSV (quoted fields may hold commas, doubled quotes
/// and line breaks; LF or CRLF). There is no trailer: the control totals are the count and sum
/// read, and a last line cut short of its fields is refused as `truncated`. Rows whose status
/// is not successful are skipped and counted. A negative amount is a refund: a debit with
/// transaction code `REF`; payments suggest `RCP`.
public struct CardPaymentsReader: Sendable {
    /// The largest card payments export (64 MB), line (16 KB: portals export many columns) and
    /// field (1,000 characters; the payer's name and the others stored are limited by
    /// `InputLimits.paymentFields`).
    public static let limits = InputLimits(kind: "a card payments file", maxFileBytes: 64 * InputLimits.megabyte, maxLineBytes: 16 * 1024, maxFieldCharacters: 1000)

    /// The file's content.
    public let bytes: [UInt8]
    /// The file's name, for messages.
    public let fileName: String
    /// Which columns hold what.
    public let mapping: CardColumnMapping

    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - fileName: the file's name, for messages.
    ///   - mapping: the portal's column mapping, from configuration.
    public init(bytes: [UInt8], fileName: String, mapping: CardColumnMapping) {
        self.bytes = bytes
        self.fileName = fileName
        self.mapping = mapping
    }

    /// Reads the file, calling `body` for each successful payment in file order.
    /// - Returns: the count and sum read (the file carries no control totals of its own), with
    ///   a check line saying how many rows were skipped as not successful.
    /// - Throws: `FileReadError` naming the file and line: `malformed` (a mapped column missing
    ///   from the header, a row with the wrong number of fields, bad quoting, an amount that is
    ///   not a number, a repeated or empty transaction id), `truncated`
    ///   (the last row cut short, an empty file), `invalidValue` (a date that does not exist,
    ///   three decimals, a zero amount); or whatever `body` throws.
    public func read(_ body: (Payment) throws -> Void) throws -> FileTotals {
        let limits = CardPaymentsReader.limits
        let records = try CSVRecords(TextFile(bytes: bytes, name: fileName, limits: limits), limits: limits).records
        guard let header = records.first else {
            throw FileReadError(.truncated, file: fileName, position: FilePosition(), "the file is empty; a portal export has at least its header line, so ask for it again")
        }
        let names = header.fields.map { $0.trimmingSpaces.lowercased() }
        func column(_ name: String) throws(FileReadError) -> Int {
            guard let index = names.firstIndex(of: name.trimmingSpaces.lowercased()) else {
                throw LineContext(file: fileName, line: header.line).error(
                    .malformed, "the header has no column \(Wording.shortQuote(name)) (it has \(header.fields.joined(separator: ", "))); check the portal's column mapping in the configuration")
            }
            return index
        }
        let reference = try column(mapping.reference)
        let amount = try column(mapping.amount)
        let date = try column(mapping.date)
        let transactionId = try column(mapping.transactionId)
        let payerName = try mapping.payerName.map(column)
        let status = try mapping.status.map(column)
        let successful = Set(mapping.successfulStatuses.map { $0.trimmingSpaces.lowercased() })

        var totals = FileTotals(format: .card)
        var skipped = 0
        var seen: [String: Int] = [:]
        for record in records.dropFirst() {
            let context = LineContext(file: fileName, line: record.line)
            guard record.fields.count == header.fields.count else {
                if record.isUnterminatedLast && record.fields.count < header.fields.count {
                    throw context.error(.truncated, "the last line has \(record.fields.count) of \(header.fields.count) fields and no line break: the file was cut off; export it again")
                }
                throw context.error(.malformed, "the line has \(record.fields.count) fields but the header has \(header.fields.count); a field with a comma must be in double quotes")
            }
            if let status, !successful.contains(record.fields[status].trimmingSpaces.lowercased()) {
                skipped += 1
                continue
            }
            let signed = try context.lenientAmount(record.fields[amount], field: "amount (\(mapping.amount))")
            guard signed != .zero else { throw context.error(.invalidValue, "the amount is zero") }
            let day = try context.day(datePart(record.fields[date]), field: "date (\(mapping.date))", layout: mapping.dateFormat == .iso ? .iso : .uk)
            let id = String(record.fields[transactionId].trimmingSpaces)
            guard !id.isEmpty else { throw context.error(.malformed, "the transaction id (\(mapping.transactionId)) is empty") }
            if let earlier = seen[id] {
                throw context.error(.malformed, "the transaction id \(id) was already used on line \(earlier); export the payments again without duplicates")
            }
            seen[id] = record.line
            var payment = Payment(
                position: FilePosition(line: record.line), amount: signed < .zero ? -signed : signed,
                direction: signed < .zero ? .debit : .credit, bookingDate: day,
                reference: String(record.fields[reference].trimmingSpaces))
            payment.bankReference = id
            payment.payerName = payerName.map { String(record.fields[$0].trimmingSpaces) }.flatMap { $0.isEmpty ? nil : $0 }
            payment.transactionCode = signed < .zero ? "REF" : "RCP"
            try limits.check(payment, file: fileName)
            totals.add(payment)
            try body(payment)
        }
        totals.checks.append("no trailer: \(Wording.count(totals.creditCount, "payment")) \(totals.creditTotal.formatted) and \(Wording.count(totals.debitCount, "refund")) \(totals.debitTotal.formatted) read; \(Wording.count(skipped, "row")) skipped as not successful")
        return totals
    }

    /// The date part of a date or date-time cell: up to a `T` or a space.
    private func datePart(_ text: String) -> Substring {
        let trimmed = text.trimmingSpaces
        return trimmed.prefix(while: { $0 != "T" && $0 != " " })
    }
}
