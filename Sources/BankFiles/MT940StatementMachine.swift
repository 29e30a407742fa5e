internal import HousingFinance

/// The MT940 reader's state as a value: it takes one field at a time (tag, lines, line number)
/// and returns the payment to hand out, if the field completes one; it checks each statement's
/// balances when its closing balance arrives.
struct MT940StatementMachine {
    let file: String
    let currency: String?

    /// The statement being read.
    private struct Statement {
        var reference: String
        var startLine: Int
        var number: String?
        var account: String?
        var opening: MT940Fields.Balance?
        var closing: MT940Fields.Balance?
        var credits = Money.zero
        var debits = Money.zero
        var count = 0
        /// The statement line waiting for its `:86:`.
        var pending: (line: Int, fields: MT940Fields.StatementLine, details: [String])?

        var id: String { number.map { "\(reference) \($0)" } ?? reference }
    }

    private var statement: Statement?
    private var totals = FileTotals(format: .mt940)
    private var statementsRead = 0

    init(file: String, currency: String?) {
        self.file = file
        self.currency = currency
    }

    /// Whether a statement has started and not yet reached its closing balance.
    var isStatementOpen: Bool { statement != nil && statement?.closing == nil }

    /// Takes one field. Returns the payment that the field completes, if any.
    mutating func field(_ tag: String, lines: [String], line: Int) throws(FileReadError) -> Payment? {
        let context = LineContext(file: file, line: line)
        let text = lines[0]
        switch tag {
        case "20":
            try requireClosed(before: line, what: "a new statement (:20:)")
            statement = Statement(reference: String(text.trimmingSpaces), startLine: line)
            return nil
        case "21", "25", "28", "28C":
            let open = try requireStatement(tag, context)
            if open.opening != nil {
                throw context.error(.malformed, "the field :\(tag): stands after statement \(open.id)'s opening balance; it belongs before it, so the statement is out of order")
            }
            if tag.hasPrefix("28") { statement!.number = String(text.trimmingSpaces) }
            if tag == "25" { statement!.account = String(text.trimmingSpaces) }
            return nil
        case "60F", "60M":
            let open = try requireStatement(tag, context)
            guard open.opening == nil else {
                throw context.error(.malformed, "statement \(open.id) has a second opening balance :\(tag):")
            }
            statement!.opening = try balance(text, tag: tag, context)
            return nil
        case "61":
            let open = try requireStatement(tag, context)
            guard open.opening != nil, open.closing == nil else {
                let place = open.opening == nil ? "before its opening balance (:60F:)" : "after its closing balance"
                throw context.error(.malformed, "statement \(open.id) has a statement line :61: \(place)")
            }
            let done = takePending()
            statement!.pending = (line, try MT940Fields.StatementLine(lines, at: context), [])
            return done
        case "86":
            if statement?.pending != nil {
                statement!.pending!.details += lines
            }
            return nil
        case "62F", "62M":
            let open = try requireStatement(tag, context)
            guard let opening = open.opening, open.closing == nil else {
                let what = open.opening == nil ? "no opening balance (:60F:)" : "a second closing balance"
                throw context.error(.malformed, "statement \(open.id) has \(what) before :\(tag):")
            }
            let done = takePending()
            let closing = try balance(text, tag: tag, context)
            try check(opening: opening, closing: closing, tag: tag, context)
            return done
        case "34F", "13", "13D", "90C", "90D":
            throw context.error(.unsupported, "the field :\(tag): belongs to an MT942 interim transaction report, not an MT940 statement; an interim report has no closing balance to check, so import the day's MT940 statement instead")
        default:
            // :64: and :65: (available balances), :NS: (non-SWIFT), :940: and others carry
            // nothing the import posts or checks.
            return nil
        }
    }

    /// A SWIFT message starts or ends (`{4:`, `-}`): a statement read so far must be complete.
    mutating func messageBoundary(line: Int, text: String) throws(FileReadError) {
        try requireClosed(before: line, what: "the end of its SWIFT message (\(Wording.shortQuote(text.trimmingSpaces)))")
        statement = nil
    }

