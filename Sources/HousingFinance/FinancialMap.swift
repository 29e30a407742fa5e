/// The fund that a ledger account belongs to. The Housing Revenue Account is ring-fenced: its
/// income and costs must never mix with the council's General Fund.
public enum Fund: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// The Housing Revenue Account.
    case hra = "HRA"
    /// The council's General Fund.
    case generalFund = "GF"

    public var description: String { rawValue }
}

/// The analysis dimensions that go with a ledger account on a journal line.
public struct AnalysisDimensions: Hashable, Comparable, Sendable, Codable {
    /// Cost centre (dimension 1).
    public var costCentre: String
    /// Dimensions 2 to 4, empty where unused.
    public var dim2: String
    public var dim3: String
    public var dim4: String

    public init(costCentre: String = "", dim2: String = "", dim3: String = "", dim4: String = "") {
        self.costCentre = costCentre
        self.dim2 = dim2
        self.dim3 = dim3
        self.dim4 = dim4
    }

    public static func < (a: AnalysisDimensions, b: AnalysisDimensions) -> Bool {
        (a.costCentre, a.dim2, a.dim3, a.dim4) < (b.costCentre, b.dim2, b.dim3, b.dim4)
    }
}

/// One row of the financial map: where the postings of one transaction code go in the ledger.
///
/// Sign convention: a posting's amount is signed as the rent account sees it, positive for a
/// debit to the tenant (a charge) and negative for a credit (a payment). The journal debits
/// `ledgerAccount` with the signed amount and credits `contraAccount` with it, so a positive
/// amount is *debit ledger account, credit contra* and a negative amount the opposite.
public struct FinancialMapping: Hashable, Sendable, Codable {
    /// The transaction code (`DBR`, `RPY`, ...).
    public var code: String
    /// A charge code that narrows the row to postings of `code` for that charge (`ADJ/DSC` in
    /// the file: adjustments of service charges); nil for the row that serves the whole code.
    public var chargeCode: String?
    /// What the code is, in words; it becomes the description of journal lines that hold only
    /// this code.
    public var description: String
    /// The account debited by a positive amount (the tenant debtors control for rent account codes).
    public var ledgerAccount: String
    /// The account credited by a positive amount.
    public var contraAccount: String
    /// Cost centre and further analysis, used on both lines.
    public var dimensions: AnalysisDimensions
    /// The fund both accounts belong to.
    public var fund: Fund
    /// The 1-based line of the map file this row came from.
    public var line: Int

    /// The code as the map file writes it: `ADJ` or `ADJ/DSC`.
    public var key: String { chargeCode.map { code + "/" + $0 } ?? code }
}

/// The financial map: gives each transaction code a ledger account and a contra account with
/// analysis dimensions, read from a CSV text (`Config/financial-map.csv`).
///
/// The file has a header line `code,description,ledger_account,contra_account,cost_centre,dim2,dim3,dim4,fund`
/// and one row per code. Blank lines and lines starting with `#` are ignored; fields may be
/// quoted as in RFC 4180 (`"Rent, garages"`). Loading refuses, naming file, line and column:
/// a wrong header, a row with the wrong number of fields, an empty or malformed code or account,
/// a code mapped twice, an account equal to its contra, a fund other than `HRA` or `GF`, an
/// account that one row puts in the HRA and another in the General Fund (a mapping whose account
/// and contra belong to different funds), and a debtors control account that no row uses.
public struct FinancialMap: Sendable {
    /// The columns of the file, in order.
    public static let columns = [
        "code", "description", "ledger_account", "contra_account", "cost_centre", "dim2", "dim3", "dim4", "fund",
    ]

    /// The tenant debtors control account of the default map.
    public static let defaultDebtorsControlAccount = "1500"

    /// The rows, in file order.
    public let mappings: [FinancialMapping]
    /// The tenant debtors control account: its net movement in a journal reconciles to the rent
    /// accounts' movement.
    public let debtorsControlAccount: String
    /// The file the map was read from, for messages.
    public let file: String

    private let byKey: [String: FinancialMapping]
    private let fundOfAccount: [String: Fund]

    /// Reads a map from CSV text.
    /// - Parameters:
    ///   - text: the file's contents (UTF-8; a byte-order mark and CRLF line ends are accepted).
    ///   - file: the file's name, for messages.
    ///   - debtorsControlAccount: the tenant debtors control account; some row must use it.
    /// - Throws: `FinancialMapError` naming the file, line and column of the first fault.
    public init(csv text: String, file: String, debtorsControlAccount: String = FinancialMap.defaultDebtorsControlAccount)
        throws(FinancialMapError)
    {
        self.file = file
        self.debtorsControlAccount = debtorsControlAccount
        var mappings: [FinancialMapping] = []
        var byKey: [String: FinancialMapping] = [:]
        var fundOfAccount: [String: (fund: Fund, line: Int)] = [:]
        var sawHeader = false
        var body = Substring(text)
        if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }

