public import HousingFinance

/// Writes a Bacs Standard 18 Direct Debit file record by record, handing the bytes to a sink in
/// chunks, so that a file of hundreds of thousands of collections is never held whole in memory.
///
/// Order: the labels `VOL1`, `HDR1`, `HDR2`, `UHL1`; AUDDIS instructions (`0N` new, `0C`
/// cancelled, `0S` converted; amount zero) and collections (`01`, `17`, `18`, `19`) as given; a
/// contra record (`99`) crediting the council with the total of each processing day; then `EOF1`,
/// `EOF2` and `UTL1` with the file's value totals and record counts (debit records: every data
/// record but the contras; credit records: the contras). A single-day file (the usual one) has
/// 100-character data records; a multi-day file carries each record's processing day in columns
/// 101-106 (` YYDDD`) and its records must come in processing-day order.
///
/// Each value is checked as it comes (`OutboundFileError` naming the record and field), so a
/// caller that streams to storage inside a transaction rolls back on the first bad record.
public struct BacsStandard18Stream {
    /// An AUDDIS instruction code.
    public enum InstructionCode: String, Hashable, Sendable, Codable, CaseIterable {
        case new = "0N"
        case cancel = "0C"
        case conversion = "0S"
    }

    /// Who submits, to which account, and when (the same as the one-shot writer's).
    public let submission: BacsStandard18Writer.Submission
    /// Whether records carry their own processing day.
    public let multiDay: Bool
    private let sink: ([UInt8]) throws -> Void
    private var buffer: [UInt8] = []
    private var check = FieldChecker(interface: BacsStandard18Writer.interfaceName, record: "submission")
    private var dayTotal = Money.zero
    private var currentDay: Day?
    private var debitTotal = Money.zero
    private var creditTotal = Money.zero
    private var debitCount: Int64 = 0
    private var creditCount: Int64 = 0
    private var dataRecords = 0
    private let chunkSize = 1 << 16
    /// The parts every data record repeats, made once: the council's account (the destination of
    /// each debit) and the service user's name as Bacs takes it.
    private let councilAccount: [UInt8]
    private let serviceUserName: [UInt8]

    /// Starts a file: checks the submission and writes the header labels.
    /// - Parameters:
    ///   - submission: who, where, when; `processingDay` is the first (or only) processing day.
    ///   - multiDay: records carry their processing day (columns 101-106).
    ///   - sink: takes the file's bytes in order, in chunks.
    /// - Throws: `OutboundFileError` for a bad submission value.
    public init(submission: BacsStandard18Writer.Submission, multiDay: Bool = false, sink: @escaping ([UInt8]) throws -> Void) throws {
        self.submission = submission
        self.multiDay = multiDay
        self.sink = sink
        self.councilAccount = Array((submission.sortCode + submission.accountNumber).utf8)
        self.serviceUserName = Self.nameBytes(submission.serviceUserName)
        try digits(submission.serviceUserNumber, 6, "service user number")
        try digits(submission.sortCode, 6, "sort code")
        try digits(submission.accountNumber, 8, "account number")
        guard (1...999_999).contains(submission.serialNumber) else {
            throw check.fail("serial number", "\(submission.serialNumber) must be 1 to 999999")
        }
        guard (1...999).contains(submission.fileNumber) else {
            throw check.fail("file number", "\(submission.fileNumber) must be 1 to 999")
        }
        if submission.processingDay < submission.created {
            throw check.fail("processing day", "\(submission.processingDay) is before the file is made (\(submission.created))")
        }
        let sun = submission.serviceUserNumber
        let processing = Self.julian(submission.processingDay)
        try emit("VOL1" + serial + " " + Self.spaces(20) + Self.spaces(6) + Self.spaces(4) + sun + Self.spaces(4) + Self.spaces(28) + "1")
        try emit("HDR1" + fileLabel)
        try emit("HDR2" + Self.formatLabel(multiDay: multiDay))
        try emit("UHL1" + processing + "999999" + Self.spaces(4) + "00" + "000000" + (multiDay ? "4 MULTI  " : "1 DAILY  ")
            + Self.number(Int64(submission.fileNumber), 3) + Self.spaces(7) + Self.spaces(7) + Self.spaces(26))
    }

    private var serial: String { Self.number(Int64(submission.serialNumber), 6) }

    private var fileLabel: String {
        let sun = submission.serviceUserNumber
        return "A" + sun + "S" + Self.spaces(2) + "1" + sun + serial + "0001" + "0001" + Self.spaces(6)
            + Self.julian(submission.created) + Self.julian(submission.processingDay) + " " + "000000" + Self.spaces(13) + Self.spaces(7)
    }

