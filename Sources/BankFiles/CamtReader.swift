public import Foundation
internal import HousingFinance
internal import XML

/// Reads an ISO 20022 bank-to-customer statement (camt.053) or debit/credit notification
/// (camt.054), streaming it with libxml2's reader: one entry at a time is held in memory, so a
/// 1 GB file reads in flat memory.
///
/// Layout, the elements read and the checks made: `Interfaces/inbound/camt053/README.md` and
/// `Interfaces/inbound/camt054/README.md`. In short:
/// - several `Stmt` (`Ntfctn`) in one file; each statement's booked entries must tie its opening
///   balance (`OPBD`, or `PRCD`) to its closing balance (`CLBD`) to the penny, and its
///   `TxsSummry` counts and sums where present;
/// - an entry (`Ntry`) with several `TxDtls` is several payments, whose amounts (`TxDtls/Amt` or
///   `AmtDtls`) must sum to the entry's;
/// - entries whose status is not `BOOK` are skipped and reported in `FileTotals.checks`;
/// - a `DBIT` entry is a debit payment (reported, not rent); `RvslInd` true is noted in `details`.
public struct CamtReader: Sendable {
    /// Where the document comes from.
    public enum Source: Sendable {
        /// A file, streamed from its path.
        case file(URL)
        /// Bytes in memory (tests, small files).
        case bytes([UInt8])
    }

    /// The largest camt file (2 GB: it is streamed, so memory stays flat) and element text or
    /// attribute value (16 KB, `maxLineBytes`; ISO 20022 texts are at most 500 characters).
    /// Each payment's fields are limited by `InputLimits.paymentFields`.
    public static let limits = InputLimits(kind: "a camt file", maxFileBytes: 2048 * InputLimits.megabyte, maxLineBytes: 16 * 1024, maxFieldCharacters: 16 * 1024)

    /// The versions read, by message: the `NNN` of `camt.053.001.NNN`.
    public static let supportedVersions: [PaymentFormat: Set<Int>] = [
        .camt053: Set(2...13),
        .camt054: Set(2...13),
    ]

    /// The document.
    public let source: Source
    /// The file's name, for messages.
    public let fileName: String
    /// The currency every amount must be in (`GBP` for the rent collection account); nil reads
    /// any currency (tests of other banks' files).
    public let currency: String?
    /// The message expected (camt053 or camt054), or nil for either.
    public let expected: PaymentFormat?

    /// Reads a file from its path, streaming.
    /// - Parameters:
    ///   - url: the file.
    ///   - currency: the currency amounts must be in; nil accepts any.
    ///   - expected: `.camt053` or `.camt054` to refuse the other; nil reads either.
    public init(url: URL, currency: String? = "GBP", expected: PaymentFormat? = nil) {
        self.source = .file(url)
        self.fileName = url.lastPathComponent
        self.currency = currency
        self.expected = expected
    }

    /// Reads a document held in memory.
    /// - Parameters:
    ///   - bytes: the document.
    ///   - fileName: its name, for messages.
    ///   - currency: the currency amounts must be in; nil accepts any.
    ///   - expected: `.camt053` or `.camt054` to refuse the other; nil reads either.
    public init(bytes: [UInt8], fileName: String, currency: String? = "GBP", expected: PaymentFormat? = nil) {
        self.source = .bytes(bytes)
        self.fileName = fileName
        self.currency = currency
        self.expected = expected
    }

