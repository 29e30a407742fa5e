public import HousingFinance

/// ODS's completed-jobs file (Interfaces/inbound/ods-completed-jobs/README.md): the repair jobs
/// ODS reports complete, each with its actual Schedule of Rates lines and the value it claims.
///
/// CSV, one record per line, the first field naming the record: `HDR` (sender, file date, file
/// sequence), then for each job a `JOB` (job number, completion date, operative, claimed value)
/// followed by its `LIN` records (SOR code, quantity), and a `TRL` (job count, total claimed).
public struct CompletedJobsFile: Hashable, Sendable {
    /// One line of a job.
    public struct Line: Hashable, Sendable {
        /// The file line it was read from.
        public var fileLine: Int
        public var sorCode: String
        public var quantity: SalesOrder.Quantity
    }

    /// One completed job.
    public struct Job: Hashable, Sendable {
        /// The file line of its `JOB` record.
        public var fileLine: Int
        public var jobNumber: String
        public var completionDate: Day
        public var operative: String
        public var claimed: Money
        public var lines: [Line]
    }

    /// The file's name as given.
    public var name: String
    /// Who sent it (`ODS`).
    public var sender: String
    /// The day ODS made the file.
    public var fileDate: Day
    /// ODS's own sequence number of the file.
    public var fileSequence: Int
    /// The jobs in file order.
    public var jobs: [Job]
    /// The trailer's job count (equal to `jobs.count`).
    public var trailerCount: Int
    /// The trailer's total claimed value (equal to the sum of the jobs' claims).
    public var trailerTotal: Money
}

/// Every problem found in a completed-jobs file: nothing of a file with problems is reviewed.
public struct CompletedJobsFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file's name.
    public var file: String
    /// Each problem, in file order, each naming its line.
    public var problems: [FileReadError]

    public var description: String {
        "\(file): \(Wording.count(problems.count, "problem")); nothing in the file was reviewed. Ask ODS to correct and resend it:\n"
            + problems.map { "  \($0.position): \($0.message)" }.joined(separator: "\n")
    }
}

/// Reads ODS's completed-jobs file, checking every record and the trailer's count and total.
public enum CompletedJobsReader {
    /// The largest completed-jobs file (64 MB), line (4 KB) and field (200 characters; the job
    /// number is at most 30, the operative 100, the SOR code 16).
    public static let limits = InputLimits(kind: "a completed-jobs file", maxFileBytes: 64 * InputLimits.megabyte, maxLineBytes: 4096, maxFieldCharacters: 200)

