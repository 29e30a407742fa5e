internal import HousingFinance

/// Where a text reader is (file and line), with the field parsers every text format shares, so
/// that each failure names the file, the line and what to do.
struct LineContext {
    /// The file's name as given to the reader.
    var file: String
    /// The 1-based line number.
    var line: Int

    /// An error at this line.
    func error(_ code: FileReadError.Code, _ message: String) -> FileReadError {
        FileReadError(code, file: file, position: FilePosition(line: line), message)
    }

    /// A field longer than its maximum.
    func tooLong(_ limits: InputLimits, field: String, value: some StringProtocol, max: Int) -> FileReadError {
        limits.tooLong(file: file, position: FilePosition(line: line), field: field, value: value, max: max)
    }

    /// How a date field is written.
    enum DateLayout: String, Sendable {
        /// `YYYY-MM-DD`.
        case iso = "YYYY-MM-DD"
        /// `dd/MM/yyyy`, as UK files write dates.
        case uk = "dd/MM/yyyy"
    }

    /// Reads a date, refusing one that is not in the layout (`malformed`) or does not exist, such
    /// as 31/02 (`invalidValue`).
    func day(_ text: some StringProtocol, field: String, layout: DateLayout) throws(FileReadError) -> Day {
        let trimmed = text.trimmingSpaces
        let day: Day? = switch layout {
        case .iso: Day(iso: trimmed)
        case .uk: Day(uk: trimmed)
        }
        if let day { return day }
        let shaped = trimmed.utf8.count == 10 && trimmed.allSatisfy { $0.isASCIIDigit || $0 == "-" || $0 == "/" }
        if shaped {
            throw error(.invalidValue, "the \(field) \(Wording.shortQuote(trimmed)) is not a date that exists; correct the date at its source and send the file again")
        }
        throw error(.malformed, "the \(field) \(Wording.shortQuote(trimmed)) is not a date written \(layout.rawValue)")
    }

    /// Reads an amount in pounds written with exactly two decimals (`12.34`, `-0.50` where a sign
    /// is allowed), as the hub's own CSV layouts write amounts.
    /// - Parameters:
    ///   - text: the field.
    ///   - field: the field's name, for the message.
    ///   - signed: whether a leading `-` is allowed.
    func strictAmount(_ text: some StringProtocol, field: String, signed: Bool) throws(FileReadError) -> Money {
        let trimmed = text.trimmingSpaces
        var digits = Substring(trimmed)
        var negative = false
        if signed, let first = digits.first, first == "-" || first == "+" {
            negative = first == "-"
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy(\.isASCIIDigit), parts[1].allSatisfy(\.isASCIIDigit)
        else {
            let sign = signed ? "an optional '-', " : ""
            throw error(.malformed, "the \(field) \(Wording.shortQuote(trimmed)) is not an amount: expected \(sign)pounds, a point and two decimals, such as 12.34")
        }
        guard parts[1].count == 2 else {
            throw error(.invalidValue, "the \(field) \(Wording.shortQuote(trimmed)) has \(parts[1].count) decimals; amounts are pounds with exactly two decimals (pence)")
        }
        guard parts[0].count <= 13, let pounds = Int64(parts[0]), let pence = Int64(parts[1]) else {
            throw error(.invalidValue, "the \(field) \(Wording.shortQuote(trimmed)) is too large")
        }
        let total = pounds * 100 + pence
        return Money(pence: negative ? -total : total)
    }

    /// Reads an amount as people and portals write it (`£1,234.56`, `-12.5`, `12`): up to two
    /// decimals; three or more are refused as `invalidValue`.
    func lenientAmount(_ text: some StringProtocol, field: String) throws(FileReadError) -> Money {
        do {
            return try Money(parsing: String(text))
        } catch {
            let trimmed = text.trimmingSpaces
            if let point = trimmed.lastIndex(of: "."), trimmed[trimmed.index(after: point)...].count > 2,
               trimmed[trimmed.index(after: point)...].allSatisfy(\.isASCIIDigit) {
                throw self.error(.invalidValue, "the \(field) \(Wording.shortQuote(trimmed)) has more than two decimals; amounts are in pounds with at most two decimals (whole pence)")
            }
            throw self.error(.malformed, "the \(field) \(Wording.shortQuote(trimmed)) is not an amount of money (\(error))")
        }
    }

    /// Reads a whole number (a count).
    func count(_ text: some StringProtocol, field: String) throws(FileReadError) -> Int {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty, trimmed.count <= 12, trimmed.allSatisfy(\.isASCIIDigit), let value = Int(trimmed) else {
            throw error(.malformed, "the \(field) \(Wording.shortQuote(trimmed)) is not a whole number")
        }
        return value
    }
}
