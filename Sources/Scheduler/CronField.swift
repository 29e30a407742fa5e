/// One of the five fields of a cron expression, in the order they are written.
public enum CronField: Int, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Minute of the hour, 0-59.
    case minute
    /// Hour of the day, 0-23.
    case hour
    /// Day of the month, 1-31.
    case dayOfMonth
    /// Month, 1-12 or JAN-DEC.
    case month
    /// Day of the week, 0-7 (0 and 7 are Sunday) or SUN-SAT.
    case dayOfWeek

    /// The field's name as error messages and the Jobs/ README write it: `day-of-month`.
    public var description: String {
        switch self {
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    /// The smallest and largest value the field accepts (day-of-week accepts 7 as Sunday).
    var bounds: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// What the field accepts, for error messages.
    var allowed: String {
        switch self {
        case .month: "1-12 or JAN-DEC"
        case .dayOfWeek: "0-7 or SUN-SAT (0 and 7 are Sunday)"
        default: "\(bounds.lowerBound)-\(bounds.upperBound)"
        }
    }

    /// Three-letter names and their values, for the month and day-of-week fields.
    private var names: [String: Int] {
        switch self {
        case .month:
            ["JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
             "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12]
        case .dayOfWeek:
            ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6]
        default:
            [:]
        }
    }

    /// Reads the text of this field (`*`, `1-5`, `1,3,5`, `*/15`, `10-50/10`, `MON-FRI`) into the set
    /// of values it allows.
    ///
    /// - Parameters:
    ///   - text: the field as written.
    ///   - expression: the whole expression, for the error.
    /// - Throws: `CronExpressionError` naming this field, the offending text and what is allowed.
    func parse(_ text: Substring, in expression: String) throws -> CronValueSet {
        func failure(_ offending: Substring, _ problem: String) -> CronExpressionError {
            CronExpressionError(expression: expression, field: self, text: String(offending), problem: problem)
        }
        let shapes = "expected a value, a range like 1-5, '*', or a step like */15 or 10-50/10"
        var set = CronValueSet()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw failure(text, "a list needs a value between each pair of commas") }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw failure(item, shapes) }
            let range: ClosedRange<Int>
            if parts[0] == "*" {
                range = bounds
            } else {
                let ends = parts[0].split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count <= 2 else { throw failure(item, shapes) }
                guard let low = value(ends[0]), var high = value(ends[ends.count - 1]) else {
                    throw failure(item, "values must be \(allowed)")
                }
                // SUN ending a range is the 7 at the end of the week: FRI-SUN.
                if self == .dayOfWeek && high == 0 && low > 0 && ends[ends.count - 1].uppercased() == "SUN" { high = 7 }
                guard low <= high else {
                    throw failure(item, "a range must run from low to high (\(ends[0]) comes after \(ends[1]))")
                }
                guard ends.count == 2 || parts.count == 1 else {
                    throw failure(item, "a step needs '*' or a range before it, like */15 or 10-50/10")
                }
                range = low...high
            }
            var step = 1
            if parts.count == 2 {
                guard parts[1].allSatisfy(\.isASCIIDigit), let n = Int(parts[1]), (1...bounds.upperBound).contains(n) else {
                    throw failure(item, "a step must be a whole number from 1 to \(bounds.upperBound)")
                }
                step = n
            }
            for value in stride(from: range.lowerBound, through: range.upperBound, by: step) {
                // Day-of-week 7 is Sunday, the same day as 0.
                set.insert(self == .dayOfWeek && value == 7 ? 0 : value)
            }
        }
        return set
    }

    /// A single value: a number within the bounds, or a three-letter name (any case) for months and days.
    private func value(_ text: Substring) -> Int? {
        if let named = names[text.uppercased()] { return named }
        guard (1...2).contains(text.count), text.allSatisfy(\.isASCIIDigit), let n = Int(text), bounds.contains(n)
        else { return nil }
        return n
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// A set of small non-negative values (below 64), as one cron field allows them.
struct CronValueSet: Hashable, Sendable {
    private var bits: UInt64 = 0

    mutating func insert(_ value: Int) { bits |= 1 << UInt64(value) }

    func contains(_ value: Int) -> Bool { (0..<64).contains(value) && bits & (1 << UInt64(value)) != 0 }

    /// The members in increasing order, from `lowest` on.
    func members(from lowest: Int = 0) -> [Int] { (max(lowest, 0)..<64).filter(contains) }
}
