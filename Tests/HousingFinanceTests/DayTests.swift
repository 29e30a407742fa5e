import Foundation
import HousingFinance
import Testing

@Suite struct DayTests {
    @Test(arguments: [
        ("2024-02-29", 2024, 2, 29),
        ("2000-02-29", 2000, 2, 29),
        ("1970-01-01", 1970, 1, 1),
        ("1969-12-31", 1969, 12, 31),
        ("2025-12-31", 2025, 12, 31),
    ])
    func readsISODates(text: String, year: Int, month: Int, day: Int) throws {
        let parsed = try #require(Day(iso: text))
        #expect(parsed.components == (year, month, day))
        #expect(parsed.iso == text)
    }

    @Test(arguments: [
        "2025-02-29", "1900-02-29", "2024-02-30", "2024-04-31", "2024-13-01", "2024-00-10", "2024-01-00",
        "2024-1-01", "24-01-01", "2024/01/01", "2024-01-0a", "", "2024-01-011",
    ])
    func refusesISODatesThatDoNotExistOrAreMisshapen(text: String) {
        #expect(Day(iso: text) == nil)
    }

    @Test func readsAndWritesUKDates() throws {
        let day = try #require(Day(uk: "29/02/2024"))
        #expect(day == Day(year: 2024, month: 2, day: 29))
        #expect(day.ukFormat == "29/02/2024")
        #expect(Day(uk: "31/02/2024") == nil)
        #expect(Day(uk: "29/02/2025") == nil)
        #expect(Day(uk: "1/2/2024") == nil)
        #expect(Day(uk: "2024-02-01") == nil)
    }

    @Test func readsCompactDates() {
        #expect(Day(compact: "20240401") == Day(year: 2024, month: 4, day: 1))
        #expect(Day(compact: "240401") == Day(year: 2024, month: 4, day: 1))
        #expect(Day(compact: "250229") == nil)
        #expect(Day(compact: "2024041") == nil)
    }

    @Test(arguments: [
        ("1970-01-01", Weekday.thursday),
        ("1969-12-31", .wednesday),
        ("2024-04-01", .monday),
        ("2025-03-31", .monday),
        ("2026-12-25", .friday),
        ("2027-12-25", .saturday),
        ("2000-01-01", .saturday),
        ("1900-01-01", .monday),
    ])
    func knowsTheDayOfTheWeek(text: String, weekday: Weekday) throws {
        #expect(try #require(Day(iso: text)).weekday == weekday)
    }

    @Test func componentsRoundTripAcrossCenturies() throws {
        var previous: Day?
        for offset in stride(from: -80_000, through: 80_000, by: 37) {
            let day = Day(daysSinceEpoch: offset)
            let (y, m, d) = day.components
            #expect(Day(year: y, month: m, day: d) == day)
            if let previous { #expect(previous < day) }
            previous = day
        }
    }

    @Test func arithmeticCountsDays() throws {
        let start = try #require(Day(iso: "2024-02-28"))
        #expect((start + 1).iso == "2024-02-29")
        #expect((start + 2).iso == "2024-03-01")
        #expect((start - 59).iso == "2023-12-31")
        #expect(start.distance(to: try #require(Day(iso: "2025-02-28"))) == 366)
        #expect(Array(stride(from: start, to: start + 3, by: 1)).map(\.iso) == ["2024-02-28", "2024-02-29", "2024-03-01"])
    }

    @Test func theLondonDayOfAnInstantFollowsSummerTime() throws {
        let utc = try #require(TimeZone(identifier: "UTC"))
        let beforeClocksGoForward = Date(timeIntervalSince1970: 1_711_845_000)  // 2024-03-31 00:30 UTC
        #expect(Day(beforeClocksGoForward, in: .london).iso == "2024-03-31")
        let summerNight = Date(timeIntervalSince1970: 1_719_790_200)  // 2024-06-30 23:30 UTC = 00:30 BST
        #expect(Day(summerNight, in: .london).iso == "2024-07-01")
        #expect(Day(summerNight, in: utc).iso == "2024-06-30")
        let july1 = try #require(Day(iso: "2024-07-01"))
        #expect(july1.start(in: .london) == Date(timeIntervalSince1970: 1_719_788_400))  // 2024-06-30 23:00 UTC
    }

    @Test func encodesAsISOText() throws {
        let day = try #require(Day(iso: "2024-04-01"))
        let data = try JSONEncoder().encode([day])
        #expect(String(decoding: data, as: UTF8.self) == #"["2024-04-01"]"#)
        #expect(try JSONDecoder().decode([Day].self, from: data) == [day])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Day].self, from: Data(#"["2024-02-30"]"#.utf8)) }
    }

    /// `iso` and `ukFormat` write their digits themselves (no Foundation formatter): the same text
    /// as `String(format:)` gave, for every day from before the year 1 to after 9999.
    @Test func isoAndUKTextAreWhatTheFormatterWrote() {
        for daysSinceEpoch in stride(from: -800_000, through: 3_000_000, by: 37) {
            let day = Day(daysSinceEpoch: daysSinceEpoch)
            let (y, m, d) = day.components
            #expect(day.iso == String(format: "%04d-%02d-%02d", y, m, d))
            #expect(day.ukFormat == String(format: "%02d/%02d/%04d", d, m, y))
        }
        #expect(Day(iso: "2026-04-06")!.iso == "2026-04-06")
        #expect(Day(iso: "2026-12-31")!.ukFormat == "31/12/2026")
    }
}
