public import Foundation
internal import HousingFinance
internal import XML

/// Reads a Bacs ARUDD report (Automated Return of Unpaid Direct Debits), the XML report Bacs
/// sends the council when a payer's bank returns a Direct Debit collection.
///
/// Layout: `Interfaces/inbound/arudd/README.md` (after the report as Bacstel-IP delivers it:
/// `BACSDocument/Data/ARUDD` with `Header`, `AddresseeInformation`,
/// `ServiceLicenseInformation` and `Advice/OriginatingAccountRecords/OriginatingAccountRecord`,
/// values in attributes, no namespace, a signature block after `Data`).
///
/// Each `ReturnedDebitItem` becomes a debit `Payment` with transaction code `RDN`: the amount
/// (`valueOf`) taken back from the rent account's credit; `reference` the payer reference
/// (`PayerAccount/@ref`, the rent account reference the collection was made under; the item's
/// own `ref` when that is missing); `originalReference` the item's `ref`; `returnReasonCode`
/// the `returnCode`; `valueDate` the original processing date; `details` the reason text and the
/// original collection date. Each
/// `OriginatingAccountRecord`'s `Totals` (`numberOf`, `valueOf`) must tie to its items.
public struct ARUDDReader: Sendable {
    /// Where the document comes from.
    public let source: CamtReader.Source
    /// The file's name, for messages.
    public let fileName: String

    /// The largest ARUDD report (256 MB: it is streamed) and element text or attribute value
    /// (4 KB, `maxLineBytes`; BACS names are 18 characters, references 18). Each returned
    /// debit's fields are limited by `InputLimits.paymentFields`.
    public static let limits = InputLimits(kind: "an ARUDD report", maxFileBytes: 256 * InputLimits.megabyte, maxLineBytes: 4096, maxFieldCharacters: 4096)

    /// Reads a file from its path, streaming.
    public init(url: URL) {
        source = .file(url)
        fileName = url.lastPathComponent
    }

    /// Reads a document held in memory.
    public init(bytes: [UInt8], fileName: String) {
        source = .bytes(bytes)
        self.fileName = fileName
    }

    /// Reads the report, calling `body` for each returned debit in file order, and returns the
    /// totals once every record's totals tie.
    /// - Throws: `FileReadError` naming the file, element and line: `malformed` (not an ARUDD
    ///   report, an attribute missing), `truncated`, `totalsDoNotTie`, `invalidValue` (a date that
    ///   does not exist, three decimals), `hostile`, `unsupported` (a currency other than GBP);
    ///   or whatever `body` throws.
    public func read(_ body: (Payment) throws -> Void) throws -> FileTotals {
        // XML failures are translated as the camt reader does (same file, same rules).
        let translate: (XMLError) -> FileReadError = { error in
            switch source {
            case .bytes(let bytes): return CamtReader(bytes: bytes, fileName: fileName).translate(error)
            case .file(let url): return CamtReader(url: url).translate(error)
            }
        }
        let xml: XMLStreamReader
        do {
            switch source {
            case .file(let url): xml = try XMLStreamReader(path: url.path, options: CamtReader.xmlOptions(ARUDDReader.limits))
            case .bytes(let bytes): xml = try XMLStreamReader(bytes: bytes, name: fileName, options: CamtReader.xmlOptions(ARUDDReader.limits))
            }
        } catch {
            throw translate(error)
        }
        do {
            return try read(xml, body)
        } catch let error as XMLError {
            throw translate(error)
        } catch let error as SubtreeTooLarge {
            throw FileReadError(.hostile, file: fileName, position: FilePosition(line: error.line, element: error.path.description),
                                "the element holds more than \(error.limit) elements; the limit guards against hostile input")
        }
    }

    private func fail(_ code: FileReadError.Code, _ line: Int?, _ path: XMLPath?, _ message: String) -> FileReadError {
        FileReadError(code, file: fileName, position: FilePosition(line: line, element: path?.description), message)
    }