    /// Reads the document, calling `body` for each booked payment in file order, and returns the
    /// totals once every statement ties.
    ///
    /// Payments are handed out as they are read, before the end of their statement is checked:
    /// a caller that posts must collect them and post only when this returns (the import posts a
    /// file all or nothing).
    /// - Parameter body: called with each payment; an error it throws stops the read.
    /// - Returns: the totals: statements, credits and debits (booked only), the first opening and
    ///   last closing balance, the file's date, and one check line per statement.
    /// - Throws: `FileReadError` naming the file, the element path and line: `malformed` (not
    ///   camt, not well-formed, a required element missing), `truncated`, `totalsDoNotTie`,
    ///   `invalidValue` (a date that does not exist, an amount with more than two decimals),
    ///   `hostile` (DOCTYPE, entities, a huge text), `unsupported` (another version or
    ///   currency); or whatever `body` throws.
    public func read(_ body: (Payment) throws -> Void) throws -> FileTotals {
        let reader: XMLStreamReader
        do {
            switch source {
            case .file(let url): reader = try XMLStreamReader(path: url.path, options: CamtReader.xmlOptions(CamtReader.limits))
            case .bytes(let bytes): reader = try XMLStreamReader(bytes: bytes, name: fileName, options: CamtReader.xmlOptions(CamtReader.limits))
            }
        } catch {
            throw translate(error)
        }
        var state = CamtDocumentState(reader: self, xml: reader)
        do {
            return try state.readDocument(body)
        } catch let error as XMLError {
            throw translate(error)
        } catch let error as SubtreeTooLarge {
            throw FileReadError(
                .hostile, file: fileName, position: FilePosition(line: error.line, element: error.path.description),
                "the element holds more than \(error.limit) elements; the limit guards against hostile input; check that this is the expected file")
        }
    }

    /// The XML reader's limits for a kind of file: its element texts at most `maxLineBytes`.
    static func xmlOptions(_ limits: InputLimits) -> XMLStreamReader.Options {
        XMLStreamReader.Options(maxTextLength: limits.maxLineBytes)
    }

    /// An XML failure as a file read error, keeping its line and element.
    func translate(_ error: XMLError) -> FileReadError {
        let position = FilePosition(line: error.line, element: error.path.flatMap { $0 == "/" ? nil : $0 })
        let code: FileReadError.Code
        var message = error.message
        switch error.code {
        case .hostile:
            code = .hostile
        case .io:
            code = .malformed
        default:
            // A document that fails on its last line was cut short (libxml2's streaming reader
            // reports that as "Extra content at the end of the document" or "Premature end of data").
            if isAtEnd(error) {
                code = .truncated
                message = "the file ends before the document is complete (\(message)); it was cut short in transfer: ask the bank to send it again"
            } else {
                code = .malformed
            }
        }
        return FileReadError(code, file: fileName, position: position, message)
    }

    /// Whether an XML error was found at the last line of the document: where a cut-short file fails.
    private func isAtEnd(_ error: XMLError) -> Bool {
        if case .bytes(let bytes) = source, bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return true }
        if case .file(let url) = source, (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) == 0 { return true }
        guard let line = error.line else { return false }
        let lines: Int
        switch source {
        case .bytes(let bytes):
            lines = bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) } - (bytes.last == 0x0A ? 1 : 0)
        case .file(let url):
            guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
            defer { try? handle.close() }
            // Only the tail matters: count the lines by streaming the whole file in chunks.
            var count = 1
            var last: UInt8 = 0
            while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                for byte in chunk where byte == 0x0A { count += 1 }
                last = chunk.last!
            }
            lines = count - (last == 0x0A ? 1 : 0)
        }
        return line >= lines
    }
}

/// The state of one read of a camt document.
struct CamtDocumentState {
    let reader: CamtReader
    let xml: XMLStreamReader
    var file: String { reader.fileName }
    var format = PaymentFormat.camt053
    var version = 0
    var totals = FileTotals(format: .camt053)
    var groupDate: Day?

    init(reader: CamtReader, xml: XMLStreamReader) {
        self.reader = reader
        self.xml = xml
    }

    func error(_ code: FileReadError.Code, line: Int?, path: XMLPath?, _ message: String) -> FileReadError {
        FileReadError(code, file: file, position: FilePosition(line: line, element: path?.description), message)
    }

    func error(_ code: FileReadError.Code, at node: XMLSubtree, _ message: String) -> FileReadError {
        error(code, line: node.line, path: node.path, message)
    }

    /// The next event; nil at the end of the document.
    func next() throws -> XMLEvent? { try xml.next() }

