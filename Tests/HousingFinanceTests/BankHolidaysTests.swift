import HousingFinance
import Testing

@Suite struct BankHolidaysTests {
    /// The one-off changes announced for 2020 to 2023, as an operator would configure them.
    static let announced = BankHolidays(
        extraDays: [day("2022-06-03"), day("2022-09-19"), day("2023-05-08")],
        movedDays: [day("2020-05-04"): day("2020-05-08"), day("2022-05-30"): day("2022-06-02")])

    static func day(_ iso: String) -> Day { Day(iso: iso)! }

    /// The dates gov.uk publishes for England and Wales.
    @Test(arguments: [
        (2020, ["01-01", "04-10", "04-13", "05-08", "05-25", "08-31", "12-25", "12-28"]),
        (2021, ["01-01", "04-02", "04-05", "05-03", "05-31", "08-30", "12-27", "12-28"]),
        (2022, ["01-03", "04-15", "04-18", "05-02", "06-02", "06-03", "08-29", "09-19", "12-26", "12-27"]),
        (2023, ["01-02", "04-07", "04-10", "05-01", "05-08", "05-29", "08-28", "12-25", "12-26"]),
        (2024, ["01-01", "03-29", "04-01", "05-06", "05-27", "08-26", "12-25", "12-26"]),
        (2025, ["01-01", "04-18", "04-21", "05-05", "05-26", "08-25", "12-25", "12-26"]),
        (2026, ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"]),
        (2027, ["01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"]),
    ])
    func matchesThePublishedDates(year: Int, dates: [String]) {
        let holidays = Self.announced.holidays(in: year)
        #expect(holidays.map(\.day.iso) == dates.map { "\(year)-\($0)" })
        for holiday in holidays {
            #expect(Self.announced.isBankHoliday(holiday.day))
            #expect(!Self.announced.isWorkingDay(holiday.day))
        }
    }

    @Test func names2026IncludingTheBoxingDaySubstitute() {
        let names = BankHolidays().holidays(in: 2026).map { "\($0.day.iso) \($0.name)" }
        #expect(names == [
            "2026-01-01 New Year’s Day",
            "2026-04-03 Good Friday",
            "2026-04-06 Easter Monday",
            "2026-05-04 Early May bank holiday",
            "2026-05-25 Spring bank holiday",
            "2026-08-31 Summer bank holiday",
            "2026-12-25 Christmas Day",
            "2026-12-28 Boxing Day (substitute day)",
        ])
    }

    @Test func christmasOnSaturdayGivesMondayAndTuesday() {
        let holidays = BankHolidays()
        #expect(Self.day("2027-12-25").weekday == .saturday)
        #expect(holidays.holidays(in: 2027).suffix(2).map { "\($0.day.iso) \($0.name)" } == [
            "2027-12-27 Christmas Day (substitute day)", "2027-12-28 Boxing Day (substitute day)",
        ])
        #expect(!holidays.isBankHoliday(Self.day("2027-12-25")))
    }

    @Test func christmasOnSundayKeepsBoxingDayAndSubstitutesTuesday() {
        // 2022: Christmas on Sunday, Boxing Day on Monday 26, Christmas substitute Tuesday 27.
        #expect(BankHolidays().holidays(in: 2022).suffix(2).map { "\($0.day.iso) \($0.name)" } == [
            "2022-12-26 Boxing Day", "2022-12-27 Christmas Day (substitute day)",
        ])
    }

    @Test func newYearAtAWeekendMovesToMonday() {
        #expect(BankHolidays().holidays(in: 2022).first?.day.iso == "2022-01-03")  // Saturday
        #expect(BankHolidays().holidays(in: 2023).first?.day.iso == "2023-01-02")  // Sunday
    }

    @Test func movesAndExtrasAreConfiguration() {
        let plain = BankHolidays()
        #expect(plain.isBankHoliday(Self.day("2022-05-30")))
        #expect(!plain.isBankHoliday(Self.day("2022-06-02")))
        #expect(!Self.announced.isBankHoliday(Self.day("2022-05-30")))
        #expect(Self.announced.holidays(in: 2022).first { $0.day == Self.day("2022-06-02") }?.name == "Spring bank holiday")
        #expect(Self.announced.holidays(in: 2022).first { $0.day == Self.day("2022-06-03") }?.name == "Additional bank holiday")
        let cancelled = BankHolidays(removedDays: [Self.day("2026-08-31")])
        #expect(!cancelled.isBankHoliday(Self.day("2026-08-31")))
        #expect(cancelled.holidays(in: 2026).count == 7)
    }

    @Test(arguments: [
        (1818, "1818-03-22"), (1943, "1943-04-25"), (2008, "2008-03-23"), (2011, "2011-04-24"),
        (2019, "2019-04-21"), (2024, "2024-03-31"), (2038, "2038-04-25"), (2285, "2285-03-22"),
    ])
    func computesEaster(year: Int, sunday: String) {
        #expect(BankHolidays.easterSunday(in: year).iso == sunday)
    }

    @Test func everyYearHasItsEightStandingHolidaysOnWeekdays() {
        let holidays = BankHolidays()
        for year in 1990...2100 {
            let list = holidays.holidays(in: year)
            #expect(list.count == 8, "\(year)")
            #expect(Set(list.map(\.day)).count == 8, "\(year)")
            #expect(list.allSatisfy { $0.day.weekday.rawValue <= Weekday.friday.rawValue && $0.day.year == year }, "\(year)")
        }
    }

    @Test func workingDaysSkipWeekendsAndHolidays() {
        let holidays = BankHolidays()
        #expect(holidays.isWorkingDay(Self.day("2026-04-02")))  // Thursday before Good Friday
        #expect(!holidays.isWorkingDay(Self.day("2026-04-04")))  // Saturday
        #expect(holidays.addingWorkingDays(1, to: Self.day("2026-04-02")).iso == "2026-04-07")
        #expect(holidays.addingWorkingDays(-1, to: Self.day("2026-04-07")).iso == "2026-04-02")
        #expect(holidays.addingWorkingDays(0, to: Self.day("2026-04-04")).iso == "2026-04-04")
        // Urgent repairs: 5 working days from Wednesday 23 December 2026: 24, 29, 30, 31 December
        // and, past New Year's Day (Friday) and the weekend, Monday 4 January.
        #expect(holidays.addingWorkingDays(5, to: Self.day("2026-12-23")).iso == "2027-01-04")
        // Normal repairs: 21 working days from Monday 1 June 2026 (no holidays in June).
        #expect(holidays.addingWorkingDays(21, to: Self.day("2026-06-01")).iso == "2026-06-30")
    }
}
