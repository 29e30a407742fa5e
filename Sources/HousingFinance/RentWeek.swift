/// A rent week: Monday to Sunday, named by its Monday. Rent is charged weekly in advance,
/// dated the Monday.
public struct RentWeek: Hashable, Comparable, Sendable, CustomStringConvertible, Strideable {
    /// The Monday that starts the week.
    public let monday: Day

    /// The rent week that contains a day.
    public init(containing day: Day) {
        monday = day - day.weekday.rawValue
    }

    /// The Sunday that ends the week.
    public var sunday: Day { monday + 6 }

    /// The seven days of the week, Monday first.
    public var days: [Day] { (0..<7).map { monday + $0 } }

    /// Whether a day falls in this week.
    public func contains(_ day: Day) -> Bool { day >= monday && day <= sunday }

    public var description: String { monday.iso }

    public static func < (a: RentWeek, b: RentWeek) -> Bool { a.monday < b.monday }
    public func distance(to other: RentWeek) -> Int { monday.distance(to: other.monday) / 7 }
    public func advanced(by n: Int) -> RentWeek { RentWeek(containing: monday + 7 * n) }

    /// The rent year this week belongs to.
    public var rentYear: RentYear { RentYear(containing: self) }
}

/// A rent year: the rent weeks whose Monday falls from 1 April to the following 31 March.
/// Most have 52 weeks; some have 53 (2019/20, 2024/25, 2030/31).
public struct RentYear: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The calendar year in which the rent year starts (2024 for 2024/25).
    public let startYear: Int

    /// The rent year that starts in April of `startYear`.
    public init(startingIn startYear: Int) { self.startYear = startYear }

    /// The rent year a rent week belongs to, by its Monday.
    public init(containing week: RentWeek) {
        let (y, m, _) = week.monday.components
        startYear = m >= 4 ? y : y - 1
    }

    /// Reads `2024/25` or `2024`.
    public init?(label: some StringProtocol) {
        let parts = label.split(separator: "/")
        guard let first = parts.first, first.count == 4, let year = Int(first) else { return nil }
        if parts.count == 2 {
            guard parts[1].count == 2, let next = Int(parts[1]), next == (year + 1) % 100 else { return nil }
        } else if parts.count != 1 {
            return nil
        }
        startYear = year
    }

    /// The first rent week: the first Monday on or after 1 April.
    public var firstWeek: RentWeek {
        let april1 = Day(year: startYear, month: 4, day: 1)!
        let offset = (7 - april1.weekday.rawValue) % 7
        return RentWeek(containing: april1 + offset)
    }

    /// The last rent week: the last Monday on or before 31 March of the next year.
    public var lastWeek: RentWeek {
        let march31 = Day(year: startYear + 1, month: 3, day: 31)!
        return RentWeek(containing: march31)
    }

    /// Every rent week of the year, in order.
    public var weeks: [RentWeek] { Array(stride(from: firstWeek, through: lastWeek, by: 1)) }

    /// How many weeks the year has: 52 or 53.
    public var weekCount: Int { firstWeek.distance(to: lastWeek) + 1 }

    /// The week's number within the year, 1 for the first week.
    public func weekNumber(of week: RentWeek) -> Int? {
        guard week >= firstWeek && week <= lastWeek else { return nil }
        return firstWeek.distance(to: week) + 1
    }

    /// `2024/25`.
    public var label: String {
        let next = (startYear + 1) % 100
        return "\(startYear)/\(next < 10 ? "0" : "")\(next)"
    }

    public var description: String { label }
    public static func < (a: RentYear, b: RentYear) -> Bool { a.startYear < b.startYear }
}
