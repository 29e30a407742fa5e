public import Foundation
public import HousingFinance
import XML

/// Writes the ODS sales-order file: the council's approved sales orders, in XML valid against
/// `sales-orders.xsd` (namespace `urn:housing-finance-hub:ods-sales-orders:1`).
///
/// Layout (Interfaces/outbound/ods-sales-orders/README.md): UTF-8, an XML declaration, two-space
/// indentation, LF line ends. A `Header` (sequence number, created date-time, council id), one
/// `SalesOrder` per order in the order given, and a `Control` with the order count and the total
/// approved value. Money is pounds with two decimals; date-times are UTC to the second with a `Z`.
/// The same orders and header always give the same bytes.
public struct SalesOrderWriter: Sendable {
    /// What the header carries.
    public struct FileHeader: Hashable, Sendable {
        /// The file's sequence number, gap-free from 1.
        public var sequenceNumber: Int
        /// When the file was made (given, never read from the clock).
        public var created: Date
        /// The council's identity as ODS knows it.
        public var councilId: String

        public init(sequenceNumber: Int, created: Date, councilId: String) {
            self.sequenceNumber = sequenceNumber
            self.created = created
            self.councilId = councilId
        }
    }

    /// The interface name in errors.
    public static let interfaceName = "ods-sales-orders"
    /// The XML namespace of the file.
    public static let namespace = "urn:housing-finance-hub:ods-sales-orders:1"

    /// The schema the file is valid against, from this module's resources.
    public static var schemaURL: URL? {
        Bundle.module.url(forResource: "sales-orders", withExtension: "xsd", subdirectory: "Schemas")
    }

    /// The file's header.
    public let header: FileHeader

    /// Creates a writer for one file.
    public init(header: FileHeader) { self.header = header }

    /// Writes the orders.
    /// - Parameter orders: the approved orders, in the order they are to appear.
    /// - Returns: the file's bytes.
    /// - Throws: `OutboundFileError` naming the order (and line) and field: a value the schema
    ///   refuses (an empty or over-long text, a code with spaces, a SOR code that is not capitals
    ///   and digits, a quantity not above zero, a negative approved value), an order with no lines,
    ///   a sales-order id used twice, or an order whose lines do not add up to its approved value.
    public func write(_ orders: [SalesOrder]) throws(OutboundFileError) -> [UInt8] {
        var check = FieldChecker(interface: Self.interfaceName, record: "file header")
        if header.sequenceNumber < 1 { throw check.fail("SequenceNumber", "\(header.sequenceNumber) must be 1 or more") }
        try check.code(header.councilId, "CouncilId", max: 30)

        var xml = XMLWriter()
        xml.declaration()
        xml.start("SalesOrderFile", attributes: [("xmlns", Self.namespace)])
        xml.start("Header")
        xml.element("SequenceNumber", text: String(header.sequenceNumber))
        xml.element("Created", text: header.created.utcTimestamp)
        xml.element("CouncilId", text: header.councilId)
        xml.end()

        var total = Money.zero
        var seen: Set<String> = []
        for (index, order) in orders.enumerated() {
            check.record = "order \(index + 1) (\(order.salesOrderId))"
            try check.code(order.salesOrderId, "SalesOrderId", max: 30)
            guard seen.insert(order.salesOrderId).inserted else {
                throw check.fail("SalesOrderId", "is used by an earlier order in this file")
            }
            try check.code(order.jobNumber, "JobNumber", max: 30)
            try check.code(order.propertyReference, "PropertyReference", max: 30)
            try check.text(order.approvedBy, "ApprovedBy", max: 100)
            if order.approvedValue < .zero { throw check.fail("ApprovedValue", "\(order.approvedValue.plain) is negative") }
            if order.lines.isEmpty { throw check.fail("Lines", "an order needs at least one line") }
            if order.linesTotal != order.approvedValue {
                throw check.fail(
                    "ApprovedValue",
                    "\(order.approvedValue.plain) is not the sum of the lines (\(order.linesTotal.plain)); re-price the order",
                    code: .totalsDoNotTie)
            }

            xml.start("SalesOrder")
            xml.element("SalesOrderId", text: order.salesOrderId)
            xml.element("JobNumber", text: order.jobNumber)
            xml.element("PropertyReference", text: order.propertyReference)
            xml.element("Priority", text: order.priority.rawValue)
            xml.element("CompletionDate", text: order.completionDate.iso)
            xml.element("ApprovedValue", text: order.approvedValue.plain)
            xml.element("ApprovedBy", text: order.approvedBy)
            xml.element("ApprovedAt", text: order.approvedAt.utcTimestamp)
            xml.start("Lines")
            for (number, line) in order.lines.enumerated() {
                check.record = "order \(index + 1) (\(order.salesOrderId)) line \(number + 1)"
                if !(1...16).contains(line.sorCode.count) || !line.sorCode.allSatisfy({ $0.isASCIIDigit || ($0.isASCII && $0.isUppercase) }) {
                    throw check.fail("SORCode", "\(Wording.shortQuote(line.sorCode)) must be 1 to 16 capital letters and digits")
                }
                try check.text(line.description, "Description", max: 200)
                if line.quantity.hundredths <= 0 { throw check.fail("Quantity", "\(line.quantity) must be more than zero") }
                xml.start("Line")
                xml.element("LineNumber", text: String(number + 1))
                xml.element("SORCode", text: line.sorCode)
                xml.element("Description", text: line.description)
                xml.element("Quantity", text: line.quantity.description)
                xml.element("UnitPrice", text: line.unitPrice.plain)
                xml.element("LineValue", text: line.value.plain)
                xml.end()
            }
            xml.end()
            xml.end()
            total += order.approvedValue
        }

        xml.start("Control")
        xml.element("OrderCount", text: String(orders.count))
        xml.element("TotalValue", text: total.plain)
        xml.end()
        xml.end()
        precondition(xml.isComplete)
        return xml.bytes
    }
}