    mutating func readDocument(_ body: (Payment) throws -> Void) throws -> FileTotals {
        guard let rootEvent = try next(), let root = rootEvent.startTag else {
            throw error(.truncated, line: 1, path: nil, "the file holds no XML element; it is empty or was cut short: ask the bank to send it again")
        }
        try identify(root, event: rootEvent)
        totals = FileTotals(format: format)
        totals.statements = 0
        let messageName = format == .camt053 ? "BkToCstmrStmt" : "BkToCstmrDbtCdtNtfctn"
        let statementName = format == .camt053 ? "Stmt" : "Ntfctn"

        guard let messageEvent = try next(), messageEvent.isStart(of: messageName) else {
            throw error(.malformed, line: rootEvent.line, path: rootEvent.path,
                        "the Document does not start with <\(messageName)>; check that this is a \(format.rawValue) file")
        }
        while let event = try next() {
            if event.isEnd(of: messageName) { break }
            guard let tag = event.startTag else {
                if case .text = event.kind {
                    throw error(.malformed, line: event.line, path: event.path, "unexpected text inside <\(messageName)>")
                }
                continue
            }
            switch tag.localName {
            case "GrpHdr":
                let header = try XMLSubtree.collect(start: event, from: xml)
                if let created = header.first("CreDtTm") { groupDate = try date(created, field: "creation date") }
            case statementName:
                try readStatement(start: event, body)
            default:
                try xml.skipElement()
            }
        }
        while let event = try next() {
            if event.startTag != nil {
                throw error(.malformed, line: event.line, path: event.path, "unexpected element after <\(messageName)>")
            }
        }
        guard totals.statements > 0 else {
            throw error(.malformed, line: messageEvent.line, path: messageEvent.path,
                        "the file holds no <\(statementName)>: there is nothing to read; ask the bank for the statement itself")
        }
        if totals.fileDate == nil { totals.fileDate = groupDate }
        return totals
    }

    /// Reads the root element's namespace: which message and version.
    mutating func identify(_ root: XMLStartTag, event: XMLEvent) throws {
        let prefix = "urn:iso:std:iso:20022:tech:xsd:"
        let namespace = root.namespaceURI
        guard root.localName == "Document", namespace.hasPrefix(prefix) else {
            throw error(.malformed, line: event.line, path: event.path,
                        "the root element is <\(root.localName)> in namespace \(Wording.shortQuote(namespace)), not an ISO 20022 camt.053 or camt.054 Document; check that this is a bank statement")
        }
        let id = namespace.dropFirst(prefix.count)  // camt.053.001.08
        let parts = id.split(separator: ".")
        guard parts.count == 4, parts[0] == "camt", parts[2] == "001", let number = Int(parts[3]) else {
            throw error(.malformed, line: event.line, path: event.path, "the namespace \(Wording.shortQuote(namespace)) is not an ISO 20022 message identifier")
        }
        switch parts[1] {
        case "053": format = .camt053
        case "054": format = .camt054
        default:
            throw error(.unsupported, line: event.line, path: event.path,
                        "the file is a camt.\(parts[1]) message; the hub reads camt.053 statements and camt.054 notifications")
        }
        if let expected = reader.expected, expected != format {
            throw error(.unsupported, line: event.line, path: event.path,
                        "the file is \(format.rawValue), not \(expected.rawValue) as asked; import it with --format \(format.rawValue) or auto")
        }
        let supported = CamtReader.supportedVersions[format] ?? []
        guard supported.contains(number) else {
            let list = supported.sorted().map { String(format: ".001.%02d", $0) }
            throw error(.unsupported, line: event.line, path: event.path,
                        "version \(id) is not one the hub reads (\(format.rawValue) \(list.first ?? "")-\(list.last ?? "")); ask the bank for one of those versions")
        }
        version = number
    }

    // MARK: Statements

    struct Balance {
        var code: String
        var amount: Money
        var date: Day?
        var node: XMLSubtree
    }

