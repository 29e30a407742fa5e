import Foundation
import HousingFinance

/// The one way the hub prints a table as text: a header row, columns aligned, amounts and
/// counts right-aligned, two spaces between columns. Every list a command prints and every
/// table in a job's report goes through it, so that they all look alike.
///
/// ```
/// var table = TextTable([.init("Account"), .init("Balance", .right)])
/// table.add(["100000011", Money(pence: 123456).formatted])
/// print(table.render(), terminator: "")
/// ```
public struct TextTable: Sendable {
    /// Which side of its column a value sits on.
    public enum Alignment: Sendable {
        case left
        /// Amounts, counts and ids.
        case right
    }

    /// A column: its header and alignment, and optionally a width beyond which its values are cut.
    public struct Column: Sendable {
        public var title: String
        public var alignment: Alignment
        /// Values longer than this are cut and end with `...`; nil: never cut.
        public var maxWidth: Int?

        /// - Parameters:
        ///   - title: the header.
        ///   - alignment: `.right` for amounts, counts and ids.
        ///   - maxWidth: cut longer values to this width (free text such as references).
        public init(_ title: String, _ alignment: Alignment = .left, maxWidth: Int? = nil) {
            self.title = title
            self.alignment = alignment
            self.maxWidth = maxWidth
        }
    }

    public private(set) var columns: [Column]
    public private(set) var rows: [[String]] = []

    /// A table with these columns and no rows yet.
    public init(_ columns: [Column]) { self.columns = columns }

    /// Whether the table has no rows.
    public var isEmpty: Bool { rows.isEmpty }

    /// Adds a row: one value per column (missing values are empty, extra values are dropped).
    public mutating func add(_ cells: [String]) {
        var row = Array(cells.prefix(columns.count))
        while row.count < columns.count { row.append("") }
        for (index, column) in columns.enumerated() {
            if let limit = column.maxWidth, row[index].count > limit, limit > 3 {
                row[index] = String(row[index].prefix(limit - 3)) + "..."
            }
        }
        rows.append(row)
    }

    /// The table as text: the header, then one line per row, each line indented and ended by a
    /// newline; trailing spaces are trimmed.
    /// - Parameter indent: spaces before every line.
    public func render(indent: Int = 0) -> String {
        var widths = columns.map(\.title.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        let margin = String(repeating: " ", count: indent)
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                parts.append(columns[index].alignment == .right ? pad + cell : cell + pad)
            }
            var text = margin + parts.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text + "\n"
        }
        return line(columns.map(\.title)) + rows.map(line).joined()
    }
}
