/// How often a Direct Debit mandate collects (DOMAIN.md, "Direct Debit").
public enum DDFrequency: String, Hashable, Sendable, Codable, CaseIterable {
    case weekly
    case fortnightly
    case fourWeekly = "four-weekly"
    case monthly

    /// The weeks between collections, nil for monthly.
    public var weeks: Int? {
        switch self {
        case .weekly: return 1
        case .fortnightly: return 2
        case .fourWeekly: return 4
        case .monthly: return nil
        }
    }
}

/// The weeks a year's charge is taken as, before it is spread over the collections of the year
/// (`Config/direct-debit.yaml` `monthly-basis`).
public enum DDAmountBasis: String, Hashable, Sendable, Codable, CaseIterable {
    /// The rent year's debit weeks (its weeks less its free weeks): free weeks spread evenly.
    case debitWeeks = "debit-weeks"
    /// 52 weeks, whatever the year.
    case fiftyTwo = "52"
    /// 48 weeks, whatever the year.
    case fortyEight = "48"
}

/// A payer's bank details, checked: a sort code of 6 digits and an account number of 8.
public struct BankDetails: Hashable, Sendable, Codable {
    public let sortCode: String
    public let accountNumber: String

    /// Reads bank details as people write them: `12-34-56` or `12 34 56` or `123456`; an account
    /// number of exactly 8 digits (spaces allowed between them).
    /// - Throws: `BankDetailsError` saying which value is wrong and what it must be.
    public init(sortCode: String, accountNumber: String) throws(BankDetailsError) {
        let sort = sortCode.filter { $0 != "-" && $0 != " " }
        guard sort.count == 6, sort.allSatisfy(\.isASCIIDigit) else {
            throw BankDetailsError(field: "sort code", value: sortCode, message: "must be 6 digits (like 20-00-00)")
        }
        let number = accountNumber.filter { $0 != " " }
        guard number.count == 8, number.allSatisfy(\.isASCIIDigit) else {
            throw BankDetailsError(field: "account number", value: accountNumber, message: "must be 8 digits; ask the payer for the 8-digit number their bank gives for Direct Debits")
        }
        self.sortCode = sort
        self.accountNumber = number
    }

    /// The sort code as people read it: `20-00-00`.
    public var sortCodeText: String {
        let c = Array(sortCode)
        return String(c[0..<2]) + "-" + String(c[2..<4]) + "-" + String(c[4..<6])
    }
}

/// Bank details that cannot be used.
public struct BankDetailsError: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var value: String
    public var message: String
    public var description: String { "the \(field) '\(String(value.prefix(20)))' \(message)" }
}

/// The Bacs three-day cycle on the England and Wales working days: a file submitted on the input
/// day (day 1) is processed on day 2 and debits the payer on day 3, the entry day. A collection
/// due on a day that is not a working day moves to the next working day.
public struct BacsCalendar: Hashable, Sendable {
    public var holidays: BankHolidays

    public init(holidays: BankHolidays = BankHolidays()) { self.holidays = holidays }

    public func isWorkingDay(_ day: Day) -> Bool { holidays.isWorkingDay(day) }

    /// The entry day of a collection due on `due`: the day itself if a working day, else the next one.
    public func entryDay(forDue due: Day) -> Day {
        var day = due
        while !holidays.isWorkingDay(day) { day = day + 1 }
        return day
    }

    /// The entry day of a file submitted on an input day: two working days later.
    public func entryDay(forInput input: Day) -> Day { holidays.addingWorkingDays(2, to: input) }

    /// The processing day (day 2) of an entry day: the working day before it.
    public func processingDay(forEntry entry: Day) -> Day { holidays.addingWorkingDays(-1, to: entry) }

    /// The input day (day 1) of an entry day: two working days before it.
    public func inputDay(forEntry entry: Day) -> Day { holidays.addingWorkingDays(-2, to: entry) }

    /// The due dates whose collections fall on an entry day: the days after the working day
    /// before it, up to it (a Monday takes Saturday and Sunday; the Tuesday after Easter Monday
    /// takes Good Friday to Tuesday). Empty when `entry` is not a working day.
    public func dueDays(forEntry entry: Day) -> [Day] {
        guard holidays.isWorkingDay(entry) else { return [] }
        let previous = holidays.addingWorkingDays(-1, to: entry)
        return Array(stride(from: previous + 1, through: entry, by: 1))
    }
}