    static func formatLabel(multiDay: Bool) -> String {
        "F" + "02000" + (multiDay ? "00106" : "00100") + Self.spaces(35) + "00" + Self.spaces(28)
    }

    /// Adds a collection.
    /// - Parameter processingDay: its processing day (multi-day files; default the submission's).
    /// - Throws: `OutboundFileError` naming the collection and field.
    public mutating func add(_ collection: BacsStandard18Writer.Collection, processingDay: Day? = nil) throws {
        guard collection.amount > .zero, collection.amount.pence <= 99_999_999_999 else {
            throw fail("collection", collection.reference, "amount", "\(collection.amount.plain) must be more than zero and fit 11 digits of pence")
        }
        try record(
            "collection", sortCode: collection.sortCode, accountNumber: collection.accountNumber, code: collection.transactionCode.rawValue,
            amount: collection.amount, reference: collection.reference, name: collection.accountName, processingDay: processingDay)
    }

    /// Adds an AUDDIS instruction (amount zero).
    /// - Throws: `OutboundFileError` naming the instruction and field.
    public mutating func addInstruction(
        _ code: InstructionCode, sortCode: String, accountNumber: String, accountName: String, reference: String, processingDay: Day? = nil
    ) throws {
        try record(
            "instruction", sortCode: sortCode, accountNumber: accountNumber, code: code.rawValue, amount: .zero, reference: reference, name: accountName,
            processingDay: processingDay)
    }

    /// The error for the data record about to be written (the next one), named as `kind N (reference)`.
    /// The name is made only when a value is refused: a file of 200,000 records makes none.
    private func fail(_ kind: String, _ reference: String, _ field: String, _ message: String) -> OutboundFileError {
        var check = check
        check.record = "\(kind) \(dataRecords + 1) (\(reference))"
        return check.fail(field, message)
    }

    private mutating func record(
        _ kind: String, sortCode: String, accountNumber: String, code: String, amount: Money, reference: String, name: String,
        processingDay: Day?
    ) throws {
        guard Self.isDigits(sortCode, 6) else { throw fail(kind, reference, "sort code", "'\(sortCode.prefix(20))' must be 6 digits") }
        guard Self.isDigits(accountNumber, 8) else {
            throw fail(kind, reference, "account number", "'\(accountNumber.prefix(20))' must be 8 digits")
        }
        guard Self.isReference(reference) else {
            throw fail(kind, reference, "reference", "\(Wording.shortQuote(reference)) must be 6 to 18 capitals, digits, spaces or . & / - with at least 6 letters or digits, not starting DDIC")
        }
        let day = processingDay ?? submission.processingDay
        if !multiDay && day != submission.processingDay {
            throw fail(kind, reference, "processing day", "\(day) is not the file's processing day \(submission.processingDay); write a multi-day file")
        }
        if let currentDay, day != currentDay {
            guard day > currentDay else {
                throw fail(kind, reference, "processing day", "\(day) comes after \(currentDay); give the records in processing-day order")
            }
            try contra()
        }
        currentDay = day
        dayTotal += amount
        debitTotal += amount
        debitCount += 1
        dataRecords += 1
        guard dayTotal.pence <= 99_999_999_999 else {
            dataRecords -= 1
            throw fail(kind, reference, "amount", "the day's total does not fit 11 digits of pence; split the collections into several files")
        }
        // The record's bytes are appended in place (sort code and account number: checked digits;
        // the reference: checked Bacs characters, so its bytes are its characters).
        buffer.append(contentsOf: sortCode.utf8)
        buffer.append(contentsOf: accountNumber.utf8)
        buffer.append(UInt8(ascii: "0"))
        buffer.append(contentsOf: code.utf8)
        buffer.append(contentsOf: councilAccount)
        Self.appendSpaces(4, to: &buffer)
        Self.appendNumber(amount.pence, 11, to: &buffer)
        buffer.append(contentsOf: serviceUserName)
        buffer.append(contentsOf: reference.utf8)
        Self.appendSpaces(18 - reference.utf8.count, to: &buffer)
        Self.appendName(name, to: &buffer)
        if multiDay { buffer.append(contentsOf: Self.julian(day).utf8) }
        try endRecord()
    }

    /// The contra record of the current processing day.
    private mutating func contra() throws {
        guard let day = currentDay else { return }
        check.record = "contra \(day)"
        try emit(
            submission.sortCode + submission.accountNumber + "0" + BacsStandard18Writer.contraTransactionCode
                + submission.sortCode + submission.accountNumber + Self.spaces(4)
                + Self.number(dayTotal.pence, 11) + BacsStandard18Writer.name(submission.contraNarrative)
                + BacsStandard18Writer.field("CONTRA", 18) + BacsStandard18Writer.name(submission.accountName) + (multiDay ? Self.julian(day) : ""))
        creditTotal += dayTotal
        creditCount += 1
        dayTotal = .zero
    }

