import Foundation
import HousingFinance

extension CronExpression {
    /// How far ahead a search for the next firing looks before giving up. Eight years always
    /// include a 29 February, even across 2100 which is not a leap year.
    static let searchYears = 8

    /// The first instant strictly after `instant` at which the expression fires, on the wall clock
    /// of `zone`; nil when it does not fire within eight years (`0 0 30 2 *` never does).
    ///
    /// The search works on local wall-clock fields, month by month, day by day, then through the
    /// allowed hours and minutes of a matching day; it never steps minute by minute over years.
    ///
    /// Daylight saving: each local wall-clock minute the expression allows fires at most once.
    /// - When clocks go forward (Europe/London: 01:00 GMT becomes 02:00 BST on the last Sunday of
    ///   March) the skipped local times do not exist; a schedule for one of them (01:30) fires once at
    ///   the first valid instant after the gap: 02:00 BST, which is 01:00 UTC. Several skipped times
    ///   (`*/15` at 01:00, 01:15, 01:30, 01:45) and 02:00 itself all share that single firing.
    /// - When clocks go back (02:00 BST becomes 01:00 GMT on the last Sunday of October) the local
    ///   times from 01:00 to 01:59 happen twice; a schedule for one of them fires once, at the first
    ///   occurrence (01:30 BST, which is 00:30 UTC). The repeated hour fires nothing again: `*/15`
    ///   runs 01:00, 01:15, 01:30, 01:45 BST and next at 02:00 GMT.
    ///
    /// - Parameters:
    ///   - instant: the moment after which to look (a firing exactly at `instant` is not returned).
    ///   - zone: the time zone whose wall clock the expression reads; Europe/London by default.
    /// - Returns: the next firing, or nil if there is none within eight years.
    public func nextFiring(after instant: Date, in zone: TimeZone = .london) -> Date? {
        nextFiring(after: instant, in: zone, onDaysWhere: { _ in true })
    }

    /// The next firing as `nextFiring(after:in:)`, also skipping local days that `isAllowed` refuses.
    func nextFiring(after instant: Date, in zone: TimeZone, onDaysWhere isAllowed: (Day) -> Bool) -> Date? {
        let start = zone.wallClockSeconds(at: instant)
        var day = Day(daysSinceEpoch: Int((Double(start) / 86_400).rounded(.down)))
        // Minutes into the local day before which the first day has nothing left to fire.
        var fromMinute = (start - day.daysSinceEpoch * 86_400) / 60
        let lastYear = day.year + Self.searchYears
        while day.year <= lastYear {
            let (year, month, _) = day.components
            guard months.contains(month) else {
                day = firstDayOfNextMonthAllowed(after: month, in: year)
                fromMinute = 0
                continue
            }
            if matches(day) && isAllowed(day) {
                for hour in hours.members(from: fromMinute / 60) {
                    let firstMinute = hour == fromMinute / 60 ? fromMinute % 60 : 0
                    for minute in minutes.members(from: firstMinute) {
                        let firing = zone.firingInstant(atWallClock: day.daysSinceEpoch * 86_400 + hour * 3_600 + minute * 60)
                        // Earlier wall-clock minutes never fire later, so the first one after `instant` is next.
                        if firing > instant { return firing }
                    }
                }
            }
            day = day + 1
            fromMinute = 0
        }
        return nil
    }

    private func firstDayOfNextMonthAllowed(after month: Int, in year: Int) -> Day {
        if let later = months.members(from: month + 1).first { return Day(year: year, month: later, day: 1)! }
        return Day(year: year + 1, month: months.members()[0], day: 1)!
    }
}