    mutating func readStatement(start: XMLEvent, _ body: (Payment) throws -> Void) throws {
        totals.statements += 1
        var id: String?
        var accountId: String?
        var opening: Balance?
        var closing: Balance?
        var summary: XMLSubtree?
        var created: Day?
        var credits = Money.zero, debits = Money.zero
        var creditCount = 0, debitCount = 0
        var all = (count: 0, credits: Money.zero, debits: Money.zero, creditCount: 0, debitCount: 0)
        var skipped: [String: Int] = [:]
        var reversals = 0
        let name = start.startTag!.localName

        while let event = try next() {
            if event.depth == start.depth, event.isEnd(of: name) { break }
            guard let tag = event.startTag else { continue }
            switch tag.localName {
            case "Id":
                id = try xml.readText().trimmingSpaces.description
            case "CreDtTm":
                let node = XMLSubtree(name: "CreDtTm", attributes: [:], line: event.line, path: event.path)
                created = try date(text: xml.readText(), node: node, field: "statement creation date")
            case "Acct":
                let account = try XMLSubtree.collect(start: event, from: xml)
                accountId = account.value("Id/IBAN") ?? account.value("Id/Othr/Id")
                if let currency = account.first("Ccy") { try checkCurrency(currency.text, at: currency) }
            case "Bal":
                let node = try XMLSubtree.collect(start: event, from: xml)
                let balance = try readBalance(node)
                switch balance.code {
                case "OPBD": if opening == nil || opening!.code != "OPBD" { opening = balance }
                case "PRCD": if opening == nil { opening = balance }
                case "CLBD": if closing == nil { closing = balance }
                default: break
                }
            case "TxsSummry":
                summary = try XMLSubtree.collect(start: event, from: xml)
            case "Ntry":
                let node = try XMLSubtree.collect(start: event, from: xml)
                let entry = try readEntry(node, statementId: id, account: accountId, fallbackDate: created ?? groupDate)
                if let status = entry.skippedStatus {
                    skipped[status, default: 0] += 1
                } else if entry.reversal {
                    reversals += 1
                }
                let signed = entry.signed
                all.count += 1
                if signed.pence >= 0 { all.credits += signed; all.creditCount += 1 } else { all.debits -= signed; all.debitCount += 1 }
                guard entry.skippedStatus == nil else { continue }
                if signed.pence >= 0 { credits += signed; creditCount += 1 } else { debits -= signed; debitCount += 1 }
                for payment in entry.payments {
                    try CamtReader.limits.check(payment, file: reader.fileName)
                    totals.add(payment)
                    try body(payment)
                }
            default:
                if event.depth == start.depth + 1 { try xml.skipElement() }
            }
        }
        let label = "\(name) \(id.map { "\(Wording.shortQuote($0))" } ?? "#\(totals.statements)")"
        let booked = creditCount + debitCount

        if let summary {
            // The summary normally counts the booked entries; some banks count every entry listed.
            let bookedMatches = try checkSummary(summary, count: booked, credits: credits, debits: debits,
                                                 creditCount: creditCount, debitCount: debitCount, label: label, throwing: false)
            if bookedMatches {
                totals.checks.append("\(label): transaction summary ties: \(Wording.count(booked, "entry")), credits \(credits.formatted), debits \(debits.formatted)")
            } else if all.count != booked, try checkSummary(summary, count: all.count, credits: all.credits, debits: all.debits,
                                                            creditCount: all.creditCount, debitCount: all.debitCount, label: label, throwing: false) {
                totals.checks.append("\(label): transaction summary ties to all \(Wording.count(all.count, "entry")), booked and not booked")
            } else {
                _ = try checkSummary(summary, count: booked, credits: credits, debits: debits,
                                     creditCount: creditCount, debitCount: debitCount, label: label, throwing: true)
            }
        }

        if format == .camt053 {
            guard let opening else {
                throw error(.malformed, line: start.line, path: start.path,
                            "\(label) has no opening booked balance (Bal with Tp/CdOrPrtry/Cd OPBD or PRCD); the hub checks every statement from its opening to its closing balance: ask the bank for a complete statement")
            }
            guard closing != nil else {
                throw error(.malformed, line: start.line, path: start.path,
                            "\(label) has no closing booked balance (Bal with Tp/CdOrPrtry/Cd CLBD); ask the bank for a complete statement")
            }
            _ = opening
        }
        if let opening, let closing {
            let computed = opening.amount + credits - debits
            guard computed == closing.amount else {
                let difference = closing.amount - computed
                throw error(.totalsDoNotTie, at: closing.node,
                            "\(label): opening balance \(opening.amount.plain) + credits \(credits.plain) - debits \(debits.plain) = \(computed.plain), but the closing balance (\(closing.code)) is \(closing.amount.plain), a difference of \(difference.plain); the statement is incomplete or wrong: ask the bank for a corrected statement")
            }
            if totals.openingBalance == nil { totals.openingBalance = opening.amount }
            totals.closingBalance = closing.amount
            totals.fileDate = closing.date ?? created ?? totals.fileDate
            totals.checks.append("\(label): opening \(opening.amount.formatted) + credits \(credits.formatted) - debits \(debits.formatted) = closing \(closing.amount.formatted)")
        } else {
            totals.fileDate = created ?? totals.fileDate
            totals.checks.append("\(label): \(Wording.count(creditCount, "credit")) \(credits.formatted), \(Wording.count(debitCount, "debit")) \(debits.formatted) (no balances in a notification)")
        }
        for (status, count) in skipped.sorted(by: { $0.key < $1.key }) {
            totals.checks.append("\(label): \(Wording.count(count, "entry")) with status \(status) skipped (not booked)")
        }
        if reversals > 0 {
            totals.checks.append("\(label): \(Wording.count(reversals, "reversal entry", "reversal entries")) (RvslInd)")
        }
    }

