import Foundation

/// Reading the hub's text tables (`TextTable`) in tests as a person reads them: a row is a line,
/// its cells are separated by two or more spaces.
enum TextRows {
    /// The cells of every line of a text.
    static func all(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { line in
            line.split(separator: /\s{2,}/).map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    /// The cells of the first line whose cells include `cell` exactly.
    static func row(_ text: String, with cell: String) -> [String]? {
        all(text).first { $0.contains(cell) }
    }
}
