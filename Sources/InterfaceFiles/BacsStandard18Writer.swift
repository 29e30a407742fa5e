import Foundation
public import HousingFinance

/// Writes the council's Direct Debit collection file in Bacs Standard 18: a single processing day,
/// one 100-character debit record per collection and one contra record crediting the council's
/// collection account with the total.
///
/// Layout (Interfaces/outbound/bacs-direct-debit/README.md): ASCII, CRLF after every record.
/// 80-character labels `VOL1`, `HDR1`, `HDR2`, `UHL1`, the data records, then `EOF1`, `EOF2` and
/// `UTL1` (value totals and counts). Names are written in capitals with characters outside the Bacs
/// set (`A-Z 0-9 . & / -` and space) turned into spaces, and cut to 18 characters; a reference that
/// does not fit is refused, never cut. The same collections and submission give the same bytes.
public struct BacsStandard18Writer: Sendable {
    /// The Bacs transaction code of a Direct Debit collection.
    public enum TransactionCode: String, Hashable, Sendable, Codable, CaseIterable {
        /// The first collection under a new instruction.
        case firstCollection = "01"
        /// A regular collection.
        case regular = "17"
        /// A collection presented again after it was returned.
        case represented = "18"
        /// The final collection under an instruction.
        case final = "19"
    }

    /// One Direct Debit to collect.
    public struct Collection: Hashable, Sendable, Codable {
        /// The payer's sort code, 6 digits.
        public var sortCode: String
        /// The payer's account number, 8 digits.
        public var accountNumber: String
        /// The account holder's name (cut to 18 characters).
        public var accountName: String
        /// The Direct Debit instruction's reference: 6 to 18 characters of the Bacs set, at least
        /// 6 of them letters or digits (usually the rent account reference).
        public var reference: String
        /// The amount to collect, more than zero.
        public var amount: Money
        /// First, regular, re-presented or final.
        public var transactionCode: TransactionCode

        public init(
            sortCode: String, accountNumber: String, accountName: String, reference: String, amount: Money,
            transactionCode: TransactionCode = .regular
        ) {
            self.sortCode = sortCode
            self.accountNumber = accountNumber
            self.accountName = accountName
            self.reference = reference
            self.amount = amount
            self.transactionCode = transactionCode
        }
    }

    /// Who submits, to which account, and when.
    public struct Submission: Hashable, Sendable {
        /// The council's Bacs service user number (SUN), 6 digits.
        public var serviceUserNumber: String
        /// The service user's name as Bacs shows it to payers (cut to 18 characters).
        public var serviceUserName: String
        /// The council's collection account: sort code (6 digits), account number (8 digits), name.
        public var sortCode: String
        public var accountNumber: String
        public var accountName: String
        /// The submission serial number (`VOL1` and `HDR1`), unique per day: the file's sequence
        /// number, 1 to 999999.
        public var serialNumber: Int
        /// The day the file is made.
        public var created: Day
        /// The Bacs processing day the debits are for.
        public var processingDay: Day
        /// The file number within the processing day (`UHL1`), 1 to 999.
        public var fileNumber: Int
        /// The narrative of the contra record (cut to 18 characters), for example `RENT DD 2025-04-07`.
        public var contraNarrative: String

        public init(
            serviceUserNumber: String, serviceUserName: String, sortCode: String, accountNumber: String,
            accountName: String, serialNumber: Int, created: Day, processingDay: Day, fileNumber: Int = 1,
            contraNarrative: String
        ) {
            self.serviceUserNumber = serviceUserNumber
            self.serviceUserName = serviceUserName
            self.sortCode = sortCode
            self.accountNumber = accountNumber
            self.accountName = accountName
            self.serialNumber = serialNumber
            self.created = created
            self.processingDay = processingDay
            self.fileNumber = fileNumber
            self.contraNarrative = contraNarrative
        }
    }

    /// The interface name in errors.
    public static let interfaceName = "bacs-std18"
    /// The transaction code of the contra record (a credit to the council's account).
    public static let contraTransactionCode = "99"

    /// The submission the file is for.
    public let submission: Submission

    /// Creates a writer for one submission.
    public init(submission: Submission) { self.submission = submission }

