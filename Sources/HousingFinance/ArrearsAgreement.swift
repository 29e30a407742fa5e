/// An arrears agreement (arrangement): a starting balance, an optional lump sum, an instalment and
/// its frequency, on top of the rent (DOMAIN.md, "Agreements"). Pure.
public struct ArrearsAgreement: Hashable, Sendable, Codable {
    public enum Frequency: String, Hashable, Sendable, Codable, CaseIterable {
        case weekly, fortnightly
        case fourWeekly = "four-weekly"
        case monthly
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
    public func history(entries: [(day: Day, amount: Money, isCharge: Bool)], through: Day, toleranceDays: Int) -> [DayState] {
        guard through >= start else { return [] }
        let byDay = Dictionary(grouping: entries, by: \.day)
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
                if entry.isCharge { charged += entry.amount }
            }
            let expected = expectedBalance(on: day, currentWeekCharge: charged)
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
        /// The balance now less the balance four weeks ago (rising arrears are positive).
        public var balanceChange: Money
        public var weeklyCharge: Money
        /// Paid by Direct Debit before (weeks 14 to 26 back) and by cash or bank in the last 8 weeks with no Direct Debit.
        public var movedFromDirectDebit: Bool
        /// A Direct Debit returned unpaid (RDN) in the last 13 weeks.
        public var directDebitReturned: Bool
        /// A Universal Credit claim recorded in the last 26 weeks.
        public var universalCreditClaim: Bool

        public init(
            missedPayments: Int, balanceChange: Money, weeklyCharge: Money, movedFromDirectDebit: Bool, directDebitReturned: Bool,
            universalCreditClaim: Bool
        ) {
            self.missedPayments = missedPayments
            self.balanceChange = balanceChange
            self.weeklyCharge = weeklyCharge
            self.movedFromDirectDebit = movedFromDirectDebit
            self.directDebitReturned = directDebitReturned
            self.universalCreditClaim = universalCreditClaim
        }
    }

    public struct Score: Hashable, Sendable, Codable {
        public var points: Int
        public var reasons: [String]
    }

    /// Points: 10 per missed payment (at most 40); 20 for a balance risen by a week's rent or more
    /// in four weeks (10 for half a week); 25 for a move from Direct Debit to cash; 25 for a
    /// returned Direct Debit; 20 for a Universal Credit claim.
    public static func score(_ s: Signals) -> Score {
        var points = 0
        var reasons: [String] = []
        if s.missedPayments > 0 {
            points += min(40, 10 * s.missedPayments)
            reasons.append("\(Wording.count(s.missedPayments, "payment")) missed in the last 13 weeks")
        }
        if s.weeklyCharge.pence > 0, s.balanceChange.pence * 2 >= s.weeklyCharge.pence {
            let full = s.balanceChange >= s.weeklyCharge
            points += full ? 20 : 10
            reasons.append("balance up \(s.balanceChange.formatted) in four weeks")
        }
        if s.movedFromDirectDebit {
            points += 25
            reasons.append("moved from Direct Debit to paying by cash or bank")
        }
        if s.directDebitReturned {
            points += 25
            reasons.append("a Direct Debit was returned unpaid")
        }
        if s.universalCreditClaim {
            points += 20
            reasons.append("a Universal Credit claim")
        }
        return Score(points: points, reasons: reasons)
    }

    /// Precision and recall of a back-test, in hundredths of a percent.
    public struct BackTest: Hashable, Sendable, Codable {
        public var flagged: Int
        public var flaggedFellIn: Int
        public var fellIn: Int
        public var precisionBasisPoints: Int? { flagged == 0 ? nil : flaggedFellIn * 10_000 / flagged }
        public var recallBasisPoints: Int? { fellIn == 0 ? nil : flaggedFellIn * 10_000 / fellIn }
        public init(flagged: Int, flaggedFellIn: Int, fellIn: Int) {
            self.flagged = flagged
            self.flaggedFellIn = flaggedFellIn
            self.fellIn = fellIn
        }
        public static func percent(_ basisPoints: Int?) -> String {
            guard let basisPoints else { return "-" }
            return "\(basisPoints / 100).\(basisPoints % 100 < 10 ? "0" : "")\(basisPoints % 100)%"
        }
    }
}
