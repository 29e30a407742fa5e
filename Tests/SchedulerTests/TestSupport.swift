import Foundation
import HousingFinance

/// An instant written `YYYY-MM-DDTHH:MM` with `Z` or an offset `+HH:MM`, computed by plain
/// arithmetic so that the expectations do not rely on the time-zone code under test.
func instant(_ text: String) -> Date {
    let day = Day(iso: text.prefix(10))!
    let clock = text.dropFirst(11)
    let hour = Int(clock.prefix(2))!, minute = Int(clock.dropFirst(3).prefix(2))!
    let zone = clock.dropFirst(5)
    var offset = 0
    if zone != "Z" {
        let magnitude = Int(zone.dropFirst().prefix(2))! * 3_600 + Int(zone.dropFirst(4).prefix(2))! * 60
        offset = zone.hasPrefix("-") ? -magnitude : magnitude
    }
    return Date(timeIntervalSince1970: TimeInterval(day.daysSinceEpoch * 86_400 + hour * 3_600 + minute * 60 - offset))
}

/// England and Wales bank holidays of 2026, listed by hand (BankHolidays will compute them).
let bankHolidays2026: Set<Day> = Set(
    ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28"]
        .map { Day(iso: $0)! })

/// Monday to Friday, except the 2026 bank holidays.
let isWorkingDay2026: @Sendable (Day) -> Bool = { day in
    day.weekday != .saturday && day.weekday != .sunday && !bankHolidays2026.contains(day)
}
