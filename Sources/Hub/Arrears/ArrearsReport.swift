import Foundation
import HousingFinance
import Postgres

/// `hub arrears report`: current tenants by weeks-of-rent bands and former tenants by age of debt,
/// each band's count and balance, totals tied to the ledger and to the general ledger's debtors
/// control account, and the movement since a week before.
public struct ArrearsReport: Codable, Sendable {
    public struct Band: Codable, Sendable {
        public var band: String
        public var accounts: Int
        public var balance: Money
        public var weekBefore: Int
        public var balanceWeekBefore: Money
        enum CodingKeys: String, CodingKey {
            case band, accounts, weekBefore
            case balance = "balancePence"
            case balanceWeekBefore = "balanceWeekBeforePence"
        }
    }

    public var asOf: Day
    public var current: [Band]
    public var former: [Band]
    public var total: Money
    public var ledgerTotal: Money
    /// The debtors control account's balance from the postings as the GL export maps them.
    public var debtorsControl: Money?
    public var debtorsControlAccount: String?
    public var casesEntered: Int
    public var casesCleared: Int
    public var arrearsNow: Money
    public var arrearsWeekBefore: Money

    enum CodingKeys: String, CodingKey {
        case asOf, current, former, debtorsControlAccount, casesEntered, casesCleared
        case total = "totalPence"
        case ledgerTotal = "ledgerTotalPence"
        case debtorsControl = "debtorsControlPence"
        case arrearsNow = "arrearsNowPence"
        case arrearsWeekBefore = "arrearsWeekBeforePence"
    }

    public var tiesToLedger: Bool { total == ledgerTotal }
    public var tiesToControl: Bool { debtorsControl.map { $0 == total } ?? false }

    static let currentBands = ["in credit or clear", "under 1 week", "1 to 4 weeks", "4 to 8 weeks", "8 to 13 weeks", "13 weeks or more"]
    static let formerBands = ["in credit or clear", "ended under 3 months ago", "3 to 12 months", "1 to 2 years", "2 years or more"]

    static func currentBand(_ account: ArrearsAccount) -> Int {
        let weeks = account.position.weeksHundredths ?? 0
        if account.position.collectable <= .zero { return 0 }
        switch weeks {
        case ..<100: return 1
        case ..<400: return 2
        case ..<800: return 3
        case ..<1300: return 4
        default: return 5
        }
    }

    static func formerBand(_ account: ArrearsAccount, on day: Day) -> Int {
        guard account.position.balance > .zero, let end = account.tenancyEnd else { return 0 }
        switch end.distance(to: day) {
        case ..<91: return 1
        case ..<365: return 2
        case ..<730: return 3
        default: return 4
        }
    }

    /// Builds the report.
    /// - Parameter map: the financial map (the GL export's), for the debtors control account.
    public static func build(asOf day: Day, config: ArrearsConfig, map: FinancialMap?, db: Connection) throws -> ArrearsReport {
        // The positions at the day and a week before in one pass over the ledger (each pass over
        // ten years of postings costs seconds; docs/performance.md).
        let positions = try ArrearsPositions.load(on: [day, day - 7], config: config, db: db)
        return try build(asOf: day, now: positions[0], before: positions[1], map: map, db: db)
    }

