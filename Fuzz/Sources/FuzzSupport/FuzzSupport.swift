import BankFiles

/// What the fuzz targets share.
public enum FuzzSupport {
    /// The payment portal's column mapping of `Config/payments.yaml`.
    public static let cardMapping = CardColumnMapping(
        reference: "Reference", amount: "Amount", date: "Date", dateFormat: .iso, transactionId: "Transaction ID",
        payerName: "Payer", status: "Status", successfulStatuses: ["Success"])
}
