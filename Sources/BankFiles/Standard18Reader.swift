public import HousingFinance

/// Reads a Bacs Standard 18 Direct Debit file (the hub's own collection files, for checking them
/// and for reconciliation): labels, AUDDIS instructions, collections and contras, each record
/// checked, and every total checked against the records (each contra equals its processing day's
/// debits; `UTL1` equals the file's sums and counts).
///
/// Layout: `Interfaces/outbound/bacs-direct-debit/README.md`.
public struct Standard18Reader: Sendable {
    /// One data record.
    public struct Record: Hashable, Sendable, Codable {
        public var line: Int
        public var sortCode: String
        public var accountNumber: String
        /// `01`, `17`, `18`, `19`; `0N`, `0C`, `0S`; `99` contra.
        public var transactionCode: String
        public var originatorSortCode: String
        public var originatorAccountNumber: String
        public var amount: Money
        public var serviceUserName: String
        public var reference: String
        public var name: String
        public var processingDay: Day

        public var isContra: Bool { transactionCode == "99" }
        public var isInstruction: Bool { transactionCode.hasPrefix("0") && transactionCode != "01" }
    }

    /// What the file says about itself, checked.
    public struct Totals: Hashable, Sendable, Codable {
        public var serviceUserNumber: String
        public var serialNumber: Int
        public var created: Day
        public var processingDay: Day
        public var multiDay: Bool
        public var debitTotal: Money
        public var creditTotal: Money
        public var debitRecords: Int
        public var creditRecords: Int
        /// Each processing day's contra amount.
        public var contras: [Day: Money]
        /// Records by transaction code.
        public var codes: [String: Int]
    }

    public let fileName: String
    public let bytes: [UInt8]

    public init(bytes: [UInt8], fileName: String) {
        self.bytes = bytes
        self.fileName = fileName
    }

    private func fail(_ code: FileReadError.Code, _ line: Int, _ message: String) -> FileReadError {
        FileReadError(code, file: fileName, position: FilePosition(line: line), message)
    }