    func readBalance(_ node: XMLSubtree) throws -> Balance {
        guard let code = node.value("Tp/CdOrPrtry/Cd") ?? node.value("Tp/CdOrPrtry/Prtry") else {
            throw error(.malformed, at: node, "the balance has no type (Tp/CdOrPrtry/Cd); the statement is not valid camt")
        }
        guard let amountNode = node.child("Amt") else {
            throw error(.malformed, at: node, "the \(code) balance has no amount (Amt)")
        }
        let amount = try self.amount(amountNode, field: "\(code) balance")
        let sign = node.value("CdtDbtInd")
        let signed: Money
        switch sign {
        case "CRDT": signed = amount
        case "DBIT": signed = -amount
        case nil where amount == .zero: signed = amount
        default:
            throw error(.malformed, at: node,
                        "the \(code) balance has \(sign.map { "credit/debit mark \(Wording.shortQuote($0))" } ?? "no credit/debit mark (CdtDbtInd)"); it must be CRDT or DBIT: the statement is not valid camt, ask the bank for a corrected one")
        }
        let day = try node.first("Dt").map { try date($0, field: "\(code) balance date") }
        return Balance(code: code, amount: signed, date: day, node: node)
    }

    /// Checks `TxsSummry`; returns false (without throwing) when `throwing` is false and it does not tie.
    func checkSummary(_ summary: XMLSubtree, count: Int, credits: Money, debits: Money, creditCount: Int, debitCount: Int,
                      label: String, throwing: Bool) throws -> Bool {
        var problems: [String] = []
        func checkCount(_ path: String, _ actual: Int) {
            guard let node = summary.first(path) else { return }
            if Int(node.text) != actual { problems.append("\(path) says \(node.text) but the statement holds \(actual)") }
        }
        func checkSum(_ path: String, _ actual: Money) throws {
            guard let node = summary.first(path) else { return }
            let stated = try amount(node, field: path, checkCurrency: false)
            if stated != actual { problems.append("\(path) says \(stated.plain) but the entries add up to \(actual.plain)") }
        }
        checkCount("TtlNtries/NbOfNtries", count)
        try checkSum("TtlNtries/Sum", credits + debits)
        if let net = summary.first("TtlNtries/TtlNetNtry"), let amountNode = net.child("Amt") {
            let stated = try amount(amountNode, field: "TtlNetNtry", checkCurrency: false)
            let signed = net.value("CdtDbtInd") == "DBIT" ? -stated : stated
            if signed != credits - debits { problems.append("TtlNtries/TtlNetNtry says \(signed.plain) but credits less debits are \((credits - debits).plain)") }
        }
        checkCount("TtlCdtNtries/NbOfNtries", creditCount)
        try checkSum("TtlCdtNtries/Sum", credits)
        checkCount("TtlDbtNtries/NbOfNtries", debitCount)
        try checkSum("TtlDbtNtries/Sum", debits)
        guard problems.isEmpty else {
            if !throwing { return false }
            throw error(.totalsDoNotTie, at: summary,
                        "\(label): the transaction summary does not tie: \(problems.joined(separator: "; ")); the statement is incomplete or wrong: ask the bank for a corrected statement")
        }
        return true
    }

    // MARK: Entries

