/// The hub's one CSV reader (RFC 4180): fields separated by commas; a field in double quotes may
/// hold commas and doubled quotes (`""` for `"`), and spaces around the quotes are ignored. Used
/// line by line by the loaders, the financial map and the tests (`CSV.fields(of:)`, where a field
/// may not span lines), and across lines by the bank-file readers (`CSVScanner`, where a quoted
/// field may hold a line break).
public enum CSV {
    /// One line's fields, or why the line is not CSV (a quoted field still open at its end among them).
    public static func fields(of line: some StringProtocol) -> Result<[String], CSVProblem> {
        var scanner = CSVScanner()
        do {
            guard let fields = try scanner.scan(line) else {
                return .failure(CSVProblem(field: scanner.fieldNumber, reason: "a quoted field is not closed on its line (fields may not span lines)"))
            }
            return .success(fields)
        } catch {
            return .failure(error)
        }
    }
}

/// Why a line is not CSV: the field (1-based) and the reason, with what to do.
public struct CSVProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: Int
    public var reason: String
    public init(field: Int, reason: String) {
        self.field = field
        self.reason = reason
    }
    public var description: String { reason }
}

/// Reads CSV a line at a time; a record whose quoted field is still open at the end of a line
/// continues on the next (the line break is part of the field).
public struct CSVScanner: Sendable {
    private var fields: [String] = []
    private var field = ""
    private var afterQuote = false
    /// Whether a quoted field is open: the record continues on the next line.
    public private(set) var isInQuotes = false
    /// The 1-based number of the field being read.
    public var fieldNumber: Int { fields.count + 1 }

    public init() {}

    /// Reads one line (without its line break).
    /// - Returns: the record's fields, or nil when a quoted field continues on the next line.
    /// - Throws: `CSVProblem` for a double quote inside an unquoted field or text after a closing quote.
    public mutating func scan(_ line: some StringProtocol) throws(CSVProblem) -> [String]? {
        if isInQuotes {
            field.append("\n")
        } else {
            if !line.utf8.contains(UInt8(ascii: "\"")) {
                return line.split(separator: Character(","), omittingEmptySubsequences: false).map { String($0) }
            }
            fields = []
            field = ""
            afterQuote = false
        }
        var iterator = line.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if isInQuotes {
                if c == "\"" {
                    let next = iterator.next()
                    if next == "\"" {
                        field.append("\"")
                    } else {
                        isInQuotes = false
                        afterQuote = true
                        pending = next
                    }
                } else {
                    field.append(c)
                }
            } else if c == "," {
                fields.append(field)
                field = ""
                afterQuote = false
            } else if afterQuote {
                if c != " " && c != "\t" {
                    throw CSVProblem(field: fieldNumber, reason: "text after the closing quote of field \(fieldNumber): quote the whole field and double any quote inside it (\"\")")
                }
            } else if c == "\"" {
                if field.contains(where: { $0 != " " && $0 != "\t" }) {
                    throw CSVProblem(field: fieldNumber, reason: "a double quote inside an unquoted field (field \(fieldNumber)): quote the whole field and double the quote (\"\")")
                }
                field = ""
                isInQuotes = true
            } else {
                field.append(c)
            }
        }
        if isInQuotes { return nil }
        fields.append(field)
        return fields
    }
}
