/// Arrears and income recovery (DOMAIN.md, "Arrears and income recovery"): an account's arrears
/// position, the missed-payment rule, the recovery ladder's recommendation, and the pauses that stop
/// it. Pure: the caller reads the ledger (set-wise, in SQL) and hands each account's figures here.
public enum Arrears {
    /// How a tenant pays, from the codes of the account's recent credits (or a recorded claim).
    public enum PaymentMethod: String, Hashable, Sendable, Codable, CaseIterable {
        case directDebit = "direct-debit"
        case cash
        case bank
        case housingBenefit = "housing-benefit"
        case universalCredit = "universal-credit"
        case none

        /// The method a receipt code stands for; nil for a code that is not a tenant's payment.
        public static func of(code: String) -> PaymentMethod? {
            switch code {
            case "RDD": .directDebit
            case "RPY", "RBR", "RCP": .cash
            case "RSO", "RIT", "RRC": .bank
            case "RHB", "RHA": .housingBenefit
            default: nil
            }
        }

        /// The method in words.
        public var words: String {
            switch self {
            case .directDebit: "Direct Debit"
            case .cash: "cash"
            case .bank: "bank"
            case .housingBenefit: "Housing Benefit"
            case .universalCredit: "Universal Credit"
            case .none: "none"
            }
        }
    }

    /// What the ledger says about one account on a day, read set-wise.
    public struct Figures: Hashable, Sendable {
        /// Everything posted to the account up to and including the day.
        public var balance: Money
        /// The debit of the rent week containing the day (zero in a free week).
        public var currentWeekCharge: Money
        /// The weekly gross charge (every charge code) in force on the day, free week or not.
        public var weeklyCharge: Money
        /// Whether the day's rent week is a free week.
        public var freeWeek: Bool
        /// The payment method (from the latest receipts, or a recorded Universal Credit claim).
        public var method: PaymentMethod
        /// For a Direct Debit payer: the day the next collection is due, if it is after the day.
        public var nextDirectDebit: Day?
        /// For a Direct Debit payer: the earlier rent weeks charged since the last collection (the
        /// next collection pays them).
        public var weeksChargedSinceLastDirectDebit: Int
        /// Non-free rent weeks in the window in which nothing was paid (see `missedPayments`).
        public var unpaidWeeks: Int
        /// Direct Debit collections expected in the window (by the account's cycle) and received.
        public var directDebitsExpected: Int
        public var directDebitsReceived: Int

        public init(
            balance: Money, currentWeekCharge: Money, weeklyCharge: Money, freeWeek: Bool, method: PaymentMethod,
            nextDirectDebit: Day? = nil, weeksChargedSinceLastDirectDebit: Int = 0, unpaidWeeks: Int = 0, directDebitsExpected: Int = 0, directDebitsReceived: Int = 0
        ) {
            self.balance = balance
            self.currentWeekCharge = currentWeekCharge
            self.weeklyCharge = weeklyCharge
            self.freeWeek = freeWeek
            self.method = method
            self.nextDirectDebit = nextDirectDebit
            self.weeksChargedSinceLastDirectDebit = weeksChargedSinceLastDirectDebit
            self.unpaidWeeks = unpaidWeeks
            self.directDebitsExpected = directDebitsExpected
            self.directDebitsReceived = directDebitsReceived
        }
    }

    /// An account's arrears position on a day.
    public struct Position: Hashable, Sendable, Codable {
        public var balance: Money
        /// The balance less the current week's charge while it is within its grace days (and, for a
        /// Direct Debit payer, while the collection for it is not yet due).
        public var collectable: Money
        public var weeklyCharge: Money
        /// Collectable arrears in weeks of the weekly gross charge, in hundredths (250 = 2.50 weeks);
        /// nil when there is no weekly charge (a former tenant).
        public var weeksHundredths: Int64?
        public var freeWeek: Bool
        public var method: PaymentMethod
        /// Payments missed in the window: never a free week, never a Direct Debit not yet due.
        public var missedPayments: Int

        enum CodingKeys: String, CodingKey {
            case weeksHundredths, freeWeek, method, missedPayments
            case balance = "balancePence"
            case collectable = "collectablePence"
            case weeklyCharge = "weeklyChargePence"
        }

        /// The weeks of rent as people read them (`2.50`), or `-`.
        public var weeksText: String {
            weeksHundredths.map(Self.hundredths) ?? "-"
        }
    }

