internal import HousingFinance

/// Comma-separated records as RFC 4180 writes them, read by the hub's one CSV reader
/// (`CSVScanner`, HousingFinance): a field in double quotes may hold commas, line breaks and
/// doubled quotes. Records end at a line break outside quotes (LF or CRLF: the lines come from
/// `TextFile`). Blank lines are skipped. A quote inside an unquoted field, or text after a closing
/// quote, is `malformed`; a quoted field still open at the end of the file is `truncated`.
struct CSVRecords {
    /// One record and the line it starts on.
    struct Record {
        var line: Int
        var fields: [String]
        /// Whether the record is the file's last and has no line break after it: if it is short
        /// of fields, the file was cut off.
        var isUnterminatedLast: Bool
    }

    /// The records in file order.
    let records: [Record]

    /// Splits a file's lines into records, refusing a field longer than `limits.maxFieldCharacters`
    /// (`tooLong`, naming the line the record starts on and the field's number).
    init(_ file: TextFile, limits: InputLimits = .text) throws(FileReadError) {
        let maxField = limits.maxFieldCharacters
        var records: [Record] = []
        var scanner = CSVScanner()
        var startLine = 0
        for (index, line) in file.lines.enumerated() {
            if !scanner.isInQuotes {
                if line.text.trimmingSpaces.isEmpty { continue }
                startLine = line.number
            }
            let fields: [String]?
            do { fields = try scanner.scan(line.text) } catch {
                throw LineContext(file: file.name, line: line.number).error(.malformed, error.reason)
            }
            if let fields {
                for (number, field) in fields.enumerated() where field.utf8.count > maxField && field.count > maxField {
                    throw LineContext(file: file.name, line: startLine).tooLong(limits, field: "field \(number + 1)", value: field, max: maxField)
                }
                let last = index == file.lines.count - 1
                records.append(Record(line: startLine, fields: fields, isUnterminatedLast: last && !file.endsWithLineBreak))
            }
        }
        if scanner.isInQuotes {
            throw LineContext(file: file.name, line: startLine).error(
                .truncated, "a quoted field opened on this line is still open at the end of the file; the file was cut off: ask the sender for the whole file")
        }
        self.records = records
    }
}
