import Foundation
import HousingFinance
import InterfaceFiles
import Postgres
import XML

/// The sales-order file to ODS and the postings of approved costs: what an automatic review and
/// a person's approval both do, inside their run's transaction.
public enum SalesOrderFile {
    /// The outbound interface (outbox folder) of the file.
    public static let interface = "ods-sales-orders"

    /// The compiled schema, once per process.
    private static let schema: Result<XMLSchema, XMLError> = {
        guard let url = SalesOrderWriter.schemaURL else {
            return .failure(XMLError(code: .io, file: "sales-orders.xsd", message: "the schema is missing from InterfaceFiles' resources"))
        }
        return Result { () throws(XMLError) in try XMLSchema(path: url.path) }
    }()

    /// Checks a sales-order file against `sales-orders.xsd` with libxml2.
    /// - Throws: `XMLError` naming the line and what the schema refuses.
    public static func validate(_ bytes: [UInt8], name: String) throws {
        try schema.get().validate(bytes: bytes, name: name)
    }

    /// Waits for the repairs transaction lock, held until the run commits or rolls back: reviews
    /// and approvals of sales orders run one at a time.
    static func serialise(on db: Connection) throws {
        try db.landlordTransactionLock("repairs sales orders")
    }

    /// The file's name for a sequence number: `ODS-SO-000001.xml`.
    public static func fileName(sequence: Int64) -> String {
        let digits = String(sequence)
        return "ODS-SO-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".xml"
    }

    /// Writes the orders with `SalesOrderWriter`, validates the bytes against the XSD, and stores
    /// the file with the run (gap-free sequence, SHA-256, control totals). Deliver it after commit.
    /// - Throws: `RunError.refused` if the writer or the schema refuses the file: nothing is sent.
    static func store(_ orders: [SalesOrder], councilId: String, created: Date, in context: RunContext) throws -> OutboundFile {
        try OutboundFile.store(interface: interface, in: context) { sequence in
            let name = fileName(sequence: sequence)
            let bytes: [UInt8]
            do {
                bytes = try SalesOrderWriter(header: .init(sequenceNumber: Int(sequence), created: created, councilId: councilId)).write(orders)
            } catch {
                throw RunError(.refused, "the sales-order file \(name) could not be written: \(error); nothing was sent")
            }
            do { try validate(bytes, name: name) } catch {
                throw RunError(.refused, "the sales-order file \(name) is not valid against sales-orders.xsd: \(error); nothing was sent")
            }
            let total = orders.reduce(Money.zero) { $0 + $1.approvedValue }
            return (name, bytes, ["orders": String(orders.count), "total": total.plain])
        }
    }

    /// Posts the approved costs for the general ledger (code RPR, analysis the order's priority
    /// or VOID, amount positive = cost) and marks the orders as sent in the file.
    static func post(_ orders: [(id: Int64, order: SalesOrder, analysis: String)], file: OutboundFile, in context: RunContext) throws {
        let db = context.connection
        try db.copyIntoLandlordTable(table: "gl_postings", columns: ["run_id", "code", "analysis", "amount_pence", "entry_date", "description", "source_ref"]) { rows in
            for item in orders {
                try rows.beginRow(columns: 7)
                rows.write(context.runId)
                rows.write(RepairsCodes.postingCode)
                rows.write(item.analysis)
                rows.write(item.order.approvedValue.pence)
                rows.writeDate(daysSince1970: context.businessDate.daysSinceEpoch)
                rows.write("ODS job \(item.order.jobNumber) at \(item.order.propertyReference), sales order \(item.order.salesOrderId)")
                rows.write(item.order.salesOrderId)
            }
        }
        let ids = PostgresArray(orders.map(\.id))
        try db.execute("UPDATE sales_orders SET sent_file_id = $1 WHERE id = ANY($2::bigint[])", [file.id, ids])
    }
}

/// The codes of repairs postings (Config/financial-map.csv).
public enum RepairsCodes {
    /// The transaction code of approved repair costs.
    public static let postingCode = "RPR"
    /// The analysis of a job at a void property.
    public static let void = "VOID"

    /// The analysis of a job by its priority (the financial map allows 2-8 characters after the
    /// code's '/': RPR/IMMED, RPR/EMERG, RPR/URGENT, RPR/NORMAL).
    public static func analysis(for priority: SalesOrder.Priority) -> String {
        switch priority {
        case .immediate: return "IMMED"
        case .emergency: return "EMERG"
        case .urgent: return "URGENT"
        case .normal: return "NORMAL"
        }
    }
}

/// A sales order as stored: for lists, approvals and tests.
public struct SalesOrderRecord: Codable, Hashable, Sendable {
    public var id: Int64
    public var reference: String
    public var jobNumber: String
    public var propertyReference: String?
    public var priority: String?
    public var completionDate: Day
    public var claimed: Money
    public var priced: Money?
    public var estimate: Money?
    public var status: String
    public var reasons: [SalesOrderReview.Reason]
    public var analysis: String?
    public var approvedBy: String?
    public var reviewRunId: Int64
    public var sentFileId: Int64?
    public var fileName: String
    public var fileLine: Int

    enum CodingKeys: String, CodingKey {
        case id, reference, jobNumber, propertyReference, priority, completionDate, status, reasons, analysis, approvedBy
        case reviewRunId, sentFileId, fileName, fileLine
        case claimed = "claimedPence"
        case priced = "pricedPence"
        case estimate = "estimatePence"
    }

