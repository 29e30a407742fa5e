/// When a council tax event is sent, and which homes have been empty too long: the timing rules
/// of the council tax interface (docs in Interfaces/outbound/council-tax/README.md), as values.
///
/// - An event more than `aheadDays` (14) ahead of the export's date is held back until it is due.
/// - An event sent more than `lateAfterDays` (21) after it took effect is reported as late.
/// - A home void for `longVoidMonths` (12) months or more is reported for the empty-homes premium.
public struct CouncilTaxNotice: Hashable, Sendable {
    /// An event further ahead than this many days waits.
    public var aheadDays: Int
    /// An event sent more than this many days after taking effect is late.
    public var lateAfterDays: Int
    /// A home void at least this many months is a long void.
    public var longVoidMonths: Int

    /// The rules with their limits (the interface's defaults: 14 days ahead, late after 21 days, 12 months).
    public init(aheadDays: Int = 14, lateAfterDays: Int = 21, longVoidMonths: Int = 12) {
        self.aheadDays = aheadDays
        self.lateAfterDays = lateAfterDays
        self.longVoidMonths = longVoidMonths
    }

    /// What an export on `asOf` does with one event.
    public enum Timing: Hashable, Sendable {
        /// Sent, in time.
        case send
        /// Sent, this many days after it took effect (more than `lateAfterDays`).
        case sendLate(daysAfter: Int)
        /// Not sent yet: it is due to be sent on this day.
        case holdBack(due: Day)
    }

    /// The timing of an event.
    /// - Parameters:
    ///   - effective: the day the event takes effect.
    ///   - isNew: whether it is a first notice (an amendment or cancellation is never held back).
    ///   - asOf: the export's business date.
    public func timing(effective: Day, isNew: Bool, asOf: Day) -> Timing {
        if isNew && effective > asOf + aheadDays { return .holdBack(due: effective - aheadDays) }
        if effective < asOf - lateAfterDays { return .sendLate(daysAfter: effective.distance(to: asOf)) }
        return .send
    }

    /// The day a home's current void began, or nil when it is let (or not the council's) on `asOf`.
    /// - Parameters:
    ///   - ownedFrom: the day the council acquired it.
    ///   - ownedTo: the day it was disposed of, if it was.
    ///   - tenancies: its tenancies that started on or before `asOf` (start, end; nil end = open).
    ///   - asOf: the day in question.
    public static func voidSince(ownedFrom: Day, ownedTo: Day?, tenancies: [(start: Day, end: Day?)], asOf: Day) -> Day? {
        guard ownedFrom <= asOf, ownedTo.map({ $0 >= asOf }) ?? true else { return nil }
        let started = tenancies.filter { $0.start <= asOf }
        if started.contains(where: { $0.end.map { $0 >= asOf } ?? true }) { return nil }
        guard let lastEnd = started.compactMap(\.end).max() else { return ownedFrom }
        return max(ownedFrom, lastEnd + 1)
    }

    /// Whether a void that began on `since` is a long void on `asOf`: it began on or before the
    /// same day `longVoidMonths` months earlier (the end of a shorter month when that day does not
    /// exist: 31 March less one month is 28 or 29 February).
    public func isLongVoid(since: Day, asOf: Day) -> Bool {
        since <= Self.day(asOf, monthsEarlier: longVoidMonths)
    }

    /// The day a long void began, or nil when the home is not in a long void on `asOf`. A home
    /// none of whose tenancies has begun by then is not reported: the records do not say how long
    /// it has stood empty (the hub's history starts with the tenancies it was given).
    /// - Parameters: as `voidSince`.
    public func longVoidSince(ownedFrom: Day, ownedTo: Day?, tenancies: [(start: Day, end: Day?)], asOf: Day) -> Day? {
        guard tenancies.contains(where: { $0.start <= asOf }),
            let since = Self.voidSince(ownedFrom: ownedFrom, ownedTo: ownedTo, tenancies: tenancies, asOf: asOf),
            isLongVoid(since: since, asOf: asOf)
        else { return nil }
        return since
    }

    /// The same day of the month `months` months before `day`, clamped to the month's last day.
    public static func day(_ day: Day, monthsEarlier months: Int) -> Day {
        let (year, month, dayOfMonth) = day.components
        let index = year * 12 + (month - 1) - months  // months since year 0: positive for any real date
        let (newYear, newMonth) = (index / 12, index % 12 + 1)
        let clamped = min(dayOfMonth, Day.daysInMonth(year: newYear, month: newMonth))
        return Day(year: newYear, month: newMonth, day: clamped)!
    }
}
