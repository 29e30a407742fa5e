/// One ledger posting to be sent to the general ledger.
///
/// The amount is signed as the rent account sees it: positive for a debit to the tenant (a
/// charge, a refund, a returned payment), negative for a credit (a payment, Housing Benefit, a
/// write-off). A reversal is a posting of the same code with the opposite sign. Postings that
/// are not on a rent account (an approved repair cost, `RPR`) follow the same rule: positive
/// debits the mapping's ledger account.
public struct JournalPosting: Hashable, Sendable, Codable {
    /// The ledger entry's identity; the export marks it as sent.
    public var entryId: Int64
    /// The transaction code.
    public var code: String
    /// The signed amount.
    public var amount: Money
    /// The posting's date.
    public var date: Day
    /// The charge code the posting is for (an adjustment's charge), where it has one.
    public var chargeCode: String?

    public init(entryId: Int64, code: String, amount: Money, date: Day, chargeCode: String? = nil) {
        self.entryId = entryId
        self.code = code
        self.amount = amount
        self.date = date
        self.chargeCode = chargeCode
    }
}

/// The side of a journal line.
public enum JournalSide: String, Hashable, Comparable, Sendable, Codable {
    case debit, credit

    /// The other side.
    public var opposite: JournalSide { self == .debit ? .credit : .debit }

    public static func < (a: JournalSide, b: JournalSide) -> Bool { a == .debit && b == .credit }
}

/// One consolidated journal line: every posting that lands on one account with one set of
/// dimensions on one side.
public struct JournalLine: Hashable, Sendable, Codable {
    /// The ledger account.
    public var account: String
    /// The analysis dimensions.
    public var dimensions: AnalysisDimensions
    /// The fund the account belongs to.
    public var fund: Fund
    /// Debit or credit.
    public var side: JournalSide
    /// The line's total, never negative; `side` says which way.
    public var amount: Money
    /// The mapping keys consolidated here (`DBR`, `ADJ/DSC`), sorted.
    public var codes: [String]
    /// How many postings the line holds.
    public var postingCount: Int
    /// The mapping's description when the line holds one code, else `Consolidated:` and the codes.
    public var description: String

    /// The amount signed for ledgers that take one amount column: debit positive, credit negative.
    public var signedAmount: Money { side == .debit ? amount : -amount }
}

/// A journal's control totals.
public struct JournalTotals: Hashable, Sendable, Codable {
    /// Number of journal lines.
    public var lineCount: Int = 0
    /// Sum of debit lines.
    public var debits: Money = .zero
    /// Sum of credit lines (positive).
    public var credits: Money = .zero

    public init() {}

    /// Whether debits equal credits.
    public var isBalanced: Bool { debits == credits }
}

/// A balanced general-ledger journal built from postings through the financial map.
///
/// Each posting of amount `a` (signed as the rent account sees it) adds `a` as a debit to its
/// mapping's ledger account and as a credit to its contra account (a negative debit being a
/// credit and the other way round), both with the mapping's dimensions. Lines are consolidated by
/// account, dimensions and side; debits and credits on one account are not netted, so a reversal
/// appears as its own opposite line. Every posting contributes equally to both sides, so the
/// journal balances by construction, within each fund as well as overall; the initialiser checks it.
public struct Journal: Hashable, Sendable {
    /// The lines, sorted by account, dimensions, then debit before credit.
    public let lines: [JournalLine]
    /// Line count and totals.
    public let totals: JournalTotals
    /// Every posting included, sorted by entry id (zero-amount postings too, though they make no
    /// line): the export marks exactly these as sent.
    public let entryIds: [Int64]
    /// The net movement (debits minus credits) on the map's tenant debtors control account: it
    /// equals the sum of the amounts of the postings mapped to that account, the rent accounts'
    /// movement, which the export reconciles against the ledger.
    public let debtorsControlMovement: Money
    /// The first and last posting dates, nil for a journal of no postings.
    public let firstDate: Day?
    public let lastDate: Day?

    /// Builds the journal.
    /// - Parameters:
    ///   - postings: the postings to send, in any order.
    ///   - map: the financial map.
    /// - Throws: `UnmappedCodesError` listing every code (and charge code) that has no mapping;
    ///   then there is no journal and nothing may be marked as sent.
    public init(postings: [JournalPosting], map: FinancialMap) throws(UnmappedCodesError) {
        try self.init(groups: postings.map(JournalGroup.init(posting:)), map: map, entryIds: postings.map(\.entryId).sorted())
    }

    /// Builds the journal from postings already summed by code, charge code and sign (an export
    /// sums millions of postings in the database and hands over a few dozen groups). The journal
    /// is the same as from the postings themselves; `entryIds` is empty (the export marks the
    /// postings in the database).
    /// - Parameters:
    ///   - groups: the sums, in any order; the postings of one group must all have the same sign,
    ///     so that debits and credits stay on their own lines.
    ///   - map: the financial map.
    /// - Throws: `UnmappedCodesError` listing every unmapped code with its number of postings.
    public init(groups: [JournalGroup], map: FinancialMap) throws(UnmappedCodesError) {
        try self.init(groups: groups, map: map, entryIds: [])
    }

