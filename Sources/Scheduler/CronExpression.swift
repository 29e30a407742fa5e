import HousingFinance

/// A standard five-field cron expression: `minute hour day-of-month month day-of-week`.
///
/// Each field takes `*`, a value (`5`), a range (`1-5`), a list (`1,3,5`) and steps over `*` or a
/// range (`*/15`, `10-50/10`). The month field also takes JAN-DEC and the day-of-week field SUN-SAT
/// (any case); day-of-week runs 0-7 where both 0 and 7 are Sunday, and SUN ending a range is 7
/// (`FRI-SUN`).
///
/// Days follow the Vixie cron rule: when both day-of-month and day-of-week are restricted, a day
/// matches if EITHER matches (`0 9 1 * MON` fires on the 1st and on every Monday). A field written
/// starting with `*` (including `*/2`) counts as unrestricted for this rule, as in Vixie cron, and
/// then a day must match both fields.
///
/// ```swift
/// let cron = try CronExpression("*/15 6-19 * * MON-FRI")
/// let next = cron.nextFiring(after: .now, in: .london)
/// ```
public struct CronExpression: Hashable, Sendable, CustomStringConvertible {
    /// The expression as written, with its fields separated by single spaces.
    public let text: String

    let minutes: CronValueSet
    let hours: CronValueSet
    let daysOfMonth: CronValueSet
    let months: CronValueSet
    /// Days of the week with Sunday as 0.
    let daysOfWeek: CronValueSet
    /// Whether day-of-month was written starting with `*` (Vixie's rule for combining the day fields).
    let dayOfMonthIsStar: Bool
    /// Whether day-of-week was written starting with `*`.
    let dayOfWeekIsStar: Bool

    /// Reads a cron expression.
    ///
    /// - Parameter text: five fields separated by spaces or tabs, like `0 2 * * MON`.
    /// - Throws: `CronExpressionError` naming the field, the offending text and what is allowed,
    ///   e.g. `minute field '61': values must be 0-59`.
    public init(_ text: String) throws {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        self.text = fields.joined(separator: " ")
        guard fields.count == CronField.allCases.count else {
            throw CronExpressionError(
                expression: text, field: nil, text: text,
                problem: "needs 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)")
        }
        minutes = try CronField.minute.parse(fields[0], in: text)
        hours = try CronField.hour.parse(fields[1], in: text)
        daysOfMonth = try CronField.dayOfMonth.parse(fields[2], in: text)
        months = try CronField.month.parse(fields[3], in: text)
        daysOfWeek = try CronField.dayOfWeek.parse(fields[4], in: text)
        dayOfMonthIsStar = fields[2].hasPrefix("*")
        dayOfWeekIsStar = fields[4].hasPrefix("*")
    }

    /// The expression as written (`text`).
    public var description: String { text }

    /// Whether the expression allows a calendar day (its month, day of month and day of week).
    public func matches(_ day: Day) -> Bool {
        let (_, month, dayOfMonth) = day.components
        guard months.contains(month) else { return false }
        let sundayFirst = (day.weekday.rawValue + 1) % 7
        let byDate = daysOfMonth.contains(dayOfMonth)
        let byWeekday = daysOfWeek.contains(sundayFirst)
        return dayOfMonthIsStar || dayOfWeekIsStar ? byDate && byWeekday : byDate || byWeekday
    }

    /// Whether some year has a day the expression allows. False for expressions such as `0 0 30 2 *`
    /// whose day-of-month never occurs in their months (and whose day-of-week does not widen them).
    public var canEverFire: Bool {
        if !dayOfMonthIsStar && !dayOfWeekIsStar { return true }
        let longestMonth = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return months.members().contains { month in daysOfMonth.members().contains { $0 <= longestMonth[month] } }
    }
}