    /// The report from the positions at the day (`now`) and a week before (`before`), each every
    /// account's in account order.
    public static func build(asOf day: Day, now: [ArrearsAccount], before: [ArrearsAccount], map: FinancialMap?, db: Connection) throws -> ArrearsReport {
        func bands(_ accounts: [ArrearsAccount], on day: Day) -> (current: [(Int, Money)], former: [(Int, Money)]) {
            var current = Array(repeating: (0, Money.zero), count: currentBands.count)
            var former = Array(repeating: (0, Money.zero), count: formerBands.count)
            for account in accounts {
                if account.isCurrent(on: day) {
                    let band = currentBand(account)
                    current[band].0 += 1
                    current[band].1 += account.position.balance
                } else {
                    let band = formerBand(account, on: day)
                    former[band].0 += 1
                    former[band].1 += account.position.balance
                }
            }
            return (current, former)
        }
        let a = bands(now, on: day)
        let b = bands(before, on: day - 7)
        // The ledger's total and the debtors control account in one pass over the history: the
        // ledger's total is the sum of the ledger's groups of the same GROUP BY (each full pass
        // over ten years of postings costs seconds; see docs/performance.md).
        var ledger = Money.zero
        var control: Money?
        if let map {
            var sum = Money.zero
            for row in try db.query(
                "SELECT source, code, analysis, sum(amount_pence) FROM postings WHERE entry_date <= \(day) GROUP BY source, code, analysis")
            {
                let code = try row.decode(String.self, 1)
                let analysis = row.text(2)
                let amount = Money(pence: try row.decode(Int64.self, 3))
                if try row.decode(String.self, 0) == "ledger" { ledger += amount }
                guard let mapping = map.mapping(for: code, chargeCode: analysis) else { continue }
                if mapping.ledgerAccount == map.debtorsControlAccount { sum += amount }
                if mapping.contraAccount == map.debtorsControlAccount { sum -= amount }
            }
            control = sum
        } else {
            ledger = Money(pence: try db.queryOne("SELECT COALESCE(sum(amount_pence), 0) FROM ledger_entries WHERE entry_date <= \(day)")!.decode(Int64.self, 0))
        }
        let wasInArrears = Set(before.filter { $0.isCurrent(on: day - 7) && $0.position.collectable > .zero }.map(\.accountId))
        let inArrears = Set(now.filter { $0.isCurrent(on: day) && $0.position.collectable > .zero }.map(\.accountId))
        func arrears(_ accounts: [ArrearsAccount], _ day: Day) -> Money {
            accounts.filter { $0.isCurrent(on: day) && $0.position.collectable > .zero }.reduce(Money.zero) { $0 + $1.position.collectable }
        }
        return ArrearsReport(
            asOf: day,
            current: currentBands.indices.map { Band(band: currentBands[$0], accounts: a.current[$0].0, balance: a.current[$0].1, weekBefore: b.current[$0].0, balanceWeekBefore: b.current[$0].1) },
            former: formerBands.indices.map { Band(band: formerBands[$0], accounts: a.former[$0].0, balance: a.former[$0].1, weekBefore: b.former[$0].0, balanceWeekBefore: b.former[$0].1) },
            total: now.reduce(Money.zero) { $0 + $1.position.balance }, ledgerTotal: ledger, debtorsControl: control,
            debtorsControlAccount: map?.debtorsControlAccount, casesEntered: inArrears.subtracting(wasInArrears).count,
            casesCleared: wasInArrears.subtracting(inArrears).count, arrearsNow: arrears(now, day), arrearsWeekBefore: arrears(before, day - 7))
    }

    public func render() -> String {
        var text = "Arrears report as of \(asOf.iso) (the week before: \((asOf - 7).iso))\n\nCurrent tenants by weeks of rent owed:\n"
        func table(_ bands: [Band]) -> String {
            var table = TextTable([.init("Band"), .init("Accounts", .right), .init("Balance", .right), .init("Week before", .right), .init("Balance before", .right)])
            for band in bands {
                table.add([band.band, Wording.number(band.accounts), band.balance.formatted, Wording.number(band.weekBefore), band.balanceWeekBefore.formatted])
            }
            return table.render(indent: 2)
        }
        text += table(current) + "\nFormer tenants by age of debt:\n" + table(former)
        text += "\nTotal of every account's balance: \(total.formatted)\n"
        text += "Ledger (every entry to \(asOf.iso)): \(ledgerTotal.formatted) - \(tiesToLedger ? "ties" : "DIFFERS by \((total - ledgerTotal).formatted)")\n"
        if let debtorsControl, let debtorsControlAccount {
            text += "GL debtors control \(debtorsControlAccount) (postings as the financial map sends them): \(debtorsControl.formatted) - "
            text += tiesToControl ? "ties\n" : "DIFFERS by \((total - debtorsControl).formatted) (postings whose codes are not mapped to the control account)\n"
        }
        text += "\nMovement on the week: current tenants' arrears \(arrearsWeekBefore.formatted) -> \(arrearsNow.formatted) "
        text += "(\((arrearsNow - arrearsWeekBefore).formatted)); \(Wording.count(casesEntered, "case")) fell into arrears, \(Wording.count(casesCleared, "case")) cleared.\n"
        return text
    }
}

/// Early warning: each current tenant not in arrears, scored from its own history.
public enum ArrearsEarlyWarning {
    public struct Flag: Codable, Sendable {
        public var account: String
        public var tenant: String
        public var score: Int
        public var reasons: [String]
        public var balance: Money
        public var method: String
        enum CodingKeys: String, CodingKey {
            case account, tenant, score, reasons, method
            case balance = "balancePence"
        }
    }

