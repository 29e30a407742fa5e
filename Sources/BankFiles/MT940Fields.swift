internal import HousingFinance

/// The parsers of the MT940 fields the reader checks and posts from: balances (`:60F:`,
/// `:62F:`...), the statement line (`:61:`) and the information to the account owner (`:86:`).
enum MT940Fields {
    /// A balance field: `C` or `D`, the date `YYMMDD`, the currency (three letters, which a few
    /// banks leave out) and the amount: `C140829EUR000000000147,64`.
    struct Balance {
        /// Signed: positive in credit, negative overdrawn.
        var amount: Money
        var date: Day
        var currency: String?

        init(_ text: String, tag: String, at context: LineContext) throws(FileReadError) {
            var rest = Substring(text.trimmingSpaces)
            guard let mark = rest.first, mark == "C" || mark == "D" else {
                throw context.error(.malformed, "the balance :\(tag): \(Wording.shortQuote(text)) does not start with C (credit) or D (debit)")
            }
            rest = rest.dropFirst()
            date = try MT940Fields.date(rest.prefix(6), field: ":\(tag): balance date", at: context)
            rest = rest.dropFirst(6)
            let letters = rest.prefix(while: { $0.isLetter })
            if letters.isEmpty {
                currency = nil
            } else if letters.count == 3 {
                currency = String(letters)
                rest = rest.dropFirst(3)
            } else {
                throw context.error(.malformed, "the balance :\(tag): \(Wording.shortQuote(text)) has no three-letter currency before its amount")
            }
            let magnitude = try MT940Fields.amount(rest, field: ":\(tag): balance", at: context)
            amount = mark == "D" ? -magnitude : magnitude
        }
    }

    /// A statement line `:61:`: value date, optional entry date, mark, optional funds code,
    /// amount, transaction type, customer reference `//` bank reference, and on the lines after it
    /// the supplementary details.
    struct StatementLine {
        var valueDate: Day
        var entryDate: Day?
        var direction: Direction
        var amount: Money
        /// `N` + three characters (`NTRF`), or `F`/`S` + three; nil where the bank gives none.
        var transactionType: String?
        var customerReference: String?
        var bankReference: String?
        var supplementaryDetails: String

