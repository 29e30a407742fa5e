internal import HousingFinance

/// Reads the Housing Benefit credits file from the benefits system: one credit per rent
/// account per week, and adjustments for weeks already credited.
///
/// Layout (`Interfaces/inbound/housing-benefit/README.md`), CSV:
/// - header: `HEADER,HOUSING BENEFIT CREDITS,<file date dd/MM/yyyy>`;
/// - one line per credit: `CREDIT,<claim reference>,<rent account reference>,<week
///   commencing: a Monday, dd/MM/yyyy>,<amount: pounds, two decimals>,<type>`, where type `HB`
///   is the regular weekly credit (positive; transaction code `RHB`) and `ADJ` an adjustment
///   (transaction code `RHA`; negative for benefit taken back, which is a debit);
/// - trailer, last: `TRAILER,<count of CREDIT lines>,<net total, two decimals>`.
///
/// The trailer must be there (else `truncated`) and tie to the penny (else `totalsDoNotTie`,
/// naming both figures). Each payment's `reference` is the rent account reference,
/// `entryReference` the claim reference, `benefitWeek` the week's Monday, `bookingDate` the
/// file's date, `sourceCode` the type.
public struct HousingBenefitReader: Sendable {
    /// The first two fields of the header line.
    public static let headerTag = ["HEADER", "HOUSING BENEFIT CREDITS"]
    /// The line types and the transaction code each suggests.
    public static let types: [String: String] = ["HB": "RHB", "ADJ": "RHA"]

    /// The largest Housing Benefit file (64 MB), line (4 KB) and field (200 characters).
    public static let limits = InputLimits(kind: "a Housing Benefit file", maxFileBytes: 64 * InputLimits.megabyte, maxLineBytes: 4096, maxFieldCharacters: 200)

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

    /// Reads the file, calling `body` for each credit line in file order, and returns the totals
    /// (with the header's file date) once the trailer ties.
    /// - Throws: `FileReadError` naming the file and line: `malformed` (header, field count,
    ///   an unknown record or benefit type, text after the trailer), `truncated` (no trailer),
    ///   `invalidValue` (a date that does not exist, a week that does not start on a Monday,
    ///   three decimals, a zero amount, a negative regular credit), `totalsDoNotTie`; or
    ///   whatever `body` throws.
    public func read(_ body: (Payment) throws -> Void) throws -> FileTotals {
        let limits = HousingBenefitReader.limits
        let records = try CSVRecords(TextFile(bytes: bytes, name: fileName, limits: limits), limits: limits).records
        guard let header = records.first else {
            throw FileReadError(.truncated, file: fileName, position: FilePosition(), "the file is empty; ask the benefits team to send it again")
        }
        let headerContext = LineContext(file: fileName, line: header.line)
        guard header.fields.count == 3, Array(header.fields.prefix(2).map { $0.trimmingSpaces.uppercased() }) == HousingBenefitReader.headerTag else {
            throw headerContext.error(.malformed, "the header is \(Wording.shortQuote(header.fields.joined(separator: ","))); a Housing Benefit file starts with HEADER,HOUSING BENEFIT CREDITS,<file date dd/MM/yyyy>")
        }
        let fileDate = try headerContext.day(header.fields[2], field: "file date", layout: .uk)
        var totals = FileTotals(format: .housingBenefit)
        totals.fileDate = fileDate
        var net = Money.zero
        for (index, record) in records.enumerated().dropFirst() {
            let context = LineContext(file: fileName, line: record.line)
            switch record.fields[0].trimmingSpaces.uppercased() {
            case "CREDIT":
                guard record.fields.count == 6 else {
                    if record.isUnterminatedLast && record.fields.count < 6 {
                        throw context.error(.truncated, "the last line has \(record.fields.count) of 6 fields and no trailer follows: the file was cut off; ask the benefits team to send it again")
                    }
                    throw context.error(.malformed, "the credit line has \(record.fields.count) fields; it is CREDIT,<claim>,<rent account>,<week commencing>,<amount>,<HB or ADJ>")
                }
                let payment = try credit(record.fields, on: fileDate, context)
                try limits.check(payment, file: fileName)
                net += payment.direction == .credit ? payment.amount : -payment.amount
                totals.add(payment)
                try body(payment)
            case "TRAILER":
                guard index == records.count - 1 else {
                    throw LineContext(file: fileName, line: records[index + 1].line).error(.malformed, "this line follows the trailer (line \(record.line)); the trailer must be the last line")
                }
                guard record.fields.count == 3 else {
                    throw context.error(.malformed, "the trailer has \(record.fields.count) fields; it is TRAILER,<count>,<net total>")
                }
                let count = try context.count(record.fields[1], field: "trailer count")
                let total = try context.strictAmount(record.fields[2], field: "trailer net total", signed: true)
                guard count == totals.recordCount, total == net else {
                    throw context.error(
                        .totalsDoNotTie, "the trailer says \(count) credits netting \(total.formatted), but the file holds \(totals.recordCount) netting \(net.formatted); ask the benefits team to resend the file")
                }
                totals.checks.append("trailer: \(Wording.count(count, "credit")), net \(total.formatted), as read")
                return totals
            default:
                throw context.error(.malformed, "the line starts with \(Wording.shortQuote(record.fields[0])); lines after the header are CREDIT lines and one TRAILER")
            }
        }
        throw LineContext(file: fileName, line: records.last!.line).error(
            .truncated, "the file ends without its trailer (TRAILER,<count>,<net total>): it was cut off or is incomplete; ask the benefits team to send it again")
    }

    private func credit(_ fields: [String], on fileDate: Day, _ context: LineContext) throws(FileReadError) -> Payment {
        let claim = String(fields[1].trimmingSpaces)
        let account = String(fields[2].trimmingSpaces)
        guard !claim.isEmpty, !account.isEmpty else {
            throw context.error(.malformed, "the \(claim.isEmpty ? "claim reference" : "rent account reference") is empty")
        }
        let week = try context.day(fields[3], field: "week commencing", layout: .uk)
        guard week.weekday == .monday else {
            throw context.error(.invalidValue, "the week commencing \(week.ukFormat) is not a Monday; rent weeks start on Mondays")
        }
        let signed = try context.strictAmount(fields[4], field: "amount", signed: true)
        let type = fields[5].trimmingSpaces.uppercased()
        guard let code = HousingBenefitReader.types[type] else {
            throw context.error(.malformed, "the type \(Wording.shortQuote(fields[5])) is not HB (regular credit) or ADJ (adjustment)")
        }
        guard signed != .zero else { throw context.error(.invalidValue, "the amount is zero") }
        guard signed > .zero || type == "ADJ" else {
            throw context.error(.invalidValue, "a regular HB credit of \(signed.formatted) is negative; benefit taken back is sent as an ADJ line")
        }
        var payment = Payment(
            position: FilePosition(line: context.line), amount: signed < .zero ? -signed : signed,
            direction: signed < .zero ? .debit : .credit, bookingDate: fileDate, reference: account)
        payment.entryReference = claim
        payment.benefitWeek = week
        payment.sourceCode = type
        payment.transactionCode = code
        return payment
    }
}
