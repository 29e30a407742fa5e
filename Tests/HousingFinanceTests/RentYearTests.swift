import HousingFinance
import Testing

@Suite struct RentYearTests {
    @Test(arguments: [
        (2024, 53, "2024-04-01", "2025-03-31"),
        (2025, 52, "2025-04-07", "2026-03-30"),
        (2019, 53, "2019-04-01", "2020-03-30"),
        (2030, 53, "2030-04-01", "2031-03-31"),
        (2023, 52, "2023-04-03", "2024-03-25"),
    ])
    func countsWeeksFromTheFirstMondayOfApril(startYear: Int, weeks: Int, firstMonday: String, lastMonday: String) {
        let year = RentYear(startingIn: startYear)
        #expect(year.weekCount == weeks)
        #expect(year.weeks.count == weeks)
        #expect(year.firstWeek.monday.iso == firstMonday)
        #expect(year.lastWeek.monday.iso == lastMonday)
        #expect(year.weeks.allSatisfy { $0.monday.weekday == .monday })
        #expect(RentYear(startingIn: startYear + 1).firstWeek == year.lastWeek.advanced(by: 1))
    }

    @Test func numbersWeeksFromOne() throws {
        let year = RentYear(startingIn: 2024)
        let first = RentWeek(containing: try #require(Day(iso: "2024-04-03")))
        #expect(year.weekNumber(of: first) == 1)
        #expect(year.weekNumber(of: RentWeek(containing: try #require(Day(iso: "2025-03-31")))) == 53)
        #expect(year.weekNumber(of: RentWeek(containing: try #require(Day(iso: "2024-12-25")))) == 39)
        #expect(year.weekNumber(of: RentWeek(containing: try #require(Day(iso: "2024-03-31")))) == nil)
        #expect(year.weekNumber(of: RentWeek(containing: try #require(Day(iso: "2025-04-07")))) == nil)
    }

    @Test func aWeekBelongsToTheYearOfItsMonday() throws {
        // Sunday 31 March 2024 is in the week of Monday 25 March: rent year 2023/24.
        let week = RentWeek(containing: try #require(Day(iso: "2024-03-31")))
        #expect(week.monday.iso == "2024-03-25")
        #expect(week.sunday.iso == "2024-03-31")
        #expect(week.rentYear == RentYear(startingIn: 2023))
        // Tuesday 1 April 2025 is in the week of Monday 31 March 2025: still 2024/25.
        #expect(RentWeek(containing: try #require(Day(iso: "2025-04-01"))).rentYear.label == "2024/25")
    }

    @Test func aWeekRunsMondayToSunday() throws {
        let week = RentWeek(containing: try #require(Day(iso: "2024-04-07")))
        #expect(week.days.map(\.iso) == (1...7).map { "2024-04-0\($0)" })
        #expect(week.contains(try #require(Day(iso: "2024-04-01"))))
        #expect(!week.contains(try #require(Day(iso: "2024-04-08"))))
        #expect(week.advanced(by: -1).monday.iso == "2024-03-25")
        #expect(week.distance(to: week.advanced(by: 10)) == 10)
    }

    @Test func readsAndWritesLabels() {
        #expect(RentYear(label: "2024/25") == RentYear(startingIn: 2024))
        #expect(RentYear(label: "2024") == RentYear(startingIn: 2024))
        #expect(RentYear(label: "1999/00")?.label == "1999/00")
        #expect(RentYear(startingIn: 2009).label == "2009/10")
        for bad in ["2024/26", "24/25", "2024/2025", "2024-25", "", "abcd/ef"] {
            #expect(RentYear(label: bad) == nil, "\(bad)")
        }
    }
}
