public import HousingFinance

/// Where a record stands in its file: a line (text formats) or an element path (XML), so that
/// every error and every posting can be traced back to the byte a person can find.
public struct FilePosition: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The 1-based line number, where known.
    public var line: Int?
    /// The element path in an XML file, for example `/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]`.
    public var element: String?

    public init(line: Int? = nil, element: String? = nil) {
        self.line = line
        self.element = element
    }

    public var description: String {
        switch (line, element) {
        case let (line?, element?): return "line \(line), \(element)"
        case let (line?, nil): return "line \(line)"
        case let (nil, element?): return element
        case (nil, nil): return "start of file"
        }
    }
}

/// The formats the import reads.
public enum PaymentFormat: String, Sendable, CaseIterable, Codable {
    /// ISO 20022 bank-to-customer statement (camt.053), versions .001.02 to .001.13.
    case camt053
    /// ISO 20022 debit/credit notification (camt.054).
    case camt054
    /// SWIFT MT940 customer statement.
    case mt940
    /// The fixed-width cash file (`CashFileYYYYMMDD`): DOMAIN.md, "Payments in".
    case cashFile = "cash"
    /// Outlet file from PayPoint, Post Office or allpay: CSV with a trailer.
    case outlet
    /// Card payments CSV from the payment portal, columns mapped in configuration.
    case card
    /// Bacs ARUDD returned Direct Debits report (XML).
    case arudd
    /// Housing Benefit credits from the benefits system.
    case housingBenefit = "hb"
}

/// Whether money came in or went out of the council's account.
public enum Direction: String, Sendable, Codable, Hashable {
    /// Money received (a payment by a tenant).
    case credit
    /// Money paid out or taken back (a returned item, a bank charge, a returned Direct Debit).
    case debit
}

/// One payment as read from a file, with its position, before it is matched to a rent account.
///
/// Each reader fills what its format carries and leaves the rest nil.
public struct Payment: Hashable, Sendable, Codable {
    /// Where the record stands in the file.
    public var position: FilePosition
    /// The amount, always positive; `direction` says which way it went.
    public var amount: Money
    /// Credit (received) or debit (paid out, returned).
    public var direction: Direction
    /// The day the bank or provider booked it.
    public var bookingDate: Day
    /// The value date, where the format carries one.
    public var valueDate: Day?
    /// The tenant's reference: the free text to match to a rent account (camt `Ustrd` or
    /// structured `Ref`, MT940 `:86:`, the account column of a cash file).
    public var reference: String
    /// The bank's or provider's own unique reference for the entry, where there is one
    /// (camt `AcctSvcrRef`, MT940 bank reference after `//`, a provider's transaction id).
    public var bankReference: String?
    /// camt `NtryRef`; MT940 `:61:` customer reference (not `NONREF`); the Housing Benefit claim
    /// reference; where present.
    public var entryReference: String?
    /// camt `EndToEndId`, where present and not `NOTPROVIDED`.
    public var endToEndId: String?
    /// The payer's name, where the format carries one.
    public var payerName: String?
    /// A payment card number (allpay's is 19 digits), for cash and outlet files.
    public var cardNumber: String?
    /// The hub's transaction code suggested by the source (`RPY`, `RBR`, `RCP`, `RDD`, `RDN`,
    /// `RHB`, `RHA`, ...), where the reader can tell; the importer decides in the end.
    public var transactionCode: String?
    /// The provider or method code the file gives (cash file method and provider, card scheme).
    public var sourceCode: String?
    /// The bank transaction code (camt `BkTxCd` domain/family/subfamily or proprietary, MT940
    /// transaction type), where present.
    public var bankTransactionCode: String?
    /// The statement's identity within the file (camt `Stmt/Id`, MT940 `:20:`/`:28C:`).
    public var statementId: String?
    /// For a returned Direct Debit (ARUDD): the return reason code (`0`, `1`, `2`, `3`, `B`, ...).
    public var returnReasonCode: String?
    /// For a returned Direct Debit: the reference of the original collection.
    public var originalReference: String?
    /// For a Housing Benefit credit: the rent week it is for (its Monday), where given.
    public var benefitWeek: Day?
    /// For a bank statement's entry: the account the statement is of, as the file gives it
    /// (camt `Acct/Id/IBAN` or `Othr/Id`, MT940 `:25:`).
    public var statementAccount: String?
    /// Further free text the record carries beyond `reference`, where there is some: MT940 the
    /// whole `:86:` with the file's line breaks (`reference` is its reading: the remittance
    /// subfields, or the lines joined); the cash file's payment source; an outlet payment's
    /// outlet and time.
    public var details: String?

