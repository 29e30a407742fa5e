import Foundation

/// A calendar date with no time of day, as the hub's business works in Europe/London.
///
/// Stored as a count of days since 1970-01-01 so that arithmetic and comparison are exact.
public struct Day: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, Strideable {
    /// Days since 1970-01-01 (which is day 0, a Thursday).
    public var daysSinceEpoch: Int

    /// Creates a day from its count of days since 1970-01-01.
    public init(daysSinceEpoch: Int) { self.daysSinceEpoch = daysSinceEpoch }

    /// Creates a day from its year, month (1-12) and day of month, or nil if there is no such date
    /// (30 February, month 13).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Day.daysInMonth(year: year, month: month) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        self.daysSinceEpoch = era * 146097 + doe - 719468
    }

    /// The year, month and day of month.
    public var components: (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    public var year: Int { components.year }
    public var month: Int { components.month }
    public var day: Int { components.day }

    /// The day of the week, Monday first.
    public var weekday: Weekday { Weekday(rawValue: ((daysSinceEpoch % 7) + 7 + 3) % 7)! }

    /// Whether `year` is a leap year in the Gregorian calendar.
    public static func isLeapYear(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// The number of days in a month of a year.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `YYYY-MM-DD`.
    public var iso: String {
        let (y, m, d) = components
        return "\(zeroPadded(y, 4))-\(zeroPadded(m, 2))-\(zeroPadded(d, 2))"
    }

    /// `dd/MM/yyyy`, as UK files write dates.
    public var ukFormat: String {
        let (y, m, d) = components
        return "\(zeroPadded(d, 2))/\(zeroPadded(m, 2))/\(zeroPadded(y, 4))"
    }

    public var description: String { iso }

    /// Reads `YYYY-MM-DD` (ISO 8601 calendar date), refusing dates that do not exist.
    public init?(iso text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let y = Day.number(bytes[0..<4]), let m = Day.number(bytes[5..<7]), let d = Day.number(bytes[8..<10])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Reads `dd/MM/yyyy`, refusing dates that do not exist.
    public init?(uk text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[2] == UInt8(ascii: "/"), bytes[5] == UInt8(ascii: "/"),
              let d = Day.number(bytes[0..<2]), let m = Day.number(bytes[3..<5]), let y = Day.number(bytes[6..<10])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Reads `YYYYMMDD` or `YYMMDD` (the latter as 20YY), refusing dates that do not exist.
    public init?(compact text: some StringProtocol) {
        let bytes = Array(text.utf8)
        switch bytes.count {
        case 8:
            guard let y = Day.number(bytes[0..<4]), let m = Day.number(bytes[4..<6]), let d = Day.number(bytes[6..<8]) else { return nil }
            self.init(year: y, month: m, day: d)
        case 6:
            guard let y = Day.number(bytes[0..<2]), let m = Day.number(bytes[2..<4]), let d = Day.number(bytes[4..<6]) else { return nil }
            self.init(year: 2000 + y, month: m, day: d)
        default:
            return nil
        }
    }

    private static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for b in bytes {
            guard b >= 48 && b <= 57 else { return nil }
            value = value * 10 + Int(b - 48)
        }
        return value
    }

    /// The calendar day that an instant falls on in a time zone (Europe/London for the hub).
    public init(_ instant: Date, in timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        self.init(year: c.year!, month: c.month!, day: c.day!)!
    }

    /// The instant at which this day starts in a time zone.
    public func start(in timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let (y, m, d) = components
        return calendar.date(from: DateComponents(year: y, month: m, day: d))!
    }

    public static func < (a: Day, b: Day) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }
    public func distance(to other: Day) -> Int { other.daysSinceEpoch - daysSinceEpoch }
    public func advanced(by n: Int) -> Day { Day(daysSinceEpoch: daysSinceEpoch + n) }
    public static func + (day: Day, n: Int) -> Day { day.advanced(by: n) }
    public static func - (day: Day, n: Int) -> Day { day.advanced(by: -n) }

    /// Encodes as `YYYY-MM-DD`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso)
    }

    /// Decodes from `YYYY-MM-DD`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let day = Day(iso: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(Wording.shortQuote(text)) is not a date YYYY-MM-DD")
        }
        self = day
    }
}

/// A day of the week, Monday first as rent weeks run.
public enum Weekday: Int, Sendable, CaseIterable {
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday
}

extension TimeZone {
    /// Europe/London: the hub's business time zone.
    public static let london = TimeZone(identifier: "Europe/London")!
}

/// A number with leading zeros to a width, as `String(format: "%0*d")` writes it (a minus sign
/// counts in the width), without Foundation's locale-aware formatter: a date's text is written for
/// every payment an import reads, and the formatter was a twentieth of its time.
public func zeroPadded(_ n: some BinaryInteger, _ width: Int) -> String {
    let digits = String(n.magnitude)
    let sign = n < 0 ? "-" : ""
    let zeros = width - sign.count - digits.count
    return zeros > 0 ? sign + String(repeating: "0", count: zeros) + digits : sign + digits
}
