/// An arrears agreement (arrangement): a starting balance, an optional lump sum, an instalment and
/// its frequency, on top of the rent (DOMAIN.md, "Agreements"). Pure.
public struct ArrearsAgreement: Hashable, Sendable, Codable {
    public enum Frequency: String, Hashable, Sendable, Codable, CaseIterable {
        case weekly, fortnightly
        case fourWeekly = "four-weekly"
        case monthly

        /// Instalments in a year: 52, 26, 13 or 12.
        public var perYear: Int64 {
            switch self {
            case .weekly: 52
            case .fortnightly: 26
            case .fourWeekly: 13
            case .monthly: 12
            }
        }
    }

    /// An instalment at another frequency (a Direct Debit's): the same amount a year (52 weekly,
    /// 26 fortnightly, 13 four-weekly, 12 monthly instalments), rounded up to the whole penny so
    /// the tenant never pays more slowly than agreed (at most a penny an instalment faster). The
    /// same frequency keeps the amount.
    public static func instalment(_ amount: Money, from: Frequency, to: Frequency) -> Money {
        guard from != to else { return amount }
        let year = amount.pence * from.perYear
        return Money(pence: (year + to.perYear - 1) / to.perYear)
    }

    /// The state of an agreement on a day.
    public enum State: String, Hashable, Sendable, Codable {
        /// The balance is at or below the expected one.
        case kept
        /// Above the expected balance, but not for longer than the tolerance.
        case behind
        /// Above the expected balance for longer than the tolerance: the case goes back to the stages.
        case breached
        /// The arrears are cleared.
        case completed
    }

    public var start: Day
    public var startingBalance: Money
    public var lumpSum: Money
    public var instalment: Money
    public var frequency: Frequency

    enum CodingKeys: String, CodingKey {
        case start, frequency
        case startingBalance = "startingBalancePence"
        case lumpSum = "lumpSumPence"
        case instalment = "instalmentPence"
    }

    public init(start: Day, startingBalance: Money, lumpSum: Money = .zero, instalment: Money, frequency: Frequency) {
        self.start = start
        self.startingBalance = startingBalance
        self.lumpSum = lumpSum
        self.instalment = instalment
        self.frequency = frequency
    }

    /// How many instalments fall due on or before a day (the first on the start day; monthly ones
    /// on the start's day of the month, or the month's last day when it is shorter).
    public func instalmentsDue(by day: Day) -> Int {
        guard day >= start else { return 0 }
        switch frequency {
        case .weekly: return start.distance(to: day) / 7 + 1
        case .fortnightly: return start.distance(to: day) / 14 + 1
        case .fourWeekly: return start.distance(to: day) / 28 + 1
        case .monthly:
            var count = 0
            var months = 0
            while let due = Self.addMonths(months, to: start), due <= day {
                count += 1
                months += 1
            }
            return count
        }
    }

    /// The next instalment's day after a day.
    public func nextInstalment(after day: Day) -> Day {
        var n = 0
        while true {
            let due: Day
            switch frequency {
            case .weekly: due = start + 7 * n
            case .fortnightly: due = start + 14 * n
            case .fourWeekly: due = start + 28 * n
            case .monthly: due = Self.addMonths(n, to: start) ?? start
            }
            if due > day { return due }
            n += 1
        }
    }

    public static func addMonths(_ months: Int, to day: Day) -> Day? {
        let (y, m, d) = day.components
        let total = (m - 1) + months
        let year = y + total / 12
        let month = total % 12 + 1
        return Day(year: year, month: month, day: min(d, Day.daysInMonth(year: year, month: month)))
    }

    /// The expected balance at the end of a day: the starting balance, less the lump sum and the
    /// instalments due by then. The rent is paid as it falls due, on top: the current rent week's
    /// charge (`currentWeekCharge`, charged in advance) is not yet due within its week.
    public func expectedBalance(on day: Day, currentWeekCharge: Money) -> Money {
        guard day >= start else { return startingBalance }
        return startingBalance - lumpSum - Money(pence: instalment.pence * Int64(instalmentsDue(by: day))) + currentWeekCharge
    }

    /// One day of an agreement's history.
    public struct DayState: Hashable, Sendable, Codable {
        public var day: Day
        public var expected: Money
        public var actual: Money
        /// Consecutive days, up to this one, the actual balance was above the expected one.
        public var daysAbove: Int
        public var state: State
        enum CodingKeys: String, CodingKey {
            case day, daysAbove, state
            case expected = "expectedPence"
            case actual = "actualPence"
        }
    }

