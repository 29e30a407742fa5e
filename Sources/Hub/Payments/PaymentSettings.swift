import BankFiles
import Foundation
import HousingFinance
import Yams

/// The payment import's own configuration, `Config/payments.yaml`: inbox folders per source,
/// the card portal's column mapping, default transaction codes and each provider's settlement
/// signature on the bank statement.
public struct PaymentSettings: Sendable {
    /// One inbox folder and the format of the files dropped there.
    public struct InboxSource: Sendable, Hashable {
        /// The source's name (`bank`, `cash`, ...).
        public var name: String
        /// The folder, absolute.
        public var folder: URL
        /// The format, or nil for detection from content.
        public var format: PaymentFormat?
    }

    /// A payment provider's settlement on the bank statement.
    public struct Settlement: Sendable, Hashable {
        /// The provider's name (`paypoint`).
        public var provider: String
        /// A regular expression (case ignored) for the statement entry's payer name.
        public var payerPattern: String?
        /// A regular expression (case ignored) for the statement entry's reference.
        public var referencePattern: String?
        /// Usual working days between the file's date and the settlement.
        public var delay: Int
        /// Working days either side of the expected day a settlement may fall.
        public var window: Int
        /// The provider's money in files: `format` or `format/provider code`; `direct-debit` for the
        /// council's own Direct Debit: the collection runs' contras and the ARUDD reports' returns.
        public var files: [String]

        /// The files' name of the Direct Debit collections and returns.
        public static let directDebitFiles = "direct-debit"

        /// Whether this is the council's Direct Debit signature: the statement's collection
        /// credit and its returned debits (debits settle too), reconciled with the collection
        /// runs and the ARUDD reports instead of provider files.
        public var settlesDirectDebit: Bool { files.contains { $0.caseInsensitiveCompare(Self.directDebitFiles) == .orderedSame } }
    }

    public var inbox: [InboxSource]
    public var cardMapping: CardColumnMapping
    public var bankCreditCode: String
    public var cardCode: String
    public var housingBenefitCode: String
    public var returnedDirectDebitCode: String
    /// Cash file provider code -> transaction code.
    public var cashProviders: [String: String]
    public var settlements: [Settlement]
    /// Bank holidays for working-day arithmetic.
    public var bankHolidays: BankHolidays

    /// The defaults, as shipped in Config/payments.yaml, with inbox folders under `inbox`.
    public static func defaults(inbox: URL) -> PaymentSettings {
        PaymentSettings(
            inbox: [
                InboxSource(name: "bank", folder: inbox.appendingPathComponent("bank"), format: nil),
                InboxSource(name: "cash", folder: inbox.appendingPathComponent("cash"), format: nil),
                InboxSource(name: "card", folder: inbox.appendingPathComponent("card"), format: .card),
                InboxSource(name: "hb", folder: inbox.appendingPathComponent("hb"), format: .housingBenefit),
                InboxSource(name: "dd", folder: inbox.appendingPathComponent("dd"), format: .arudd),
            ],
            cardMapping: CardColumnMapping(
                reference: "Reference", amount: "Amount", date: "Date", dateFormat: .iso, transactionId: "Transaction ID",
                payerName: "Payer", status: "Status", successfulStatuses: ["success"]),
            bankCreditCode: "RBT", cardCode: "RCP", housingBenefitCode: "RHB", returnedDirectDebitCode: "RDN",
            cashProviders: CashFileReader.defaultProviderCodes,
            settlements: [
                Settlement(provider: "paypoint", payerPattern: "PAYPOINT", referencePattern: "PAYPOINT", delay: 1, window: 2, files: ["cash/PP", "outlet/PAYPOINT"]),
                Settlement(provider: "post-office", payerPattern: "POST OFFICE", referencePattern: "POST OFFICE COUNTERS", delay: 2, window: 2, files: ["cash/PO", "outlet/POST OFFICE"]),
                Settlement(provider: "allpay", payerPattern: "ALLPAY", referencePattern: "ALLPAY", delay: 1, window: 2, files: ["cash/AP", "outlet/ALLPAY"]),
                Settlement(provider: "card-acquirer", payerPattern: "WORLDPAY|CARD ACQUIRER", referencePattern: "CARD SETTLEMENT", delay: 1, window: 2, files: ["card"]),
                Settlement(provider: "direct-debit", payerPattern: nil, referencePattern: "RENT DD|UNPAID DD|RETURNED DD|ARUDD", delay: 0, window: 0, files: ["direct-debit"]),
            ],
            bankHolidays: BankHolidays())
    }

