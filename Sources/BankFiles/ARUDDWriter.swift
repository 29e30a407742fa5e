public import Foundation
public import HousingFinance
internal import XML

/// One returned Direct Debit to write in an ARUDD report.
public struct ARUDDItem: Sendable, Hashable {
    /// The payer reference the collection was made under (the rent account reference).
    public var payerReference: String
    public var payerName: String
    public var amount: Money
    /// When the collection was first processed.
    public var originalProcessingDate: Day
    /// The return code and its description (`0` `REFER TO PAYER`, `1` `INSTRUCTION CANCELLED`, ...).
    public var returnCode: String
    public var returnDescription: String
    public var sortCode: String
    public var accountNumber: String
    /// The Bacs transaction code of the collection (`17` regular, `01` first, `18`, `19`).
    public var transCode: String

    public init(payerReference: String, payerName: String, amount: Money, originalProcessingDate: Day, returnCode: String,
                returnDescription: String, sortCode: String = "40-47-84", accountNumber: String = "70872490", transCode: String = "17") {
        self.payerReference = payerReference
        self.payerName = payerName
        self.amount = amount
        self.originalProcessingDate = originalProcessingDate
        self.returnCode = returnCode
        self.returnDescription = returnDescription
        self.sortCode = sortCode
        self.accountNumber = accountNumber
        self.transCode = transCode
    }
}

/// Writes a Bacs ARUDD report (the layout `ARUDDReader` reads) for tests: a real file that the
/// real reader reads back.
public struct ARUDDWriter: Sendable {
    public var processingDate: Day
    public var userNumber: String
    public var userName: String

    public init(processingDate: Day, userNumber: String = "123456", userName: String = "EXAMPLE COUNCIL") {
        self.processingDate = processingDate
        self.userNumber = userNumber
        self.userName = userName
    }

    /// The report's bytes.
    public func bytes(_ items: some Sequence<ARUDDItem>) -> [UInt8] {
        var out = XMLWriter()
        out.declaration()
        out.start("BACSDocument", attributes: [("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"), ("xsi:noNamespaceSchemaLocation", "newbacs-advices.xsd")])
        out.start("Data")
        out.start("ARUDD")
        out.element("Header", text: "", attributes: [("reportType", "REFT1234"), ("adviceNumber", "001"), ("currentProcessingDate", processingDate.iso)])
        out.element("AddresseeInformation", text: "", attributes: [("name", userName)])
        out.element("ServiceLicenseInformation", text: "", attributes: [("userName", userName), ("userNumber", userNumber)])
        out.start("Advice")
        out.start("OriginatingAccountRecords")
        out.start("OriginatingAccountRecord")
        out.element("OriginatingAccount", text: "", attributes: [("name", userName), ("number", "12345678"), ("sortCode", "20-00-00"), ("type", "0"),
                                                                 ("bankName", "EXAMPLE BANK"), ("branchName", "TOWN HALL")])
        var count = 0
        var value = Money.zero
        for item in items {
            count += 1
            value += item.amount
            out.start("ReturnedDebitItem", attributes: [
                ("ref", item.payerReference), ("transCode", item.transCode), ("returnCode", item.returnCode),
                ("returnDescription", item.returnDescription), ("originalProcessingDate", item.originalProcessingDate.iso),
                ("valueOf", item.amount.plain), ("currency", "GBP"),
            ])
            out.element("PayerAccount", text: "", attributes: [("number", item.accountNumber), ("ref", item.payerReference), ("name", item.payerName),
                                                               ("sortCode", item.sortCode), ("bankName", "PAYER BANK"), ("branchName", "HIGH STREET")])
            out.end()
        }
        out.element("Totals", text: "", attributes: [("numberOf", String(count)), ("valueOf", value.plain), ("currency", "GBP")])
        out.end()
        out.end()
        out.end()
        out.end()
        out.end()
        out.element("SignatureMethod", text: "Vanilla")
        out.element("Signature", text: "")
        out.end()
        return out.bytes
    }

    /// Writes the report to a file, replacing it.
    public func write(_ items: some Sequence<ARUDDItem>, to url: URL) throws {
        try Data(bytes(items)).write(to: url)
    }
}