/// When a mandate collects: its frequency, its collection day and the first day it may collect.
public struct DDCollectionTerms: Hashable, Sendable, Codable {
    public var frequency: DDFrequency
    /// The weekday for weekly frequencies (1 Monday ... 7 Sunday, as ISO numbers them), or the
    /// day of the month (1 to 28) for monthly.
    public var collectionDay: Int
    /// The first day a collection may be due: the first collection is the first collection day
    /// on or after it; fortnightly and four-weekly count their weeks from that collection.
    public var start: Day
    /// The last day a collection may be due (the tenancy's end, a cancellation), if any.
    public var end: Day?

    public init(frequency: DDFrequency, collectionDay: Int, start: Day, end: Day? = nil) {
        self.frequency = frequency
        self.collectionDay = collectionDay
        self.start = start
        self.end = end
    }

    /// The first collection's due date.
    public var firstDue: Day {
        var day = start
        switch frequency {
        case .monthly:
            while day.day != collectionDay { day = day + 1 }
        default:
            while day.weekday.rawValue + 1 != collectionDay { day = day + 1 }
        }
        return day
    }

    /// Whether a collection is due on a day.
    public func isDue(_ day: Day) -> Bool {
        guard day >= start, end.map({ day <= $0 }) ?? true else { return false }
        switch frequency {
        case .monthly: return day.day == collectionDay
        default:
            let first = firstDue
            return day >= first && first.distance(to: day) % (7 * frequency.weeks!) == 0
        }
    }

    /// The due date after one (whether or not a collection is due on the first).
    public func nextDue(after day: Day) -> Day {
        switch frequency {
        case .monthly:
            var next = day + 1
            while next.day != collectionDay { next = next + 1 }
            return next
        default:
            var next = day + 1
            while !isDueIgnoringEnd(next) { next = next + 1 }
            return next
        }
    }

    private func isDueIgnoringEnd(_ day: Day) -> Bool {
        var open = self
        open.end = nil
        return open.isDue(day)
    }

    /// The due dates from `from` through `through`, in order.
    public func dueDates(from: Day, through: Day) -> [Day] {
        guard from <= through else { return [] }
        return stride(from: max(from, start), through: through, by: 1).filter(isDue)
    }
}

/// The amount of each collection: the account's weekly charges in force on the due date, taken
/// over the year by the basis and spread over the year's collections, plus the fixed extra amount
/// of an arrears arrangement (DOMAIN.md, "Frequencies and amounts").
///
/// - monthly: weekly charges x basis weeks / 12 (basis weeks: the rent year's debit weeks, or 52,
///   or 48), so a 53-week year with 4 free weeks collects 49 weeks over its twelve months;
/// - weekly, fortnightly, four-weekly (**decision**): weekly charges x basis weeks / weeks of the
///   rent year, times 1, 2 or 4: free weeks spread evenly over every collection of the year, never
///   a collection skipped.
///
/// Each collection is rounded half up to the penny: `amount(weekly) = roundHalfUp(weekly x n / d)`
/// with the factor `n / d` of `factor(_:on:)`, which the collection run also applies in SQL.
public struct DDAmountRule: Hashable, Sendable {
    public var basis: DDAmountBasis
    public var calendar: RentCalendar

    public init(basis: DDAmountBasis, calendar: RentCalendar) {
        self.basis = basis
        self.calendar = calendar
    }

    /// The basis weeks of a rent year.
    public func basisWeeks(_ year: RentYear) -> Int {
        switch basis {
        case .debitWeeks: return calendar.debitWeeks(in: year)
        case .fiftyTwo: return 52
        case .fortyEight: return 48
        }
    }

    /// The factor `numerator / denominator` turning the weekly charges into one collection due on `day`.
    public func factor(_ frequency: DDFrequency, on day: Day) -> (numerator: Int64, denominator: Int64) {
        let year = RentWeek(containing: day).rentYear
        let weeks = Int64(basisWeeks(year))
        switch frequency {
        case .monthly: return (weeks, 12)
        default: return (weeks * Int64(frequency.weeks!), Int64(year.weekCount))
        }
    }

    /// The amount of one collection due on `day`.
    /// - Parameters:
    ///   - weeklyCharges: the sum of the account's weekly charges in force on the day.
    ///   - extra: the mandate's fixed extra amount.
    public func amount(weeklyCharges: Money, extra: Money = .zero, frequency: DDFrequency, on day: Day) -> Money {
        let f = factor(frequency, on: day)
        return Money.roundHalfUp(weeklyCharges.pence * f.numerator, dividedBy: f.denominator) + extra
    }
}

