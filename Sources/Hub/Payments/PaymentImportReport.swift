import BankFiles
import Foundation
import HousingFinance

/// A count of entries and their money (positive pence).
public struct Tally: Codable, Hashable, Sendable {
    public var count: Int = 0
    public var pence: Int64 = 0

    public init(count: Int = 0, pence: Int64 = 0) {
        self.count = count
        self.pence = pence
    }

    enum CodingKeys: String, CodingKey {
        case count
        case pence = "amountPence"
    }

    mutating func add(_ amount: Money) {
        count += 1
        pence += amount.pence
    }

    static func + (a: Tally, b: Tally) -> Tally { Tally(count: a.count + b.count, pence: a.pence + b.pence) }
}

/// What became of an entry of an imported file.
public enum EntryOutcome: String, Codable, Sendable, CaseIterable {
    /// Posted to a rent account.
    case posted
    /// Seen in an earlier file (or earlier in this one): not posted again.
    case skipped
    /// Matched no account: held in suspense for a person.
    case suspense
    /// A payment provider's settlement on the bank statement: reconciled to its files, not rent.
    case settlement
    /// A bank debit that is not a returned Direct Debit (charges, returned items): reported only.
    case reported
}

/// One payment import run's report: the file's own totals and where every entry went, tied to
/// the penny by count and amount, credits and debits apart.
public struct PaymentImportReport: JobReport {
    public struct Line: Codable, Hashable, Sendable {
        public var outcome: EntryOutcome
        public var credits: Tally
        public var debits: Tally
    }

    /// An entry held in suspense, for the report.
    public struct SuspenseLine: Codable, Hashable, Sendable {
        public var position: String
        public var amountPence: Int64
        public var reference: String
        public var reason: String
    }

    /// A settlement matched to provider files while importing.
    public struct Reconciled: Codable, Hashable, Sendable {
        public var provider: String
        public var settlementPence: Int64
        public var settlementDate: Day
        public var files: [String]
    }

    /// How many suspense lines the report keeps (all are in `suspense_items`).
    public static let suspenseLinesKept = 1000

    public var file: String
    public var format: String
    public var sha256: String
    public var fileDate: Day?
    public var statements: Int
    public var openingBalancePence: Int64?
    public var closingBalancePence: Int64?
    /// The file's own totals, as its reader checked them.
    public var fileCredits: Tally
    public var fileDebits: Tally
    /// Where the entries went.
    public var lines: [Line]
    /// Whether the lines add up to the file's totals, by count and amount, credits and debits.
    public var ties: Bool
    /// Matches by rule (`reference`, `payment-card`, `legacy-reference`, `near-miss`, `suspense`,
    /// `returned-direct-debit`).
    public var byRule: [String: Int]
    /// Money posted to rent accounts by transaction code (signed, as in the ledger).
    public var ledgerByCode: [String: Int64]
    public var suspenseItems: [SuspenseLine]
    /// Provider batches recorded from this file: provider -> (entries, net pence).
    public var batches: [String: Tally]
    /// Settlements reconciled during this run (on either side).
    public var reconciled: [Reconciled]
    public var fileChecks: [String]
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case file, format, sha256, fileDate, statements, openingBalancePence, closingBalancePence, fileCredits, fileDebits, lines
        case ties, byRule, suspenseItems, batches, reconciled, fileChecks, warnings
        case ledgerByCode = "ledgerByCodePence"
    }

    public var counts: [String: Int] {
        var counts = ["entries": fileCredits.count + fileDebits.count]
        for line in lines { counts[line.outcome.rawValue] = line.credits.count + line.debits.count }
        for (rule, n) in byRule { counts["rule: \(rule)"] = n }
        return counts
    }

    /// The line of one outcome.
    public func line(_ outcome: EntryOutcome) -> Line { lines.first { $0.outcome == outcome } ?? Line(outcome: outcome, credits: Tally(), debits: Tally()) }

    public func render() -> String {
        var text = "Payment file \(file) (\(format)), SHA-256 \(Wording.shortHash(sha256))\n"
        if let fileDate { text += "  File date: \(fileDate.iso)" + (statements > 1 ? ", \(Wording.count(statements, "statement"))" : "") + "\n" }
        if let openingBalancePence, let closingBalancePence {
            text += "  Statement balances: opening \(Money(pence: openingBalancePence).formatted), closing \(Money(pence: closingBalancePence).formatted)\n"
        }
        text += "\nReconciliation of the file:\n"
        var table = TextTable([
            .init(""), .init("Credits", .right), .init("Amount", .right), .init("Debits", .right), .init("Amount", .right),
        ])
        func add(_ label: String, _ credits: Tally, _ debits: Tally) {
            table.add([
                label, Wording.number(credits.count), Money(pence: credits.pence).formatted, Wording.number(debits.count),
                Money(pence: debits.pence).formatted,
            ])
        }
        add("File's own totals", fileCredits, fileDebits)
        for outcome in EntryOutcome.allCases {
            let line = line(outcome)
            let label: String
            switch outcome {
            case .posted: label = "Posted to rent accounts"
            case .skipped: label = "Skipped, already seen"
            case .suspense: label = "Held in suspense"
            case .settlement: label = "Provider settlements"
            case .reported: label = "Reported, not posted"
            }
            add(label, line.credits, line.debits)
        }
        text += table.render(indent: 2)
        text += ties
            ? "  Ties to the penny: the file's totals = posted + skipped + suspense + settlements + reported.\n"
            : "  DOES NOT TIE: the entries do not add up to the file's totals.\n"
        if !byRule.isEmpty {
            text += "\nMatched by rule: " + byRule.sorted { $0.key < $1.key }.map { "\($0.key) \(Wording.number($0.value))" }.joined(separator: ", ") + "\n"
        }
        if !ledgerByCode.isEmpty {
            text += "Posted by code: " + ledgerByCode.sorted { $0.key < $1.key }.map { "\($0.key) \(Money(pence: $0.value).formatted)" }.joined(separator: ", ") + "\n"
        }
        if !suspenseItems.isEmpty {
            let total = max(line(.suspense).credits.count + line(.suspense).debits.count, suspenseItems.count)
            text += "\nTo suspense: \(Wording.count(total, "entry"))\n"
            var items = TextTable([.init("Position"), .init("Amount", .right), .init("Reference", maxWidth: 40), .init("Why")])
            for item in suspenseItems.prefix(LongList.shown) {
                items.add([item.position, Money(pence: item.amountPence).formatted, item.reference, item.reason])
            }
            text += items.render(indent: 2)
            if total > LongList.shown { text += "  ... and \(Wording.number(total - LongList.shown)) more: `hub suspense list --status open` lists them all\n" }
        }
        if !batches.isEmpty {
            text += "\nProvider batches: " + batches.sorted { $0.key < $1.key }
                .map { "\($0.key) \(Wording.count($0.value.count, "entry")) \(Money(pence: $0.value.pence).formatted)" }.joined(separator: "; ") + "\n"
        }
        for match in reconciled {
            text += "Reconciled: \(match.provider) settlement of \(Money(pence: match.settlementPence).formatted) on \(match.settlementDate.iso) with \(match.files.joined(separator: ", "))\n"
        }
        for check in fileChecks { text += "  check: \(check)\n" }
        for warning in warnings { text += "  warning: \(warning)\n" }
        return text
    }
}