    /// The file's totals so far.
    public var totals: (debits: Money, credits: Money, debitRecords: Int64, creditRecords: Int64) {
        (debitTotal, creditTotal + dayTotal, debitCount, creditCount + (currentDay == nil ? 0 : 1))
    }

    /// Writes the last contra and the trailer labels, and hands over the last bytes.
    /// - Returns: the file's totals.
    /// - Throws: `OutboundFileError` when the file has no records; what the sink throws.
    @discardableResult
    public mutating func finish() throws -> (debits: Money, credits: Money, debitRecords: Int64, creditRecords: Int64) {
        check.record = "submission"
        if dataRecords == 0 { throw check.fail(nil, "there are no collections or instructions; send no file") }
        try contra()
        try emit("EOF1" + fileLabel)
        try emit("EOF2" + Self.formatLabel(multiDay: multiDay))
        try emit("UTL1" + Self.number(debitTotal.pence, 13) + Self.number(creditTotal.pence, 13)
            + Self.number(debitCount, 7) + Self.number(creditCount, 7) + Self.spaces(36))
        try sink(buffer)
        buffer = []
        return totals
    }

    private mutating func emit(_ line: String) throws {
        buffer.append(contentsOf: line.utf8)
        try endRecord()
    }

    /// Ends the record in the buffer with CRLF and hands a full chunk to the sink.
    private mutating func endRecord() throws {
        buffer.append(13)
        buffer.append(10)
        if buffer.count >= chunkSize {
            try sink(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    static func isDigits(_ value: String, _ count: Int) -> Bool {
        value.utf8.count == count && value.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// Whether a byte is in the set Bacs accepts in names and references (`A-Z 0-9 . & / -` and space).
    static func isBacsByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: " "), UInt8(ascii: "."), UInt8(ascii: "&"), UInt8(ascii: "/"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// A reference Bacs takes: 6 to 18 characters of its set, at least 6 letters or digits, not
    /// starting `DDIC` (the prefix Bacs keeps for its own references). Every character of the set is
    /// one ASCII byte, so the bytes are checked.
    static func isReference(_ reference: String) -> Bool {
        let bytes = reference.utf8
        guard (6...18).contains(bytes.count), bytes.allSatisfy(isBacsByte), !reference.hasPrefix("DDIC") else { return false }
        return bytes.count(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: ".") && $0 != UInt8(ascii: "&")
            && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "-") }) >= 6
    }

    /// A name as Bacs takes it (`BacsStandard18Writer.name`): capitals, other characters as spaces,
    /// cut or padded to 18. A name of printable ASCII (almost every payer) is mapped byte by byte;
    /// any other goes through the writer's Unicode folding (accents dropped).
    static func nameBytes(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(18)
        appendName(text, to: &bytes)
        return bytes
    }

    static func appendName(_ text: String, to bytes: inout [UInt8]) {
        let utf8 = text.utf8
        guard utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            bytes.append(contentsOf: BacsStandard18Writer.name(text).utf8)
            return
        }
        var written = 0
        for var byte in utf8 where written < 18 {
            if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") { byte -= 32 }
            bytes.append(isBacsByte(byte) ? byte : UInt8(ascii: " "))
            written += 1
        }
        appendSpaces(18 - written, to: &bytes)
    }

    static func appendSpaces(_ count: Int, to bytes: inout [UInt8]) {
        for _ in 0..<max(0, count) { bytes.append(UInt8(ascii: " ")) }
    }

    /// A non-negative number zero-filled to `width` digits (as `BacsStandard18Writer.number`).
    static func appendNumber(_ value: Int64, _ width: Int, to bytes: inout [UInt8]) {
        var divisor: Int64 = 1
        var digits = 1
        while value / divisor >= 10 {
            divisor *= 10
            digits += 1
        }
        appendZeros(width - digits, to: &bytes)
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }

    private static func appendZeros(_ count: Int, to bytes: inout [UInt8]) {
        for _ in 0..<max(0, count) { bytes.append(UInt8(ascii: "0")) }
    }

    private func digits(_ value: String, _ count: Int, _ field: String) throws(OutboundFileError) {
        guard value.count == count, value.allSatisfy(\.isASCIIDigit) else {
            throw check.fail(field, "'\(value.prefix(20))' must be \(count) digits")
        }
    }

    static func spaces(_ n: Int) -> String { BacsStandard18Writer.spaces(n) }
    static func number(_ value: Int64, _ width: Int) -> String { BacsStandard18Writer.number(value, width) }
    static func julian(_ day: Day) -> String { BacsStandard18Writer.julian(day) }
}
