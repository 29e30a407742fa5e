public import HousingFinance
internal import XML

/// One advice of a Bacs messaging report about a mandate: an ADDACS change from the payer's bank,
/// or an AUDDIS rejection of a lodgement.
public struct BacsAdvice: Hashable, Sendable {
    public enum Report: String, Hashable, Sendable, Codable {
        case addacs = "ADDACS"
        case auddis = "AUDDIS"
    }

    public var report: Report
    public var position: FilePosition
    /// The mandate's reference (the rent account reference).
    public var reference: String
    public var payerName: String
    public var sortCode: String
    public var accountNumber: String
    /// ADDACS: `0`, `1`, `2`, `3`, `B`, `C`, `D`, `E`, `R`; AUDDIS: the rejection reason (`5`, `B`, `L`...).
    public var reasonCode: String
    public var effectiveDate: Day?
    /// New details (ADDACS `3`, `C`, `E`).
    public var newSortCode: String?
    public var newAccountNumber: String?
    public var newPayerName: String?
    /// AUDDIS: the instruction rejected (`0N`, `0C`, `0S`).
    public var transactionCode: String?

    public init(
        report: Report, position: FilePosition = FilePosition(), reference: String, payerName: String, sortCode: String, accountNumber: String,
        reasonCode: String, effectiveDate: Day?, newSortCode: String? = nil, newAccountNumber: String? = nil, newPayerName: String? = nil,
        transactionCode: String? = nil
    ) {
        self.report = report
        self.position = position
        self.reference = reference
        self.payerName = payerName
        self.sortCode = sortCode
        self.accountNumber = accountNumber
        self.reasonCode = reasonCode
        self.effectiveDate = effectiveDate
        self.newSortCode = newSortCode
        self.newAccountNumber = newAccountNumber
        self.newPayerName = newPayerName
        self.transactionCode = transactionCode
    }
}

/// Reads a Bacs ADDACS report (Automated Direct Debit Amendment and Cancellation Service) or an
/// AUDDIS rejection report, as Bacstel-IP delivers them: `BACSDocument/Data/MessagingAdvices`
/// with a `MessagingHeader` (`reportType` `ADDACS` or `AUDDIS`, `userNumber`,
/// `reportProductionDate`) and one `MessagingAdvice` per change, values in attributes
/// (`reference`, `payer-name`, `payer-sort-code`, `payer-account-number`, `reason-code`,
/// `effective-date`, and `payer-new-*` or `transaction-code`), then `Totals numberOf`.
/// Layout and samples: `Interfaces/inbound/addacs/`, `Interfaces/inbound/auddis/`.
public struct BacsAdviceReader: Sendable {
    public let bytes: [UInt8]
    public let fileName: String

    public init(bytes: [UInt8], fileName: String) {
        self.bytes = bytes
        self.fileName = fileName
    }

    /// The report's header.
    public struct Header: Hashable, Sendable {
        public var report: BacsAdvice.Report
        public var userNumber: String
        public var produced: Day
        public var count: Int
    }

    private func fail(_ code: FileReadError.Code, _ line: Int?, _ path: XMLPath?, _ message: String) -> FileReadError {
        FileReadError(code, file: fileName, position: FilePosition(line: line, element: path?.description), message)
    }

    /// Reads every advice, checking the count in `Totals`.
    /// - Throws: `FileReadError` naming the element and line (not such a report, a missing
    ///   attribute, a bad date or sort code, a count that does not tie, hostile XML).
    public func read(_ body: (BacsAdvice) throws -> Void) throws -> Header {
        let xml: XMLStreamReader
        do { xml = try XMLStreamReader(bytes: bytes, name: fileName) } catch {
            throw CamtReader(bytes: bytes, fileName: fileName).translate(error)
        }
        do {
            return try read(xml, body)
        } catch let error as XMLError {
            throw CamtReader(bytes: bytes, fileName: fileName).translate(error)
        }
    }

