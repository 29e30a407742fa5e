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
        var bytes: [UInt8] = []
        do {
            var stream = try BacsStandard18Stream(submission: submission) { bytes.append(contentsOf: $0) }
            for collection in collections { try stream.add(collection) }
            try stream.finish()
        } catch let error as OutboundFileError {
            throw error
        } catch {
            preconditionFailure("an in-memory sink does not throw: \(error)")
        }
        return bytes
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

}
