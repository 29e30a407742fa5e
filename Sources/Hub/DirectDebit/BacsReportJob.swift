import BankFiles
import Foundation
import HousingFinance
import Postgres

/// A Bacs report the council receives about its Direct Debits: an ARUDD report of returned
/// debits, or an ADDACS or AUDDIS report of mandate changes and rejections.
public enum BacsReportKind: String, Sendable, Codable {
    /// ARUDD: returned debits (`hub dd returns`, job `dd-returns`).
    case returns = "ARUDD"
    /// ADDACS or AUDDIS: mandate changes from payers' banks, lodgement rejections (`hub dd advices`, job `dd-advices`).
    case advices = "ADDACS or AUDDIS"

    /// Tells a Bacs Direct Debit report from the first kilobytes of a file: an ADDACS or AUDDIS
    /// report by its `MessagingAdvices` element, an ARUDD report as the payment formats' detection
    /// tells it (an element named `ARUDD` or `ReturnedDebitItem`); nil for any other file.
    public static func detect(head: some Collection<UInt8>, fileName: String) -> BacsReportKind? {
        let window = Array(head.prefix(8192))
        let text = String(decoding: window, as: UTF8.self)
        guard text.drop(while: { $0.isWhitespace || $0 == "\u{FEFF}" }).hasPrefix("<") else { return nil }
        if text.contains("<MessagingAdvices") { return .advices }
        if PaymentFormat.detect(bytes: window, fileName: fileName) == .arudd { return .returns }
        return nil
    }
}

/// One Bacs report file as a Direct Debit job reads it. The run's key is the file's SHA-256, so a
/// report is acted on once however it arrives (`hub dd returns`, `hub import`, the inbox, the
/// console's upload).
public struct BacsReportFile: Sendable {
    public let fileName: String
    public let bytes: [UInt8]
    public let sha256: String

    public init(fileName: String, bytes: [UInt8]) {
        self.fileName = fileName
        self.bytes = bytes
        self.sha256 = SHA256.hex(SHA256.hash(bytes))
    }
}

/// What the jobs acting on a Bacs report (`dd-returns`, `dd-advices`) share: the file is the
/// run's input and key, kept with the run, and the accounts they flag for the income team.
public protocol BacsReportJob: Job {
    /// The kind of report the job reads.
    static var kind: BacsReportKind { get }
    /// The `kind` under which the report is kept with its run (`hub runs replay`).
    static var inboundKind: String { get }
    var file: BacsReportFile { get }
    var config: DirectDebitConfig { get }
    init(file: BacsReportFile, config: DirectDebitConfig)
}

extension BacsReportJob {
    /// The job for a report's name and content.
    public init(fileName: String, bytes: [UInt8], config: DirectDebitConfig) {
        self.init(file: BacsReportFile(fileName: fileName, bytes: bytes), config: config)
    }

    public var fileName: String { file.fileName }
    public var sha256: String { file.sha256 }
    public var businessKey: String { file.sha256 }
    public var parameters: [String: String] { ["file": file.fileName, "sha256": file.sha256] }
    public var inboundFile: InboundFile? { InboundFile(kind: Self.inboundKind, fileName: file.fileName, sha256: file.sha256, source: .bytes(file.bytes)) }

    /// Flags a mandate's account for the income team (`dd_account_flags`), with the run.
    func flag(mandate mandateId: Int64, _ reason: String, _ context: RunContext) throws {
        try context.connection.execute(
            "INSERT INTO dd_account_flags (account_id, mandate_id, reason, run_id) SELECT account_id, id, \(reason), \(context.runId) FROM dd_mandates WHERE id = \(mandateId)")
    }
}