    /// The provider whose files carry a payment, by `format/source code` or `format`.
    public func provider(forFileOf format: PaymentFormat, sourceCode: String?) -> String? {
        let specific = sourceCode.map { "\(format.rawValue)/\($0.uppercased())" }
        for settlement in settlements {
            for key in settlement.files {
                if let specific, key.caseInsensitiveCompare(specific) == .orderedSame { return settlement.provider }
                if key.caseInsensitiveCompare(format.rawValue) == .orderedSame { return settlement.provider }
            }
        }
        return nil
    }

    /// Loads `payments.yaml` from the hub's configuration folder; the defaults if there is none.
    /// - Throws: `ConfigError` naming the file and key.
    public static func load(for config: HubConfig) throws -> PaymentSettings {
        let file = config.directory.appendingPathComponent("payments.yaml")
        guard FileManager.default.fileExists(atPath: file.path) else { return defaults(inbox: config.inbox) }
        return try load(file: file, inbox: config.inbox)
    }

    /// Loads a payments configuration file.
    /// - Parameters:
    ///   - file: the YAML file.
    ///   - inbox: the folder inbox folders are relative to.
    /// - Throws: `ConfigError` naming the file and key.
    public static func load(file: URL, inbox: URL) throws -> PaymentSettings {
        let name = file.path
        let reader = try ConfigReader.load(file)
        let root = reader.root
        try reader.refuseUnknownKeys(root, ["inbox", "card-columns", "codes", "cash-providers", "settlements"], prefix: nil)
        var settings = defaults(inbox: inbox)

        func format(_ text: String, key: String) throws -> PaymentFormat? {
            if text == "auto" { return nil }
            guard let format = PaymentFormat(rawValue: text) else {
                throw ConfigError(
                    file: name, key: key,
                    message: "\(Wording.shortQuote(text)) is not a format: use auto, " + PaymentFormat.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return format
        }

        if let inboxNode = reader.node("inbox") {
            guard let mapping = inboxNode.mapping else { throw ConfigError(file: name, key: "inbox", message: "expected sources with folder and format") }
            var sources: [InboxSource] = []
            for (key, _) in mapping {
                guard let source = key.string else { continue }
                try reader.refuseUnknownKeys(reader.node("inbox.\(source)")!, ["folder", "format"], prefix: "inbox.\(source)")
                let folder = try reader.string("inbox.\(source).folder") ?? source
                let url = folder.hasPrefix("/") ? URL(fileURLWithPath: folder) : inbox.appendingPathComponent(folder)
                sources.append(InboxSource(
                    name: source, folder: url, format: try format(try reader.string("inbox.\(source).format") ?? "auto", key: "inbox.\(source).format")))
            }
            settings.inbox = sources
        }

        if let columns = reader.node("card-columns") {
            try reader.refuseUnknownKeys(
                columns, ["reference", "amount", "date", "date-format", "transaction-id", "payer-name", "status", "successful-statuses"],
                prefix: "card-columns")
            func required(_ key: String) throws -> String {
                guard let value = try reader.string("card-columns.\(key)"), !value.isEmpty else {
                    throw ConfigError(file: name, key: "card-columns.\(key)", message: "missing: the header of the column")
                }
                return value
            }
            let dateFormatText = try reader.string("card-columns.date-format") ?? "iso"
            guard let dateFormat = CardColumnMapping.DateFormat(rawValue: dateFormatText) else {
                throw ConfigError(file: name, key: "card-columns.date-format", message: "\(Wording.shortQuote(dateFormatText)) is not a date format: use iso or uk")
            }
            var statuses: Set<String> = []
            if let list = reader.node("card-columns.successful-statuses") {
                guard let items = list.sequence else {
                    throw ConfigError(file: name, key: "card-columns.successful-statuses", message: "expected a list of status values")
                }
                statuses = Set(items.compactMap { $0.string?.lowercased() })
            }
            settings.cardMapping = CardColumnMapping(
                reference: try required("reference"), amount: try required("amount"), date: try required("date"), dateFormat: dateFormat,
                transactionId: try required("transaction-id"), payerName: try reader.string("card-columns.payer-name"),
                status: try reader.string("card-columns.status"), successfulStatuses: statuses)
        }

        if let codes = reader.node("codes") {
            try reader.refuseUnknownKeys(codes, ["bank-credit", "card", "housing-benefit", "returned-direct-debit"], prefix: "codes")
            settings.bankCreditCode = try reader.string("codes.bank-credit") ?? settings.bankCreditCode
            settings.cardCode = try reader.string("codes.card") ?? settings.cardCode
            settings.housingBenefitCode = try reader.string("codes.housing-benefit") ?? settings.housingBenefitCode
            settings.returnedDirectDebitCode = try reader.string("codes.returned-direct-debit") ?? settings.returnedDirectDebitCode
        }

        if let providers = reader.node("cash-providers") {
            guard let mapping = providers.mapping else {
                throw ConfigError(file: name, key: "cash-providers", message: "expected provider code: transaction code")
            }
            var table: [String: String] = [:]
            for (key, value) in mapping {
                guard let code = key.string, let transaction = value.string, !transaction.isEmpty else {
                    throw ConfigError(file: name, key: "cash-providers", message: "expected provider code: transaction code")
                }
                table[code] = transaction
            }
            settings.cashProviders = table
        }

        if let list = reader.node("settlements") {
            guard let mapping = list.mapping else {
                throw ConfigError(file: name, key: "settlements", message: "expected one entry per provider")
            }
            var settlements: [Settlement] = []
            for (key, node) in mapping {
                guard let provider = key.string else { continue }
                let prefix = "settlements.\(provider)"
                try reader.refuseUnknownKeys(node, ["payer", "reference", "delay", "window", "files"], prefix: prefix)
                let payer = try reader.string("\(prefix).payer")
                let reference = try reader.string("\(prefix).reference")
                for (pattern, field) in [(payer, "payer"), (reference, "reference")] {
                    guard let pattern else { continue }
                    do { _ = try Regex(pattern) } catch {
                        throw ConfigError(file: name, key: "\(prefix).\(field)", message: "\(Wording.shortQuote(pattern)) is not a regular expression: \(error)")
                    }
                }
                if payer == nil && reference == nil {
                    throw ConfigError(file: name, key: prefix, message: "give a payer or a reference pattern, or both")
                }
                guard let files = reader.node("\(prefix).files")?.sequence?.compactMap(\.string), !files.isEmpty else {
                    throw ConfigError(file: name, key: "\(prefix).files", message: "expected a list of provider files (cash/PP, outlet/PAYPOINT, card), or [direct-debit]")
                }
                if files.contains(where: { $0.caseInsensitiveCompare(Settlement.directDebitFiles) == .orderedSame }) {
                    guard files.count == 1 else {
                        throw ConfigError(file: name, key: "\(prefix).files", message: "direct-debit stands alone: the Direct Debit collections and returns are not a provider's files")
                    }
                    if let other = settlements.first(where: \.settlesDirectDebit) {
                        throw ConfigError(file: name, key: "\(prefix).files", message: "only one signature may settle the Direct Debit files; \(Wording.shortQuote(other.provider)) already does")
                    }
                }
                for file in files where file.caseInsensitiveCompare(Settlement.directDebitFiles) != .orderedSame {
                    let formatName = file.split(separator: "/").first.map(String.init) ?? file
                    guard PaymentFormat(rawValue: formatName) != nil else {
                        throw ConfigError(file: name, key: "\(prefix).files", message: "\(Wording.shortQuote(file)) does not start with a format (cash, outlet, card, hb), nor is it direct-debit")
                    }
                }
                let delay = try reader.int("\(prefix).delay") ?? 1
                let window = try reader.int("\(prefix).window") ?? 2
                guard delay >= 0, window >= 0 else {
                    throw ConfigError(file: name, key: prefix, message: "delay and window are working days, 0 or more")
                }
                settlements.append(Settlement(
                    provider: provider, payerPattern: payer, referencePattern: reference, delay: delay, window: window, files: files))
            }
            settings.settlements = settlements
        }
        return settings
    }
}
