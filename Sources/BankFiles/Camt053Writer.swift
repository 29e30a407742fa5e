public import Foundation
public import HousingFinance
internal import XML

/// One statement entry to write: a payment received (or paid out), optionally itemised.
public struct Camt053Entry: Sendable, Hashable {
    /// One transaction within an entry that carries several (`TxDtls`).
    public struct Detail: Sendable, Hashable {
        public var amount: Money
        public var reference: String?
        public var payerName: String?
        public var endToEndId: String?
        public var accountServicerReference: String?

        public init(amount: Money, reference: String?, payerName: String? = nil, endToEndId: String? = nil, accountServicerReference: String? = nil) {
            self.amount = amount
            self.reference = reference
            self.payerName = payerName
            self.endToEndId = endToEndId
            self.accountServicerReference = accountServicerReference
        }
    }

    /// The entry's amount, positive.
    public var amount: Money
    /// Credit (received) or debit (paid out).
    public var direction: Direction
    /// The booking date (also written as the value date).
    public var bookingDate: Day
    /// The remittance text (`RmtInf/Ustrd`), for an entry without `details`.
    public var reference: String?
    /// The bank's reference (`AcctSvcrRef`).
    public var accountServicerReference: String?
    /// The payer's name (`RltdPties/Dbtr/Pty/Nm`), for an entry without `details`.
    public var payerName: String?
    /// `EndToEndId`, for an entry without `details`.
    public var endToEndId: String?
    /// The transactions the entry itemises; their amounts must add up to `amount`. Empty for a
    /// single payment.
    public var details: [Detail]
    /// The entry's status code: `BOOK` (booked), `PDNG` (pending), `INFO`.
    public var status: String
    /// The bank transaction code `Domain/Family/SubFamily`; nil writes none.
    public var bankTransactionCode: String?

    public init(
        amount: Money, direction: Direction = .credit, bookingDate: Day, reference: String?, accountServicerReference: String?,
        payerName: String? = nil, endToEndId: String? = nil, details: [Detail] = [], status: String = "BOOK",
        bankTransactionCode: String? = "PMNT/RCDT/DMCT"
    ) {
        self.amount = amount
        self.direction = direction
        self.bookingDate = bookingDate
        self.reference = reference
        self.accountServicerReference = accountServicerReference
        self.payerName = payerName
        self.endToEndId = endToEndId
        self.details = details
        self.status = status
        self.bankTransactionCode = bankTransactionCode
    }
}

/// A statement's header: which account, which day, where it opened.
public struct Camt053Statement: Sendable, Hashable {
    /// The statement's identity (`Stmt/Id`).
    public var id: String
    /// The account's IBAN.
    public var iban: String
    /// The account's name.
    public var accountName: String?
    /// The statement date (creation, balances).
    public var date: Day
    /// The opening booked balance, signed (positive = in credit).
    public var openingBalance: Money

    public init(id: String, iban: String, accountName: String? = nil, date: Day, openingBalance: Money) {
        self.id = id
        self.iban = iban
        self.accountName = accountName
        self.date = date
        self.openingBalance = openingBalance
    }
}

/// Writes an ISO 20022 camt.053.001.08 bank-to-customer statement in GBP, valid against the
/// official XSD, with its balances (`OPBD`, `CLBD`) and transaction summary computed from the
/// entries. It streams: the entries are read twice (once for the summary, which comes first in
/// the file, once to write them), so a sequence must give the same entries each time; memory
/// stays flat, so 200,000 entries or a gigabyte file is fine.
///
/// Used by the demo (the day's bank statement) and the benchmarks (`hub tools generate-camt`).
public struct Camt053Writer: Sendable {
    /// The namespace written.
    public static let namespace = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"

    /// The message identity (`GrpHdr/MsgId`).
    public var messageId: String
    /// The creation time written (`GrpHdr/CreDtTm`), as `YYYY-MM-DDThh:mm:ss`.
    public var created: String

