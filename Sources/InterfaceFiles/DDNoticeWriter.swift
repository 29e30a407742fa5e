public import HousingFinance

/// Writes the Direct Debit advance notices due (for the council's mail provider) as CSV:
/// a header, one row per notice, CRLF line ends, UTF-8. Layout:
/// `Interfaces/outbound/dd-notices/README.md`.
public struct DDNoticeWriter: Sendable {
    /// One notice: the payer is told the new amount, its first date and the frequency.
    public struct Notice: Hashable, Sendable {
        public var account: String
        public var payerName: String
        public var reference: String
        public var newAmount: Money
        public var previousAmount: Money?
        public var firstDate: Day
        public var frequency: DDFrequency
        public var collectionDay: String

        public init(
            account: String, payerName: String, reference: String, newAmount: Money, previousAmount: Money?, firstDate: Day,
            frequency: DDFrequency, collectionDay: String
        ) {
            self.account = account
            self.payerName = payerName
            self.reference = reference
            self.newAmount = newAmount
            self.previousAmount = previousAmount
            self.firstDate = firstDate
            self.frequency = frequency
            self.collectionDay = collectionDay
        }
    }

    public static let header = ["account", "payer_name", "reference", "new_amount", "previous_amount", "first_date", "frequency", "collection_day", "service_user_number"]

    public let serviceUserNumber: String

    public init(serviceUserNumber: String) { self.serviceUserNumber = serviceUserNumber }

    /// The file's bytes.
    /// - Throws: `OutboundFileError` for a name with a line break.
    public func write(_ notices: [Notice]) throws(OutboundFileError) -> [UInt8] {
        var csv = CSVText(lineEnding: "\r\n")
        csv.record(Self.header)
        for (index, notice) in notices.enumerated() {
            let check = FieldChecker(interface: "dd-notices", record: "notice \(index + 1) (\(notice.account))")
            try check.text(notice.payerName, "payer_name", max: 70)
            csv.record([
                notice.account, notice.payerName, notice.reference, notice.newAmount.plain, notice.previousAmount?.plain ?? "",
                notice.firstDate.iso, notice.frequency.rawValue, notice.collectionDay, serviceUserNumber,
            ])
        }
        return csv.bytes
    }
}
