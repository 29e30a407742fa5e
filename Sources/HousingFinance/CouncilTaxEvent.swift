/// A change of council tax liability on a council home, sent to council tax billing.
///
/// When a tenancy starts the tenant becomes liable from that day; when it ends, or while the home
/// is void, the council as owner is liable. A correction to an event already sent goes as an
/// `amendment` that names the original event and carries the corrected facts.
public struct CouncilTaxEvent: Hashable, Sendable, Codable {
    /// What happened.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case tenancyStart = "TENANCY_START"
        case tenancyEnd = "TENANCY_END"
        case voidStart = "VOID_START"
        case voidEnd = "VOID_END"
        /// The council acquired the home.
        case acquired = "ACQUIRED"
        /// The council disposed of the home (sale, right to buy, demolition).
        case disposed = "DISPOSED"
        /// A correction of an event already sent; `originalEventId` names it.
        case amendment = "AMENDMENT"
        /// The withdrawal of an event already sent (the tenancy or void it reported no longer
        /// exists in the housing system); `originalEventId` names it.
        case cancellation = "CANCELLATION"

        /// Whether the event corrects or withdraws an earlier one (and so names it).
        public var refersToOriginal: Bool { self == .amendment || self == .cancellation }
    }

    /// A postal address: up to four lines and a postcode.
    public struct Address: Hashable, Sendable, Codable {
        /// The address lines, first line first.
        public var lines: [String]
        /// The postcode (`SW1A 1AA`).
        public var postcode: String

        public init(lines: [String], postcode: String) {
            self.lines = lines
            self.postcode = postcode
        }
    }

    /// The event's identity, unique across all files sent.
    public var eventId: String
    /// What happened.
    public var kind: Kind
    /// For an amendment or a cancellation: the event it corrects; nil otherwise.
    public var originalEventId: String?
    /// The housing system's property reference.
    public var propertyReference: String
    /// The Unique Property Reference Number (up to 12 digits).
    public var uprn: String
    /// The property's address.
    public var address: Address
    /// The day the change takes effect (liability moves from the start of that day).
    public var effectiveDate: Day
    /// The tenants, joint tenants in tenancy order (at most four); empty for void, acquisition and
    /// disposal events.
    public var tenantNames: [String]
    /// Whether the home is let furnished.
    public var furnished: Bool
    /// Where the outgoing tenant can be reached, where known (tenancy ends).
    public var forwardingAddress: Address?

    public init(
        eventId: String, kind: Kind, originalEventId: String? = nil, propertyReference: String, uprn: String,
        address: Address, effectiveDate: Day, tenantNames: [String] = [], furnished: Bool = false,
        forwardingAddress: Address? = nil
    ) {
        self.eventId = eventId
        self.kind = kind
        self.originalEventId = originalEventId
        self.propertyReference = propertyReference
        self.uprn = uprn
        self.address = address
        self.effectiveDate = effectiveDate
        self.tenantNames = tenantNames
        self.furnished = furnished
        self.forwardingAddress = forwardingAddress
    }
}
