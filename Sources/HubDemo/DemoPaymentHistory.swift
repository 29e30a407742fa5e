import Foundation
import HousingFinance
import Hub
import Postgres

/// The demo council's payment history from go-live to the day before the demo's day, generated
/// from a seed so that it is the same every time, posted as one run (`demo-payment-history`).
/// Tenants behave as tenants do: most pay their rent every week by cash, standing order or
/// Housing Benefit, or monthly by Direct Debit; some drift: a steady payer who starts paying less
/// or missing weeks part-way through the year, a Direct Debit payer whose collection is returned
/// and who then pays irregularly in cash; a few are chronically behind. The drifting tenants are
/// what the early-warning back-test finds (or misses).
public struct DemoPaymentHistory: Job {
    public static let name = "demo-payment-history"
    public static var reversal: ReversalRule { .independent }

    /// How a tenant pays.
    public enum Behaviour: String, CaseIterable, Sendable, Codable {
        case weeklyCash = "weekly cash", standingOrder = "standing order", housingBenefit = "Housing Benefit", directDebit = "monthly Direct Debit"
        case driftsToMissing = "drifts to missing weeks", driftsFromDirectDebit = "drifts from Direct Debit to cash", chronic = "chronically behind"
    }

    public let through: Day
    public let seed: UInt64

    public init(through: Day, seed: UInt64 = 20_261_206) {
        self.through = through
        self.seed = seed
    }

    public var businessKey: String { "demo" }
    public var parameters: [String: String] { ["through": through.iso] }

    public struct Report: JobReport {
        public var through: Day
        public var byBehaviour: [String: Int]
        public var entries: Int
        public var total: Money
        public var counts: [String: Int] { ["entries": entries] }
        public var warnings: [String] { [] }
        enum CodingKeys: String, CodingKey {
            case through, byBehaviour, entries
            case total = "totalPence"
        }
        public func render() -> String {
            "Payment history to \(through.iso): \(Wording.number(entries)) receipts, \(total.formatted); tenants: "
                + byBehaviour.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        }
    }

    /// The behaviour of an account, from the seed.
    static func behaviour(_ g: inout DemoCouncil.Generator) -> Behaviour {
        switch g.int(0...99) {
        case 0..<34: .weeklyCash
        case 34..<46: .standingOrder
        case 46..<60: .housingBenefit
        case 60..<80: .directDebit
        case 80..<89: .driftsToMissing
        case 89..<95: .driftsFromDirectDebit
        default: .chronic
        }
    }

    struct Receipt {
        var accountId: Int64
        var code: String
        var pence: Int64
        var day: Day
    }

    public func run(in context: RunContext) throws -> Report {
        let db = context.connection
        // Each account's weekly debits, as posted by the rent debit.
        var charges: [Int64: [(monday: Day, pence: Int64)]] = [:]
        for row in try db.query(
            """
            SELECT account_id, rent_week, sum(amount_pence) FROM ledger_entries
            WHERE rent_week IS NOT NULL AND rent_week < \(through) GROUP BY account_id, rent_week ORDER BY account_id, rent_week
            """)
        {
            charges[try row.decode(Int64.self, 0), default: []].append((try row.decode(Day.self, 1), try row.decode(Int64.self, 2)))
        }
        var receipts: [Receipt] = []
        var byBehaviour: [String: Int] = [:]
        for accountId in charges.keys.sorted() {
            let weeks = charges[accountId]!.filter { $0.pence > 0 }
            guard let first = weeks.first else { continue }
            var g = DemoCouncil.Generator(state: seed ^ UInt64(accountId) &* 0x9E37_79B9)
            let kind = Self.behaviour(&g)
            byBehaviour[kind.rawValue, default: 0] += 1
            let drift = weeks.count > 20 ? g.int(max(14, weeks.count / 3)...max(14, weeks.count - 6)) : Int.max
            let weeklyAverage = weeks.reduce(0) { $0 + $1.pence } / Int64(weeks.count)
            func pay(_ code: String, _ pence: Int64, _ day: Day) {
                if pence > 0 && day < through { receipts.append(Receipt(accountId: accountId, code: code, pence: pence, day: day)) }
            }
            switch kind {
            case .weeklyCash, .standingOrder, .housingBenefit:
                let code = kind == .weeklyCash ? "RPY" : kind == .standingOrder ? "RSO" : "RHB"
                let weekday = kind == .housingBenefit ? 0 : kind == .standingOrder ? 4 : g.int(0...5)
                for week in weeks {
                    // An occasional late or missed week, caught up the next week.
                    pay(code, week.pence, week.monday + weekday)
                }
            case .directDebit, .driftsFromDirectDebit:
                let monthly = weeklyAverage * 52 / 12
                var month = Day(year: first.monday.year, month: first.monday.month, day: 1)!
                var index = 0
                while month < through {
                    let collection = month + 0
                    if kind == .driftsFromDirectDebit, index >= drift / 4 {
                        // The collection is returned unpaid; then cash, irregular and short.
                        if index == drift / 4 {
                            pay("RDD", monthly, collection)
                            receipts.append(Receipt(accountId: accountId, code: "RDN", pence: -monthly, day: collection + 5))
                        }
                    } else if collection >= first.monday {
                        pay("RDD", monthly, collection)
                    }
                    index += 1
                    month = ArrearsAgreement.addMonths(1, to: month)!
                }
                if kind == .driftsFromDirectDebit {
                    for (n, week) in weeks.enumerated() where n >= drift && g.chance(0.5) { pay("RPY", week.pence * 6 / 10, week.monday + 4) }
                }
            case .driftsToMissing:
                for (n, week) in weeks.enumerated() {
                    if n < drift {
                        pay("RPY", week.pence, week.monday + 4)
                    } else if g.chance(0.4) {
                        pay("RPY", week.pence * 7 / 10, week.monday + 4)
                    }
                }
            case .chronic:
                for week in weeks where g.chance(0.7) { pay("RPY", week.pence * 8 / 10, week.monday + g.int(0...6)) }
            }
        }
        try db.copyIntoLandlordTable(table: "ledger_entries", columns: ["account_id", "code", "amount_pence", "entry_date", "run_id", "description"]) { rows in
            for receipt in receipts {
                try rows.beginRow(columns: 6)
                rows.write(receipt.accountId)
                rows.write(receipt.code)
                rows.write(-receipt.pence)
                rows.writeDate(daysSince1970: receipt.day.daysSinceEpoch)
                rows.write(context.runId)
                rows.write(receipt.code == "RDN" ? "Direct Debit returned unpaid (demo history)" : "Demo payment history")
            }
        }
        return Report(through: through, byBehaviour: byBehaviour, entries: receipts.count, total: Money(pence: -receipts.reduce(0) { $0 + $1.pence }))
    }
}
