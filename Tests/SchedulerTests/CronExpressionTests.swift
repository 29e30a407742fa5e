import Foundation
import HousingFinance
import Scheduler
import Testing

@Suite struct CronExpressionTests {
    @Test(arguments: [
        ("61 * * * *", "minute field '61': values must be 0-59"),
        ("5,61 * * * *", "minute field '61': values must be 0-59"),
        ("-5 * * * *", "minute field '-5': values must be 0-59"),
        ("0 24 * * *", "hour field '24': values must be 0-23"),
        ("0 0 0 * *", "day-of-month field '0': values must be 1-31"),
        ("0 0 32 * *", "day-of-month field '32': values must be 1-31"),
        ("0 0 * 13 *", "month field '13': values must be 1-12 or JAN-DEC"),
        ("0 0 * JANUARY *", "month field 'JANUARY': values must be 1-12 or JAN-DEC"),
        ("0 0 * MON *", "month field 'MON': values must be 1-12 or JAN-DEC"),
        ("0 0 * * 8", "day-of-week field '8': values must be 0-7 or SUN-SAT (0 and 7 are Sunday)"),
        ("0 0 * * MON-FOO", "day-of-week field 'MON-FOO': values must be 0-7 or SUN-SAT (0 and 7 are Sunday)"),
        ("0 0 * * JAN", "day-of-week field 'JAN': values must be 0-7 or SUN-SAT (0 and 7 are Sunday)"),
        ("*/0 * * * *", "minute field '*/0': a step must be a whole number from 1 to 59"),
        ("*/x * * * *", "minute field '*/x': a step must be a whole number from 1 to 59"),
        ("0 */24 * * *", "hour field '*/24': a step must be a whole number from 1 to 23"),
        ("5/15 * * * *", "minute field '5/15': a step needs '*' or a range before it, like */15 or 10-50/10"),
        ("50-10 * * * *", "minute field '50-10': a range must run from low to high (50 comes after 10)"),
        ("0 0 * * FRI-MON", "day-of-week field 'FRI-MON': a range must run from low to high (FRI comes after MON)"),
        ("0 0 * * 5-0", "day-of-week field '5-0': a range must run from low to high (5 comes after 0)"),
        ("1,,2 * * * *", "minute field '1,,2': a list needs a value between each pair of commas"),
        ("0 0 1, * *", "day-of-month field '1,': a list needs a value between each pair of commas"),
        ("1-2-3 * * * *", "minute field '1-2-3': expected a value, a range like 1-5, '*', or a step like */15 or 10-50/10"),
        ("*/5/2 * * * *", "minute field '*/5/2': expected a value, a range like 1-5, '*', or a step like */15 or 10-50/10"),
        ("0 2 * *", "cron expression '0 2 * *': needs 5 fields (minute hour day-of-month month day-of-week), found 4"),
        ("0 2 * * * *", "cron expression '0 2 * * * *': needs 5 fields (minute hour day-of-month month day-of-week), found 6"),
        ("", "cron expression '': needs 5 fields (minute hour day-of-month month day-of-week), found 0"),
    ])
    func invalidExpressions(_ expression: String, _ message: String) {
        #expect {
            _ = try CronExpression(expression)
        } throws: { error in
            (error as? CronExpressionError)?.description == message
        }
    }

    @Test func errorNamesTheFieldAndText() throws {
        let error = try #require(throws: CronExpressionError.self) { try CronExpression("0 2 * 1-14 *") }
        #expect(error.field == .month)
        #expect(error.text == "1-14")
        #expect(error.expression == "0 2 * 1-14 *")
    }

    @Test func whitespaceIsNormalised() throws {
        let cron = try CronExpression("  0\t2  *  * MON ")
        #expect(cron.text == "0 2 * * MON")
        #expect(cron.description == "0 2 * * MON")
    }

    @Test(arguments: [
        ("0 9 * * MON-FRI", "2026-03-02", true),   // Monday
        ("0 9 * * MON-FRI", "2026-03-07", false),  // Saturday
        ("0 9 * * mon-fri", "2026-03-06", true),   // Friday, names in lower case
        ("0 9 1 * MON", "2026-04-01", true),       // the 1st (a Wednesday)
        ("0 9 1 * MON", "2026-04-06", true),       // a Monday
        ("0 9 1 * MON", "2026-04-07", false),
        ("0 9 * DEC 7", "2026-12-27", true),       // a Sunday in December
        ("0 9 * DEC 7", "2026-11-29", false),      // a Sunday in November
    ])
    func matchesDays(_ expression: String, _ day: String, _ matches: Bool) throws {
        let cron = try CronExpression(expression)
        #expect(cron.matches(try #require(Day(iso: day))) == matches)
    }
}