    /// The end of the file: the last statement must be complete and the file must hold one.
    mutating func finish(lastLine: Int) throws(FileReadError) -> FileTotals {
        try requireClosed(before: lastLine, what: "the end of the file")
        guard statementsRead > 0 else {
            throw LineContext(file: file, line: 1).error(
                .malformed, "the file holds no MT940 statement (a :20: reference, a :60F: opening balance and a :62F: closing balance); check that it is an MT940 statement file")
        }
        totals.statements = statementsRead
        return totals
    }

    private func requireStatement(_ tag: String, _ context: LineContext) throws(FileReadError) -> Statement {
        guard let open = statement, open.closing == nil || tag == "20" else {
            if let closed = statement {
                throw context.error(.malformed, "the field :\(tag): follows statement \(closed.id)'s closing balance without a new :20:")
            }
            throw context.error(.malformed, "the field :\(tag): stands outside a statement: no :20: statement reference before it")
        }
        return open
    }

    private func requireClosed(before line: Int, what: String) throws(FileReadError) {
        guard let open = statement, open.closing == nil else { return }
        throw LineContext(file: file, line: line).error(
            .truncated, "statement \(open.id) (from line \(open.startLine)) has no closing balance (:62F:) before \(what); the statement is incomplete: ask the bank to send the whole file again")
    }

    private mutating func balance(_ text: String, tag: String, _ context: LineContext) throws(FileReadError) -> MT940Fields.Balance {
        let value = try MT940Fields.Balance(text, tag: tag, at: context)
        if let currency, let given = value.currency, given != currency {
            throw context.error(.unsupported, "statement \(statement!.id) is in \(given), not \(currency); only the \(currency) rent collection account's statements are imported")
        }
        if let currency, value.currency == nil {
            throw context.error(.malformed, "the balance :\(tag): \(Wording.shortQuote(text)) has no currency; it must be \(currency)")
        }
        return value
    }

    private mutating func takePending() -> Payment? {
        guard let pending = statement?.pending else { return nil }
        statement!.pending = nil
        let line = pending.fields
        var payment = Payment(
            position: FilePosition(line: pending.line), amount: line.amount, direction: line.direction,
            bookingDate: line.entryDate ?? line.valueDate, reference: "")
        payment.valueDate = line.valueDate
        if pending.details.isEmpty {
            payment.reference = line.supplementaryDetails
        } else {
            let details = MT940Fields.Details(pending.details)
            payment.details = details.text
            payment.reference = details.reading
            payment.payerName = details.payerName
        }
        payment.bankReference = line.bankReference.flatMap { $0.uppercased() == "NONREF" ? nil : $0 }
        payment.entryReference = line.customerReference.flatMap { $0.uppercased() == "NONREF" ? nil : $0 }
        payment.bankTransactionCode = line.transactionType
        payment.statementId = statement!.id
        payment.statementAccount = statement!.account
        switch payment.direction {
        case .credit: statement!.credits += payment.amount
        case .debit: statement!.debits += payment.amount
        }
        totals.add(payment)
        return payment
    }

    private mutating func check(opening: MT940Fields.Balance, closing: MT940Fields.Balance, tag: String, _ context: LineContext) throws(FileReadError) {
        let open = statement!
        let expected = opening.amount + open.credits - open.debits
        let sum = "opening \(opening.amount.plain) + credits \(open.credits.plain) - debits \(open.debits.plain) = \(expected.plain)"
        guard expected == closing.amount else {
            let difference = closing.amount - expected
            throw context.error(
                .totalsDoNotTie, "statement \(open.id) does not tie: \(sum), but the closing balance :\(tag): is \(closing.amount.plain), a difference of \(difference.formatted); the statement is incomplete or corrupt: ask the bank to send it again")
        }
        statement!.closing = closing
        if statementsRead == 0 { totals.openingBalance = opening.amount }
        statementsRead += 1
        totals.closingBalance = closing.amount
        totals.fileDate = closing.date
        totals.checks.append("statement \(open.id): opening \(opening.amount.formatted) + credits \(open.credits.formatted) - debits \(open.debits.formatted) = closing :\(tag): \(closing.amount.formatted)")
    }
}
