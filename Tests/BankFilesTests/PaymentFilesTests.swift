import BankFiles
import Foundation
import HousingFinance
import Testing

/// The one entry point: every documented sample, detected from its content and read from its path.
@Suite struct PaymentFilesTests {
    @Test func everyInterfaceSampleIsDetectedAndReadThroughTheEntryPoint() throws {
        let samples: [(String, PaymentFormat, Int)] = [
            ("camt053/statement-20261201.xml", .camt053, 5),
            ("camt054/notification-20261202.xml", .camt054, 3),
            ("arudd/ARUDD-20261202.xml", .arudd, 3),
            ("mt940/statement-20250107.sta", .mt940, -1),
            ("cash-file/CashFile20250107", .cashFile, -1),
            ("outlet/outlet-20250107.csv", .outlet, -1),
            ("housing-benefit/hb-credits-20250106.csv", .housingBenefit, -1),
            ("card-payments/card-payments-20250107.csv", .card, -1),
        ]
        for (path, format, expectedCount) in samples {
            let url = SampleFiles.repositoryRoot.appendingPathComponent("Interfaces/inbound/\(path)")
            let mapping = CardPaymentsReaderTests.mapping
            #expect(try PaymentFiles.detect(url: url, cardMapping: mapping) == format, "\(path)")
            var payments: [Payment] = []
            let totals = try PaymentFiles.read(url: url, format: format, cardMapping: mapping) { payments.append($0) }
            #expect(totals.format == format)
            #expect(payments.count == totals.recordCount && totals.recordCount > 0, "\(path)")
            if expectedCount >= 0 { #expect(payments.count == expectedCount, "\(path)") }
            #expect(payments.reduce(Money.zero) { $0 + ($1.direction == .credit ? $1.amount : -$1.amount) } == totals.creditTotal - totals.debitTotal)
        }
    }

    @Test func cardFileWithoutMappingAndMissingFileAreRefused() throws {
        let card = SampleFiles.repositoryRoot.appendingPathComponent("Interfaces/inbound/card-payments/card-payments-20250107.csv")
        #expect(throws: FileReadError.self) { try PaymentFiles.read(url: card, format: .card, cardMapping: nil) { _ in } }
        let missing = URL(fileURLWithPath: "/nonexistent/statement.xml")
        for format in [PaymentFormat.camt053, .mt940, .arudd] {
            do {
                _ = try PaymentFiles.read(url: missing, format: format, cardMapping: nil) { _ in }
                Issue.record("read a missing file")
            } catch let error as FileReadError {
                #expect(error.file == "statement.xml" && error.message.contains("open") || error.message.contains("read"), "\(error)")
            }
        }
    }
}