    /// The agreement's state on every day from its start through `through`, from the account's
    /// postings since the start (`entries`, any order; charges positive, payments negative;
    /// `isCharge` marks the rent debits, whose week's charge is not yet due within the week).
    /// The first breach or completion ends the history.
    /// - Parameter toleranceDays: how many days the balance may stay above the expected one.
    /// - Parameter directDebit: for an agreement collected by Direct Debit, each collection of the
    ///   mandate from the start (its entry day, the day the payer's bank pays it, and the amount the
    ///   collection takes: the rent of its period plus the mandate's extra amount, as notified in
    ///   time). Then the expected balance is the starting balance less the lump sum, plus the rent
    ///   charged since the start, less the collections entered by the day: the rent falls due, and
    ///   the instalment with it, when the Direct Debit collects them, so a tenant whose every
    ///   collection is paid keeps the agreement, and a returned or cancelled collection puts the
    ///   balance above the expected one.
    public func history(
        entries: [(day: Day, amount: Money, isCharge: Bool)], through: Day, toleranceDays: Int,
        directDebit: [(day: Day, amount: Money)]? = nil
    ) -> [DayState] {
        guard through >= start else { return [] }
        let byDay = Dictionary(grouping: entries, by: \.day)
        let collectedByDay = Dictionary(grouping: directDebit ?? [], by: \.day).mapValues { $0.reduce(Money.zero) { $0 + $1.amount } }
        var rentSinceStart = Money.zero
        var collectionsSinceStart = Money.zero
        var actual = startingBalance
        var charged = Money.zero
        var chargedWeek = RentWeek(containing: start)
        var above = 0
        var days: [DayState] = []
        for day in stride(from: start, through: through, by: 1) {
            if RentWeek(containing: day) != chargedWeek {
                chargedWeek = RentWeek(containing: day)
                charged = .zero
            }
            for entry in byDay[day] ?? [] {
                actual += entry.amount
                if entry.isCharge {
                    charged += entry.amount
                    rentSinceStart += entry.amount
                }
            }
            let expected: Money
            if directDebit != nil {
                collectionsSinceStart += collectedByDay[day] ?? .zero
                expected = startingBalance - lumpSum + rentSinceStart - collectionsSinceStart
            } else {
                expected = expectedBalance(on: day, currentWeekCharge: charged)
            }
            above = actual > expected ? above + 1 : 0
            let state: State
            if actual <= .zero {
                state = .completed
            } else if above > toleranceDays {
                state = .breached
            } else {
                state = above > 0 ? .behind : .kept
            }
            days.append(DayState(day: day, expected: expected, actual: actual, daysAbove: above, state: state))
            if state == .completed || state == .breached { break }
        }
        return days
    }
}

/// Write-off approval bands: each band's upper amount (nil: no upper limit) and the role that may
/// approve up to it (DOMAIN.md, "Former tenants"). Pure.
public struct WriteOffBands: Hashable, Sendable, Codable {
    public struct Band: Hashable, Sendable, Codable {
        public var upTo: Money?
        public var role: String
        public init(upTo: Money?, role: String) {
            self.upTo = upTo
            self.role = role
        }
    }

    public var bands: [Band]
    public init(_ bands: [Band]) { self.bands = bands }

    /// The roles that may approve a write-off of this amount (its size, whatever its sign).
    public func roles(for amount: Money) -> [String] {
        let size = Money(pence: abs(amount.pence))
        return bands.filter { band in band.upTo.map { size <= $0 } ?? true }.map(\.role)
    }

    /// The band limit in words (`up to £50.00`, `any amount`).
    public static func words(_ upTo: Money?) -> String { upTo.map { "up to \($0.formatted)" } ?? "any amount" }
}

/// The early-warning score of an account not yet in arrears, from its own history (DOMAIN.md,
/// "Early warning"). Pure.
public enum EarlyWarning {
    /// What the ledger says about an account's last weeks.
    public struct Signals: Hashable, Sendable {
        /// Payments missed against the account's own pattern in the last 13 weeks.
        public var missedPayments: Int
        /// Of them, those in the last 4 weeks (against the same pattern).
        public var missedRecently: Int
        /// The balance now less the balance four weeks ago (rising arrears are positive).
        public var balanceChange: Money
        public var weeklyCharge: Money
        /// The collectable arrears now (less than a week's rent, or the account would be in arrears).
        public var arrears: Money
        /// Paid by Direct Debit before (weeks 14 to 26 back) and by cash or bank in the last 8 weeks with no Direct Debit.
        public var movedFromDirectDebit: Bool
        /// Of such a move, whether it was to cash (rather than a standing order or bank transfer).
        public var movedToCash: Bool
        /// A Direct Debit returned unpaid (RDN) in the last 13 weeks.
        public var directDebitReturned: Bool
        /// A Universal Credit claim in progress.
        public var universalCreditClaim: Bool

