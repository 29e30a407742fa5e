/// The rent calendar: which weeks of each rent year are free weeks (no debit is raised).
/// Configuration, one list per rent year, because it differs by landlord and by year.
public struct RentCalendar: Hashable, Sendable {
    /// The Mondays of the free weeks, by rent year.
    public private(set) var freeWeeks: [RentYear: Set<Day>]

    /// Creates a calendar, checking that each free week is a Monday within its rent year.
    /// - Throws: `RentCalendarError` naming the year and the date.
    public init(freeWeeks: [RentYear: Set<Day>]) throws {
        for (year, mondays) in freeWeeks {
            for monday in mondays {
                guard monday.weekday == .monday else {
                    throw RentCalendarError(year: year.label, message: "\(monday.iso) is a \(monday.weekday), not a Monday; list free weeks by their Mondays")
                }
                guard RentWeek(containing: monday).rentYear == year else {
                    throw RentCalendarError(
                        year: year.label,
                        message: "\(monday.iso) is not in rent year \(year.label) (\(year.firstWeek.monday.iso) to \(year.lastWeek.monday.iso))")
                }
            }
        }
        self.freeWeeks = freeWeeks
    }

    /// A calendar with no free weeks.
    public static let none = try! RentCalendar(freeWeeks: [:])

    /// Whether no debit is raised in a week.
    public func isFree(_ week: RentWeek) -> Bool {
        freeWeeks[week.rentYear]?.contains(week.monday) ?? false
    }

    /// The number of debit weeks in a rent year: its weeks less its free weeks.
    public func debitWeeks(in year: RentYear) -> Int { year.weekCount - (freeWeeks[year]?.count ?? 0) }

    /// Every free week's Monday, in order.
    public var allFreeMondays: [Day] { freeWeeks.values.flatMap { $0 }.sorted() }
}

/// A rent calendar that cannot be used.
public struct RentCalendarError: Error, Hashable, Sendable, CustomStringConvertible {
    public var year: String
    public var message: String
    public var description: String { "rent year \(year): \(message)" }
}