    struct Entry {
        var payments: [Payment]
        var signed: Money
        var skippedStatus: String?
        var reversal: Bool
    }

    func readEntry(_ node: XMLSubtree, statementId: String?, account: String? = nil, fallbackDate: Day?) throws -> Entry {
        guard let amountNode = node.child("Amt") else {
            throw error(.malformed, at: node, "the entry has no amount (Amt); the statement is not valid camt")
        }
        let amount = try self.amount(amountNode, field: "entry amount")
        let direction = try self.direction(node, field: "entry")
        let signed = direction == .credit ? amount : -amount
        let reversal = ["true", "1"].contains(node.value("RvslInd") ?? "")
        let status = node.value("Sts/Cd") ?? node.value("Sts/Prtry") ?? node.value("Sts") ?? ""
        guard status == "BOOK" else {
            return Entry(payments: [], signed: signed, skippedStatus: status.isEmpty ? "(none)" : status, reversal: reversal)
        }
        let bookingDate: Day
        if let dateNode = node.first("BookgDt") ?? node.first("ValDt") {
            bookingDate = try date(dateNode, field: "booking date")
        } else if let fallbackDate {
            // Notifications often leave the booking date out: the notification's (or the
            // message's) creation date stands in.
            bookingDate = fallbackDate
        } else {
            throw error(.malformed, at: node, "the booked entry has no booking date (BookgDt) or value date (ValDt), and the statement no creation date")
        }
        let valueDate = try node.first("ValDt").map { try date($0, field: "value date") }
        let entryBankCode = bankTransactionCode(node)
        let details = node.all("NtryDtls/TxDtls")

        var base = Payment(position: FilePosition(line: node.line, element: node.path.description),
                           amount: amount, direction: direction, bookingDate: bookingDate, reference: "")
        base.valueDate = valueDate
        base.bankReference = node.value("AcctSvcrRef")
        base.entryReference = node.value("NtryRef")
        base.bankTransactionCode = entryBankCode
        base.statementId = statementId
        base.statementAccount = account
        let entryText = node.value("AddtlNtryInf")
        let detailReferences = details.compactMap { $0.value("Refs/AcctSvcrRef") }
        let distinctDetailReferences = detailReferences.count == details.count && Set(detailReferences).count == details.count

        func fill(_ payment: inout Payment, from detail: XMLSubtree?, split: Int?) {
            if let detail {
                payment.reference = reference(detail)
                if let split {
                    // Each payment of a split entry needs its own identity: the entry's reference
                    // and the detail's position, else the details' own references when they differ.
                    if let ref = payment.bankReference {
                        payment.bankReference = "\(ref)/\(split)"
                    } else {
                        payment.bankReference = distinctDetailReferences ? detail.value("Refs/AcctSvcrRef") : nil
                    }
                } else if let ref = detail.value("Refs/AcctSvcrRef") {
                    payment.bankReference = payment.bankReference ?? ref
                }
                if let endToEnd = detail.value("Refs/EndToEndId"), endToEnd.uppercased() != "NOTPROVIDED" {
                    payment.endToEndId = endToEnd
                }
                let party = payment.direction == .credit ? "Dbtr" : "Cdtr"
                payment.payerName = detail.value("RltdPties/\(party)/Nm") ?? detail.value("RltdPties/\(party)/Pty/Nm")
                if let code = bankTransactionCode(detail) { payment.bankTransactionCode = code }
            }
            let text = detail?.value("AddtlTxInf") ?? entryText
            payment.details = reversal ? (["reversal (RvslInd)", text].compactMap { $0 }.joined(separator: "; ")) : text
        }

        if details.count <= 1 {
            var payment = base
            fill(&payment, from: details.first, split: nil)
            return Entry(payments: [payment], signed: signed, skippedStatus: nil, reversal: reversal)
        }
        var payments: [Payment] = []
        var sum = Money.zero
        for (index, detail) in details.enumerated() {
            guard let detailAmount = detail.first("Amt") ?? detail.first("AmtDtls/TxAmt/Amt") ?? detail.first("AmtDtls/InstdAmt/Amt") else {
                throw error(.malformed, at: detail,
                            "the entry holds \(details.count) transaction details but detail \(index + 1) has no amount (Amt or AmtDtls), so the entry cannot be split into payments; ask the bank for a statement with each transaction's amount")
            }
            let value = try self.amount(detailAmount, field: "transaction detail amount")
            let detailDirection = detail.child("CdtDbtInd") != nil ? try self.direction(detail, field: "transaction detail") : direction
            sum += detailDirection == .credit ? value : -value
            var payment = base
            payment.position = FilePosition(line: detail.line, element: detail.path.description)
            payment.amount = value
            payment.direction = detailDirection
            fill(&payment, from: detail, split: index + 1)
            payments.append(payment)
        }
        guard sum == signed else {
            throw error(.totalsDoNotTie, at: node,
                        "the entry's \(details.count) transaction details add up to \(sum.plain) but the entry amount is \(signed.plain) (a difference of \((signed - sum).plain)); the entry is inconsistent: ask the bank for a corrected statement")
        }
        return Entry(payments: payments, signed: signed, skippedStatus: nil, reversal: reversal)
    }

