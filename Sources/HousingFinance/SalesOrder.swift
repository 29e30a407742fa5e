public import Foundation

/// A contractor sales order the council has approved: its permission for ODS to bill for a
/// completed repair job, priced from the Schedule of Rates.
public struct SalesOrder: Hashable, Sendable, Codable {
    /// The repair's priority and its target time.
    public enum Priority: String, Hashable, Sendable, Codable, CaseIterable {
        /// Within 2 hours.
        case immediate = "IMMEDIATE"
        /// Within 24 hours.
        case emergency = "EMERGENCY"
        /// Within 5 working days.
        case urgent = "URGENT"
        /// Within 21 working days.
        case normal = "NORMAL"
    }

    /// A quantity with two decimals (metres, hours, items), held exactly as hundredths.
    public struct Quantity: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
        /// The quantity times 100.
        public var hundredths: Int64

        public init(hundredths: Int64) { self.hundredths = hundredths }

        /// A whole quantity.
        public init(_ whole: Int64) { self.hundredths = whole * 100 }

        /// `2.50`, `1.00`.
        public var description: String {
            let sign = hundredths < 0 ? "-" : ""
            let magnitude = hundredths.magnitude
            let rest = magnitude % 100
            return sign + String(magnitude / 100) + "." + (rest < 10 ? "0" : "") + String(rest)
        }

        public static func < (a: Quantity, b: Quantity) -> Bool { a.hundredths < b.hundredths }
    }

    /// One priced line of the job.
    public struct Line: Hashable, Sendable, Codable {
        /// The Schedule of Rates code (`DES5R003`).
        public var sorCode: String
        /// What the work was.
        public var description: String
        /// How much of it.
        public var quantity: Quantity
        /// The contract rate in force on the completion date.
        public var unitPrice: Money
        /// The priced value of the line.
        public var value: Money

        public init(sorCode: String, description: String, quantity: Quantity, unitPrice: Money, value: Money) {
            self.sorCode = sorCode
            self.description = description
            self.quantity = quantity
            self.unitPrice = unitPrice
            self.value = value
        }
    }

    /// The sales order's identity.
    public var salesOrderId: String
    /// The contractor's job number.
    public var jobNumber: String
    /// The property the job was done at.
    public var propertyReference: String
    /// The job's priority.
    public var priority: Priority
    /// The day the job was completed.
    public var completionDate: Day
    /// The approved value: the sum of the lines.
    public var approvedValue: Money
    /// Who approved it (a user name, or the automatic review).
    public var approvedBy: String
    /// When it was approved.
    public var approvedAt: Date
    /// The priced lines.
    public var lines: [Line]

    public init(
        salesOrderId: String, jobNumber: String, propertyReference: String, priority: Priority, completionDate: Day,
        approvedValue: Money, approvedBy: String, approvedAt: Date, lines: [Line]
    ) {
        self.salesOrderId = salesOrderId
        self.jobNumber = jobNumber
        self.propertyReference = propertyReference
        self.priority = priority
        self.completionDate = completionDate
        self.approvedValue = approvedValue
        self.approvedBy = approvedBy
        self.approvedAt = approvedAt
        self.lines = lines
    }

    /// The sum of the lines' values.
    public var linesTotal: Money { lines.reduce(.zero) { $0 + $1.value } }
}
