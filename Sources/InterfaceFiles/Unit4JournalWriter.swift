public import HousingFinance

/// Writes a journal as a Unit4 ERP (Agresso) batch-input CSV file.
///
/// Layout (Interfaces/outbound/gl-journal/README.md): UTF-8, CRLF after every record, RFC 4180
/// quoting. A `HEADER` record, one record per journal line with the 22 batch-input columns, and a
/// `TRAILER` record with the line count and the debit and credit totals. Amounts are pounds with
/// two decimals, signed on journal lines (debit positive, credit negative) and unsigned in the
/// trailer. The same journal and batch always give the same bytes.
public struct Unit4JournalWriter: Sendable {
    /// What identifies the batch in Unit4, and the values every line carries.
    public struct Batch: Hashable, Sendable {
        /// The batch id (Unit4 `batch_id`), unique per file, for example `HFH000042`.
        public var batchId: String
        /// The Unit4 client (company), for example `10`.
        public var client: String
        /// The Unit4 interface code, for example `HF`.
        public var interface: String
        /// The accounting period's year and month, written `YYYYMM`.
        public var periodYear: Int
        public var periodMonth: Int
        /// The voucher date and the transaction date of every line.
        public var voucherDate: Day
        public var transactionDate: Day
        /// The external reference on every line (the hub's run or file reference).
        public var externalReference: String
        /// The voucher type, `HF` by default.
        public var voucherType: String
        /// The transaction type, `GL` by default.
        public var transactionType: String
        /// The tax code, `0` (outside the scope of VAT; rents are exempt) by default.
        public var taxCode: String
        /// The currency, `GBP` by default.
        public var currency: String

        public init(
            batchId: String, client: String, interface: String, periodYear: Int, periodMonth: Int,
            voucherDate: Day, transactionDate: Day, externalReference: String,
            voucherType: String = "HF", transactionType: String = "GL", taxCode: String = "0", currency: String = "GBP"
        ) {
            self.batchId = batchId
            self.client = client
            self.interface = interface
            self.periodYear = periodYear
            self.periodMonth = periodMonth
            self.voucherDate = voucherDate
            self.transactionDate = transactionDate
            self.externalReference = externalReference
            self.voucherType = voucherType
            self.transactionType = transactionType
            self.taxCode = taxCode
            self.currency = currency
        }

        /// `YYYYMM`.
        public var period: String {
            String(periodYear) + (periodMonth < 10 ? "0" : "") + String(periodMonth)
        }
    }

    /// The interface name in errors.
    public static let interfaceName = "unit4-journal"

    /// The column names of a journal line record, in order (as the README's table).
    public static let lineColumns = [
        "batch_id", "client", "interface", "period", "account",
        "dim_1", "dim_2", "dim_3", "dim_4", "dim_5", "dim_6", "dim_7",
        "tax_code", "trans_type", "voucher_type", "voucher_date", "trans_date",
        "amount", "currency", "description", "ext_ref", "sequence_no",
    ]

    /// The batch the file is for.
    public let batch: Batch

    /// Creates a writer for one batch.
    public init(batch: Batch) { self.batch = batch }

    /// Writes the journal.
    /// - Parameter journal: a balanced journal (as `Journal` always is).
    /// - Returns: the file's bytes.
    /// - Throws: `OutboundFileError` for a batch value the file cannot carry (an empty or over-long
    ///   code, a period month outside 1-12, a line break in a description).
    public func write(_ journal: Journal) throws(OutboundFileError) -> [UInt8] {
        var check = FieldChecker(interface: Self.interfaceName, record: "batch")
        try check.code(batch.batchId, "batch_id", max: 25)
        if batch.batchId == "HEADER" || batch.batchId == "TRAILER" {
            throw check.fail("batch_id", "must not be HEADER or TRAILER: those words mark the control records")
        }
        try check.code(batch.client, "client", max: 25)
        try check.code(batch.interface, "interface", max: 25)
        guard (1000...9999).contains(batch.periodYear), (1...12).contains(batch.periodMonth) else {
            throw check.fail("period", "year \(batch.periodYear) month \(batch.periodMonth) is not a period YYYYMM")
        }
        try check.code(batch.voucherType, "voucher_type", max: 25)
        try check.code(batch.transactionType, "trans_type", max: 25)
        try check.code(batch.taxCode, "tax_code", max: 25)
        try check.code(batch.currency, "currency", max: 3)
        try check.text(batch.externalReference, "ext_ref", max: 100)

        var csv = CSVText(lineEnding: "\r\n")
        csv.record(["HEADER", batch.batchId, batch.client, batch.interface, batch.period])
        for (index, line) in journal.lines.enumerated() {
            check.record = "journal line \(index + 1)"
            let dimensions = line.dimensions
            for (value, name) in [
                (line.account, "account"), (dimensions.costCentre, "dim_1"), (dimensions.dim2, "dim_2"),
                (dimensions.dim3, "dim_3"), (dimensions.dim4, "dim_4"),
            ] {
                try check.text(value, name, max: 25, required: name == "account")
            }
            try check.text(line.description, "description", max: 255)
            csv.record([
                batch.batchId, batch.client, batch.interface, batch.period, line.account,
                dimensions.costCentre, dimensions.dim2, dimensions.dim3, dimensions.dim4, "", "", "",
                batch.taxCode, batch.transactionType, batch.voucherType, batch.voucherDate.compact,
                batch.transactionDate.compact, line.signedAmount.plain, batch.currency, line.description,
                batch.externalReference, String(index + 1),
            ])
        }
        let totals = journal.totals
        csv.record(["TRAILER", String(totals.lineCount), totals.debits.plain, totals.credits.plain])
        return csv.bytes
    }
}
