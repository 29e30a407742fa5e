/// Bank holidays in England and Wales, computed for any year, with the one-off changes the
/// government announces given as configuration.
///
/// The standing holidays: New Year's Day, Good Friday, Easter Monday (Easter by the anonymous
/// Gregorian algorithm), the early May bank holiday (first Monday of May), the spring bank
/// holiday (last Monday of May), the summer bank holiday (last Monday of August), Christmas Day
/// and Boxing Day. When New Year's Day, Christmas Day or Boxing Day falls at a weekend, the
/// holiday moves to the next weekday that is not already a holiday, as a "substitute day":
/// Christmas on a Saturday gives Monday 27 and Tuesday 28; Boxing Day on a Saturday gives
/// Monday 28.
///
/// One-off changes: `extraDays` adds days (2022's Platinum Jubilee on 3 June, the 2023
/// coronation on 8 May); `movedDays` moves a standing holiday, as it falls after any
/// substitution, to another day of the same year (2020's early May holiday from 4 to 8 May,
/// 2022's spring holiday from 30 May to 2 June); `removedDays` drops one.
public struct BankHolidays: Hashable, Sendable {
    /// One-off bank holidays added by the government.
    public var extraDays: Set<Day>
    /// Standing holidays moved, from the day the rules give to the day announced.
    public var movedDays: [Day: Day]
    /// Standing holidays cancelled, by the day the rules give.
    public var removedDays: Set<Day>

    /// Creates the calendar.
    /// - Parameters:
    ///   - extraDays: one-off bank holidays.
    ///   - movedDays: standing holidays moved, from the day the rules give to the day announced.
    ///   - removedDays: standing holidays cancelled, by the day the rules give.
    public init(extraDays: Set<Day> = [], movedDays: [Day: Day] = [:], removedDays: Set<Day> = []) {
        self.extraDays = extraDays
        self.movedDays = movedDays
        self.removedDays = removedDays
    }

    /// The bank holidays of a calendar year with their names, in date order.
    public func holidays(in year: Int) -> [(day: Day, name: String)] {
        var result: [(day: Day, name: String)] = []
        for holiday in Self.standingHolidays(in: year) where !removedDays.contains(holiday.day) {
            result.append((movedDays[holiday.day] ?? holiday.day, holiday.name))
        }
        for day in extraDays where day.year == year && !result.contains(where: { $0.day == day }) {
            result.append((day, "Additional bank holiday"))
        }
        return result.sorted { $0.day < $1.day }
    }

    /// Whether a day is a bank holiday.
    public func isBankHoliday(_ day: Day) -> Bool {
        holidays(in: day.year).contains { $0.day == day }
    }

    /// Whether a day is a working day: Monday to Friday and not a bank holiday.
    public func isWorkingDay(_ day: Day) -> Bool {
        Self.isWeekday(day) && !isBankHoliday(day)
    }

    /// The day a number of working days after a day (before it, if `count` is negative). Adding
    /// one to a Friday gives the next Monday, or Tuesday if Monday is a bank holiday; adding zero
    /// gives the day itself, whether or not it is a working day.
    public func addingWorkingDays(_ count: Int, to day: Day) -> Day {
        let step = count < 0 ? -1 : 1
        var result = day
        var remaining = count.magnitude
        while remaining > 0 {
            result = result + step
            if isWorkingDay(result) { remaining -= 1 }
        }
        return result
    }

    /// Easter Sunday of a year in the Gregorian calendar (the anonymous Gregorian algorithm, also
    /// called Meeus/Jones/Butcher).
    public static func easterSunday(in year: Int) -> Day {
        let a = year % 19, b = year / 100, c = year % 100
        let d = b / 4, e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return Day(year: year, month: month, day: day)!
    }

    /// The standing holidays of a year, substitute days applied, before configured changes.
    private static func standingHolidays(in year: Int) -> [(day: Day, name: String)] {
        let easter = easterSunday(in: year)
        let may1 = Day(year: year, month: 5, day: 1)!
        let may31 = Day(year: year, month: 5, day: 31)!
        let august31 = Day(year: year, month: 8, day: 31)!
        var result: [(day: Day, name: String)] = [
            (easter - 2, "Good Friday"),
            (easter + 1, "Easter Monday"),
            (may1 + (7 - may1.weekday.rawValue) % 7, "Early May bank holiday"),
            (may31 - may31.weekday.rawValue, "Spring bank holiday"),
            (august31 - august31.weekday.rawValue, "Summer bank holiday"),
        ]
        let fixed = [
            (Day(year: year, month: 1, day: 1)!, "New Year’s Day"),
            (Day(year: year, month: 12, day: 25)!, "Christmas Day"),
            (Day(year: year, month: 12, day: 26)!, "Boxing Day"),
        ]
        var taken = Set(fixed.map(\.0).filter(isWeekday))
        for (day, name) in fixed {
            if isWeekday(day) {
                result.append((day, name))
            } else {
                var substitute = day + 1
                while !isWeekday(substitute) || taken.contains(substitute) { substitute = substitute + 1 }
                taken.insert(substitute)
                result.append((substitute, name + " (substitute day)"))
            }
        }
        return result
    }

    private static func isWeekday(_ day: Day) -> Bool { day.weekday.rawValue < Weekday.saturday.rawValue }
}