        public init(
            missedPayments: Int, missedRecently: Int = 0, balanceChange: Money, weeklyCharge: Money, arrears: Money = .zero, movedFromDirectDebit: Bool,
            movedToCash: Bool = false, directDebitReturned: Bool, universalCreditClaim: Bool
        ) {
            self.missedPayments = missedPayments
            self.missedRecently = missedRecently
            self.balanceChange = balanceChange
            self.weeklyCharge = weeklyCharge
            self.arrears = arrears
            self.movedFromDirectDebit = movedFromDirectDebit
            self.movedToCash = movedToCash
            self.directDebitReturned = directDebitReturned
            self.universalCreditClaim = universalCreditClaim
        }
    }

    public struct Score: Hashable, Sendable, Codable {
        public var points: Int
        public var reasons: [String]
    }

    /// Points, each with its reason in words:
    /// - payments missed against the account's own pattern: 5 each in the last 13 weeks (at most
    ///   20), and 10 more for each of them in the last 4 weeks (at most 20): one week missed and
    ///   caught up long ago says little, a fresh gap says more;
    /// - the balance risen in four weeks (as far as it is owed now: the caller's rule): 20 from a
    ///   quarter of a week's rent, 25 from half, 30 from a whole week;
    /// - arrears of half a week's rent or more already: 10;
    /// - a Direct Debit returned unpaid: 25; a move from Direct Debit to cash: 20 (to a standing
    ///   order or bank transfer: 5);
    /// - a Universal Credit claim in progress: 25.
    public static func score(_ s: Signals) -> Score {
        var points = 0
        var reasons: [String] = []
        if s.missedPayments > 0 {
            points += min(20, 5 * s.missedPayments) + min(20, 10 * s.missedRecently)
            reasons.append("\(Wording.count(s.missedPayments, "payment")) missed in the last 13 weeks" + (s.missedRecently > 0 ? " (\(s.missedRecently) in the last 4)" : ""))
        }
        let weekly = s.weeklyCharge.pence
        if weekly > 0, s.balanceChange.pence * 4 >= weekly {
            points += s.balanceChange.pence >= weekly ? 30 : s.balanceChange.pence * 2 >= weekly ? 25 : 20
            reasons.append("balance up \(s.balanceChange.formatted) in four weeks")
        }
        if weekly > 0, s.arrears.pence * 2 >= weekly {
            points += 10
            reasons.append("already \(s.arrears.formatted) in arrears")
        }
        if s.movedFromDirectDebit {
            points += s.movedToCash ? 20 : 5
            reasons.append(s.movedToCash ? "moved from Direct Debit to paying cash" : "moved from Direct Debit to a standing order or bank transfer")
        }
        if s.directDebitReturned {
            points += 25
            reasons.append("a Direct Debit was returned unpaid")
        }
        if s.universalCreditClaim {
            points += 25
            reasons.append("a Universal Credit claim")
        }
        return Score(points: points, reasons: reasons)
    }

    /// Precision and recall of a back-test, in hundredths of a percent.
    /// Counted by account (flagged on any Monday; fell in within 8 weeks of a Monday it was scored
    /// on) or by account and Monday.
    public struct BackTest: Hashable, Sendable, Codable {
        /// Scored and flagged.
        public var flagged: Int
        /// Flagged, and fell into arrears within 8 weeks of being flagged.
        public var flaggedFellIn: Int
        /// Fell into arrears within 8 weeks of being scored.
        public var fellIn: Int
        /// Scored and did not fall in (the steady ones), and of them flagged (false alarms).
        public var stayedClear: Int
        public var flaggedStayedClear: Int
        public var precisionBasisPoints: Int? { flagged == 0 ? nil : flaggedFellIn * 10_000 / flagged }
        public var recallBasisPoints: Int? { fellIn == 0 ? nil : flaggedFellIn * 10_000 / fellIn }
        /// The share of the steady ones flagged.
        public var falseAlarmBasisPoints: Int? { stayedClear == 0 ? nil : flaggedStayedClear * 10_000 / stayedClear }
        public init(flagged: Int, flaggedFellIn: Int, fellIn: Int, stayedClear: Int = 0, flaggedStayedClear: Int = 0) {
            self.flagged = flagged
            self.flaggedFellIn = flaggedFellIn
            self.fellIn = fellIn
            self.stayedClear = stayedClear
            self.flaggedStayedClear = flaggedStayedClear
        }
        public static func percent(_ basisPoints: Int?) -> String {
            guard let basisPoints else { return "-" }
            return "\(basisPoints / 100).\(basisPoints % 100 < 10 ? "0" : "")\(basisPoints % 100)%"
        }
    }
}
