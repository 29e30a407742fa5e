import BankFiles
import Foundation
import HousingFinance
import Postgres

/// What became of a file given to `hub import`, the payment inbox or the console's upload: a
/// payment import, or a Bacs Direct Debit report acted on by its Direct Debit job.
public enum ReceivedFile: Sendable {
    case payments(RunOutcome<PaymentImportReport>)
    /// An ARUDD report: `dd-returns`, as `hub dd returns` does.
    case returns(RunOutcome<DDReturnsJob.Report>)
    /// An ADDACS or AUDDIS report: `dd-advices`, as `hub dd advices` does.
    case advices(RunOutcome<DDAdvicesJob.Report>)

    public var record: RunRecord {
        switch self {
        case .payments(let outcome): outcome.record
        case .returns(let outcome): outcome.record
        case .advices(let outcome): outcome.record
        }
    }

    public var isPreview: Bool {
        switch self {
        case .payments(let outcome): outcome.isPreview
        case .returns(let outcome): outcome.isPreview
        case .advices(let outcome): outcome.isPreview
        }
    }

    /// The run's report (for JSON).
    public var report: any JobReport {
        switch self {
        case .payments(let outcome): outcome.report
        case .returns(let outcome): outcome.report
        case .advices(let outcome): outcome.report
        }
    }

    /// The payment import's report, when the file was a payment file.
    public var payments: PaymentImportReport? {
        if case .payments(let outcome) = self { return outcome.report }
        return nil
    }

    /// Whether the run's own checks hold (a payment file's entries tie to its totals; a Direct
    /// Debit report's runs refuse the file otherwise).
    public var ties: Bool { payments?.ties ?? true }

    /// The outcome as people read it.
    public func render() -> String {
        switch self {
        case .payments(let outcome): outcome.render()
        case .returns(let outcome): outcome.render()
        case .advices(let outcome): outcome.render()
        }
    }
}

extension PaymentImporter {
    /// Takes any file the bank or a provider sends: a Bacs Direct Debit report (ARUDD, ADDACS,
    /// AUDDIS; recognised from its content, or `--format arudd`) is acted on by its Direct Debit
    /// job, the one `hub dd returns` and `hub dd advices` run, so that returns are re-presented
    /// and mandates changed whichever way the report arrives, and acted on once (the runs' key is
    /// the file's SHA-256); any other file is a payment import (`importFile`).
    /// - Parameter expecting: the kind of Bacs report the caller asks for (`hub dd returns`,
    ///   `hub dd advices`): any other file is refused.
    /// - Throws: as `importFile`; `RunError.badInput` for a file that is not the expected report.
    public func receive(
        _ file: URL, format: PaymentFormat?, expecting: BacsReportKind? = nil, businessDate: Day, preview: Bool = false, slot: String? = nil,
        beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> ReceivedFile {
        var head: [UInt8] = []
        if let handle = FileHandle(forReadingAtPath: file.path) {
            head = Array((try? handle.read(upToCount: 8192)) ?? Data())
            try? handle.close()
        }
        guard let kind = try reportKind(head: head, fileName: file.lastPathComponent, format: format, expecting: expecting) else {
            return .payments(try importFile(file, format: format, businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit))
        }
        let bytes: [UInt8]
        do { bytes = try BoundedFile.read(url: file, limits: ARUDDReader.limits, checkLines: false) } catch {
            throw RunError(.badInput, "\(error.description); nothing was posted")
        }
        return try actOn(kind, BacsReportFile(fileName: file.lastPathComponent, bytes: bytes), businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit)
    }

    /// As `receive(_:format:...)`, for a file's content (the console's upload).
    public func receive(
        fileName: String, bytes: [UInt8], format: PaymentFormat?, expecting: BacsReportKind? = nil, businessDate: Day, preview: Bool = false,
        slot: String? = nil, beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> ReceivedFile {
        guard let kind = try reportKind(head: bytes.prefix(8192), fileName: fileName, format: format, expecting: expecting) else {
            let job = PaymentImportJob(fileName: fileName, bytes: bytes, format: format, settings: settings, scheme: config.accountScheme)
            return .payments(try run(job, businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit))
        }
        return try actOn(kind, BacsReportFile(fileName: fileName, bytes: bytes), businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit)
    }

    /// The Bacs report a file is, if any: `--format arudd` says ARUDD; `auto` looks at the content.
    private func reportKind(head: some Collection<UInt8>, fileName: String, format: PaymentFormat?, expecting: BacsReportKind?) throws -> BacsReportKind? {
        let detected = BacsReportKind.detect(head: head, fileName: fileName)
        let kind = format == .arudd ? (detected ?? .returns) : (format == nil ? detected : nil)
        if let expecting, kind != expecting {
            let what = kind.map { "an \($0.rawValue) report" } ?? "not a Bacs Direct Debit report"
            let command = expecting == .returns ? "hub dd returns" : "hub dd advices"
            throw RunError(.badInput, "\(fileName): \(command) reads an \(expecting.rawValue) report, and this file is \(what); nothing was done. hub import FILE takes any bank file and acts on each as its kind needs.")
        }
        return kind
    }

    /// Runs the Direct Debit job of a Bacs report (the only code that acts on one).
    private func actOn(
        _ kind: BacsReportKind, _ file: BacsReportFile, businessDate: Day, preview: Bool, slot: String?, beforeCommit: ((Connection) throws -> Void)?
    ) throws -> ReceivedFile {
        let connection = try runner.database.connect()
        // A report imported as payments before reports were routed here is not acted on again.
        if let earlier = try connection.queryOne(
            "SELECT id, business_date FROM runs WHERE job = \(PaymentImportJob.name) AND business_key = \(file.sha256) AND status = 'completed' AND reversed_by_run_id IS NULL")
        {
            let id = try earlier.decode(Int64.self, 0)
            throw RunError(
                .alreadyCompleted,
                "\(file.fileName) was already imported by run \(id) on \(try earlier.decode(Day.self, 1).iso) as payments: the same content (SHA-256 \(Wording.shortHash(file.sha256))) is never acted on twice",
                runId: id)
        }
        let directDebit = try DirectDebitConfig.load(config)
        switch kind {
        case .returns:
            var job = DDReturnsJob(file: file, config: directDebit)
            job.paymentSettings = settings
            return .returns(try runner.run(job, on: connection, businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit))
        case .advices:
            return .advices(try runner.run(
                DDAdvicesJob(file: file, config: directDebit), on: connection, businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit))
        }
    }
}