    /// JSON keys (in the hub's style, money as `amount_pence`).
    enum CodingKeys: String, CodingKey {
        case position, direction, bookingDate, valueDate, reference, bankReference, entryReference, endToEndId, payerName
        case cardNumber, transactionCode, sourceCode, bankTransactionCode, statementId, returnReasonCode, originalReference
        case benefitWeek, details
        case amount = "amountPence"
    }

    public init(
        position: FilePosition, amount: Money, direction: Direction, bookingDate: Day, reference: String
    ) {
        self.position = position
        self.amount = amount
        self.direction = direction
        self.bookingDate = bookingDate
        self.reference = reference
    }
}

/// A file's own control totals as checked by its reader: what the file said, and that the
/// records read tie to it. A reader returns this only when they tie; otherwise it throws.
public struct FileTotals: Hashable, Sendable, Codable {
    /// The format that was read.
    public var format: PaymentFormat
    /// Number of statements (camt `Stmt`, MT940 messages); 1 for single-batch files.
    public var statements: Int = 1
    /// Records read, credits and debits.
    public var creditCount: Int = 0
    public var creditTotal: Money = .zero
    public var debitCount: Int = 0
    public var debitTotal: Money = .zero
    /// Opening and closing balances where the file carries them (the first statement's opening,
    /// the last statement's closing; balances signed, positive = in credit).
    public var openingBalance: Money?
    public var closingBalance: Money?
    /// The file's business date (statement date, file date) where it carries one.
    public var fileDate: Day?
    /// Lines of explanation of what was checked ("opening 100.00 + credits 50.00 - debits 0.00 = closing 150.00").
    public var checks: [String] = []

    /// JSON keys (in the hub's style, money with a `Pence` suffix that becomes `_pence`).
    enum CodingKeys: String, CodingKey {
        case format, statements, creditCount, debitCount, fileDate, checks
        case creditTotal = "creditTotalPence"
        case debitTotal = "debitTotalPence"
        case openingBalance = "openingBalancePence"
        case closingBalance = "closingBalancePence"
    }

    public init(format: PaymentFormat) { self.format = format }

    /// All records read, credits and debits.
    public var recordCount: Int { creditCount + debitCount }

    /// Counts a record in.
    public mutating func add(_ payment: Payment) {
        switch payment.direction {
        case .credit: creditCount += 1; creditTotal += payment.amount
        case .debit: debitCount += 1; debitTotal += payment.amount
        }
    }
}

/// Why a file could not be read. It names the file, where in it, and what to do; the import
/// posts nothing from a file that fails.
public struct FileReadError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure, for scripts and tests.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The bytes are not the format (bad syntax, wrong namespace, missing element).
        public static let malformed = Code("malformed")
        /// The file ended before its trailer or closing balance.
        public static let truncated = Code("truncated")
        /// The file's own totals (balances, trailer count or total) do not tie to its records.
        public static let totalsDoNotTie = Code("totals-do-not-tie")
        /// A value is not valid: a date that does not exist, an amount with three decimals.
        public static let invalidValue = Code("invalid-value")
        /// Refused for safety: a DTD, an entity, an external reference, too deep, too large.
        public static let hostile = Code("hostile")
        /// The format or version is not one the hub reads.
        public static let unsupported = Code("unsupported")
        /// A file, line or field is longer than its kind's `InputLimits` allow.
        public static let tooLong = Code("too-long")
    }

    public var code: Code
    /// The file's name (as given to the reader).
    public var file: String
    /// Where in the file.
    public var position: FilePosition
    /// What was wrong, in words a person can act on.
    public var message: String

    /// The longest message kept, in characters: values are quoted short (`Wording.shortQuote`),
    /// and this guards against any text from elsewhere (libxml2's messages) that is not.
    public static let maxMessageCharacters = 2_000

    public init(_ code: Code, file: String, position: FilePosition, _ message: String) {
        self.code = code
        self.file = file.count > 255 ? String(file.prefix(255)) + "…" : file
        self.position = position
        self.message = message.utf8.count > Self.maxMessageCharacters && message.count > Self.maxMessageCharacters
            ? String(message.prefix(Self.maxMessageCharacters)) + "… (cut short)" : message
    }

    public var description: String { "\(file): \(position): \(message)" }
}