    /// The position on `day` from the account's figures. Collectable arrears are never more than
    /// the balance taken off for charges not yet due can make them: a credit stays a credit.
    /// - Parameters:
    ///   - graceDays: how many days from the rent week's Monday the week's charge is not yet
    ///     arrears (7: the whole week; a tenant who pays on Friday is not in arrears on Tuesday).
    public static func position(_ figures: Figures, on day: Day, graceDays: Int) -> Position {
        let monday = RentWeek(containing: day).monday
        var notYetDue = Money.zero
        if monday.distance(to: day) < graceDays { notYetDue = figures.currentWeekCharge }
        if figures.method == .directDebit, let next = figures.nextDirectDebit, next > day {
            // A Direct Debit not yet due: the charges since the last collection wait for the next.
            notYetDue = figures.currentWeekCharge
                + Money(pence: figures.weeklyCharge.pence * Int64(figures.weeksChargedSinceLastDirectDebit))
        }
        let collectable = figures.balance - notYetDue
        return Position(
            balance: figures.balance, collectable: collectable, weeklyCharge: figures.weeklyCharge,
            weeksHundredths: weeks(collectable, of: figures.weeklyCharge), freeWeek: figures.freeWeek, method: figures.method,
            missedPayments: missedPayments(figures))
    }

    /// Arrears in weeks of a weekly charge, in hundredths, rounded half away from zero.
    public static func weeks(_ arrears: Money, of weekly: Money) -> Int64? {
        guard weekly.pence > 0 else { return nil }
        let scaled = arrears.pence * 100
        let half = weekly.pence / 2
        return scaled >= 0 ? (scaled + half) / weekly.pence : -((-scaled + half) / weekly.pence)
    }

    /// Payments missed in the window. A free week is never a missed payment (the SQL counts only
    /// non-free weeks); a Direct Debit payer misses a payment only when a collection that was due
    /// did not arrive (collections not yet due are not expected).
    public static func missedPayments(_ figures: Figures) -> Int {
        if figures.method == .directDebit { return max(0, figures.directDebitsExpected - figures.directDebitsReceived) }
        return figures.unpaidWeeks
    }
}

extension Arrears {
    /// One stage of the council's recovery ladder (`Config/arrears.yaml`).
    public struct Stage: Hashable, Sendable, Codable {
        /// Its name (`first-letter`), as in `hub arrears act --stage`.
        public var name: String
        /// Its title in words (`First letter`).
        public var title: String
        /// Sent by the nightly review on its own (a letter or SMS); false: an officer acts.
        public var automatic: Bool
        /// `letter` or `sms` (what the letters-and-messages file carries), or `action`.
        public var channel: String
        /// The provider's template name for the letters file.
        public var template: String?
        /// Collectable arrears from (inclusive) and to (inclusive).
        public var arrearsFrom: Money?
        public var arrearsTo: Money?
        /// Weeks of rent from, in hundredths (400 = 4 weeks).
        public var weeksFrom: Int64?
        /// The stage the case must have reached (this one or one later in the ladder).
        public var after: String?
        /// Days since the case's last stage, at least and (optionally) at most.
        public var daysSinceLastStageAtLeast: Int?
        public var daysSinceLastStageAtMost: Int?
        /// Whether a notice must be in force (true) or must not be (false).
        public var noticeInForce: Bool?
        /// Whether taking this stage serves a notice (a NOSP): its service and expiry are recorded.
        public var servesNotice: Bool

        public init(
            name: String, title: String, automatic: Bool, channel: String, template: String? = nil, arrearsFrom: Money? = nil,
            arrearsTo: Money? = nil, weeksFrom: Int64? = nil, after: String? = nil, daysSinceLastStageAtLeast: Int? = nil,
            daysSinceLastStageAtMost: Int? = nil, noticeInForce: Bool? = nil, servesNotice: Bool = false
        ) {
            self.name = name
            self.title = title
            self.automatic = automatic
            self.channel = channel
            self.template = template
            self.arrearsFrom = arrearsFrom
            self.arrearsTo = arrearsTo
            self.weeksFrom = weeksFrom
            self.after = after
            self.daysSinceLastStageAtLeast = daysSinceLastStageAtLeast
            self.daysSinceLastStageAtMost = daysSinceLastStageAtMost
            self.noticeInForce = noticeInForce
            self.servesNotice = servesNotice
        }
    }

    /// What stops recommendations for a case.
    public enum Pause: Hashable, Sendable, Codable {
        case keptAgreement(since: Day)
        case courtDate(Day)
        case evictionDate(Day)
        case officer(until: Day, reason: String)
        case housingBenefitClaim(since: Day)

        public var words: String {
            switch self {
            case .keptAgreement(let since): "an agreement made \(since.iso) is being kept"
            case .courtDate(let day): "a court date stands (\(day.iso))"
            case .evictionDate(let day): "an eviction date stands (\(day.iso))"
            case .officer(let until, let reason): "paused by an officer until \(until.iso): \(reason)"
            case .housingBenefitClaim(let since): "a Housing Benefit claim is in progress (since \(since.iso))"
            }
        }
    }

    /// Where a case stands on the ladder.
    public struct CaseState: Hashable, Sendable {
        /// The last stage taken and its day.
        public var stage: String?
        public var stageDay: Day?
        /// The notice served (a NOSP), and the day it expires.
        public var noticeServed: Day?
        public var noticeExpires: Day?
        public var pauses: [Pause]