/// A notice of a Direct Debit amount sent to the payer.
public struct DDNotice: Hashable, Sendable, Codable {
    public var amount: Money
    /// The first collection at this amount.
    public var firstDate: Day
    /// The day the notice went to the payer.
    public var sentOn: Day

    public init(amount: Money, firstDate: Day, sentOn: Day) {
        self.amount = amount
        self.firstDate = firstDate
        self.sentOn = sentOn
    }
}

/// What a collection may take, given the advance notices sent (DOMAIN.md, "Advance notice"): the
/// payer must be told at least `workingDays` working days before a new amount is collected; a
/// changed amount without notice in time is not collected, the previous amount is.
public enum DDAmountDecision: Hashable, Sendable {
    /// The computed amount was notified in time.
    case collect(Money)
    /// The computed amount was not notified in time: the last amount notified in time is collected.
    case previous(collect: Money, computed: Money)
    /// No amount at all was notified in time (a new mandate): nothing is collected.
    case withheld(computed: Money)

    /// The amount to collect, zero when withheld.
    public var amount: Money {
        switch self {
        case .collect(let money), .previous(let money, _): return money
        case .withheld: return .zero
        }
    }

    /// Decides the amount of a collection due on `due` whose computed amount is `computed`.
    /// - Parameters:
    ///   - notices: the notices sent for the mandate.
    ///   - workingDays: the advance notice, in working days.
    public static func decide(
        computed: Money, due: Day, notices: [DDNotice], workingDays: Int, calendar: BacsCalendar
    ) -> DDAmountDecision {
        let cutoff = calendar.holidays.addingWorkingDays(-workingDays, to: due)
        let inTime = notices.filter { $0.sentOn <= cutoff && $0.firstDate <= due }
            .max { ($0.firstDate, $0.sentOn) < ($1.firstDate, $1.sentOn) }
        guard let inTime else { return .withheld(computed: computed) }
        return inTime.amount == computed ? .collect(computed) : .previous(collect: inTime.amount, computed: computed)
    }
}

/// One collection of a mandate's schedule, as `hub dd schedule` shows it.
public struct DDScheduledCollection: Hashable, Sendable, Codable {
    public var due: Day
    public var entryDay: Day
    public var rentYear: String
    public var weeklyCharges: Money
    public var numerator: Int64
    public var denominator: Int64
    public var extra: Money
    public var amount: Money
}

/// A weekly charge of the account's property, for the schedule.
public struct DDCharge: Hashable, Sendable {
    public var weekly: Money
    public var from: Day
    public var to: Day?

    public init(weekly: Money, from: Day, to: Day?) {
        self.weekly = weekly
        self.from = from
        self.to = to
    }

    public func isInForce(_ day: Day) -> Bool { from <= day && to.map { day <= $0 } ?? true }
}

/// A mandate's computed schedule: every collection due in a range, with its amount.
public struct DDSchedule: Sendable {
    public var terms: DDCollectionTerms
    public var extra: Money
    public var charges: [DDCharge]
    public var rule: DDAmountRule
    public var calendar: BacsCalendar

    public init(terms: DDCollectionTerms, extra: Money, charges: [DDCharge], rule: DDAmountRule, calendar: BacsCalendar) {
        self.terms = terms
        self.extra = extra
        self.charges = charges
        self.rule = rule
        self.calendar = calendar
    }

    /// The weekly charges in force on a day.
    public func weeklyCharges(on day: Day) -> Money {
        charges.filter { $0.isInForce(day) }.reduce(.zero) { $0 + $1.weekly }
    }

    /// The collections due from `from` through `through`.
    public func collections(from: Day, through: Day) -> [DDScheduledCollection] {
        terms.dueDates(from: from, through: through).map { due in
            let weekly = weeklyCharges(on: due)
            let factor = rule.factor(terms.frequency, on: due)
            return DDScheduledCollection(
                due: due, entryDay: calendar.entryDay(forDue: due), rentYear: RentWeek(containing: due).rentYear.label,
                weeklyCharges: weekly, numerator: factor.numerator, denominator: factor.denominator, extra: extra,
                amount: rule.amount(weeklyCharges: weekly, extra: extra, frequency: terms.frequency, on: due))
        }
    }
}
