import Foundation
import HousingFinance
import Hub
import Postgres

/// The demo council's payment history from go-live to the day before the demo's day, generated
/// from a seed so that it is the same every time, posted as one run (`demo-payment-history`).
/// Tenants behave as tenants do. Most are steady: they pay their rent every week by cash (now and
/// then a few days late, rarely a week missed and caught up), standing order or Housing Benefit,
/// or monthly by Direct Debit; a few show a warning sign and carry on paying (a Direct Debit payer
/// moving to a standing order, a Universal Credit claim with the housing costs paid to the council).
/// Some drift, each from a week of their own: a cash payer whose payments turn short and late
/// before weeks go missing; a Direct Debit payer whose collection is returned (re-presented and
/// paid), who then cancels it and pays irregular, short cash; a Housing Benefit tenant who claims
/// Universal Credit and pays nothing through the five weeks' wait, then short monthly sums. A few
/// are chronically behind. The early-warning back-test scores the accounts from the ledger alone
/// (it never reads these behaviours).
public struct DemoPaymentHistory: Job {
    public static let name = "demo-payment-history"
    public static var reversal: ReversalRule { .independent }

    /// How a tenant pays.
    public enum Behaviour: String, CaseIterable, Sendable, Codable {
        case weeklyCash = "weekly cash", standingOrder = "standing order", housingBenefit = "Housing Benefit", directDebit = "monthly Direct Debit"
        case directDebitToStandingOrder = "Direct Debit to standing order", universalCreditPaidDirect = "Universal Credit paid to the council"
        case driftsToMissing = "drifts: short and late, then missing weeks", driftsFromDirectDebit = "drifts: Direct Debit returned, then cash"
        case driftsToUniversalCredit = "drifts: Universal Credit wait", chronic = "chronically behind"
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
        case 0..<28: .weeklyCash
        case 28..<39: .standingOrder
        case 39..<50: .housingBenefit
        case 50..<70: .directDebit
        case 70..<73: .directDebitToStandingOrder
        case 73..<76: .universalCreditPaidDirect
        case 76..<86: .driftsToMissing
        case 86..<91: .driftsFromDirectDebit
        case 91..<96: .driftsToUniversalCredit
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
        var claims: [[String: String]] = []
        var byBehaviour: [String: Int] = [:]
        for accountId in charges.keys.sorted() {
            let weeks = charges[accountId]!.filter { $0.pence > 0 }
            guard let first = weeks.first else { continue }
            var g = DemoCouncil.Generator(state: seed ^ UInt64(accountId) &* 0x9E37_79B9)
            let kind = Self.behaviour(&g)
            byBehaviour[kind.rawValue, default: 0] += 1
            // The week the behaviour changes (possibly after the history ends), and how long the signs show before it worsens.
            let drift = g.int(12...max(13, weeks.count + 4))
            let signs = g.int(3...8)
            let weeklyAverage = weeks.reduce(0) { $0 + $1.pence } / Int64(weeks.count)
            let monthly = weeklyAverage * 52 / 12
            let weekday = g.int(0...4)
            func pay(_ code: String, _ pence: Int64, _ day: Day) {
                if pence > 0 && day < through { receipts.append(Receipt(accountId: accountId, code: code, pence: pence, day: day)) }
            }
            /// A steady cash payer's week: now and then a few days late, rarely missed and paid with the next.
            var owed: Int64 = 0
            func steadyCash(_ week: (monday: Day, pence: Int64)) {
                let r = g.int(0...999)
                owed += week.pence
                if r < 7 { return }
                pay("RPY", owed, week.monday + (r < 70 ? min(6, weekday + 2) : weekday))
                owed = 0
            }
            /// Monthly Direct Debit collections on the 1st from the first month of the tenancy, through `until` (exclusive);
            /// the first also takes the weeks charged before it.
            func directDebits(until: Day?, returnedIn: Day? = nil) {
                var month = Day(year: first.monday.year, month: first.monday.month, day: 1)!
                var firstCollection = true
                while month < (until ?? through) {
                    if month >= first.monday {
                        let before = firstCollection ? weeks.filter { $0.monday < month }.reduce(0) { $0 + $1.pence } : 0
                        firstCollection = false
                        pay("RDD", monthly + before, month)
                        if month == returnedIn, month + 5 < through {
                            // Returned unpaid (refer to payer), then re-presented and paid.
                            receipts.append(Receipt(accountId: accountId, code: "RDN", pence: -monthly, day: month + 5))
                            pay("RDD", monthly, month + 12)
                        }
                    }
                    month = ArrearsAgreement.addMonths(1, to: month)!
                }
            }
            let driftDay = weeks.indices.contains(drift) ? weeks[drift].monday : nil
            switch kind {
            case .weeklyCash:
                weeks.forEach(steadyCash)
            case .standingOrder, .housingBenefit:
                for week in weeks { pay(kind == .standingOrder ? "RSO" : "RHB", week.pence, week.monday + (kind == .standingOrder ? 4 : 0)) }
            case .directDebit:
                directDebits(until: nil)
            case .directDebitToStandingOrder:
                directDebits(until: driftDay)
                for (n, week) in weeks.enumerated() where n >= drift { pay("RSO", week.pence, week.monday + 4) }
            case .universalCreditPaidDirect, .driftsToUniversalCredit:
                for (n, week) in weeks.enumerated() where n < drift { pay("RHB", week.pence, week.monday) }
                guard let driftDay, driftDay < through else { break }
                claims.append(["account_id": String(accountId), "from": driftDay.iso])
                if kind == .universalCreditPaidDirect {
                    // The tenant pays through the wait; then the housing costs come to the council every four weeks.
                    for (n, week) in weeks.enumerated() where n >= drift && n < drift + 5 { pay("RPY", week.pence, week.monday + 3) }
                    for n in stride(from: drift + 5, to: weeks.count, by: 4) { pay("RIT", weeks[n..<min(n + 4, weeks.count)].reduce(0) { $0 + $1.pence }, weeks[n].monday + 2) }
                } else {
                    // Nothing through the five weeks' wait; then short sums once a month.
                    for n in stride(from: drift + 5, to: weeks.count, by: 4) where g.chance(0.8) {
                        pay("RPY", weeks[n..<min(n + 4, weeks.count)].reduce(0) { $0 + $1.pence } * Int64(g.int(60...90)) / 100, weeks[n].monday + g.int(0...6))
                    }
                }
            case .driftsFromDirectDebit:
                // The collection is returned (and re-presented); the next month the payer cancels and pays cash, irregular and short.
                let returned = driftDay.map { Day(year: $0.year, month: $0.month, day: 1)! }
                directDebits(until: returned.map { ArrearsAgreement.addMonths(1, to: $0)! }, returnedIn: returned)
                if let returned {
                    let cashFrom = ArrearsAgreement.addMonths(1, to: returned)!
                    for week in weeks where week.monday >= cashFrom && g.chance(0.6) { pay("RPY", week.pence * Int64(g.int(60...95)) / 100, week.monday + g.int(0...6)) }
                }
            case .driftsToMissing:
                for (n, week) in weeks.enumerated() {
                    if n < drift {
                        steadyCash(week)
                    } else if n < drift + signs {
                        // The signs: short and late.
                        let short = g.chance(0.7)
                        pay("RPY", (owed + week.pence) * (short ? Int64(g.int(70...90)) : 100) / 100, week.monday + min(6, weekday + g.int(1...3)))
                        owed = 0
                    } else if g.chance(0.45) {
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
        // The Universal Credit claims the income team was told of, each from its day.
        try db.execute(
            """
            INSERT INTO arrears_circumstances (account_id, kind, from_date, note)
            SELECT (r->>'account_id')::bigint, 'uc-claim', (r->>'from')::date, 'Universal Credit claim (demo history)'
            FROM jsonb_array_elements(\(try HubJSON.text(claims))::jsonb) r
            """)
        return Report(through: through, byBehaviour: byBehaviour, entries: receipts.count, total: Money(pence: -receipts.reduce(0) { $0 + $1.pence }))
    }
}