    /// The signals of one account's figures. The balance's rise over four weeks counts only as far
    /// as it is owed now (a monthly Direct Debit payer's balance rises between collections). Missed
    /// payments are judged against the account's own
    /// pattern: the paying weeks of weeks 14-26 back, scaled to the weeks charged in the last 13
    /// (and those of weeks 5-26 back for the last 4), so a monthly payer is not missing three
    /// weeks in four.
    public static func signals(_ account: ArrearsAccount, on day: Day) -> EarlyWarning.Signals {
        func weeks(_ from: Int, _ through: Int) -> Int64 { (Int64(1) << (through + 1)) - (Int64(1) << from) }
        let charged = account.chargedWeeksMask
        let paid = account.paidWeeksMask
        func count(_ mask: Int64, _ window: Int64) -> Int { (mask & window).nonzeroBitCount }
        /// Payments expected in `window` from the paying weeks of `pattern`, rounded; nil without a pattern.
        func expected(_ window: Int64, from pattern: Int64) -> Int? {
            let chargedPattern = count(charged, pattern)
            let paidPattern = count(paid, pattern)
            guard chargedPattern >= 4, paidPattern > 0 else { return nil }
            return (2 * min(paidPattern, chargedPattern) * count(charged, window) + chargedPattern) / (2 * chargedPattern)
        }
        let recent = weeks(1, 13)
        let lastFour = weeks(1, 4)
        let missedRecently = expected(lastFour, from: weeks(5, 26)).map { max(0, $0 - count(paid, lastFour)) } ?? 0
        let missed = expected(recent, from: weeks(14, 26)).map { max(0, $0 - count(paid, recent)) } ?? missedRecently
        let moved = account.directDebitsPrior > 0 && account.directDebitsRecent == 0 && account.cashOrBankRecent > 0
        // A rise counts as far as it is owed now: the rent the week's grace or the next Direct Debit will pay is not a rise.
        let arrears = max(.zero, account.position.collectable)
        return EarlyWarning.Signals(
            missedPayments: max(missed, missedRecently), missedRecently: missedRecently,
            balanceChange: min(account.position.balance - account.balanceFourWeeksAgo, arrears),
            weeklyCharge: account.position.weeklyCharge, arrears: arrears, movedFromDirectDebit: moved,
            movedToCash: moved && account.position.method == .cash,
            directDebitReturned: account.lastDirectDebitReturn.map { $0.distance(to: day) <= 91 } ?? false,
            universalCreditClaim: account.universalCreditClaim)
    }

    /// Whether the account is a current tenant not (yet) in arrears: less than a week's rent owed.
    static func candidate(_ account: ArrearsAccount, on day: Day) -> Bool {
        account.isCurrent(on: day) && account.position.weeklyCharge > .zero && (account.position.weeksHundredths ?? 0) < 100
    }

    /// In arrears for the back-test: a week's rent or more owed.
    static func fellIn(_ account: ArrearsAccount) -> Bool { (account.position.weeksHundredths ?? 0) >= 100 }

    /// Accounts not in arrears whose score reaches the threshold, highest first.
    public static func atRisk(on day: Day, config: ArrearsConfig, db: Connection) throws -> [Flag] {
        try ArrearsPositions.load(on: day, config: config, db: db).compactMap { account -> Flag? in
            guard candidate(account, on: day) else { return nil }
            let score = EarlyWarning.score(signals(account, on: day))
            guard score.points >= config.atRiskScore else { return nil }
            return Flag(account: account.account, tenant: account.tenant, score: score.points, reasons: score.reasons, balance: account.position.balance, method: account.position.method.words)
        }.sorted { ($0.score, $1.account) > ($1.score, $0.account) }
    }

