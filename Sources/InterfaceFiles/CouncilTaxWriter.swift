public import HousingFinance

/// Writes the council tax change file: the tenancy, void and ownership changes of council homes
/// that move council tax liability, for the billing system.
///
/// Layout (Interfaces/outbound/council-tax/README.md): CSV, UTF-8, CRLF after every record,
/// RFC 4180 quoting. An `H` header record (file type, layout version, sequence number, created
/// date), one `D` record per event in the order given (22 columns), and a `T` trailer with the
/// count of `D` records. Dates are `YYYY-MM-DD`. The same events and header always give the same bytes.
public struct CouncilTaxWriter: Sendable {
    /// What the header carries.
    public struct FileHeader: Hashable, Sendable {
        /// The file's sequence number, gap-free from 1, so billing can spot a missing file.
        public var sequenceNumber: Int
        /// The day the file was made (given, never read from the clock).
        public var created: Day

        public init(sequenceNumber: Int, created: Day) {
            self.sequenceNumber = sequenceNumber
            self.created = created
        }
    }

    /// The interface name in errors.
    public static let interfaceName = "council-tax"
    /// The file type in the header record.
    public static let fileType = "CTAX-CHANGES"
    /// The layout version in the header record.
    public static let layoutVersion = "1"
    /// At most this many joint tenants (the legal limit for a tenancy in England and Wales).
    public static let maximumTenants = 4
    /// At most this many address lines.
    public static let maximumAddressLines = 4

    /// The column names of a `D` record, in order (as the README's table).
    public static let eventColumns = [
        "record_type", "event_id", "event_type", "original_event_id", "property_ref", "uprn",
        "address_1", "address_2", "address_3", "address_4", "postcode", "effective_date",
        "tenant_1", "tenant_2", "tenant_3", "tenant_4", "furnished",
        "forwarding_1", "forwarding_2", "forwarding_3", "forwarding_4", "forwarding_postcode",
    ]

    /// The file's header.
    public let header: FileHeader

    /// Creates a writer for one file.
    public init(header: FileHeader) { self.header = header }

    /// Writes the events.
    /// - Parameter events: the changes to send, in the order they are to appear.
    /// - Returns: the file's bytes.
    /// - Throws: `OutboundFileError` naming the event and field: an empty or over-long value, a
    ///   UPRN that is not 1 to 12 digits, an event id used twice, an amendment without the event it
    ///   corrects (or another event with one), a tenancy event without tenants or with more than
    ///   four, tenants on a void or ownership event, a forwarding address on an event other than a
    ///   tenancy end or an amendment.
    public func write(_ events: [CouncilTaxEvent]) throws(OutboundFileError) -> [UInt8] {
        var check = FieldChecker(interface: Self.interfaceName, record: "file header")
        if header.sequenceNumber < 1 { throw check.fail("sequence_number", "\(header.sequenceNumber) must be 1 or more") }

        var csv = CSVText(lineEnding: "\r\n")
        csv.record(["H", Self.fileType, Self.layoutVersion, String(header.sequenceNumber), header.created.iso])
        var seen: Set<String> = []
        for (index, event) in events.enumerated() {
            check.record = "event \(index + 1) (\(event.eventId))"
            try check.code(event.eventId, "event_id", max: 20)
            guard seen.insert(event.eventId).inserted else { throw check.fail("event_id", "is used by an earlier event in this file") }
            switch (event.kind.refersToOriginal, event.originalEventId) {
            case (true, nil):
                throw check.fail("original_event_id", "an \(event.kind == .amendment ? "amendment" : "cancellation") must name the event it corrects")
            case (true, let original?):
                try check.code(original, "original_event_id", max: 20)
                if original == event.eventId { throw check.fail("original_event_id", "an \(event.kind == .amendment ? "amendment" : "cancellation") cannot correct itself") }
            case (false, _?):
                throw check.fail("original_event_id", "only an amendment or a cancellation names an original event")
            case (false, nil):
                break
            }
            try check.code(event.propertyReference, "property_ref", max: 20)
            if !(1...12).contains(event.uprn.count) || !event.uprn.allSatisfy(\.isASCIIDigit) {
                throw check.fail("uprn", "\(Wording.shortQuote(event.uprn)) must be 1 to 12 digits")
            }
            let address = try lines(of: event.address, "address", check)
            let tenants = event.tenantNames
            switch event.kind {
            case .tenancyStart, .tenancyEnd:
                if tenants.isEmpty { throw check.fail("tenant_1", "a tenancy event needs the tenants' names") }
            case .voidStart, .voidEnd, .acquired, .disposed:
                if !tenants.isEmpty { throw check.fail("tenant_1", "a \(event.kind.rawValue) event has no tenants") }
            case .amendment, .cancellation:
                break
            }
            if tenants.count > Self.maximumTenants {
                throw check.fail("tenant_\(Self.maximumTenants + 1)", "\(tenants.count) tenants; a tenancy has at most \(Self.maximumTenants)")
            }
            for (number, name) in tenants.enumerated() { try check.text(name, "tenant_\(number + 1)", max: 100) }
            var forwarding = Array(repeating: "", count: Self.maximumAddressLines + 1)
            if let forwardingAddress = event.forwardingAddress {
                guard event.kind == .tenancyEnd || event.kind == .amendment || event.kind == .cancellation else {
                    throw check.fail("forwarding_1", "only a tenancy end, an amendment or a cancellation carries a forwarding address")
                }
                forwarding = try lines(of: forwardingAddress, "forwarding", check)
            }
            csv.record(
                ["D", event.eventId, event.kind.rawValue, event.originalEventId ?? "", event.propertyReference, event.uprn]
                    + address + [event.effectiveDate.iso]
                    + tenants + Array(repeating: "", count: Self.maximumTenants - tenants.count)
                    + [event.furnished ? "Y" : "N"] + forwarding)
        }
        csv.record(["T", String(events.count)])
        return csv.bytes
    }

    /// An address as its four line fields and postcode, checked.
    private func lines(
        of address: CouncilTaxEvent.Address, _ prefix: String, _ check: FieldChecker
    ) throws(OutboundFileError) -> [String] {
        if address.lines.isEmpty { throw check.fail("\(prefix)_1", "the address has no lines") }
        if address.lines.count > Self.maximumAddressLines {
            throw check.fail("\(prefix)_1", "the address has \(address.lines.count) lines; at most \(Self.maximumAddressLines) fit")
        }
        for (number, line) in address.lines.enumerated() {
            try check.text(line, "\(prefix)_\(number + 1)", max: 60, required: number == 0)
        }
        try check.text(address.postcode, prefix == "address" ? "postcode" : "\(prefix)_postcode", max: 10)
        return address.lines + Array(repeating: "", count: Self.maximumAddressLines - address.lines.count) + [address.postcode]
    }
}
