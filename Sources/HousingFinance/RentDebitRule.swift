/// One weekly charge of a property in force over a date range.
public struct ChargeSpan: Hashable, Sendable {
    public var code: String
    public var weeklyPence: Int64
    public var from: Day
    /// Last day in force, inclusive; nil while open-ended.
    public var to: Day?

    public init(code: String, weeklyPence: Int64, from: Day, to: Day?) {
        self.code = code
        self.weeklyPence = weeklyPence
        self.from = from
        self.to = to
    }
}

/// The days on which an account is chargeable: the tenancy is live, the council owns the
/// property, and the day is on or after the first chargeable day (the hub's go-live Monday, or the
/// account's opening-balance date, which stands for everything before it).
public struct ChargeablePeriod: Hashable, Sendable {
    public var tenancyStart: Day
    public var tenancyEnd: Day?
    public var ownedFrom: Day
    public var ownedTo: Day?
    public var firstChargeableDay: Day

    public init(tenancyStart: Day, tenancyEnd: Day?, ownedFrom: Day, ownedTo: Day?, firstChargeableDay: Day) {
        self.tenancyStart = tenancyStart
        self.tenancyEnd = tenancyEnd
        self.ownedFrom = ownedFrom
        self.ownedTo = ownedTo
        self.firstChargeableDay = firstChargeableDay
    }

    /// Whether the account is chargeable on a day.
    @inlinable public func isChargeable(_ day: Day) -> Bool {
        day >= tenancyStart && day >= ownedFrom && day >= firstChargeableDay
            && (tenancyEnd.map { day <= $0 } ?? true) && (ownedTo.map { day <= $0 } ?? true)
    }
}

/// Why an account was charged nothing for a week.
public enum SkipReason: String, Hashable, Sendable, Codable, CaseIterable {
    case freeWeek = "free week"
    case tenancyNotStarted = "tenancy not started"
    case tenancyEnded = "tenancy ended"
    case propertyNotOwned = "property not owned"
    case beforeFirstChargeableDay = "before go-live or opening balance"
    case noCharges = "no charges in force"
}

/// The weekly debit rule (DOMAIN.md, "Rent accounting"): each charge is due for each day the
/// tenancy is live and the charge in force; a day's charge is the weekly amount / 7; a week's
/// debit for one charge code is round-half-up(Σ weekly × days / 7) to the penny, so a rent change
/// in the middle of a week splits the week by days and is rounded once. No debit in a free week.
public enum RentDebitRule {
    /// The debit due for each charge code in one week.
    /// - Returns: pence by charge code (codes due nothing are left out), or the reason nothing is due.
    public static func due(
        week: RentWeek, calendar: RentCalendar, period: ChargeablePeriod, charges: [ChargeSpan]
    ) -> Result<[String: Int64], SkipReasonError> {
        if calendar.isFree(week) { return .failure(SkipReasonError(.freeWeek)) }
        var numerators: [String: Int64] = [:]
        var chargeableDays = 0
        for day in week.days where period.isChargeable(day) {
            chargeableDays += 1
            for charge in charges where day >= charge.from && (charge.to.map { day <= $0 } ?? true) {
                numerators[charge.code, default: 0] += charge.weeklyPence
            }
        }
        if chargeableDays == 0 { return .failure(SkipReasonError(whyNotChargeable(week: week, period: period))) }
        var due: [String: Int64] = [:]
        for (code, numerator) in numerators {
            let pence = Money.roundHalfUp(numerator, dividedBy: 7).pence
            if pence != 0 { due[code] = pence }
        }
        if due.isEmpty { return .failure(SkipReasonError(.noCharges)) }
        return .success(due)
    }

    static func whyNotChargeable(week: RentWeek, period: ChargeablePeriod) -> SkipReason {
        if period.tenancyStart > week.sunday { return .tenancyNotStarted }
        if let end = period.tenancyEnd, end < week.monday { return .tenancyEnded }
        if period.ownedFrom > week.sunday || (period.ownedTo.map { $0 < week.monday } ?? false) { return .propertyNotOwned }
        if period.firstChargeableDay > week.sunday { return .beforeFirstChargeableDay }
        // Live days and owned days exist but do not overlap.
        return .propertyNotOwned
    }
}

/// A skip reason as an error value, so that `due` can return a `Result`.
public struct SkipReasonError: Error, Hashable, Sendable {
    public var reason: SkipReason
    public init(_ reason: SkipReason) { self.reason = reason }
}
