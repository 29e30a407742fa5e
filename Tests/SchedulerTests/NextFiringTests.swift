import Foundation
import HousingFinance
import Scheduler
import Testing

@Suite struct NextFiringTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let expression: String
        let after: String
        let next: String
        var zone = "Europe/London"
        let why: String
        var testDescription: String { "\(expression) after \(after): \(why)" }
    }

    // Europe/London: clocks go forward at 01:00 GMT on Sunday 29 March 2026 (01:00 GMT becomes
    // 02:00 BST) and back at 02:00 BST on Sunday 25 October 2026 (becoming 01:00 GMT).
    static let springForward: [Case] = [
        Case(expression: "30 0 * * *", after: "2026-03-29T00:00Z", next: "2026-03-29T00:30+00:00", why: "before the gap, GMT"),
        Case(expression: "0 1 * * *", after: "2026-03-28T12:00Z", next: "2026-03-29T02:00+01:00", why: "01:00 does not exist: fires when the clocks jump"),
        Case(expression: "30 1 * * *", after: "2026-03-28T12:00Z", next: "2026-03-29T01:00Z", why: "01:30 does not exist: first instant after the gap"),
        Case(expression: "30 1 * * *", after: "2026-03-29T01:00Z", next: "2026-03-30T01:30+01:00", why: "fires once that day, then BST the next day"),
        Case(expression: "0 2 * * *", after: "2026-03-28T23:00Z", next: "2026-03-29T02:00+01:00", why: "02:00 BST is the first valid time"),
        Case(expression: "30 2 * * *", after: "2026-03-29T00:00Z", next: "2026-03-29T02:30+01:00", why: "after the gap, BST"),
        Case(expression: "*/15 * * * *", after: "2026-03-29T00:45Z", next: "2026-03-29T01:00Z", why: "01:00-01:45 and 02:00 share one firing"),
        Case(expression: "*/15 * * * *", after: "2026-03-29T01:00Z", next: "2026-03-29T02:15+01:00", why: "the gap's times are not repeated"),
        Case(expression: "*/15 * * * *", after: "2026-03-29T00:50Z", next: "2026-03-29T02:00+01:00", why: "from inside the last GMT quarter hour"),
    ]

    static let fallBack: [Case] = [
        Case(expression: "30 0 * * *", after: "2026-10-24T23:00Z", next: "2026-10-25T00:30+01:00", why: "before the repeated hour, BST"),
        Case(expression: "0 1 * * *", after: "2026-10-24T23:30Z", next: "2026-10-25T01:00+01:00", why: "first occurrence of 01:00"),
        Case(expression: "30 1 * * *", after: "2026-10-24T12:00Z", next: "2026-10-25T00:30Z", why: "01:30 BST, the first occurrence"),
        Case(expression: "30 1 * * *", after: "2026-10-25T00:30Z", next: "2026-10-26T01:30+00:00", why: "not again at 01:30 GMT"),
        Case(expression: "0 2 * * *", after: "2026-10-25T00:30Z", next: "2026-10-25T02:00+00:00", why: "02:00 happens once, in GMT"),
        Case(expression: "30 2 * * *", after: "2026-10-25T00:30Z", next: "2026-10-25T02:30+00:00", why: "after the repeated hour, GMT"),
        Case(expression: "*/15 * * * *", after: "2026-10-25T01:30+01:00", next: "2026-10-25T01:45+01:00", why: "quarter hours of the first 01:00-01:59"),
        Case(expression: "*/15 * * * *", after: "2026-10-25T01:45+01:00", next: "2026-10-25T02:00+00:00", why: "the repeated hour does not fire again"),
        Case(expression: "*/15 * * * *", after: "2026-10-25T01:10+00:00", next: "2026-10-25T02:00+00:00", why: "from inside the second 01:00-01:59"),
    ]

    static let calendar: [Case] = [
        Case(expression: "0 9 31 * *", after: "2026-04-01T00:00+01:00", next: "2026-05-31T09:00+01:00", why: "April has 30 days"),
        Case(expression: "0 9 31 * *", after: "2026-08-31T10:00+01:00", next: "2026-10-31T09:00+00:00", why: "September has 30 days; October is GMT by the 31st"),
        Case(expression: "0 9 31 * *", after: "2026-12-31T10:00Z", next: "2027-01-31T09:00Z", why: "into the next year"),
        Case(expression: "0 0 29 2 *", after: "2026-01-01T00:00Z", next: "2028-02-29T00:00Z", why: "the next leap day"),
        Case(expression: "0 0 29 2 *", after: "2096-03-01T00:00Z", next: "2104-02-29T00:00Z", why: "2100 is not a leap year"),
        Case(expression: "0 0 1 1 *", after: "2026-06-01T00:00Z", next: "2027-01-01T00:00Z", why: "new year"),
        Case(expression: "0 2 * * MON", after: "2026-11-23T02:00Z", next: "2026-11-30T02:00Z", why: "strictly after: not the firing itself"),
        Case(expression: "0 2 * * MON", after: "2026-11-23T01:59Z", next: "2026-11-23T02:00Z", why: "a minute before"),
    ]

    static let namesAndSteps: [Case] = [
        Case(expression: "0 8 * jan,Jul Mon", after: "2026-01-06T00:00Z", next: "2026-01-12T08:00Z", why: "names in any case"),
        Case(expression: "0 8 * jan,Jul Mon", after: "2026-01-27T00:00Z", next: "2026-07-06T08:00+01:00", why: "no Monday left in January"),
        Case(expression: "0 12 * * SUN", after: "2026-06-01T00:00+01:00", next: "2026-06-07T12:00+01:00", why: "SUN"),
        Case(expression: "0 12 * * 0", after: "2026-06-01T00:00+01:00", next: "2026-06-07T12:00+01:00", why: "0 is Sunday"),
        Case(expression: "0 12 * * 7", after: "2026-06-01T00:00+01:00", next: "2026-06-07T12:00+01:00", why: "7 is Sunday"),
        Case(expression: "0 12 * * 5-7", after: "2026-06-01T00:00+01:00", next: "2026-06-05T12:00+01:00", why: "range ending at 7 starts on Friday"),
        Case(expression: "0 12 * * FRI-SUN", after: "2026-06-06T13:00+01:00", next: "2026-06-07T12:00+01:00", why: "FRI-SUN includes Sunday"),
        Case(expression: "10-50/20 * * * *", after: "2026-06-01T10:10+01:00", next: "2026-06-01T10:30+01:00", why: "stepped range"),
        Case(expression: "10-50/20 * * * *", after: "2026-06-01T10:50+01:00", next: "2026-06-01T11:10+01:00", why: "stepped range, next hour"),
        Case(expression: "0 */6 * * *", after: "2026-06-01T07:00+01:00", next: "2026-06-01T12:00+01:00", why: "every sixth hour"),
        Case(expression: "0 0 1 JAN-DEC/3 *", after: "2026-02-01T00:00Z", next: "2026-04-01T00:00+01:00", why: "quarterly over a named range"),
        Case(expression: "5,35 9-10 * * *", after: "2026-06-01T09:35+01:00", next: "2026-06-01T10:05+01:00", why: "list and range"),
    ]

    static let dayRules: [Case] = [
        Case(expression: "0 9 15 * MON", after: "2026-03-10T00:00Z", next: "2026-03-15T09:00Z", why: "day-of-month matches (a Sunday)"),
        Case(expression: "0 9 15 * MON", after: "2026-03-15T10:00Z", next: "2026-03-16T09:00Z", why: "day-of-week matches (16th)"),
        Case(expression: "0 9 15 * MON", after: "2026-03-16T10:00Z", next: "2026-03-23T09:00Z", why: "either, not both"),
        Case(expression: "0 9 */2 * MON", after: "2026-03-01T00:00Z", next: "2026-03-09T09:00Z", why: "*/2 counts as unrestricted: odd days that are Mondays"),
        Case(expression: "0 9 * * MON", after: "2026-03-01T00:00Z", next: "2026-03-02T09:00Z", why: "only day-of-week restricted"),
        Case(expression: "0 9 13 * *", after: "2026-03-01T00:00Z", next: "2026-03-13T09:00Z", why: "only day-of-month restricted"),
    ]

    static let otherZones: [Case] = [
        Case(expression: "30 2 * * *", after: "2026-03-08T00:00Z", next: "2026-03-08T03:00-04:00", zone: "America/New_York", why: "New York springs forward at 02:00 EST"),
        Case(expression: "30 1 * * *", after: "2026-11-01T00:00Z", next: "2026-11-01T01:30-04:00", zone: "America/New_York", why: "first occurrence in EDT"),
        Case(expression: "0 9 * * *", after: "2026-03-29T00:00Z", next: "2026-03-29T09:00Z", zone: "UTC", why: "no daylight saving"),
    ]

    @Test(arguments: springForward + fallBack + calendar + namesAndSteps + dayRules + otherZones)
    func nextFiring(_ c: Case) throws {
        let cron = try CronExpression(c.expression)
        let zone = try #require(TimeZone(identifier: c.zone))
        #expect(cron.nextFiring(after: instant(c.after), in: zone) == instant(c.next))
    }

    @Test func londonIsTheDefaultZone() throws {
        let cron = try CronExpression("0 9 * * *")
        #expect(cron.nextFiring(after: instant("2026-06-01T00:00Z")) == instant("2026-06-01T09:00+01:00"))
    }

    @Test(arguments: ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 31 FEB *"])
    func impossibleDatesNeverFire(_ expression: String) throws {
        let cron = try CronExpression(expression)
        #expect(cron.nextFiring(after: instant("2026-01-01T00:00Z"), in: .london) == nil)
        #expect(!cron.canEverFire)
    }

    @Test(arguments: ["0 9 31 * *", "0 0 29 2 *", "0 0 30 2 MON", "0 9 * * *"])
    func possibleDatesCanFire(_ expression: String) throws {
        #expect(try CronExpression(expression).canEverFire)
    }

    @Test func secondsWithinTheMinuteAreHonoured() throws {
        let cron = try CronExpression("0 2 * * *")
        let firing = instant("2026-11-23T02:00Z")
        #expect(cron.nextFiring(after: firing.addingTimeInterval(-0.5), in: .london) == firing)
        #expect(cron.nextFiring(after: firing.addingTimeInterval(0.5), in: .london) == instant("2026-11-24T02:00Z"))
    }
}
