import Foundation
import HousingFinance
import Testing

/// Files of the repository that the tests read: the sample files in Interfaces/ (so that the
/// documentation cannot drift from what the writers produce) and the default configuration.
enum RepositoryFile {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    static func bytes(_ path: String) throws -> [UInt8] { try Array(Data(contentsOf: url(path))) }

    static func text(_ path: String) throws -> String { try String(contentsOf: url(path), encoding: .utf8) }

    /// The sample file's bytes, for comparison with what a writer produced. With
    /// `REGENERATE_SAMPLES=1` in the environment the sample is first rewritten from `written`
    /// (run that once after a deliberate change of layout, then review the diff).
    static func sample(_ path: String, regeneratingFrom written: [UInt8]) throws -> [UInt8] {
        if ProcessInfo.processInfo.environment["REGENERATE_SAMPLES"] == "1" {
            try Data(written).write(to: url(path))
        }
        return try bytes(path)
    }
}

/// Splits a file's text into records at CRLF, checking that every record ends with one.
func crlfRecords(_ bytes: [UInt8]) throws -> [String] {
    let text = try #require(String(bytes: bytes, encoding: .utf8))
    #expect(text.hasSuffix("\r\n"))
    let records = text.components(separatedBy: "\r\n").dropLast()
    #expect(records.allSatisfy { !$0.contains("\n") && !$0.contains("\r") })
    return Array(records)
}

/// Splits one CSV record into fields, with the hub's CSV reader.
func csvFields(_ record: String) -> [String] {
    guard case .success(let fields) = CSV.fields(of: record) else { return [record] }
    return fields
}