    /// The tenant's reference: the unstructured remittance lines joined, or else the creditor
    /// reference of the structured remittance information; "" when there is neither.
    func reference(_ detail: XMLSubtree) -> String {
        let lines = detail.all("RmtInf/Ustrd").map(\.text).filter { !$0.isEmpty }
        if !lines.isEmpty { return lines.joined(separator: " ") }
        for structured in detail.all("RmtInf/Strd") {
            if let ref = structured.value("CdtrRefInf/Ref") { return ref }
        }
        return ""
    }

    /// `Domain/Family/SubFamily` codes, or the proprietary code.
    func bankTransactionCode(_ node: XMLSubtree) -> String? {
        guard let code = node.child("BkTxCd") else { return nil }
        if let domain = code.value("Domn/Cd") {
            return [domain, code.value("Domn/Fmly/Cd"), code.value("Domn/Fmly/SubFmlyCd")].compactMap { $0 }.joined(separator: "/")
        }
        return code.value("Prtry/Cd")
    }

    func direction(_ node: XMLSubtree, field: String) throws -> Direction {
        switch node.value("CdtDbtInd") {
        case "CRDT": return .credit
        case "DBIT": return .debit
        case let other:
            throw error(.malformed, at: node.child("CdtDbtInd") ?? node,
                        "the \(field) has \(other.map { "credit/debit mark \(Wording.shortQuote($0))" } ?? "no credit/debit mark (CdtDbtInd)"); it must be CRDT or DBIT")
        }
    }

    func checkCurrency(_ code: String, at node: XMLSubtree) throws {
        guard let wanted = reader.currency, code != wanted else { return }
        throw error(.unsupported, at: node,
                    "the amount is in \(code.isEmpty ? "no stated currency" : code); the hub reads \(wanted) statements of the rent collection account: check that this is the right account's file")
    }

    /// An amount element (`<Amt Ccy="GBP">12.34</Amt>`) in pence: up to two decimals, or more only
    /// as trailing zeros.
    func amount(_ node: XMLSubtree, field: String, checkCurrency: Bool = true) throws -> Money {
        if checkCurrency { try self.checkCurrency(node.attributes["Ccy"] ?? "", at: node) }
        let text = node.text
        if let pence = Self.plainPence(text) { return Money(pence: pence) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].allSatisfy(\.isASCIIDigit),
              parts.count == 1 || (!parts[1].isEmpty && parts[1].allSatisfy(\.isASCIIDigit))
        else {
            throw error(.malformed, at: node, "the \(field) \(Wording.shortQuote(text)) is not an amount: expected digits with a decimal point, such as 12.34")
        }
        var decimals = parts.count == 2 ? String(parts[1]) : ""
        while decimals.count > 2, decimals.last == "0" { decimals.removeLast() }
        guard decimals.count <= 2 else {
            throw error(.invalidValue, at: node,
                        "the \(field) \(Wording.shortQuote(text)) has \(parts[1].count) decimals; amounts are pounds and pence (two decimals): the file is wrong, ask the bank for a corrected one")
        }
        while decimals.count < 2 { decimals += "0" }
        guard parts[0].count <= 13, let pounds = Int64(parts[0]), let pence = Int64(decimals) else {
            throw error(.invalidValue, at: node, "the \(field) \(Wording.shortQuote(text)) is too large")
        }
        return Money(pence: pounds * 100 + pence)
    }