        for (index, rawLine) in body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let lineNumber = index + 1
            let line = rawLine
            if line.trimmingSpaces.isEmpty || line.hasPrefix("#") { continue }
            func fail(_ column: Int?, _ message: String) -> FinancialMapError {
                FinancialMapError(file: file, line: lineNumber, column: column, message)
            }
            let fields: [String]
            switch CSV.fields(of: line) {
            case .success(let read): fields = read
            case .failure(let problem): throw fail(problem.field, problem.reason)
            }
            guard sawHeader else {
                let names = fields.map { $0.trimmingSpaces.lowercased() }
                if names != FinancialMap.columns {
                    throw fail(nil, "the header must be \(Wording.shortQuote(FinancialMap.columns.joined(separator: ",")))")
                }
                sawHeader = true
                continue
            }
            guard fields.count == FinancialMap.columns.count else {
                throw fail(nil, "expected \(FinancialMap.columns.count) fields, found \(fields.count)")
            }
            let value = fields.map { String($0.trimmingSpaces) }

            let keyParts = value[0].split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(keyParts.count), keyParts.allSatisfy(FinancialMap.isCode) else {
                throw fail(1, "code \(Wording.shortQuote(value[0])) must be 2 to 8 capital letters or digits, optionally '/' and a charge code (ADJ/DSC)")
            }
            if value[1].isEmpty { throw fail(2, "description is empty") }
            for column in [2, 3] where !FinancialMap.isAccount(value[column]) {
                throw fail(column + 1, "\(FinancialMap.columns[column]) \(Wording.shortQuote(value[column])) must be 1 to 20 letters, digits, '-' or '.'")
            }
            if value[2] == value[3] { throw fail(4, "contra_account is the same as ledger_account (\(value[2]))") }
            guard let fund = Fund(rawValue: value[8]) else {
                throw fail(9, "fund \(Wording.shortQuote(value[8])) must be HRA or GF")
            }
            let mapping = FinancialMapping(
                code: String(keyParts[0]), chargeCode: keyParts.count == 2 ? String(keyParts[1]) : nil,
                description: value[1], ledgerAccount: value[2], contraAccount: value[3],
                dimensions: AnalysisDimensions(costCentre: value[4], dim2: value[5], dim3: value[6], dim4: value[7]),
                fund: fund, line: lineNumber)
            if let earlier = byKey[mapping.key] {
                throw fail(1, "code \(mapping.key) is already mapped on line \(earlier.line); map each code once")
            }
            for (column, account) in [(3, mapping.ledgerAccount), (4, mapping.contraAccount)] {
                if let known = fundOfAccount[account], known.fund != fund {
                    throw fail(
                        column,
                        "account \(account) belongs to \(known.fund) (line \(known.line)) but this \(fund) mapping uses it: "
                            + "the Housing Revenue Account is ring-fenced, so a mapping's account and contra must both be in its fund")
                }
                fundOfAccount[account] = fundOfAccount[account] ?? (fund, lineNumber)
            }
            byKey[mapping.key] = mapping
            mappings.append(mapping)
        }
        guard sawHeader else { throw FinancialMapError(file: file, line: 1, column: nil, "the file is empty; it needs a header and rows") }
        guard fundOfAccount[debtorsControlAccount] != nil else {
            throw FinancialMapError(
                file: file, line: nil, column: nil,
                "the debtors control account \(debtorsControlAccount) is not used by any row; map the rent account codes to it")
        }
        self.mappings = mappings
        self.byKey = byKey
        self.fundOfAccount = fundOfAccount.mapValues(\.fund)
    }

    /// The row for a posting: the row for `code/chargeCode` where there is one, else the row for
    /// `code`; nil if the code is not mapped.
    public func mapping(for code: String, chargeCode: String? = nil) -> FinancialMapping? {
        if let chargeCode, let specific = byKey[code + "/" + chargeCode] { return specific }
        return byKey[code]
    }

    /// The fund an account belongs to, or nil if no row uses it.
    public func fund(ofAccount account: String) -> Fund? { fundOfAccount[account] }

    private static func isCode(_ text: Substring) -> Bool {
        (2...8).contains(text.count) && text.allSatisfy { ($0.isASCII && $0.isUppercase) || $0.isASCIIDigit }
    }

    private static func isAccount(_ text: String) -> Bool {
        (1...20).contains(text.count)
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
    }
}

/// Why a financial map could not be loaded: the file, line and column, and what to change.
public struct FinancialMapError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The map file's name.
    public var file: String
    /// The 1-based line, or nil for a fault of the whole file.
    public var line: Int?
    /// The 1-based column (field), or nil for a fault of the whole line.
    public var column: Int?
    /// What was wrong and what to do.
    public var message: String

    public init(file: String, line: Int?, column: Int?, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var place = file
        if let line { place += ": line \(line)" }
        if let column {
            place += ", column \(column)"
            if column <= FinancialMap.columns.count { place += " (\(FinancialMap.columns[column - 1]))" }
        }
        return place + ": " + message
    }
}
