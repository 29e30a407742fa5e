public import HousingFinance

/// Writes a journal as an Oracle General Ledger interface CSV file (rows for `GL_INTERFACE`).
///
/// Layout (Interfaces/outbound/gl-journal/README.md): UTF-8, CRLF after every record, RFC 4180
/// quoting. A `HEADER` record, one `NEW` record per journal line with the 19 interface columns,
/// and a `TRAILER` record with the line count and the debit and credit totals. Each line fills
/// exactly one of entered debit and entered credit, as an unsigned amount with two decimals.
/// Segment 1, the entity, comes from the line's fund, so HRA and General Fund lines land in their
/// own entities. The same journal and batch always give the same bytes.
public struct OracleJournalWriter: Sendable {
    /// What identifies the journal in Oracle, and the values every line carries.
    public struct Batch: Hashable, Sendable {
        /// The ledger's name.
        public var ledger: String
        /// The accounting date of every line.
        public var accountingDate: Day
        /// The journal source, `Housing Finance` by default.
        public var source: String
        /// The journal category, `Housing Rents` by default.
        public var category: String
        /// The batch name (`REFERENCE1`).
        public var batchName: String
        /// The journal name (`REFERENCE4`).
        public var journalName: String
        /// The group id that Journal Import selects by: the file's sequence number.
        public var groupId: Int
        /// Segment 1 (entity) for each fund that appears in the journal.
        public var entities: [Fund: String]
        /// The currency, `GBP` by default.
        public var currency: String

        public init(
            ledger: String, accountingDate: Day, batchName: String, journalName: String, groupId: Int,
            entities: [Fund: String], source: String = "Housing Finance", category: String = "Housing Rents",
            currency: String = "GBP"
        ) {
            self.ledger = ledger
            self.accountingDate = accountingDate
            self.batchName = batchName
            self.journalName = journalName
            self.groupId = groupId
            self.entities = entities
            self.source = source
            self.category = category
            self.currency = currency
        }
    }

    /// The interface name in errors.
    public static let interfaceName = "oracle-journal"

    /// The column names of a journal line record, in order (as the README's table).
    public static let lineColumns = [
        "STATUS", "LEDGER_NAME", "ACCOUNTING_DATE", "CURRENCY_CODE", "ACTUAL_FLAG",
        "USER_JE_SOURCE_NAME", "USER_JE_CATEGORY_NAME",
        "SEGMENT1", "SEGMENT2", "SEGMENT3", "SEGMENT4", "SEGMENT5", "SEGMENT6",
        "ENTERED_DR", "ENTERED_CR", "REFERENCE1", "REFERENCE4", "REFERENCE10", "GROUP_ID",
    ]

    /// The batch the file is for.
    public let batch: Batch

    /// Creates a writer for one batch.
    public init(batch: Batch) { self.batch = batch }

    /// Writes the journal.
    /// - Parameter journal: a balanced journal (as `Journal` always is).
    /// - Returns: the file's bytes.
    /// - Throws: `OutboundFileError` for a batch value the file cannot carry, or a line whose fund
    ///   has no entity in `batch.entities`.
    public func write(_ journal: Journal) throws(OutboundFileError) -> [UInt8] {
        var check = FieldChecker(interface: Self.interfaceName, record: "batch")
        try check.text(batch.ledger, "LEDGER_NAME", max: 30)
        try check.text(batch.source, "USER_JE_SOURCE_NAME", max: 25)
        try check.text(batch.category, "USER_JE_CATEGORY_NAME", max: 25)
        try check.text(batch.batchName, "REFERENCE1", max: 100)
        try check.text(batch.journalName, "REFERENCE4", max: 100)
        try check.code(batch.currency, "CURRENCY_CODE", max: 15)
        if batch.groupId < 1 { throw check.fail("GROUP_ID", "\(batch.groupId) must be a positive number") }
        for (fund, entity) in batch.entities.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try check.code(entity, "SEGMENT1 (entity for \(fund))", max: 25)
        }

        let accountingDate = batch.accountingDate.slashed
        var csv = CSVText(lineEnding: "\r\n")
        csv.record(["HEADER", String(batch.groupId), batch.ledger, batch.batchName, batch.journalName, accountingDate])
        for (index, line) in journal.lines.enumerated() {
            check.record = "journal line \(index + 1)"
            guard let entity = batch.entities[line.fund] else {
                throw check.fail("SEGMENT1", "no entity is configured for fund \(line.fund) (account \(line.account))")
            }
            let dimensions = line.dimensions
            for (value, name) in [
                (line.account, "SEGMENT2"), (dimensions.costCentre, "SEGMENT3"), (dimensions.dim2, "SEGMENT4"),
                (dimensions.dim3, "SEGMENT5"), (dimensions.dim4, "SEGMENT6"),
            ] {
                try check.text(value, name, max: 25, required: name == "SEGMENT2")
            }
            try check.text(line.description, "REFERENCE10", max: 240)
            csv.record([
                "NEW", batch.ledger, accountingDate, batch.currency, "A", batch.source, batch.category,
                entity, line.account, dimensions.costCentre, dimensions.dim2, dimensions.dim3, dimensions.dim4,
                line.side == .debit ? line.amount.plain : "", line.side == .credit ? line.amount.plain : "",
                batch.batchName, batch.journalName, line.description, String(batch.groupId),
            ])
        }
        let totals = journal.totals
        csv.record(["TRAILER", String(totals.lineCount), totals.debits.plain, totals.credits.plain])
        return csv.bytes
    }
}