    /// The back-test: as of each Monday from `from` (default: 13 weeks after the first ledger entry)
    /// to 8 weeks before `through`, which candidates were flagged and which fell into arrears
    /// (a week's rent or more owed on any of the next 8 Mondays). Counted by account (flagged on any
    /// Monday; fell in within 8 weeks of a Monday it was scored on; a flag counts as found when the
    /// account fell in within 8 weeks of it) and by account and Monday.
    public struct BackTestReport: Codable, Sendable {
        public var mondays: [Day]
        public var result: EarlyWarning.BackTest
        public var byMonday: EarlyWarning.BackTest
        public var threshold: Int
        public func render() -> String {
            guard let first = mondays.first, let last = mondays.last else {
                return "Back-test: not enough history (13 weeks before a Monday and 8 weeks after it are needed).\n"
            }
            let r = result
            let m = byMonday
            func pct(_ value: Int?) -> String { EarlyWarning.BackTest.percent(value) }
            return """
                Back-test of the early-warning score (threshold \(threshold)) as of \(Wording.count(mondays.count, "Monday")), \(first.iso) to \(last.iso), \(Wording.number(r.fellIn + r.stayedClear)) accounts scored:
                  fell into arrears within 8 weeks: \(Wording.number(r.fellIn)), of them flagged beforehand: \(Wording.number(r.flaggedFellIn))
                  flagged: \(Wording.number(r.flagged)), of them fell in within 8 weeks of a flag: \(Wording.number(r.flaggedFellIn))
                  stayed clear: \(Wording.number(r.stayedClear)), of them flagged: \(Wording.number(r.flaggedStayedClear))
                  precision: \(pct(r.precisionBasisPoints)); recall: \(pct(r.recallBasisPoints)); steady accounts flagged: \(pct(r.falseAlarmBasisPoints))
                  by account and Monday (\(Wording.number(m.fellIn + m.stayedClear)) scores): precision \(pct(m.precisionBasisPoints)), recall \(pct(m.recallBasisPoints)), steady flagged \(pct(m.falseAlarmBasisPoints))

                """
        }
    }

    public static func backTest(through day: Day, from: Day? = nil, config: ArrearsConfig, db: Connection) throws -> BackTestReport {
        let none = EarlyWarning.BackTest(flagged: 0, flaggedFellIn: 0, fellIn: 0)
        guard let firstEntry = try db.queryOne("SELECT min(entry_date) FROM ledger_entries")?.decode(Day?.self, 0) else {
            return BackTestReport(mondays: [], result: none, byMonday: none, threshold: config.atRiskScore)
        }
        let start = RentWeek(containing: max(from ?? firstEntry + 13 * 7, firstEntry + 13 * 7)).monday
        let end = RentWeek(containing: day).monday - 8 * 7
        guard start <= end else { return BackTestReport(mondays: [], result: none, byMonday: none, threshold: config.atRiskScore) }
        let mondays = Array(stride(from: start, through: end, by: 7))
        var inArrears: [Day: Set<Int64>] = [:]
        var pairs = none
        var accounts: [Int64: (flagged: Bool, fell: Bool, found: Bool)] = [:]
        func arrearsOn(_ monday: Day) throws -> Set<Int64> {
            if let known = inArrears[monday] { return known }
            let set = Set(try ArrearsPositions.load(on: monday, config: config, db: db).filter(fellIn).map(\.accountId))
            inArrears[monday] = set
            return set
        }
        for monday in mondays {
            let scored = try ArrearsPositions.load(on: monday, config: config, db: db)
            inArrears[monday] = Set(scored.filter(fellIn).map(\.accountId))
            var later = Set<Int64>()
            for k in 1...8 { later.formUnion(try arrearsOn(monday + 7 * k)) }
            for account in scored where candidate(account, on: monday) {
                let flagged = EarlyWarning.score(signals(account, on: monday)).points >= config.atRiskScore
                let fell = later.contains(account.accountId)
                if flagged { pairs.flagged += 1 }
                if fell { pairs.fellIn += 1 } else { pairs.stayedClear += 1 }
                if flagged && fell { pairs.flaggedFellIn += 1 }
                if flagged && !fell { pairs.flaggedStayedClear += 1 }
                var a = accounts[account.accountId] ?? (false, false, false)
                a.flagged = a.flagged || flagged
                a.fell = a.fell || fell
                a.found = a.found || (flagged && fell)
                accounts[account.accountId] = a
            }
        }
        let all = Array(accounts.values)
        let result = EarlyWarning.BackTest(
            flagged: all.filter(\.flagged).count, flaggedFellIn: all.filter(\.found).count, fellIn: all.filter(\.fell).count,
            stayedClear: all.filter { !$0.fell }.count, flaggedStayedClear: all.filter { $0.flagged && !$0.fell }.count)
        return BackTestReport(mondays: mondays, result: result, byMonday: pairs, threshold: config.atRiskScore)
    }
}