        init(_ lines: [String], at context: LineContext) throws(FileReadError) {
            let text = lines[0]
            var rest = Substring(text.trimmingSpaces)
            func malformed(_ what: String) -> FileReadError {
                context.error(.malformed, "the statement line :61: \(Wording.shortQuote(text)) \(what)")
            }
            valueDate = try MT940Fields.date(rest.prefix(6), field: ":61: value date", at: context)
            rest = rest.dropFirst(6)
            let entry = rest.prefix(4)
            if entry.count == 4 && entry.allSatisfy(\.isASCIIDigit) {
                entryDate = try MT940Fields.entryDate(entry, near: valueDate, at: context)
                rest = rest.dropFirst(4)
            } else {
                entryDate = nil
                if entry.count == 4 && entry.allSatisfy({ $0 == " " }) { rest = rest.dropFirst(4) }
            }
            // C credit, D debit, RC reversal of a credit (a debit), RD reversal of a debit (a credit).
            if rest.hasPrefix("RC") || rest.hasPrefix("RD") {
                direction = rest.hasPrefix("RD") ? .credit : .debit
                rest = rest.dropFirst(2)
            } else if let mark = rest.first, mark == "C" || mark == "D" {
                direction = mark == "C" ? .credit : .debit
                rest = rest.dropFirst()
            } else {
                throw malformed("has no debit/credit mark (C, D, RC or RD) after its dates")
            }
            // The funds code (the third letter of the currency code), which also covers `CR`/`DR`.
            if let funds = rest.first, funds.isLetter { rest = rest.dropFirst() }
            let amountText = rest.prefix(while: { $0.isASCIIDigit || $0 == "," || $0 == "." })
            amount = try MT940Fields.amount(amountText, field: ":61: amount", at: context)
            // Some banks put a space between the amount and the transaction type.
            rest = rest.dropFirst(amountText.count).drop(while: { $0 == " " })
            if rest.isEmpty || rest.hasPrefix("//") {
                transactionType = nil
            } else if rest.hasPrefix("NONREF") {
                transactionType = nil
            } else if let kind = rest.first, "NFS".contains(kind), rest.count >= 4 {
                transactionType = String(rest.prefix(4).trimmingSpaces)
                rest = rest.dropFirst(4)
            } else {
                throw malformed("has \(Wording.shortQuote(rest.prefix(8))) after its amount where the transaction type (N, F or S and three characters) belongs")
            }
            let references = rest.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false)
            customerReference = references.first.map { String($0.trimmingSpaces) }.flatMap { $0.isEmpty ? nil : $0 }
            bankReference = references.count > 1 ? String(references[1].trimmingSpaces) : nil
            if bankReference?.isEmpty == true { bankReference = nil }
            supplementaryDetails = lines.dropFirst().map { String($0.trimmingSpaces) }.filter { !$0.isEmpty }.joined(separator: " ")
        }
    }

    /// The information to the account owner `:86:`.
    ///
    /// Banks wrap this field at their line width (65 characters, some 60 or 64), often in the
    /// middle of a word or a number, so the reading text joins lines by a rule: a line of 60 or
    /// more characters (counting the `:86:` tag on the first) was wrapped by the bank and runs
    /// straight on; a shorter line ended where the sender ended it and is followed by a space.
    /// German structured text (`166?00...?20...`) runs straight on across lines, and its
    /// remittance subfields `?20`-`?29` and `?60`-`?63` are joined by the same rule at their
    /// 27-character width. The whole text keeps the file's own line breaks, so that nothing
    /// the rule guessed is lost.
    struct Details {
        /// The whole text: the field's lines joined with line breaks.
        var text: String
        /// The text a person reads: the remittance subfields where the text is structured,
        /// else all of it, joined by the rule above.
        var reading: String
        /// The payer's name from `?32`/`?33`, where given.
        var payerName: String?

        init(_ lines: [String]) {
            text = String(lines.joined(separator: "\n").trimmingSpaces)
            payerName = nil
            guard Details.isStructured(lines.first ?? "") else {
                reading = Details.join(lines.map { Substring($0) }, width: 60, firstLineTag: 4)
                return
            }
            let fields = Details.subfields(lines.joined())
            let purpose = fields.filter { (20...29).contains($0.number) || (60...63).contains($0.number) }.map(\.text)
            let name = fields.filter { $0.number == 32 || $0.number == 33 }.map(\.text)
            reading = purpose.isEmpty ? String(lines.joined().trimmingSpaces) : Details.join(purpose, width: 27)
            payerName = name.isEmpty ? nil : Details.join(name, width: 27)
        }

        /// `?20`-style text: a three-digit business code then `?NN`, or `?NN` at once.
        static func isStructured(_ line: String) -> Bool {
            let bytes = Array(line.utf8.prefix(6))
            func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 48 && bytes[i] <= 57 }
            if bytes.count >= 3, bytes[0] == UInt8(ascii: "?"), isDigit(1), isDigit(2) { return true }
            return bytes.count >= 6 && isDigit(0) && isDigit(1) && isDigit(2) && bytes[3] == UInt8(ascii: "?") && isDigit(4) && isDigit(5)
        }

        /// Splits `...?00TEXT?20MORE` into numbered subfields.
        static func subfields(_ text: String) -> [(number: Int, text: Substring)] {
            var result: [(number: Int, text: Substring)] = []
            var index = text.startIndex
            var current: (number: Int, start: String.Index)?
            while index < text.endIndex {
                if text[index] == "?" {
                    let a = text.index(after: index)
                    if a < text.endIndex, text[a].isASCIIDigit {
                        let b = text.index(after: a)
                        if b < text.endIndex, text[b].isASCIIDigit {
                            if let open = current { result.append((open.number, text[open.start..<index])) }
                            current = (Int(String(text[a...b]))!, text.index(after: b))
                            index = text.index(after: b)
                            continue
                        }
                    }
                }
                index = text.index(after: index)
            }
            if let open = current { result.append((open.number, text[open.start...])) }
            return result
        }

        /// Joins pieces: straight on after a piece of `width` or more characters (the sender
        /// wrapped it; the first piece counts `firstLineTag` more for its tag), else with one
        /// space; empty pieces are skipped.
        static func join(_ pieces: [Substring], width: Int, firstLineTag: Int = 0) -> String {
            var result = ""
            var previousFull = false
            for (index, piece) in pieces.enumerated() where !piece.trimmingSpaces.isEmpty {
                if !result.isEmpty && !previousFull { result += " " }
                result += previousFull ? piece : piece.trimmingSpaces
                previousFull = piece.count + (index == 0 ? firstLineTag : 0) >= width
                if !previousFull { while result.last == " " { result.removeLast() } }
            }
            return result
        }
    }

    /// Reads `YYMMDD` (years 80-99 as 19YY, else 20YY), refusing a date that does not exist.
    static func date(_ text: Substring, field: String, at context: LineContext) throws(FileReadError) -> Day {
        guard text.count == 6, text.allSatisfy(\.isASCIIDigit) else {
            throw context.error(.malformed, "the \(field) \(Wording.shortQuote(text)) is not a date YYMMDD")
        }
        let digits = text.compactMap(\.wholeNumberValue)
        let year = digits[0] * 10 + digits[1]
        guard let day = Day(year: year >= 80 ? 1900 + year : 2000 + year, month: digits[2] * 10 + digits[3], day: digits[4] * 10 + digits[5]) else {
            throw context.error(.invalidValue, "the \(field) \(Wording.shortQuote(text)) is not a date that exists; the bank must correct and resend the statement")
        }
        return day
    }

    /// Reads an entry date `MMDD`: in the year that puts it nearest the value date (a
    /// transaction valued 31 December may be booked 2 January).
    static func entryDate(_ text: Substring, near value: Day, at context: LineContext) throws(FileReadError) -> Day {
        let digits = text.compactMap(\.wholeNumberValue)
        let month = digits[0] * 10 + digits[1]
        let dayOfMonth = digits[2] * 10 + digits[3]
        let candidates = [value.year - 1, value.year, value.year + 1].compactMap { Day(year: $0, month: month, day: dayOfMonth) }
        guard let nearest = candidates.min(by: { abs($0.distance(to: value)) < abs($1.distance(to: value)) }) else {
            throw context.error(.invalidValue, "the :61: entry date \(Wording.shortQuote(text)) (MMDD) is not a date that exists; the bank must correct and resend the statement")
        }
        return nearest
    }

    /// Reads an MT940 amount: digits, a decimal comma (some banks write a point) and up to two
    /// decimals (`147,64`, `79,`, `0,5`); more decimals are accepted only when they are zeros.
    static func amount(_ text: Substring, field: String, at context: LineContext) throws(FileReadError) -> Money {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "," || $0 == "." })
        guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy(\.isASCIIDigit), parts[1].allSatisfy(\.isASCIIDigit) else {
            throw context.error(.malformed, "the \(field) \(Wording.shortQuote(text)) is not an amount: expected digits, a decimal comma and up to two decimals")
        }
        var decimals = parts[1]
        if decimals.count > 2 {
            guard decimals.dropFirst(2).allSatisfy({ $0 == "0" }) else {
                throw context.error(.invalidValue, "the \(field) \(Wording.shortQuote(text)) has \(decimals.count) decimals; the hub keeps amounts in pence (two decimals)")
            }
            decimals = decimals.prefix(2)
        }
        let whole = parts[0].drop(while: { $0 == "0" })
        guard whole.count <= 15, let pounds = Int64(whole.isEmpty ? "0" : whole), let pence = Int64(decimals.isEmpty ? "0" : decimals) else {
            throw context.error(.invalidValue, "the \(field) \(Wording.shortQuote(text)) is too large")
        }
        return Money(pence: pounds * 100 + (decimals.count == 1 ? pence * 10 : pence))
    }
}