    /// Writes the collections.
    /// - Parameter collections: the debits to collect, in the order they are to appear; at least one.
    /// - Returns: the file's bytes.
    /// - Throws: `OutboundFileError` naming the collection and field: a sort code or account number
    ///   that is not all digits of the right length, an amount not above zero or too large, a
    ///   reference that is not 6 to 18 characters of the Bacs set, a bad submission value, or no
    ///   collections at all.
    public func write(_ collections: [Collection]) throws(OutboundFileError) -> [UInt8] {
        var check = FieldChecker(interface: Self.interfaceName, record: "submission")
        try digits(submission.serviceUserNumber, 6, "service user number", check)
        try digits(submission.sortCode, 6, "sort code", check)
        try digits(submission.accountNumber, 8, "account number", check)
        guard (1...999_999).contains(submission.serialNumber) else {
            throw check.fail("serial number", "\(submission.serialNumber) must be 1 to 999999")
        }
        guard (1...999).contains(submission.fileNumber) else {
            throw check.fail("file number", "\(submission.fileNumber) must be 1 to 999")
        }
        if submission.processingDay < submission.created {
            throw check.fail("processing day", "\(submission.processingDay) is before the file is made (\(submission.created))")
        }
        if collections.isEmpty { throw check.fail(nil, "there are no collections; send no file") }

        var records: [String] = []
        var total = Money.zero
        for (index, collection) in collections.enumerated() {
            check.record = "collection \(index + 1) (\(collection.reference))"
            try digits(collection.sortCode, 6, "sort code", check)
            try digits(collection.accountNumber, 8, "account number", check)
            let reference = collection.reference
            guard (6...18).contains(reference.count), reference.allSatisfy(Self.isBacsCharacter),
                  reference.filter({ $0.isLetter || $0.isNumber }).count >= 6
            else {
                throw check.fail("reference", "\(Wording.shortQuote(reference)) must be 6 to 18 capitals, digits, spaces or . & / - with at least 6 letters or digits")
            }
            guard collection.amount > .zero, collection.amount.pence <= 99_999_999_999 else {
                throw check.fail("amount", "\(collection.amount.plain) must be more than zero and fit 11 digits of pence")
            }
            total += collection.amount
            records.append(
                collection.sortCode + collection.accountNumber + "0" + collection.transactionCode.rawValue
                    + submission.sortCode + submission.accountNumber + Self.spaces(4)
                    + Self.number(collection.amount.pence, 11) + Self.name(submission.serviceUserName)
                    + Self.field(reference, 18) + Self.name(collection.accountName))
        }
        check.record = "contra"
        guard total.pence <= 99_999_999_999 else {
            throw check.fail("amount", "the total \(total.plain) does not fit 11 digits of pence; split the collections into several files")
        }
        records.append(
            submission.sortCode + submission.accountNumber + "0" + Self.contraTransactionCode
                + submission.sortCode + submission.accountNumber + Self.spaces(4)
                + Self.number(total.pence, 11) + Self.name(submission.contraNarrative)
                + Self.field("CONTRA", 18) + Self.name(submission.accountName))

        let serial = Self.number(Int64(submission.serialNumber), 6)
        let sun = submission.serviceUserNumber
        let created = Self.julian(submission.created)
        let processing = Self.julian(submission.processingDay)
        let fileLabel = "A" + sun + "S" + Self.spaces(2) + "1" + sun + serial + "0001" + "0001" + Self.spaces(6)
            + created + processing + " " + "000000" + Self.spaces(13) + Self.spaces(7)
        let formatLabel = "F" + "02000" + "00100" + Self.spaces(35) + "00" + Self.spaces(28)
        let labels = (
            vol1: "VOL1" + serial + " " + Self.spaces(20) + Self.spaces(6) + Self.spaces(4) + sun + Self.spaces(4) + Self.spaces(28) + "1",
            uhl1: "UHL1" + processing + "999999" + Self.spaces(4) + "00" + "000000" + "1 DAILY  "
                + Self.number(Int64(submission.fileNumber), 3) + Self.spaces(7) + Self.spaces(7) + Self.spaces(26),
            utl1: "UTL1" + Self.number(total.pence, 13) + Self.number(total.pence, 13)
                + Self.number(Int64(collections.count), 7) + Self.number(1, 7) + Self.spaces(36))

        let head = [labels.vol1, "HDR1" + fileLabel, "HDR2" + formatLabel, labels.uhl1]
        let tail = ["EOF1" + fileLabel, "EOF2" + formatLabel, labels.utl1]
        precondition((head + tail).allSatisfy { $0.utf8.count == 80 } && records.allSatisfy { $0.utf8.count == 100 })
        return Array((head + records + tail).map { $0 + "\r\n" }.joined().utf8)
    }

    /// Whether a character is in the set Bacs accepts in names and references.
    static func isBacsCharacter(_ c: Character) -> Bool {
        ("A"..."Z").contains(c) || c.isASCIIDigit || c == " " || c == "." || c == "&" || c == "/" || c == "-"
    }

    /// A name as Bacs takes it: accents dropped, capitals, other characters as spaces, cut or
    /// padded to 18.
    static func name(_ text: String) -> String {
        let plain = text.folding(options: .diacriticInsensitive, locale: nil).uppercased()
        let upper = plain.map { isBacsCharacter($0) ? $0 : " " }
        return field(String(upper), 18)
    }

    /// Text padded with spaces (or cut) to `width`.
    static func field(_ text: String, _ width: Int) -> String {
        let cut = String(text.prefix(width))
        return cut + spaces(width - cut.count)
    }

    static func spaces(_ n: Int) -> String { String(repeating: " ", count: n) }

    /// A non-negative number zero-filled to `width` digits.
    static func number(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// A day as Bacs labels write it: a space, the year's last two digits and the day of the year (` YYDDD`).
    static func julian(_ day: Day) -> String {
        let dayOfYear = Day(year: day.year, month: 1, day: 1)!.distance(to: day) + 1
        return " " + number(Int64(day.year % 100), 2) + number(Int64(dayOfYear), 3)
    }

    private func digits(_ value: String, _ count: Int, _ field: String, _ check: FieldChecker) throws(OutboundFileError) {
        guard value.count == count, value.allSatisfy(\.isASCIIDigit) else {
            throw check.fail(field, "\(Wording.shortQuote(value)) must be \(count) digits")
        }
    }
}