    /// - Parameters:
    ///   - messageId: `GrpHdr/MsgId` (up to 35 characters).
    ///   - created: the creation day; the time written is 06:00:00.
    public init(messageId: String, created: Day) {
        self.messageId = messageId
        self.created = created.iso + "T06:00:00"
    }

    /// Writes statements to a file handle.
    public func write<Entries: Sequence<Camt053Entry>>(_ statements: [(Camt053Statement, Entries)], to handle: FileHandle) throws {
        var sink = ByteSink(handle: handle)
        try write(statements, into: &sink)
        try sink.flush()
    }

    /// Writes statements to a file, replacing it.
    public func write<Entries: Sequence<Camt053Entry>>(_ statements: [(Camt053Statement, Entries)], to url: URL) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try write(statements, to: handle)
    }

    /// The document's bytes (small statements, tests).
    public func bytes<Entries: Sequence<Camt053Entry>>(_ statements: [(Camt053Statement, Entries)]) throws -> [UInt8] {
        var sink = ByteSink(handle: nil)
        try write(statements, into: &sink)
        return sink.buffer
    }

    private func write<Entries: Sequence<Camt053Entry>>(_ statements: [(Camt053Statement, Entries)], into sink: inout ByteSink) throws {
        var out = XMLEmitter(sink: sink)
        out.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        out.start("Document", attributes: [("xmlns", Self.namespace)])
        out.start("BkToCstmrStmt")
        out.start("GrpHdr")
        out.element("MsgId", messageId)
        out.element("CreDtTm", created)
        out.end()
        for (statement, entries) in statements {
            var credits = Money.zero, debits = Money.zero, creditCount = 0, debitCount = 0
            for entry in entries where entry.status == "BOOK" {
                if entry.direction == .credit { credits += entry.amount; creditCount += 1 } else { debits += entry.amount; debitCount += 1 }
            }
            let closing = statement.openingBalance + credits - debits
            out.start("Stmt")
            out.element("Id", statement.id)
            out.element("CreDtTm", statement.date.iso + "T06:00:00")
            out.start("Acct")
            out.start("Id"); out.element("IBAN", statement.iban); out.end()
            out.element("Ccy", "GBP")
            if let name = statement.accountName { out.element("Nm", name) }
            out.end()
            balance(&out, "OPBD", statement.openingBalance, statement.date)
            balance(&out, "CLBD", closing, statement.date)
            out.start("TxsSummry")
            out.start("TtlNtries")
            out.element("NbOfNtries", String(creditCount + debitCount))
            out.element("Sum", (credits + debits).plain)
            out.start("TtlNetNtry")
            out.element("Amt", (credits - debits).pence < 0 ? (debits - credits).plain : (credits - debits).plain)
            out.element("CdtDbtInd", credits >= debits ? "CRDT" : "DBIT")
            out.end()
            out.end()
            out.start("TtlCdtNtries"); out.element("NbOfNtries", String(creditCount)); out.element("Sum", credits.plain); out.end()
            out.start("TtlDbtNtries"); out.element("NbOfNtries", String(debitCount)); out.element("Sum", debits.plain); out.end()
            out.end()
            for entry in entries {
                try writeEntry(&out, entry)
                if out.sink.buffer.count >= 1 << 20 { try out.sink.flush() }
            }
            out.end()
        }
        out.end()
        out.end()
        sink = out.sink
    }

    private func balance(_ out: inout XMLEmitter, _ code: String, _ amount: Money, _ day: Day) {
        out.start("Bal")
        out.start("Tp"); out.start("CdOrPrtry"); out.element("Cd", code); out.end(); out.end()
        out.element("Amt", (amount.pence < 0 ? -amount : amount).plain, attributes: [("Ccy", "GBP")])
        out.element("CdtDbtInd", amount.pence < 0 ? "DBIT" : "CRDT")
        out.start("Dt"); out.element("Dt", day.iso); out.end()
        out.end()
    }

    private func writeEntry(_ out: inout XMLEmitter, _ entry: Camt053Entry) throws {
        let mark = entry.direction == .credit ? "CRDT" : "DBIT"
        out.start("Ntry")
        out.element("Amt", entry.amount.plain, attributes: [("Ccy", "GBP")])
        out.element("CdtDbtInd", mark)
        out.start("Sts"); out.element("Cd", entry.status); out.end()
        out.start("BookgDt"); out.element("Dt", entry.bookingDate.iso); out.end()
        out.start("ValDt"); out.element("Dt", entry.bookingDate.iso); out.end()
        if let ref = entry.accountServicerReference { out.element("AcctSvcrRef", ref) }
        out.start("BkTxCd")
        let parts = (entry.bankTransactionCode ?? "").split(separator: "/").map(String.init)
        if parts.count == 3 {
            out.start("Domn"); out.element("Cd", parts[0])
            out.start("Fmly"); out.element("Cd", parts[1]); out.element("SubFmlyCd", parts[2]); out.end()
            out.end()
        } else {
            out.start("Prtry"); out.element("Cd", entry.bankTransactionCode ?? "NTRF"); out.end()
        }
        out.end()
        let details = entry.details.isEmpty
            ? [Camt053Entry.Detail(amount: entry.amount, reference: entry.reference, payerName: entry.payerName, endToEndId: entry.endToEndId)]
            : entry.details
        out.start("NtryDtls")
        for detail in details {
            out.start("TxDtls")
            out.start("Refs")
            if let ref = detail.accountServicerReference { out.element("AcctSvcrRef", ref) }
            out.element("EndToEndId", detail.endToEndId ?? "NOTPROVIDED")
            out.end()
            out.element("Amt", detail.amount.plain, attributes: [("Ccy", "GBP")])
            out.element("CdtDbtInd", mark)
            if let name = detail.payerName {
                out.start("RltdPties")
                out.start(entry.direction == .credit ? "Dbtr" : "Cdtr"); out.start("Pty"); out.element("Nm", String(name.prefix(140))); out.end(); out.end()
                out.end()
            }
            if let reference = detail.reference, !reference.isEmpty {
                out.start("RmtInf"); out.element("Ustrd", String(reference.prefix(140))); out.end()
            }
            out.end()
        }
        out.end()
        out.end()
    }
}