    private init(groups postings: [JournalGroup], map: FinancialMap, entryIds: [Int64]) throws(UnmappedCodesError) {
        struct Key: Hashable, Comparable {
            var account: String
            var dimensions: AnalysisDimensions
            var side: JournalSide
            static func < (a: Key, b: Key) -> Bool {
                (a.account, a.dimensions, a.side) < (b.account, b.dimensions, b.side)
            }
        }
        struct Accumulator {
            var fund: Fund
            var amount: Money = .zero
            var mappings: [String: String] = [:]  // key -> description
            var postingCount = 0
        }
        var groups: [Key: Accumulator] = [:]
        var unmapped: [String: UnmappedCodesError.Code] = [:]
        var control = Money.zero

        for posting in postings {
            guard let mapping = map.mapping(for: posting.code, chargeCode: posting.chargeCode) else {
                let key = posting.chargeCode.map { posting.code + "/" + $0 } ?? posting.code
                var entry = unmapped[key] ?? .init(code: key, postingCount: 0, firstEntryId: posting.firstPostingId)
                entry.postingCount += posting.postingCount
                entry.firstEntryId = min(entry.firstEntryId, posting.firstPostingId)
                unmapped[key] = entry
                continue
            }
            if mapping.ledgerAccount == map.debtorsControlAccount { control += posting.amount }
            if mapping.contraAccount == map.debtorsControlAccount { control -= posting.amount }
            guard posting.amount != .zero else { continue }
            let ledgerSide: JournalSide = posting.amount > .zero ? .debit : .credit
            for (account, side) in [(mapping.ledgerAccount, ledgerSide), (mapping.contraAccount, ledgerSide.opposite)] {
                let key = Key(account: account, dimensions: mapping.dimensions, side: side)
                var group = groups[key] ?? Accumulator(fund: mapping.fund)
                group.amount += posting.amount > .zero ? posting.amount : -posting.amount
                group.mappings[mapping.key] = mapping.description
                group.postingCount += posting.postingCount
                groups[key] = group
            }
        }
        if !unmapped.isEmpty {
            throw UnmappedCodesError(file: map.file, codes: unmapped.values.sorted { $0.code < $1.code })
        }

        var totals = JournalTotals()
        var balanceByFund: [Fund: Money] = [:]
        var lines: [JournalLine] = []
        for key in groups.keys.sorted() {
            let group = groups[key]!
            let codes = group.mappings.keys.sorted()
            let line = JournalLine(
                account: key.account, dimensions: key.dimensions, fund: group.fund, side: key.side,
                amount: group.amount, codes: codes, postingCount: group.postingCount,
                description: codes.count == 1 ? group.mappings[codes[0]]! : "Consolidated: " + codes.joined(separator: " "))
            lines.append(line)
            totals.lineCount += 1
            if key.side == .debit { totals.debits += line.amount } else { totals.credits += line.amount }
            balanceByFund[group.fund, default: .zero] += line.signedAmount
        }
        precondition(totals.isBalanced && balanceByFund.values.allSatisfy { $0 == .zero }, "a journal must balance by construction")

        self.lines = lines
        self.totals = totals
        self.entryIds = entryIds
        self.debtorsControlMovement = control
        self.firstDate = postings.compactMap(\.firstDate).min()
        self.lastDate = postings.compactMap(\.lastDate).max()
    }
}

/// Postings of one code, charge code and sign, summed: what an export hands to `Journal` instead
/// of every posting.
public struct JournalGroup: Hashable, Sendable, Codable {
    /// The transaction code.
    public var code: String
    /// The charge code that narrows the code in the map, where the postings have one.
    public var chargeCode: String?
    /// The sum of the postings' signed amounts.
    public var amount: Money
    /// How many postings the group holds.
    public var postingCount: Int
    /// The lowest posting id in the group, to find one in messages.
    public var firstPostingId: Int64
    /// The first and last posting dates.
    public var firstDate: Day?
    public var lastDate: Day?

    public init(
        code: String, chargeCode: String?, amount: Money, postingCount: Int, firstPostingId: Int64,
        firstDate: Day?, lastDate: Day?
    ) {
        self.code = code
        self.chargeCode = chargeCode
        self.amount = amount
        self.postingCount = postingCount
        self.firstPostingId = firstPostingId
        self.firstDate = firstDate
        self.lastDate = lastDate
    }

    /// One posting as a group of one.
    public init(posting: JournalPosting) {
        self.init(
            code: posting.code, chargeCode: posting.chargeCode, amount: posting.amount, postingCount: 1,
            firstPostingId: posting.entryId, firstDate: posting.date, lastDate: posting.date)
    }
}

/// The postings of an export use codes that the financial map does not map. Nothing is exported
/// and nothing marked as sent until every code is mapped.
public struct UnmappedCodesError: Error, Hashable, Sendable, CustomStringConvertible {
    /// One unmapped code.
    public struct Code: Hashable, Sendable {
        /// The code as the map would key it: `XYZ`, or `ADJ/GAR` for a charge code that has neither
        /// its own row nor a row for the plain code.
        public var code: String
        /// How many postings use it.
        public var postingCount: Int
        /// The lowest entry id among them, to find one.
        public var firstEntryId: Int64
    }

    /// The map file's name.
    public var file: String
    /// Every unmapped code, sorted.
    public var codes: [Code]

    public var description: String {
        let list = codes.map { "\($0.code) (\(Wording.count($0.postingCount, "posting")), first entry \($0.firstEntryId))" }
        return "\(Wording.count(codes.count, "transaction code")) \(codes.count == 1 ? "has" : "have") no mapping in \(file): "
            + list.joined(separator: ", ") + ". Add them to the financial map; nothing was exported."
    }
}