    /// Reads a completed-jobs file.
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - name: the file's name, for errors.
    /// - Throws: `CompletedJobsFileError` listing every bad record (line and what is wrong), a
    ///   missing or misplaced header or trailer, and a trailer whose count or total does not tie.
    public static func read(bytes: [UInt8], name: String) throws(CompletedJobsFileError) -> CompletedJobsFile {
        var problems: [FileReadError] = []
        func problem(_ line: Int?, _ code: FileReadError.Code, _ message: String) {
            problems.append(FileReadError(code, file: name, position: FilePosition(line: line), message))
        }
        let records: [CSVRecords.Record]
        do {
            records = try CSVRecords(TextFile(bytes: bytes, name: name, limits: limits), limits: limits).records
        } catch {
            throw CompletedJobsFileError(file: name, problems: [error])
        }
        var sender = ""
        var fileDate = Day(daysSinceEpoch: 0)
        var fileSequence = 0
        var sawHeader = false
        var trailer: (line: Int, count: Int?, total: Money?)?
        var jobs: [CompletedJobsFile.Job] = []
        var jobOpen = false  // the last JOB record was good, so its LIN records attach to it
        var lastJobBad = false

        func field(_ record: CSVRecords.Record, _ index: Int) -> String { String(record.fields[index].trimmingSpaces) }

        for record in records {
            let line = record.line
            let type = field(record, 0)
            if trailer != nil {
                problem(line, .malformed, "a \(type) record after the trailer (TRL, line \(trailer!.line)); the trailer must be the last record")
                continue
            }
            let expected = ["HDR": 4, "JOB": 5, "LIN": 3, "TRL": 3][type]
            guard let expected else {
                problem(line, .malformed, "record type \(Wording.shortQuote(type)) is not HDR, JOB, LIN or TRL")
                continue
            }
            if !sawHeader && type != "HDR" {
                problem(line, .malformed, "the file must start with its header (HDR); found \(type)")
                sawHeader = true  // report once, then read on
            }
            guard record.fields.count == expected else {
                problem(line, .malformed, "a \(type) record has \(expected) fields; this one has \(record.fields.count)")
                if type == "JOB" { jobOpen = false; lastJobBad = true }
                continue
            }
            switch type {
            case "HDR":
                if sawHeader && line != records.first?.line {
                    problem(line, .malformed, "a second header (HDR); a file has one header, first")
                    continue
                }
                sawHeader = true
                sender = field(record, 1)
                if sender.isEmpty { problem(line, .malformed, "the header's sender (field 2) is empty") }
                if let day = Day(iso: field(record, 2)) { fileDate = day } else {
                    problem(line, .invalidValue, "the header's file date \(Wording.shortQuote(field(record, 2))) is not a date YYYY-MM-DD")
                }
                if let sequence = Int(field(record, 3)), sequence >= 1 { fileSequence = sequence } else {
                    problem(line, .invalidValue, "the header's file sequence \(Wording.shortQuote(field(record, 3))) is not a whole number of 1 or more")
                }
            case "JOB":
                if let last = jobs.last, jobOpen, last.lines.isEmpty {
                    problem(last.fileLine, .malformed, "job \(last.jobNumber) has no good LIN records; every job needs at least one line")
                }
                let before = problems.count
                let number = field(record, 1)
                if number.isEmpty || number.count > 30 || !number.allSatisfy({ $0.isASCII && $0 != " " && !$0.isWhitespace && $0.asciiValue! >= 0x21 && $0.asciiValue! <= 0x7E }) {
                    problem(line, .invalidValue, "the job number \(Wording.shortQuote(number)) (field 2) must be 1 to 30 printable characters with no spaces")
                }
                let date = Day(iso: field(record, 2))
                if date == nil { problem(line, .invalidValue, "the completion date \(Wording.shortQuote(field(record, 2))) (field 3) is not a date YYYY-MM-DD") }
                let operative = field(record, 3)
                if operative.isEmpty || operative.count > 100 {
                    problem(line, .invalidValue, "the operative (field 4) must be 1 to 100 characters")
                }
                var claimed: Money?
                do {
                    let value = try Money(parsing: field(record, 4))
                    if value < .zero { problem(line, .invalidValue, "the claimed value \(Wording.shortQuote(field(record, 4))) (field 5) is negative") }
                    claimed = value
                } catch {
                    problem(line, .invalidValue, "the claimed value (field 5): \(error)")
                }
                if problems.count == before, let date, let claimed {
                    jobs.append(CompletedJobsFile.Job(fileLine: line, jobNumber: number, completionDate: date, operative: operative, claimed: claimed, lines: []))
                    jobOpen = true
                    lastJobBad = false
                } else {
                    jobOpen = false
                    lastJobBad = true
                }
            case "LIN":
                let code = field(record, 1)
                var good = true
                if !(1...16).contains(code.count) || !code.allSatisfy({ $0.isASCIIDigit || ($0.isASCII && $0.isUppercase) }) {
                    problem(line, .invalidValue, "the SOR code \(Wording.shortQuote(code)) (field 2) must be 1 to 16 capital letters and digits")
                    good = false
                }
                let quantity = SalesOrder.Quantity(parsing: field(record, 2))
                if quantity == nil || quantity!.hundredths <= 0 {
                    problem(line, .invalidValue, "the quantity \(Wording.shortQuote(field(record, 2))) (field 3) must be a number above zero with at most two decimals")
                    good = false
                }
                if !jobOpen {
                    if !lastJobBad { problem(line, .malformed, "a LIN record with no JOB record before it") }
                    continue
                }
                if good { jobs[jobs.count - 1].lines.append(CompletedJobsFile.Line(fileLine: line, sorCode: code, quantity: quantity!)) }
            default:  // TRL
                if let last = jobs.last, jobOpen, last.lines.isEmpty {
                    problem(last.fileLine, .malformed, "job \(last.jobNumber) has no good LIN records; every job needs at least one line")
                }
                jobOpen = false
                let count = Int(field(record, 1))
                if count == nil { problem(line, .invalidValue, "the trailer's job count \(Wording.shortQuote(field(record, 1))) is not a whole number") }
                let total = try? Money(parsing: field(record, 2))
                if total == nil { problem(line, .invalidValue, "the trailer's total \(Wording.shortQuote(field(record, 2))) is not an amount with two decimals") }
                trailer = (line, count, total)
            }
        }
        if records.isEmpty {
            problem(1, .truncated, "the file is empty; it needs a header (HDR) and a trailer (TRL)")
        } else if trailer == nil {
            problem(records.last!.line, .truncated, "the file has no trailer (TRL); it was cut off: ask ODS for the whole file")
        } else if problems.isEmpty, let trailer {
            let total = jobs.reduce(Money.zero) { $0 + $1.claimed }
            if trailer.count != jobs.count {
                problem(trailer.line, .totalsDoNotTie, "the trailer counts \(trailer.count!) jobs; the file has \(jobs.count)")
            }
            if trailer.total != total {
                problem(trailer.line, .totalsDoNotTie, "the trailer's total \(trailer.total!.plain) is not the sum of the claimed values \(total.plain)")
            }
        }
        if !problems.isEmpty { throw CompletedJobsFileError(file: name, problems: problems) }
        return CompletedJobsFile(
            name: name, sender: sender, fileDate: fileDate, fileSequence: fileSequence, jobs: jobs,
            trailerCount: trailer!.count!, trailerTotal: trailer!.total!)
    }
}