    /// `SO00000042`.
    public static func reference(_ id: Int64) -> String {
        let digits = String(id)
        return "SO" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// Reads `SO00000042` or `42` as an id.
    public static func id(from text: String) -> Int64? {
        let trimmed = text.uppercased().hasPrefix("SO") ? String(text.dropFirst(2)) : text
        return Int64(trimmed)
    }

    static let select = """
        SELECT s.id, s.job_number, p.property_ref, r.priority, s.completion_date, s.claimed_pence, s.priced_pence, s.estimate_pence,
               s.status, s.reasons::text, s.analysis, s.approved_by, s.review_run_id, s.sent_file_id, s.file_name, s.file_line
        FROM sales_orders s LEFT JOIN repair_orders r ON r.id = s.repair_order_id LEFT JOIN properties p ON p.id = r.property_id
        """

    init(_ row: Row) throws {
        id = try row.decode(Int64.self, 0)
        reference = Self.reference(id)
        jobNumber = try row.decode(String.self, 1)
        propertyReference = try row.decode(String?.self, 2)
        priority = try row.decode(String?.self, 3)
        completionDate = try row.decode(Day.self, 4)
        claimed = Money(pence: try row.decode(Int64.self, 5))
        priced = try row.decode(Int64?.self, 6).map { Money(pence: $0) }
        estimate = try row.decode(Int64?.self, 7).map { Money(pence: $0) }
        status = try row.decode(String.self, 8)
        reasons = try JSONDecoder().decode([SalesOrderReview.Reason].self, from: Data(try row.decode(String.self, 9).utf8))
        analysis = try row.decode(String?.self, 10)
        approvedBy = try row.decode(String?.self, 11)
        reviewRunId = try row.decode(Int64.self, 12)
        sentFileId = try row.decode(Int64?.self, 13)
        fileName = try row.decode(String.self, 14)
        fileLine = try row.decode(Int.self, 15)
    }

    /// Sales orders, oldest first, optionally of one status.
    public static func list(status: String? = nil, on db: Connection) throws -> [SalesOrderRecord] {
        try db.query("\(unescaped: select) WHERE ($1::text IS NULL OR s.status = $1) ORDER BY s.id", [status]).map(SalesOrderRecord.init)
    }

    /// One sales order.
    public static func find(_ id: Int64, on db: Connection) throws -> SalesOrderRecord? {
        try db.queryOne("\(unescaped: select) WHERE s.id = $1", [id]).map(SalesOrderRecord.init)
    }

    /// Its decisions, oldest first.
    public static func decisions(_ id: Int64, on db: Connection) throws -> [SalesOrderDecision] {
        try db.query(
            "SELECT decision, decided_by, decided_at, automatic, note, value_pence, run_id FROM sales_order_decisions WHERE sales_order_id = $1 ORDER BY id",
            [id]
        ).map {
            SalesOrderDecision(
                decision: try $0.decode(String.self, 0), decidedBy: try $0.decode(String.self, 1), decidedAt: try $0.decode(Date.self, 2),
                automatic: try $0.decode(Bool.self, 3), note: try $0.decode(String?.self, 4),
                value: try $0.decode(Int64?.self, 5).map { Money(pence: $0) }, runId: try $0.decode(Int64?.self, 6))
        }
    }

    /// The order as the sales-order file carries it.
    static func salesOrder(_ id: Int64, approvedBy: String, approvedAt: Date, on db: Connection) throws -> (SalesOrder, String) {
        guard let row = try db.queryOne(
            """
            SELECT s.job_number, p.property_ref, r.priority, s.completion_date, s.priced_pence, s.analysis
            FROM sales_orders s JOIN repair_orders r ON r.id = s.repair_order_id JOIN properties p ON p.id = r.property_id
            WHERE s.id = $1
            """, [id])
        else { throw RunError(.notFound, "sales order \(reference(id)) has no repair order") }
        let lines = try db.query(
            "SELECT sor_code, description, quantity_hundredths, unit_price_pence, value_pence FROM sales_order_lines WHERE sales_order_id = $1 ORDER BY line_number",
            [id]
        ).map {
            SalesOrder.Line(
                sorCode: try $0.decode(String.self, 0), description: try $0.decode(String.self, 1),
                quantity: SalesOrder.Quantity(hundredths: try $0.decode(Int64.self, 2)), unitPrice: Money(pence: try $0.decode(Int64.self, 3)),
                value: Money(pence: try $0.decode(Int64.self, 4)))
        }
        let order = SalesOrder(
            salesOrderId: reference(id), jobNumber: try row.decode(String.self, 0), propertyReference: try row.decode(String.self, 1),
            priority: SalesOrder.Priority(rawValue: try row.decode(String.self, 2)) ?? .normal, completionDate: try row.decode(Day.self, 3),
            approvedValue: Money(pence: try row.decode(Int64.self, 4)), approvedBy: approvedBy, approvedAt: approvedAt, lines: lines)
        return (order, try row.decode(String?.self, 5) ?? RepairsCodes.analysis(for: order.priority))
    }
}

/// One decision on a sales order.
public struct SalesOrderDecision: Codable, Hashable, Sendable {
    public var decision: String
    public var decidedBy: String
    public var decidedAt: Date
    public var automatic: Bool
    public var note: String?
    public var value: Money?
    public var runId: Int64?

    enum CodingKeys: String, CodingKey {
        case decision, decidedBy, decidedAt, automatic, note, runId
        case value = "valuePence"
    }
}