    private func read(_ xml: XMLStreamReader, _ body: (BacsAdvice) throws -> Void) throws -> Header {
        guard let rootEvent = try xml.next(), let root = rootEvent.startTag else {
            throw fail(.truncated, 1, nil, "the file holds no XML element; it is empty or was cut short: ask Bacs for the report again")
        }
        guard root.localName == "BACSDocument" else {
            throw fail(.malformed, rootEvent.line, rootEvent.path, "the root element is <\(root.localName)>, not <BACSDocument>; check that this is a Bacs ADDACS or AUDDIS report")
        }
        var header: Header?
        var seenTotals = false
        var count = 0
        while let event = try xml.next() {
            guard let tag = event.startTag else { continue }
            switch tag.localName {
            case "ARUDD":
                throw fail(.unsupported, event.line, event.path, "this is an ARUDD returned-debits report: act on it with hub dd returns")
            case "MessagingHeader":
                guard let type = tag.attributes["reportType"].flatMap({ BacsAdvice.Report(rawValue: String($0.trimmingSpaces)) }) else {
                    throw fail(.malformed, event.line, event.path, "<MessagingHeader> has no reportType ADDACS or AUDDIS")
                }
                let node = XMLSubtree(name: tag.localName, attributes: tag.attributes, line: event.line, path: event.path)
                header = Header(report: type, userNumber: String(tag.attributes["userNumber"]?.trimmingSpaces ?? ""),
                                produced: try date(node, "reportProductionDate"), count: 0)
            case "MessagingAdvice":
                guard let report = header?.report else {
                    throw fail(.malformed, event.line, event.path, "a <MessagingAdvice> before the <MessagingHeader>")
                }
                let node = try XMLSubtree.collect(start: event, from: xml)
                func text(_ name: String, required: Bool = true) throws -> String? {
                    let value = node.attributes[name].map { String($0.trimmingSpaces) } ?? ""
                    if value.isEmpty {
                        if required { throw fail(.malformed, node.line, node.path, "<MessagingAdvice> has no \(name) attribute") }
                        return nil
                    }
                    return value
                }
                let effective = node.attributes["effective-date"] == nil ? nil : try date(node, "effective-date")
                var advice = BacsAdvice(
                    report: report, position: FilePosition(line: node.line, element: node.path.description), reference: try text("reference")!,
                    payerName: try text("payer-name")!, sortCode: try sortCode(try text("payer-sort-code")!, node),
                    accountNumber: try text("payer-account-number")!, reasonCode: try text("reason-code")!, effectiveDate: effective)
                advice.newSortCode = try text("payer-new-sort-code", required: false).map { try sortCode($0, node) }
                advice.newAccountNumber = try text("payer-new-account-number", required: false)
                advice.newPayerName = try text("payer-new-name", required: false)
                advice.transactionCode = try text("transaction-code", required: false)
                count += 1
                try body(advice)
            case "Totals":
                guard let text = tag.attributes["numberOf"], let n = Int(text.trimmingSpaces) else {
                    throw fail(.malformed, event.line, event.path, "<Totals> has no whole-number numberOf attribute")
                }
                guard n == count else {
                    throw fail(.totalsDoNotTie, event.line, event.path, "the Totals say \(n) advices but the report holds \(count); ask Bacs for it again")
                }
                seenTotals = true
            default:
                continue
            }
        }
        guard var header else { throw fail(.malformed, rootEvent.line, rootEvent.path, "the report has no <MessagingHeader>; check that this is an ADDACS or AUDDIS report") }
        guard seenTotals else { throw fail(.truncated, nil, nil, "the report has no <Totals numberOf=...>; it is incomplete: ask Bacs for it again") }
        header.count = count
        return header
    }

    private func sortCode(_ text: String, _ node: XMLSubtree) throws -> String {
        let digits = text.filter { $0 != "-" && $0 != " " }
        guard digits.count == 6, digits.allSatisfy(\.isASCIIDigit) else {
            throw fail(.invalidValue, node.line, node.path, "the sort code '\(text.prefix(12))' is not 6 digits")
        }
        return digits
    }

    private func date(_ node: XMLSubtree, _ attribute: String) throws -> Day {
        guard let text = node.attributes[attribute] else {
            throw fail(.malformed, node.line, node.path, "<\(node.name)> has no \(attribute) attribute")
        }
        do {
            return try LineContext(file: fileName, line: node.line).day(text, field: "\(attribute) of <\(node.name)>", layout: .iso)
        } catch {
            throw FileReadError(error.code, file: fileName, position: FilePosition(line: node.line, element: node.path.description), error.message)
        }
    }
}

/// Writes an ADDACS or AUDDIS report in the layout `BacsAdviceReader` reads, for the demo and tests.
public struct BacsAdviceWriter: Sendable {
    public var report: BacsAdvice.Report
    public var produced: Day
    public var userNumber: String

    public init(report: BacsAdvice.Report, produced: Day, userNumber: String = "123456") {
        self.report = report
        self.produced = produced
        self.userNumber = userNumber
    }

    public func bytes(_ advices: [BacsAdvice]) -> [UInt8] {
        var out = XMLEmitter(sink: ByteSink(handle: nil))
        out.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        out.start("BACSDocument")
        out.start("Data")
        out.start("MessagingAdvices")
        out.empty("MessagingHeader", attributes: [("reportType", report.rawValue), ("adviceNumber", "001"), ("userNumber", userNumber),
                                                  ("reportProductionDate", produced.iso)])
        for advice in advices {
            var attributes = [("user-number", userNumber), ("record-type", report == .addacs ? "A" : "V"), ("reference", advice.reference),
                              ("payer-name", advice.payerName), ("payer-sort-code", advice.sortCode), ("payer-account-number", advice.accountNumber),
                              ("reason-code", advice.reasonCode)]
            if let day = advice.effectiveDate { attributes.append(("effective-date", day.iso)) }
            if let value = advice.newSortCode { attributes.append(("payer-new-sort-code", value)) }
            if let value = advice.newAccountNumber { attributes.append(("payer-new-account-number", value)) }
            if let value = advice.newPayerName { attributes.append(("payer-new-name", value)) }
            if let value = advice.transactionCode { attributes.append(("transaction-code", value)) }
            out.empty("MessagingAdvice", attributes: attributes)
        }
        out.empty("Totals", attributes: [("numberOf", String(advices.count))])
        out.end()
        out.end()
        out.end()
        return out.sink.buffer
    }
}
