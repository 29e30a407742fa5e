/// Why an outbound file could not be written. It names the interface, the record and the field,
/// and says what to correct; no partial file is ever returned.
public struct OutboundFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure, for scripts and tests.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A value is empty, too long, has characters the format cannot carry, or breaks a rule
        /// of the format (an amendment with no original event).
        public static let invalidValue = Code("invalid-value")
        /// The records do not tie to their own totals (an order whose lines do not add up to its
        /// approved value).
        public static let totalsDoNotTie = Code("totals-do-not-tie")
    }

    public var code: Code
    /// The interface: `unit4-journal`, `oracle-journal`, `council-tax`, `ods-sales-orders`, `bacs-std18`.
    public var interface: String
    /// The record at fault: `file header`, `event CT1001`, `order SO-1 line 2`.
    public var record: String
    /// The field at fault, where one is.
    public var field: String?
    /// What was wrong and what to do.
    public var message: String

    public init(_ code: Code, interface: String, record: String, field: String?, _ message: String) {
        self.code = code
        self.interface = interface
        self.record = record
        self.field = field
        self.message = message
    }

    public var description: String {
        "\(interface): \(record)" + (field.map { ", \($0)" } ?? "") + ": " + message
    }
}