    /// Reads the file, calling `body` for each data record (contras included) in order.
    /// - Throws: `FileReadError` naming the line: `malformed` (a label missing or out of order, a
    ///   record of the wrong length, a field that is not digits), `truncated` (no trailer),
    ///   `totalsDoNotTie` (a contra or `UTL1` that does not equal the records), `invalidValue`
    ///   (a date that does not exist); or what `body` throws.
    @discardableResult
    public func read(_ body: (Record) throws -> Void = { _ in }) throws -> Totals {
        var number = 0
        var start = bytes.startIndex
        var expected = ["VOL1", "HDR1", "HDR2", "UHL1"]
        var totals: Totals?
        var dayDebits: [Day: Money] = [:]
        var debitTotal = Money.zero, creditTotal = Money.zero
        var debitRecords = 0, creditRecords = 0
        var codes: [String: Int] = [:]
        var contras: [Day: Money] = [:]
        var sawTrailer = false
        var recordWidth = 100
        var header: (sun: String, serial: Int, created: Day, processing: Day)?
        var lastDay: Day?

        func text(_ line: ArraySlice<UInt8>, _ from: Int, _ to: Int) -> String {
            String(decoding: line[(line.startIndex + from - 1)..<(line.startIndex + to)], as: UTF8.self)
        }
        func digits(_ value: String, _ line: Int, _ field: String) throws -> Int64 {
            guard !value.isEmpty, value.allSatisfy(\.isASCIIDigit), let n = Int64(value) else {
                throw fail(.malformed, line, "the \(field) '\(value.prefix(20))' is not digits")
            }
            return n
        }
        func julian(_ value: String, _ line: Int, _ field: String) throws -> Day {
            let trimmed = value.dropFirst()
            guard value.first == " ", trimmed.count == 5, let yy = Int(trimmed.prefix(2)), let ddd = Int(trimmed.suffix(3)),
                  let first = Day(year: 2000 + yy, month: 1, day: 1), ddd >= 1, ddd <= (Day.isLeapYear(2000 + yy) ? 366 : 365)
            else { throw fail(.invalidValue, line, "the \(field) '\(value)' is not a Bacs date ( YYDDD)") }
            return first + (ddd - 1)
        }

        while start < bytes.endIndex {
            number += 1
            var end = bytes[start...].firstIndex(of: 10) ?? bytes.endIndex
            let next = end == bytes.endIndex ? end : end + 1
            if end > start, bytes[end - 1] == 13 { end -= 1 }
            let line = bytes[start..<end]
            start = next
            if sawTrailer {
                if line.isEmpty { continue }
                throw fail(.malformed, number, "there is a record after the UTL1 trailer; the file must end there")
            }
            let label = line.count >= 4 ? text(line, 1, 4) : ""
            if let want = expected.first {
                guard label == want, line.count == 80 else {
                    throw fail(.malformed, number, "expected the \(want) label (80 characters), found '\(String(decoding: line.prefix(10), as: UTF8.self))' (\(line.count) characters)")
                }
                expected.removeFirst()
                switch label {
                case "HDR1":
                    let sun = text(line, 6, 11)
                    header = (sun, Int(try digits(text(line, 22, 27), number, "serial number")),
                              try julian(text(line, 42, 47), number, "creation date"), try julian(text(line, 48, 53), number, "processing date"))
                case "HDR2":
                    recordWidth = text(line, 11, 15) == "00106" ? 106 : 100
                default: break
                }
                continue
            }
            if label == "EOF1" || label == "EOF2" || label == "UTL1" {
                guard line.count == 80 else { throw fail(.malformed, number, "the \(label) label must be 80 characters, not \(line.count)") }
                if label == "UTL1" {
                    let debits = Money(pence: try digits(text(line, 5, 17), number, "UTL1 debit total"))
                    let credits = Money(pence: try digits(text(line, 18, 30), number, "UTL1 credit total"))
                    let dCount = Int(try digits(text(line, 31, 37), number, "UTL1 debit count"))
                    let cCount = Int(try digits(text(line, 38, 44), number, "UTL1 credit count"))
                    guard debits == debitTotal, credits == creditTotal, dCount == debitRecords, cCount == creditRecords else {
                        throw fail(.totalsDoNotTie, number,
                                   "UTL1 says debits \(debits.formatted) in \(dCount) records and credits \(credits.formatted) in \(cCount), the records hold debits \(debitTotal.formatted) in \(debitRecords) and credits \(creditTotal.formatted) in \(creditRecords)")
                    }
                    guard let header else { throw fail(.malformed, number, "no HDR1 label") }
                    totals = Totals(
                        serviceUserNumber: header.sun, serialNumber: header.serial, created: header.created, processingDay: header.processing,
                        multiDay: recordWidth == 106, debitTotal: debitTotal, creditTotal: creditTotal, debitRecords: debitRecords,
                        creditRecords: creditRecords, contras: contras, codes: codes)
                    sawTrailer = true
                }
                continue
            }
            guard line.count == recordWidth else {
                throw fail(.malformed, number, "a data record must be \(recordWidth) characters, this one has \(line.count)")
            }
            let day = recordWidth == 106 ? try julian(text(line, 101, 106), number, "processing day") : header!.processing
            if let lastDay, day < lastDay { throw fail(.malformed, number, "processing day \(day) comes after \(lastDay); records must be in day order") }
            lastDay = day
            let record = Record(
                line: number, sortCode: text(line, 1, 6), accountNumber: text(line, 7, 14), transactionCode: text(line, 16, 17),
                originatorSortCode: text(line, 18, 23), originatorAccountNumber: text(line, 24, 31),
                amount: Money(pence: try digits(text(line, 36, 46), number, "amount")), serviceUserName: trim(text(line, 47, 64)),
                reference: trim(text(line, 65, 82)), name: trim(text(line, 83, 100)), processingDay: day)
            _ = try digits(record.sortCode, number, "sort code")
            _ = try digits(record.accountNumber, number, "account number")
            codes[record.transactionCode, default: 0] += 1
            if record.isContra {
                let due = dayDebits[day] ?? .zero
                guard record.amount == due else {
                    throw fail(.totalsDoNotTie, number, "the contra for \(day) is \(record.amount.formatted) but that day's debits add up to \(due.formatted)")
                }
                contras[day, default: .zero] += record.amount
                dayDebits[day] = .zero
                creditTotal += record.amount
                creditRecords += 1
            } else {
                guard ["01", "17", "18", "19", "0N", "0C", "0S"].contains(record.transactionCode) else {
                    throw fail(.malformed, number, "'\(record.transactionCode)' is not a Direct Debit transaction code (01, 17, 18, 19, 0N, 0C, 0S, 99)")
                }
                if record.isInstruction, record.amount != .zero {
                    throw fail(.invalidValue, number, "an instruction (\(record.transactionCode)) must have amount zero, not \(record.amount.formatted)")
                }
                dayDebits[day, default: .zero] += record.amount
                debitTotal += record.amount
                debitRecords += 1
            }
            try body(record)
        }
        guard let totals else {
            throw fail(.truncated, number, "the file ends without its UTL1 trailer; it was cut short")
        }
        if let open = dayDebits.first(where: { $0.value != .zero }) {
            throw fail(.totalsDoNotTie, number, "the debits of \(open.key) (\(open.value.formatted)) have no contra record")
        }
        return totals
    }

    private func trim(_ text: String) -> String {
        var t = Substring(text)
        while t.last == " " { t = t.dropLast() }
        return String(t)
    }
}