    private func read(_ xml: XMLStreamReader, _ body: (Payment) throws -> Void) throws -> FileTotals {
        var totals = FileTotals(format: .arudd)
        totals.statements = 0
        guard let rootEvent = try xml.next(), let root = rootEvent.startTag else {
            throw fail(.truncated, 1, nil, "the file holds no XML element; it is empty or was cut short: ask Bacs for the report again")
        }
        guard root.localName == "BACSDocument" else {
            throw fail(.malformed, rootEvent.line, rootEvent.path,
                       "the root element is <\(root.localName)>, not <BACSDocument>; check that this is a Bacs ARUDD report")
        }
        var processingDate: Day?
        var sawARUDD = false
        var sawData = false
        // Items of the record being read: count and value, checked at its Totals.
        var record: (count: Int, value: Money, line: Int, path: XMLPath)?
        var recordTotalsSeen = false

        while let event = try xml.next() {
            if event.isEnd(of: "OriginatingAccountRecord"), let open = record {
                if !recordTotalsSeen {
                    throw fail(.truncated, event.line, open.path,
                               "the originating account record has no <Totals>; the report is incomplete: ask Bacs for it again")
                }
                record = nil
                continue
            }
            guard let tag = event.startTag else { continue }
            switch tag.localName {
            case "Data":
                sawData = true
            case "ARUDD":
                sawARUDD = true
            case "MessagingAdvices", "AUDDIS", "ADDACS", "AWACS", "DDICA", "InputReport", "MessagingAdvice":
                throw fail(.unsupported, event.line, event.path,
                           "this Bacs report is <\(tag.localName)>, not an ARUDD returned-debits report; import only ARUDD reports here")
            case "Header" where sawARUDD:
                let node = XMLSubtree(name: tag.localName, attributes: tag.attributes, line: event.line, path: event.path)
                processingDate = try date(node, "currentProcessingDate")
                totals.fileDate = processingDate
            case "OriginatingAccountRecord":
                record = (0, .zero, event.line, event.path)
                recordTotalsSeen = false
                totals.statements += 1
            case "ReturnedDebitItem":
                guard sawARUDD, record != nil else {
                    throw fail(.malformed, event.line, event.path, "a <ReturnedDebitItem> outside ARUDD/Advice/OriginatingAccountRecords/OriginatingAccountRecord")
                }
                guard let processingDate else {
                    throw fail(.malformed, event.line, event.path, "the report has no <Header currentProcessingDate=...> before its items")
                }
                let node = try XMLSubtree.collect(start: event, from: xml)
                let payment = try item(node, processingDate: processingDate)
                try ARUDDReader.limits.check(payment, file: fileName)
                record!.count += 1
                record!.value += payment.amount
                totals.add(payment)
                try body(payment)
            case "Totals" where record != nil:
                let node = XMLSubtree(name: tag.localName, attributes: tag.attributes, line: event.line, path: event.path)
                guard let countText = tag.attributes["numberOf"], let count = Int(countText.trimmingSpaces) else {
                    throw fail(.malformed, event.line, event.path, "<Totals> has no whole-number numberOf attribute")
                }
                try currency(node)
                let value = try amount(node, "valueOf")
                let open = record!
                guard count == open.count, value == open.value else {
                    throw fail(.totalsDoNotTie, event.line, event.path,
                               "the record's Totals say \(count) items worth \(value.plain) but it holds \(open.count) items worth \(open.value.plain) (a difference of \((value - open.value).plain)); the report is incomplete or wrong: ask Bacs for it again")
                }
                recordTotalsSeen = true
                totals.checks.append("originating account record \(totals.statements): \(Wording.count(count, "returned debit")), \(value.formatted), tie\(count == 1 ? "s" : "") to its Totals")
            default:
                continue
            }
        }
        guard sawData, sawARUDD else {
            throw fail(.malformed, rootEvent.line, rootEvent.path, "the BACSDocument holds no Data/ARUDD report; check that this is a Bacs ARUDD report")
        }
        guard totals.statements > 0 else {
            throw fail(.malformed, rootEvent.line, rootEvent.path, "the ARUDD report holds no OriginatingAccountRecord")
        }
        return totals
    }

    private func item(_ node: XMLSubtree, processingDate: Day) throws -> Payment {
        try currency(node)
        let amount = try self.amount(node, "valueOf")
        let payer = node.child("PayerAccount")
        let itemRef = node.attributes["ref"]?.trimmingSpaces.description ?? ""
        let payerRef = payer?.attributes["ref"]?.trimmingSpaces.description ?? ""
        guard !itemRef.isEmpty || !payerRef.isEmpty else {
            throw fail(.malformed, node.line, node.path, "the returned debit has no reference (ref, PayerAccount ref), so it cannot be traced to a rent account")
        }
        guard let code = node.attributes["returnCode"]?.trimmingSpaces, !code.isEmpty else {
            throw fail(.malformed, node.line, node.path, "the returned debit has no returnCode")
        }
        let original = try date(node, "originalProcessingDate")
        var payment = Payment(position: FilePosition(line: node.line, element: node.path.description), amount: amount,
                              direction: .debit, bookingDate: processingDate, reference: payerRef.isEmpty ? itemRef : payerRef)
        payment.transactionCode = "RDN"
        payment.sourceCode = "ARUDD"
        payment.returnReasonCode = String(code)
        payment.originalReference = itemRef.isEmpty ? payerRef : itemRef
        payment.valueDate = original
        payment.bankTransactionCode = node.attributes["transCode"]
        payment.payerName = payer?.attributes["name"].map { String($0.trimmingSpaces) }
        let description = node.attributes["returnDescription"]?.trimmingSpaces ?? ""
        payment.details = "returned \(description.isEmpty ? "(no description)" : String(description)) (code \(code)); original collection \(original.iso)"
        return payment
    }

    private func currency(_ node: XMLSubtree) throws {
        let code = node.attributes["currency"]?.trimmingSpaces ?? "GBP"
        guard code == "GBP" else {
            throw fail(.unsupported, node.line, node.path, "the amount is in \(code); Bacs Direct Debits are in GBP: check that this is the right report")
        }
    }

    private func amount(_ node: XMLSubtree, _ attribute: String) throws -> Money {
        guard let text = node.attributes[attribute] else {
            throw fail(.malformed, node.line, node.path, "<\(node.name)> has no \(attribute) attribute")
        }
        do {
            return try LineContext(file: fileName, line: node.line).strictAmount(text, field: "\(attribute) of <\(node.name)>", signed: false)
        } catch {
            throw FileReadError(error.code, file: fileName, position: FilePosition(line: node.line, element: node.path.description), error.message)
        }
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
