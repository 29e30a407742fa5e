import BankFiles
import Foundation
import HousingFinance
import Testing
import XML

/// Shared by the camt and ARUDD tests: the official schemas, a statement written by the hub's
/// own writer, and a check that a refusal names the file and where.
enum CamtFixtures {
    /// The official ISO 20022 schemas (outside the repository, beside the samples).
    static let iso20022 = SampleFiles.repositoryRoot.appendingPathComponent("../shared/iso20022").standardizedFileURL

    /// The compiled official XSD of a version such as `camt.053.001.08`, or nil when the folder has none.
    static func schema(_ version: String) throws -> XMLSchema? {
        let url = iso20022.appendingPathComponent("\(version).xsd")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try XMLSchema(path: url.path)
    }

    /// The official XSD of a version, or a clear error when the shared folder is not beside the
    /// repository (a test fails; the test process is not stopped).
    static func requiredSchema(_ version: String) throws -> XMLSchema {
        guard let schema = try schema(version) else {
            struct MissingSchema: Error, CustomStringConvertible { var description: String }
            throw MissingSchema(description: "the official XSD \(version).xsd is not in \(iso20022.path): the tests need ../shared/iso20022 beside the repository")
        }
        return schema
    }

    static let day = Day(year: 2026, month: 12, day: 1)!

    /// A statement of four entries: a single credit, a credit itemised in three transactions,
    /// a returned item (debit) and a pending credit; opening balance 1,000.00.
    static func entries() -> [Camt053Entry] {
        [
            Camt053Entry(amount: Money(pence: 12_550), bookingDate: day, reference: "RENT 10002345 FLAT 3",
                         accountServicerReference: "BNK0001", payerName: "J SMITH", endToEndId: "E2E-1"),
            Camt053Entry(amount: Money(pence: 30_000), bookingDate: day, reference: nil, accountServicerReference: "BNK0002",
                         details: [
                            .init(amount: Money(pence: 10_000), reference: "10003456", payerName: "A JONES"),
                            .init(amount: Money(pence: 15_000), reference: "10004567", payerName: "B PATEL", endToEndId: "E2E-2b"),
                            .init(amount: Money(pence: 5_000), reference: "10005678", payerName: "C WONG"),
                         ]),
            Camt053Entry(amount: Money(pence: 4_000), direction: .debit, bookingDate: day, reference: "RETURNED 10002345",
                         accountServicerReference: "BNK0003", payerName: "J SMITH", bankTransactionCode: "PMNT/RDDT/UPDD"),
            Camt053Entry(amount: Money(pence: 9_999), bookingDate: day, reference: "10006789", accountServicerReference: "BNK0004",
                         status: "PDNG"),
        ]
    }

    static func statement(_ id: String = "STMT-20261201", opening: Money = Money(pence: 100_000)) -> Camt053Statement {
        Camt053Statement(id: id, iban: "GB29NWBK60161331926819", accountName: "RENT COLLECTION", date: day, openingBalance: opening)
    }

    /// The hub's writer's statement, as bytes.
    static func statementBytes(_ entries: [Camt053Entry] = entries()) throws -> [UInt8] {
        try Camt053Writer(messageId: "MSG-20261201", created: day).bytes([(statement(), entries)])
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// Replaces the `occurrence`-th (1-based) match of `target` in `text`.
    static func replacing(_ target: String, with replacement: String, in text: String, occurrence: Int = 1) -> String {
        var searchStart = text.startIndex
        var found = 0
        while let range = text.range(of: target, range: searchStart..<text.endIndex) {
            found += 1
            if found == occurrence { return text.replacingCharacters(in: range, with: replacement) }
            searchStart = range.upperBound
        }
        Issue.record("'\(target)' occurs fewer than \(occurrence) times")
        return text
    }
}

/// Reads with a reader that must refuse; checks the code, that the error names the file and a
/// line, that the element path (when expected) is right, and that no totals came back.
@discardableResult
func expectCamtRefusal(
    _ code: FileReadError.Code, file: String, element: String? = nil, containing words: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ read: ((Payment) throws -> Void) throws -> FileTotals
) -> FileReadError? {
    do {
        let totals = try read { _ in }
        Issue.record("expected a refusal (\(code)) but the file was read: \(totals)", sourceLocation: sourceLocation)
        return nil
    } catch let error as FileReadError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(error.file == file, "\(error)", sourceLocation: sourceLocation)
        #expect(error.position.line != nil, "no line in \(error)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix("\(file): line "), "\(error)", sourceLocation: sourceLocation)
        if let element { #expect(error.position.element?.contains(element) == true, "\(error)", sourceLocation: sourceLocation) }
        if let words { #expect(error.message.contains(words), "\(error)", sourceLocation: sourceLocation) }
        return error
    } catch {
        Issue.record("expected a FileReadError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
