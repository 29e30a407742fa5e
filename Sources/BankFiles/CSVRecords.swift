/// Comma-separated records as RFC 4180 writes them: fields separated by commas; a field in
/// double quotes may hold commas, line breaks and doubled quotes (`""` for `"`). Records end at
/// a line break outside quotes (LF or CRLF: the lines come from `TextFile`). Blank lines are
/// skipped. A quote inside an unquoted field, or text after a closing quote, is `malformed`; a
/// quoted field still open at the end of the file is `truncated`.
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
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var afterQuote = false
        var startLine = 0
        for (index, line) in file.lines.enumerated() {
            let context = LineContext(file: file.name, line: line.number)
            if !inQuotes {
                if line.text.trimmingSpaces.isEmpty { continue }
                startLine = line.number
                fields = []
                field = ""
                afterQuote = false
            } else {
                field.append("\n")
            }
            var characters = line.text.makeIterator()
            var atFieldStart = !inQuotes && field.isEmpty
            while let character = characters.next() {
                if inQuotes {
                    if character == "\"" {
                        inQuotes = false
                        afterQuote = true
                    } else {
                        field.append(character)
                    }
                } else if character == "," {
                    if field.utf8.count > maxField, field.count > maxField {
                        throw context.tooLong(limits, field: "field \(fields.count + 1)", value: field, max: maxField)
                    }
                    fields.append(field)
                    field = ""
                    afterQuote = false
                    atFieldStart = true
                    continue
                } else if character == "\"" {
                    if afterQuote {
                        // A doubled quote inside a quoted field.
                        field.append("\"")
                        inQuotes = true
                        afterQuote = false
                    } else if atFieldStart {
                        inQuotes = true
                    } else {
                        throw context.error(.malformed, "field \(fields.count + 1) has a double quote inside an unquoted value; quote the whole field and double the quote (\"\")")
                    }
                } else if afterQuote {
                    throw context.error(.malformed, "field \(fields.count + 1) has text after its closing quote; quote the whole field and double any quote inside it (\"\")")
                } else {
                    field.append(character)
                }
                atFieldStart = false
            }
            if field.utf8.count > maxField, field.count > maxField {
                throw LineContext(file: file.name, line: startLine).tooLong(limits, field: "field \(fields.count + 1)", value: field, max: maxField)
            }
            if !inQuotes {
                fields.append(field)
                let last = index == file.lines.count - 1
                records.append(Record(line: startLine, fields: fields, isUnterminatedLast: last && !file.endsWithLineBreak))
            }
        }
        if inQuotes {
            throw LineContext(file: file.name, line: startLine).error(
                .truncated, "a quoted field opened on this line is still open at the end of the file; the file was cut off: ask the sender for the whole file")
        }
        self.records = records
    }
}
