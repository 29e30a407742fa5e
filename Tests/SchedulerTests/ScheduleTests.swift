import Foundation
import HousingFinance
import Scheduler
import Testing

@Suite struct ScheduleTests {
    struct WorkingDayCase: Sendable, CustomTestStringConvertible {
        let expression: String
        let after: String
        let next: [String]
        let why: String
        var testDescription: String { "\(expression) after \(after): \(why)" }
    }

    static let workingDayCases: [WorkingDayCase] = [
        WorkingDayCase(
            expression: "*/15 6-19 * * MON-FRI", after: "2026-04-02T19:30+01:00",
            next: ["2026-04-02T19:45+01:00", "2026-04-07T06:00+01:00", "2026-04-07T06:15+01:00"],
            why: "Good Friday and Easter Monday are skipped"),
        WorkingDayCase(
            expression: "0 7 * * *", after: "2026-04-01T12:00+01:00",
            next: ["2026-04-02T07:00+01:00", "2026-04-07T07:00+01:00", "2026-04-08T07:00+01:00",
                   "2026-04-09T07:00+01:00", "2026-04-10T07:00+01:00"],
            why: "Easter 2026 and its weekend"),
        WorkingDayCase(
            expression: "0 7 * * *", after: "2026-12-21T12:00Z",
            next: ["2026-12-22T07:00Z", "2026-12-23T07:00Z", "2026-12-24T07:00Z", "2026-12-29T07:00Z", "2026-12-30T07:00Z"],
            why: "Christmas Day, the weekend and the Boxing Day substitute (28th)"),
        WorkingDayCase(
            expression: "0 2 * * *", after: "2026-12-24T03:00Z", next: ["2026-12-29T02:00Z"],
            why: "the first working day after Christmas"),
        WorkingDayCase(
            expression: "0 9 1 * *", after: "2026-01-01T00:00Z", next: ["2026-04-01T09:00+01:00"],
            why: "skipped, not moved: New Year's Day, then 1 February and 1 March are Sundays"),
    ]

    @Test(arguments: workingDayCases)
    func workingDaysOnly(_ c: WorkingDayCase) throws {
        let schedule = Schedule(cron: try CronExpression(c.expression), isWorkingDay: isWorkingDay2026)
        #expect(schedule.workingDaysOnly)
        #expect(schedule.nextFirings(after: instant(c.after), count: c.next.count) == c.next.map(instant))
    }

    @Test func withoutWorkingDaysOnlyHolidaysFire() throws {
        let schedule = Schedule(cron: try CronExpression("0 7 * * *"))
        #expect(!schedule.workingDaysOnly)
        #expect(schedule.nextFiring(after: instant("2026-12-24T12:00Z")) == instant("2026-12-25T07:00Z"))
    }

    @Test func nextFiveForHubSchedule() throws {
        let schedule = Schedule(cron: try CronExpression("0 2 * * MON"), timeZone: .london)
        #expect(schedule.nextFirings(after: instant("2026-10-14T12:00+01:00"), count: 5) == [
            "2026-10-19T02:00+01:00", "2026-10-26T02:00+00:00", "2026-11-02T02:00Z", "2026-11-09T02:00Z", "2026-11-16T02:00Z",
        ].map(instant))
    }

    @Test func nextFiringsStopWhenTheScheduleNeverFires() throws {
        let schedule = Schedule(cron: try CronExpression("0 0 30 2 *"))
        #expect(schedule.nextFirings(after: instant("2026-01-01T00:00Z"), count: 5).isEmpty)
    }

    @Test func missedSlotsForCatchUp() throws {
        let schedule = Schedule(cron: try CronExpression("0 2 * * MON"))
        let missed = schedule.firings(after: instant("2026-11-02T02:00Z"), through: instant("2026-11-30T02:00Z"))
        // After is exclusive, through is inclusive.
        #expect(missed == ["2026-11-09T02:00Z", "2026-11-16T02:00Z", "2026-11-23T02:00Z", "2026-11-30T02:00Z"].map(instant))
        #expect(schedule.firings(after: instant("2026-11-30T02:00Z"), through: instant("2026-12-06T23:59Z")).isEmpty)
    }

    struct DayCount: Sendable, CustomTestStringConvertible {
        let expression: String
        let day: String
        let firings: Int
        var testDescription: String { "\(expression) on \(day)" }
    }

    /// Each local wall-clock minute fires exactly once on the days the clocks change.
    @Test(arguments: [
        DayCount(expression: "*/15 * * * *", day: "2026-03-29", firings: 92),  // 01:00-01:45 and 02:00 are one firing
        DayCount(expression: "*/15 * * * *", day: "2026-10-25", firings: 96),  // the repeated hour fires once
        DayCount(expression: "*/15 * * * *", day: "2026-06-01", firings: 96),
        DayCount(expression: "30 1 * * *", day: "2026-03-29", firings: 1),
        DayCount(expression: "30 1 * * *", day: "2026-10-25", firings: 1),
        DayCount(expression: "* * * * *", day: "2026-10-25", firings: 1_440),
    ])
    func exactlyOnceOnClockChangeDays(_ c: DayCount) throws {
        let schedule = Schedule(cron: try CronExpression(c.expression))
        let day = try #require(Day(iso: c.day))
        let start = day.start(in: .london), end = (day + 1).start(in: .london)
        let firings = schedule.firings(after: start.addingTimeInterval(-1), through: end.addingTimeInterval(-1))
        #expect(firings.count == c.firings)
        #expect(Set(firings.map(schedule.slotKey)).count == c.firings)
        #expect(firings == firings.sorted())
    }

    @Test(arguments: [
        ("2026-11-23T02:00Z", "Europe/London", "2026-11-23T02:00+00:00"),
        ("2026-06-01T01:00Z", "Europe/London", "2026-06-01T02:00+01:00"),
        ("2026-03-29T01:00Z", "Europe/London", "2026-03-29T02:00+01:00"),
        ("2026-10-25T00:30Z", "Europe/London", "2026-10-25T01:30+01:00"),
        ("2026-10-25T01:30Z", "Europe/London", "2026-10-25T01:30+00:00"),
        ("2026-12-31T23:59Z", "Europe/London", "2026-12-31T23:59+00:00"),
        ("2026-01-15T14:05Z", "America/New_York", "2026-01-15T09:05-05:00"),
        ("2026-01-15T14:05Z", "Asia/Kolkata", "2026-01-15T19:35+05:30"),
    ])
    func slotKey(_ at: String, _ zone: String, _ key: String) throws {
        let schedule = Schedule(cron: try CronExpression("* * * * *"), timeZone: try #require(TimeZone(identifier: zone)))
        #expect(schedule.slotKey(for: instant(at)) == key)
    }

    @Test func slotKeyIsStableWithinTheMinute() throws {
        let schedule = Schedule(cron: try CronExpression("0 2 * * MON"))
        let firing = instant("2026-11-23T02:00Z")
        #expect(schedule.slotKey(for: firing.addingTimeInterval(59.9)) == schedule.slotKey(for: firing))
    }
}