        public init(stage: String? = nil, stageDay: Day? = nil, noticeServed: Day? = nil, noticeExpires: Day? = nil, pauses: [Pause] = []) {
            self.stage = stage
            self.stageDay = stageDay
            self.noticeServed = noticeServed
            self.noticeExpires = noticeExpires
            self.pauses = pauses
        }

        /// Whether a notice is in force on a day.
        public func noticeInForce(on day: Day) -> Bool {
            guard let served = noticeServed else { return false }
            return served <= day && (noticeExpires.map { day < $0 } ?? true)
        }
    }

    /// The review's verdict on one case.
    public struct Recommendation: Hashable, Sendable {
        /// The stage to take next, if any.
        public var stage: Stage?
        /// The rule that made it, or why there is none, in words.
        public var reason: String
        public var paused: Bool
    }

    /// The next stage for a case: the first stage later in the ladder than the case's own whose
    /// every condition holds; none while a pause stands or when no stage's conditions hold.
    public static func recommend(position: Position, state: CaseState, stages: [Stage], on day: Day) -> Recommendation {
        if let pause = state.pauses.first {
            return Recommendation(stage: nil, reason: "paused: \(pause.words)", paused: true)
        }
        let currentIndex = state.stage.flatMap { name in stages.firstIndex { $0.name == name } }
        let candidates = stages.indices.filter { currentIndex == nil || $0 > currentIndex! }
        var nearest: String?
        for index in candidates {
            let stage = stages[index]
            if let failed = unmet(stage, position: position, state: state, currentIndex: currentIndex, stages: stages, on: day) {
                if nearest == nil { nearest = "\(stage.name) not yet: \(failed)" }
                continue
            }
            return Recommendation(stage: stage, reason: met(stage, position: position, state: state, on: day), paused: false)
        }
        if candidates.isEmpty { return Recommendation(stage: nil, reason: "at the last stage of the ladder", paused: false) }
        return Recommendation(stage: nil, reason: nearest ?? "no stage applies", paused: false)
    }

    /// The first condition of a stage that does not hold, in words; nil when all hold.
    static func unmet(_ stage: Stage, position: Position, state: CaseState, currentIndex: Int?, stages: [Stage], on day: Day) -> String? {
        let arrears = position.collectable
        if let from = stage.arrearsFrom, arrears < from { return "arrears \(arrears.formatted) below \(from.formatted)" }
        if let to = stage.arrearsTo, arrears > to { return "arrears \(arrears.formatted) above \(to.formatted)" }
        if let weeks = stage.weeksFrom {
            guard let have = position.weeksHundredths, have >= weeks else {
                return "\(position.weeksText) weeks of rent, below \(Position.hundredths(weeks))"
            }
        }
        if let after = stage.after {
            guard let required = stages.firstIndex(where: { $0.name == after }), let currentIndex, currentIndex >= required else {
                return "the case has not reached \(after)"
            }
        }
        let since = state.stageDay.map { $0.distance(to: day) }
        if let least = stage.daysSinceLastStageAtLeast {
            guard let since, since >= least else { return "\(since.map(String.init) ?? "no") days since the last stage, fewer than \(least)" }
        }
        if let most = stage.daysSinceLastStageAtMost, let since, since > most {
            return "\(since) days since the last stage, more than \(most)"
        }
        if let inForce = stage.noticeInForce, inForce != state.noticeInForce(on: day) {
            return inForce ? "no notice in force" : "a notice is in force"
        }
        return nil
    }

    /// Why a stage applies, in words.
    static func met(_ stage: Stage, position: Position, state: CaseState, on day: Day) -> String {
        var parts = ["arrears \(position.collectable.formatted)"]
        if stage.arrearsFrom != nil || stage.arrearsTo != nil {
            parts[0] += " in " + [stage.arrearsFrom.map { "from \($0.formatted)" }, stage.arrearsTo.map { "to \($0.formatted)" }]
                .compactMap { $0 }.joined(separator: " ")
        }
        if let weeks = stage.weeksFrom { parts.append("\(position.weeksText) weeks of rent (from \(Position.hundredths(weeks)))") }
        if let after = stage.after { parts.append("after \(after)") }
        if let least = stage.daysSinceLastStageAtLeast, let stageDay = state.stageDay {
            parts.append("\(stageDay.distance(to: day)) days since \(state.stage ?? "the last stage") (at least \(least))")
        }
        if stage.noticeInForce == true, let served = state.noticeServed { parts.append("notice in force since \(served.iso)") }
        return "\(stage.name): " + parts.joined(separator: ", ")
    }
}

extension Arrears.Position {
    /// Hundredths as a decimal (`400` is `4.00`).
    public static func hundredths(_ value: Int64) -> String {
        let sign = value < 0 ? "-" : ""
        let v = abs(value)
        return "\(sign)\(v / 100).\(v % 100 < 10 ? "0" : "")\(v % 100)"
    }
}
