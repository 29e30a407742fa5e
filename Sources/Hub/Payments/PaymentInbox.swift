import BankFiles
import Foundation
import HousingFinance
import Postgres

/// Takes the files waiting in the payment inbox folders (`Config/payments.yaml`), imports each
/// one as its own run (a Bacs Direct Debit report, ARUDD, ADDACS or AUDDIS, is acted on by its
/// Direct Debit job, as `hub dd returns` and `hub dd advices` do: `PaymentImporter.receive`), and
/// moves it: to the archive when imported, to the rejected folder with a
/// `<name>.error.txt` beside it when not (a bad file, a duplicate). A file still being written
/// (a `.part` name, or a size that changes between two looks) is left for next time.
public struct PaymentInbox: Sendable {
    /// What happened to one file.
    public struct Outcome: Encodable, Sendable {
        public enum Status: String, Codable, Sendable {
            /// Imported and archived.
            case imported
            /// Previewed (dry run): left where it is.
            case previewed
            /// Still being written: left for next time.
            case leftForNextTime = "left"
            /// Refused as already imported: moved to rejected.
            case duplicate
            /// Could not be imported: moved to rejected.
            case rejected
        }

        public var source: String
        public var file: String
        public var status: Status
        public var runId: Int64?
        public var message: String
        /// Where the file is now.
        public var movedTo: String?
        /// The run's report (a payment import's, or a Direct Debit report's), for imported and previewed files.
        public var report: (any JobReport)?

        public init(source: String, file: String, status: Status, runId: Int64? = nil, message: String, movedTo: String? = nil, report: (any JobReport)? = nil) {
            self.source = source
            self.file = file
            self.status = status
            self.runId = runId
            self.message = message
            self.movedTo = movedTo
            self.report = report
        }

        enum CodingKeys: String, CodingKey { case source, file, status, runId, message, movedTo, report }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(source, forKey: .source)
            try container.encode(file, forKey: .file)
            try container.encode(status, forKey: .status)
            try container.encodeIfPresent(runId, forKey: .runId)
            try container.encode(message, forKey: .message)
            try container.encodeIfPresent(movedTo, forKey: .movedTo)
            if let report { try report.encode(to: container.superEncoder(forKey: .report)) }
        }
    }

    public let importer: PaymentImporter
    /// Waits between the two looks at a file's size (1 second by default; tests pass a shorter one).
    public let settle: @Sendable () -> Void

    public init(importer: PaymentImporter, settle: @escaping @Sendable () -> Void = { Thread.sleep(forTimeInterval: 1) }) {
        self.importer = importer
        self.settle = settle
    }

    /// Processes every source's folder once, files in name order.
    /// - Parameters:
    ///   - businessDate: the runs' business date.
    ///   - preview: import as dry runs and move nothing.
    ///   - slot: the scheduler's slot, when it fired this.
    /// - Returns: one outcome per file looked at.
    /// - Throws: only for failures that are not the file's (the database is down, a folder cannot
    ///   be made); a file's own problem is its outcome.
    public func process(
        businessDate: Day, preview: Bool = false, slot: String? = nil, beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> [Outcome] {
        let manager = FileManager.default
        var candidates: [(PaymentSettings.InboxSource, URL, Int64)] = []
        var outcomes: [Outcome] = []
        for source in importer.settings.inbox {
            try manager.createDirectory(at: source.folder, withIntermediateDirectories: true)
            let names = try manager.contentsOfDirectory(atPath: source.folder.path).sorted()
            for name in names where !name.hasPrefix(".") {
                let url = source.folder.appendingPathComponent(name)
                var isDirectory: ObjCBool = false
                guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                if name.hasSuffix(".part") {
                    outcomes.append(Outcome(source: source.name, file: name, status: .leftForNextTime, message: "still being written (.part)"))
                    continue
                }
                candidates.append((source, url, Self.size(url)))
            }
        }
        if !candidates.isEmpty { settle() }
        for (source, url, size) in candidates {
            let name = url.lastPathComponent
            guard Self.size(url) == size else {
                outcomes.append(Outcome(source: source.name, file: name, status: .leftForNextTime, message: "still being written (its size changed)"))
                continue
            }
            do {
                let outcome = try importer.receive(url, format: source.format, businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit)
                if preview {
                    outcomes.append(Outcome(
                        source: source.name, file: name, status: .previewed, runId: outcome.record.id, message: "previewed", report: outcome.report))
                } else {
                    let moved = try move(url, to: importer.config.archive)
                    outcomes.append(Outcome(
                        source: source.name, file: name, status: .imported, runId: outcome.record.id,
                        message: "imported by run \(outcome.record.id)", movedTo: moved.path, report: outcome.report))
                }
            } catch let error as RunError where error.code == .alreadyCompleted || error.code == .badInput {
                let status: Outcome.Status = error.code == .alreadyCompleted ? .duplicate : .rejected
                if preview {
                    outcomes.append(Outcome(source: source.name, file: name, status: status, runId: error.runId, message: error.message))
                    continue
                }
                let moved = try move(url, to: importer.config.rejected)
                let reason = (error.code == .alreadyCompleted ? "Duplicate: " : "Rejected: ") + error.message + "\n"
                try Data(reason.utf8).write(to: moved.deletingLastPathComponent().appendingPathComponent(moved.lastPathComponent + ".error.txt"))
                outcomes.append(Outcome(source: source.name, file: name, status: status, runId: error.runId, message: error.message, movedTo: moved.path))
            } catch let error as ConfigError {
                throw error
            } catch let error as RunError where error.code == .inProgress {
                outcomes.append(Outcome(source: source.name, file: name, status: .leftForNextTime, message: error.message))
            }
        }
        return outcomes
    }

    static func size(_ url: URL) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.int64Value ?? -1
    }

    /// Moves a file into a folder, never over another file (a suffix `-2`, `-3`... is added).
    private func move(_ file: URL, to folder: URL) throws -> URL {
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        var target = folder.appendingPathComponent(file.lastPathComponent)
        var n = 1
        while manager.fileExists(atPath: target.path) || manager.fileExists(atPath: target.path + ".error.txt") {
            n += 1
            target = folder.appendingPathComponent("\(file.lastPathComponent)-\(n)")
        }
        try manager.moveItem(at: file, to: target)
        return target
    }
}
