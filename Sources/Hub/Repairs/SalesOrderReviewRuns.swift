import BankFiles
import Foundation
import HousingFinance
import Postgres

/// Running the review and approvals with the configuration, and delivering the sales-order file
/// to the outbox after each commit.
public struct SalesOrderReviewRuns: Sendable {
    public let runner: Runner
    public let config: HubConfig

    public init(runner: Runner, config: HubConfig) {
        self.runner = runner
        self.config = config
    }

    /// The inbox folder the scheduled review takes ODS's files from (`inbox/ods`).
    public func inbox(_ review: SalesOrderReviewConfig) -> URL { config.inbox.appendingPathComponent(review.inboxFolder) }

    /// Reviews one completed-jobs file and, after commit, writes its sales-order file to the outbox.
    /// - Parameter review: the review's settings (default: `Config/sales-order-review.yaml`).
    /// - Throws: `ConfigError`, `RunError` (bad file, already reviewed), database errors.
    public func review(
        file: URL, review: SalesOrderReviewConfig? = nil, businessDate: Day, preview: Bool = false, slot: String? = nil,
        beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> RunOutcome<SalesOrderReviewJob.Report> {
        let settings = try review ?? SalesOrderReviewConfig.load(for: config)
        let bytes: [UInt8]
        do { bytes = try BoundedFile.read(url: file, limits: CompletedJobsReader.limits) } catch {
            throw RunError(.badInput, "\(error)")
        }
        let job = SalesOrderReviewJob(fileName: file.lastPathComponent, bytes: bytes, review: settings)
        let connection = try runner.database.connect()
        let outcome = try runner.run(job, on: connection, businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit)
        if !preview { try OutboundDelivery(outbox: config.outbox).deliverPending(on: connection) }
        return outcome
    }

    /// A person approves a held order (`hub sales-orders approve`), as a run on the given
    /// connection (its `session_user` is the approver), then delivers the file.
    /// - Throws: `RunError.refused` naming the limit when the approver's limit does not cover the value.
    public func approve(
        _ id: Int64, note: String, review: SalesOrderReviewConfig? = nil, on connection: Connection? = nil, businessDate: Day
    ) throws -> RunOutcome<SalesOrderApprovalJob.Report> {
        let settings = try review ?? SalesOrderReviewConfig.load(for: config)
        guard !note.trimmingSpaces.isEmpty else { throw RunError(.badInput, "give a note saying why \(SalesOrderRecord.reference(id)) is approved") }
        let db = try connection ?? runner.database.connect()
        let outcome = try runner.run(SalesOrderApprovalJob(salesOrderId: id, note: note, review: settings), on: db, businessDate: businessDate)
        try OutboundDelivery(outbox: config.outbox).deliverPending(on: db)
        return outcome
    }

    /// What the scheduler and `hub jobs run sales-order-review` do: the file named by the
    /// `file` parameter, or else every file waiting in `inbox/ods` (by name), each its own run.
    /// A reviewed file (or one reviewed before) moves to `archive/ods`, a bad one to
    /// `rejected/ods`; a preview moves nothing.
    /// - Throws: `RunError.badInput` naming every bad file, after the others were reviewed.
    public func launch(
        parameters: [String: String], businessDate: Day, slot: String? = nil, preview: Bool = false,
        beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> [RunRecord] {
        let settings = try SalesOrderReviewConfig.load(for: config)
        if let path = parameters["file"] {
            return [try review(file: URL(fileURLWithPath: path), review: settings, businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit).record]
        }
        let folder = inbox(settings)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var records: [RunRecord] = []
        var failures: [String] = []
        for name in names {
            let file = folder.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            do {
                records.append(try review(file: file, review: settings, businessDate: businessDate, preview: preview, slot: slot, beforeCommit: beforeCommit).record)
                if !preview { try move(file, to: config.archive.appendingPathComponent(settings.inboxFolder)) }
            } catch let error as RunError where error.code == .alreadyCompleted {
                if !preview { try move(file, to: config.archive.appendingPathComponent(settings.inboxFolder)) }
            } catch let error as RunError where error.code == .badInput {
                failures.append(error.message)
                if !preview { try move(file, to: config.rejected.appendingPathComponent(settings.inboxFolder)) }
            }
        }
        if !failures.isEmpty {
            throw RunError(.badInput, "\(Wording.count(failures.count, "completed-jobs file")) could not be reviewed and moved to rejected/\(settings.inboxFolder):\n" + failures.joined(separator: "\n"))
        }
        return records
    }

    private func move(_ file: URL, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var target = folder.appendingPathComponent(file.lastPathComponent)
        if FileManager.default.fileExists(atPath: target.path) {
            target = folder.appendingPathComponent(file.lastPathComponent + "." + UUID().uuidString.prefix(8))
        }
        try FileManager.default.moveItem(at: file, to: target)
    }
}
