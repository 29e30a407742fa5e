internal import HousingFinance

/// Which columns of a payment portal's CSV export hold what: the columns differ per provider,
/// so this is configuration (one mapping per portal). Header names are matched without regard
/// to case or surrounding spaces; other columns are ignored.
public struct CardColumnMapping: Hashable, Sendable, Codable {
    /// How the date column is written.
    public enum DateFormat: String, Hashable, Sendable, Codable {
        /// `YYYY-MM-DD`, optionally followed by `T` or a space and a time of day, which is
        /// ignored: the date is taken as the portal wrote it.
        case iso
        /// `dd/MM/yyyy`, optionally followed by a space and a time of day, which is ignored.
        case uk
    }

    /// The column holding the tenant's reference (the rent account number they typed).
    public var reference: String
    /// The column holding the amount in pounds (up to two decimals; `£` and thousands commas
    /// allowed); a negative amount is a refund.
    public var amount: String
    /// The column holding the payment's date.
    public var date: String
    /// How the date column is written.
    public var dateFormat: DateFormat
    /// The column holding the portal's unique transaction id.
    public var transactionId: String
    /// The column holding the payer's name, if the export has one.
    public var payerName: String?
    /// The column holding the payment's status, if the export lists failed payments too.
    public var status: String?
    /// The status values (matched without regard to case) that mean the money was taken; rows
    /// with any other status are skipped and counted in the totals' checks.
    public var successfulStatuses: Set<String>

    /// - Parameters:
    ///   - reference: the reference column's header.
    ///   - amount: the amount column's header.
    ///   - date: the date column's header.
    ///   - dateFormat: how dates are written.
    ///   - transactionId: the transaction id column's header.
    ///   - payerName: the payer's name column's header, if any.
    ///   - status: the status column's header, if any.
    ///   - successfulStatuses: the status values that count as paid.
    public init(
        reference: String, amount: String, date: String, dateFormat: DateFormat, transactionId: String,
        payerName: String? = nil, status: String? = nil, successfulStatuses: Set<String> = []
    ) {
        self.reference = reference
        self.amount = amount
        self.date = date
        self.dateFormat = dateFormat
        self.transactionId = transactionId
        self.payerName = payerName
        self.status = status
        self.successfulStatuses = successfulStatuses
    }

    /// The headers the mapping needs, in a fixed order.
    public var requiredColumns: [String] {
        [reference, amount, date, transactionId] + [payerName, status].compactMap { $0 }
    }

    /// Whether a header line holds every column the mapping needs.
    public func matches(header: [String]) -> Bool {
        let names = Set(header.map { $0.trimmingSpaces.lowercased() })
        return requiredColumns.allSatisfy { names.contains($0.trimmingSpaces.lowercased()) }
    }
}
