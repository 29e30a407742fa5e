import Foundation
import HousingFinance

/// One thing wrong with a loader file: where (line and column), what was there, and why it is refused.
public struct LoadProblem: Codable, Hashable, Sendable, CustomStringConvertible {
    /// The 1-based line of the file (1 is the header); nil for the file as a whole (a control total).
    public var line: Int?
    /// The column's name in the header, where the problem is in one column.
    public var column: String?
    /// The value as written in the file.
    public var value: String?
    /// Why the row is refused, and what to do.
    public var reason: String

    /// The longest piece of a value kept, in characters: a longer value keeps its start and an
    /// ellipsis, so that a refusal of a 50 MB field stays small in messages and `runs.error`.
    public static let valueLimit = Wording.quoteLimit

    /// A problem at a line and column.
    public init(line: Int?, column: String?, value: String?, reason: String) {
        self.line = line
        self.column = column
        self.value = value.map { Wording.shortened($0, limit: Self.valueLimit) }.map { $0.truncated ? $0.text + "…" : $0.text }
        self.reason = reason.count > 1_000 ? String(reason.prefix(1_000)) + "…" : reason
    }

    public var description: String {
        var text = line.map { "line \($0)" } ?? "file"
        if let column { text += ", column \(column)" }
        // The value is kept short already (`valueLimit`).
        if let value { text += ", value '\(value)'" }
        return text + ": " + reason
    }
}

/// A loader file refused whole: every bad row is listed, and nothing was loaded.
public struct LoadError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file's name as given.
    public var file: String
    /// What the file loads (`properties`, `charges`...).
    public var kind: String
    /// Every problem found, in line order.
    public var problems: [LoadProblem]

    /// A refusal with its problems.
    public init(file: String, kind: String, problems: [LoadProblem]) {
        self.file = file
        self.kind = kind
        self.problems = problems.sorted { ($0.line ?? 0, $0.column ?? "") < ($1.line ?? 0, $1.column ?? "") }
    }

    /// The lines with at least one problem.
    public var badLines: [Int] { Array(Set(problems.compactMap(\.line))).sorted() }

    public var description: String {
        let lineCount = badLines.count
        let whole = problems.count - problems.filter { $0.line != nil }.count
        var summary = "\(file): the \(kind) file is refused and nothing was loaded: "
        if lineCount > 0 { summary += Wording.count(lineCount, "bad line") }
        if whole > 0 { summary += (lineCount > 0 ? " and " : "") + "\(Wording.count(whole, "problem")) with the file as a whole" }
        summary += lineCount > 0 ? ". Correct every line listed and load the file again." : "."
        var lines = [summary]
        for problem in problems { lines.append("  " + problem.description) }
        return lines.joined(separator: "\n")
    }
}
