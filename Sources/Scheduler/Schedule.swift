import Foundation
import HousingFinance

/// When a job runs: a cron expression read on the wall clock of a time zone, optionally only on
/// working days.
///
/// Firings follow the daylight-saving rule of `CronExpression.nextFiring(after:in:)`: every allowed
/// local minute fires exactly once, a skipped time at the end of the gap, a repeated time at its
/// first occurrence.
public struct Schedule: Sendable {
    /// The cron expression.
    public let cron: CronExpression
    /// The zone whose wall clock the expression reads.
    public let timeZone: TimeZone
    /// The working-day test when the schedule runs on working days only; nil when any day will do.
    public let isWorkingDay: (@Sendable (Day) -> Bool)?

    /// Creates a schedule.
    ///
    /// - Parameters:
    ///   - cron: the cron expression.
    ///   - timeZone: the zone of its wall clock; Europe/London by default.
    ///   - isWorkingDay: when given, the schedule fires only on local days for which this returns true
    ///     (pass the bank-holiday calendar's working-day test, which must also refuse weekends); nil
    ///     fires on every day the expression allows.
    public init(cron: CronExpression, timeZone: TimeZone = .london, isWorkingDay: (@Sendable (Day) -> Bool)? = nil) {
        self.cron = cron
        self.timeZone = timeZone
        self.isWorkingDay = isWorkingDay
    }

    /// Whether days that are not working days are skipped.
    public var workingDaysOnly: Bool { isWorkingDay != nil }

    /// The first firing strictly after `instant`, or nil if there is none within eight years.
    public func nextFiring(after instant: Date) -> Date? {
        cron.nextFiring(after: instant, in: timeZone, onDaysWhere: isWorkingDay ?? { _ in true })
    }

    /// The next `count` firings strictly after `instant`, in order (fewer if the schedule stops
    /// firing within eight years of the last one). `hub schedule` prints the next five.
    public func nextFirings(after instant: Date, count: Int) -> [Date] {
        var firings: [Date] = []
        var last = instant
        while firings.count < count, let next = nextFiring(after: last) {
            firings.append(next)
            last = next
        }
        return firings
    }

    /// Every firing strictly after `start` and no later than `end`, in order: the slots missed while
    /// the scheduler was down, for catch-up.
    public func firings(after start: Date, through end: Date) -> [Date] {
        var firings: [Date] = []
        var last = start
        while let next = nextFiring(after: last), next <= end {
            firings.append(next)
            last = next
        }
        return firings
    }

    /// A stable key for the slot that fires at `firing`: the local time to the minute with its UTC
    /// offset in ISO 8601, like `2026-11-23T02:00+00:00` (or `2026-03-29T02:00+01:00` for a slot
    /// moved to the end of the spring-forward gap). Part of a run's identity, so that one slot runs once.
    public func slotKey(for firing: Date) -> String {
        let wall = timeZone.wallClockSeconds(at: firing)
        let day = Day(daysSinceEpoch: Int((Double(wall) / 86_400).rounded(.down)))
        let minuteOfDay = (wall - day.daysSinceEpoch * 86_400) / 60
        let offsetMinutes = (wall - Int(firing.timeIntervalSince1970.rounded(.down))) / 60
        let sign = offsetMinutes < 0 ? "-" : "+"
        return day.iso + "T" + twoDigits(minuteOfDay / 60) + ":" + twoDigits(minuteOfDay % 60)
            + sign + twoDigits(abs(offsetMinutes) / 60) + ":" + twoDigits(abs(offsetMinutes) % 60)
    }

    private func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
