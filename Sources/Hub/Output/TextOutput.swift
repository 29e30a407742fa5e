import Foundation
import HousingFinance

/// How the hub writes an instant: in Europe/London, to the second.
public enum Timestamp {
    private static let zone = TimeZone(identifier: "Europe/London")!

    /// For people: `2026-12-06 14:03:12`, local time in Europe/London, no fraction of a second.
    public static func text(_ date: Date) -> String { format(date, "yyyy-MM-dd HH:mm:ss") }

    /// For JSON: ISO 8601 with the offset in Europe/London, `2026-12-06T14:03:12+00:00`.
    public static func iso(_ date: Date) -> String { format(date, "yyyy-MM-dd'T'HH:mm:ssxxx") }

    private static func format(_ date: Date, _ pattern: String) -> String {
        // DateFormatter is not Sendable and cheap enough to make per call: timestamps are printed
        // a few at a time, never in bulk.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = zone
        formatter.dateFormat = pattern
        // Whole seconds: a stored time of 14:03:12.9 is 14:03:12, never 14:03:13.
        return formatter.string(from: Date(timeIntervalSince1970: (date.timeIntervalSince1970).rounded(.down)))
    }
}

/// A long list in a report: the count, the first few, and the command that lists them all.
public struct LongList: Sendable {
    /// How many items a report shows in a table.
    public static let shown = 10
    /// How many items a report shows on one line (a warning).
    public static let shownInline = 5

    /// Where every item can be read: `hub runs show ID --json` for a run that was kept, or, for
    /// a preview (rolled back), the same command again with `--json`.
    /// - Parameters:
    ///   - runId: the run whose report holds the whole list.
    ///   - preview: whether the run is a dry run.
    public static func seeAll(runId: Int64, preview: Bool) -> String {
        preview ? "the same command with --json lists them all" : "`hub runs show \(runId) --json` lists them all"
    }

    /// The first `shown` items, one per line, and when there are more a last line
    /// `... and 1,234 more: <seeAll>`.
    /// - Parameters:
    ///   - items: the items as text (all of them, or only the first ones when `total` is given).
    ///   - total: how many there are, when `items` holds only the first ones.
    ///   - seeAll: where to read every one (`LongList.seeAll`, `hub suspense list`).
    public static func lines(_ items: [String], total: Int? = nil, seeAll: String) -> [String] {
        let count = total ?? items.count
        var lines = Array(items.prefix(shown))
        if count > lines.count { lines.append("... and \(Wording.number(count - lines.count)) more: \(seeAll)") }
        return lines
    }

    /// The first `shownInline` items on one line, separated by commas, and when there are more
    /// `and 1,234 more (<seeAll>)`.
    public static func inline(_ items: [String], total: Int? = nil, seeAll: String) -> String {
        let count = total ?? items.count
        let listed = min(items.count, shownInline)
        let first = items.prefix(listed).joined(separator: ", ")
        return count > listed ? "\(first) and \(Wording.number(count - listed)) more (\(seeAll))" : first
    }
}