    /// A date element holding `Dt` or `DtTm` (or itself a date or date-time, as `CreDtTm`).
    func date(_ node: XMLSubtree, field: String) throws -> Day {
        if let inner = node.child("Dt") { return try date(text: inner.text, node: inner, field: field) }
        if let inner = node.child("DtTm") { return try date(text: inner.text, node: inner, field: field) }
        return try date(text: node.text, node: node, field: field)
    }

    /// `YYYY-MM-DD`, optionally followed by a time zone (`Z`, `+02:00`: an `xs:date` may carry one)
    /// or by `T` and a time; the calendar day is taken as written, whatever the offset.
    func date(text: String, node: XMLSubtree, field: String) throws -> Day {
        if let day = Self.plainDate(text) { return day }
        let trimmed = text.trimmingSpaces
        let head = trimmed.prefix(10)
        if let day = Day(iso: head), trimmed.count == 10 || trimmed.dropFirst(10).first == "T" || Self.isTimeZone(trimmed.dropFirst(10)) {
            return day
        }
        let shaped = head.count == 10 && head.allSatisfy { $0.isASCIIDigit || $0 == "-" }
        if shaped {
            throw error(.invalidValue, at: node,
                        "the \(field) \(Wording.shortQuote(trimmed)) is not a date that exists; the file is wrong: ask the bank for a corrected one")
        }
        throw error(.malformed, at: node, "the \(field) \(Wording.shortQuote(trimmed)) is not a date written YYYY-MM-DD")
    }

    /// An `xs:date` time zone: `Z`, or `+HH:MM` / `-HH:MM` with an offset of at most 14 hours.
    static func isTimeZone(_ text: Substring) -> Bool {
        if text == "Z" { return true }
        let chars = Array(text)
        guard chars.count == 6, chars[0] == "+" || chars[0] == "-", chars[3] == ":",
              let hours = Int(String(chars[1...2])), let minutes = Int(String(chars[4...5])),
              chars[1...2].allSatisfy(\.isASCIIDigit), chars[4...5].allSatisfy(\.isASCIIDigit)
        else { return false }
        return minutes < 60 && hours * 60 + minutes <= 14 * 60
    }

    /// The usual amount, read from its bytes: 1 to 13 digits, optionally a point and one or two
    /// digits, in pence; nil for anything else, which `amount` reads (or refuses) the long way.
    static func plainPence(_ text: String) -> Int64? {
        var pounds: Int64 = 0, pence: Int64 = 0
        var digits = 0, decimals = 0
        var afterPoint = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int64(byte - UInt8(ascii: "0"))
                if afterPoint {
                    decimals += 1
                    guard decimals <= 2 else { return nil }
                    pence = pence * 10 + digit
                } else {
                    digits += 1
                    guard digits <= 13 else { return nil }
                    pounds = pounds * 10 + digit
                }
            case UInt8(ascii: "."):
                guard !afterPoint else { return nil }
                afterPoint = true
            default:
                return nil
            }
        }
        guard digits > 0, !afterPoint || decimals > 0 else { return nil }
        if decimals == 1 { pence *= 10 }
        return pounds * 100 + pence
    }

    /// The usual date, read from its bytes: exactly `YYYY-MM-DD`, or that followed by `T` and a
    /// time in ASCII with no surrounding spaces; nil for anything else, which `date` reads (or
    /// refuses) the long way.
    static func plainDate(_ text: String) -> Day? {
        let utf8 = text.utf8
        let count = utf8.count
        guard count >= 10 else { return nil }
        var ascii = true
        var position = 0
        var tenth: UInt8 = 0
        for byte in utf8 {
            if position < 10 {
                guard byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            } else if position == 10 {
                tenth = byte
            }
            if byte >= 0x80 || byte <= 0x20 { ascii = false }
            position += 1
        }
        guard count == 10 || (tenth == UInt8(ascii: "T") && ascii) else { return nil }
        return Day(iso: text.utf8.count == 10 ? Substring(text) : Substring(text).prefix(10))
    }
}