/// Bytes collected and, when there is a file handle, written out in chunks.
struct ByteSink {
    var handle: FileHandle?
    var buffer: [UInt8] = []

    init(handle: FileHandle?) {
        self.handle = handle
        buffer.reserveCapacity(handle == nil ? 0 : 1 << 21)
    }

    mutating func flush() throws {
        guard let handle, !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A minimal streaming XML emitter with two-space indentation, escaping with `XMLWriter.escape`:
/// `XMLWriter` keeps a whole document in memory, which a gigabyte file cannot be.
struct XMLEmitter {
    var sink: ByteSink
    private var open: [String] = []

    init(sink: ByteSink) { self.sink = sink }

    mutating func raw(_ text: String) { sink.buffer.append(contentsOf: text.utf8) }

    private mutating func pad() {
        for _ in open { sink.buffer.append(0x20); sink.buffer.append(0x20) }
    }

    private mutating func tag(_ name: String, _ attributes: [(String, String)]) {
        raw("<" + name)
        for (key, value) in attributes { raw(" " + key + "=\"" + XMLWriter.escape(value, attribute: true) + "\"") }
        raw(">")
    }

    mutating func start(_ name: String, attributes: [(String, String)] = []) {
        pad()
        tag(name, attributes)
        sink.buffer.append(0x0A)
        open.append(name)
    }

    mutating func end() {
        let name = open.removeLast()
        pad()
        raw("</" + name + ">\n")
    }

    mutating func element(_ name: String, _ text: String, attributes: [(String, String)] = []) {
        pad()
        tag(name, attributes)
        raw(XMLWriter.escape(text, attribute: false))
        raw("</" + name + ">\n")
    }

    /// Writes an element with attributes only: `<Name a="1"/>`.
    mutating func empty(_ name: String, attributes: [(String, String)]) {
        pad()
        raw("<" + name)
        for (key, value) in attributes { raw(" " + key + "=\"" + XMLWriter.escape(value, attribute: true) + "\"") }
        raw("/>\n")
    }
}
