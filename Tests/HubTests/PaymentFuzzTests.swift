import BankFiles
import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// Mutated sample files (truncated, bytes flipped, lines repeated) through the whole import: no
/// crash, and either a clean refusal that posts nothing or an import that ties and posts exactly
/// what its report says.
@Suite struct PaymentFuzzTests {
    /// A small deterministic generator, so that a failure can be repeated.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
    }

    static let samples = [
        ("Interfaces/inbound/mt940/statement-20250107.sta", "statement-20250107.sta"),
        ("Interfaces/inbound/cash-file/CashFile20250107", "CashFile20250107"),
        ("Interfaces/inbound/outlet/outlet-20250107.csv", "outlet-20250107.csv"),
        ("Interfaces/inbound/card-payments/card-payments-20250107.csv", "card-payments-20250107.csv"),
        ("Interfaces/inbound/housing-benefit/hb-credits-20250106.csv", "hb-credits-20250106.csv"),
    ]

    @Test(arguments: samples)
    func mutatedSamplesNeverPostPartOfAFile(sample: (path: String, name: String)) throws {
        let world = try PaymentWorld(
            accounts: 0, extraRefs: ["100023450", "100045671", "100078912", "100034562", "100056783"],
            scheme: try AccountReferenceScheme(checkDigit: .none, numberLength: 9))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let original = Array(try Data(contentsOf: root.appendingPathComponent(sample.path)))
        var random = Generator(state: UInt64(sample.name.utf8.count) * 7919)
        var refused = 0, imported = 0
        for _ in 0..<40 {
            var bytes = original
            switch random.next(3) {
            case 0: bytes = Array(bytes.prefix(random.next(bytes.count)))
            case 1:
                for _ in 0...random.next(3) { bytes[random.next(bytes.count)] = UInt8(random.next(256)) }
            default:
                let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
                let repeated = random.next(lines.count)
                var copy = Array(lines)
                copy.insert(lines[repeated], at: repeated)
                bytes = Array(copy.joined(separator: [0x0A]))
            }
            let ledgerBefore = try world.ledgerCount()
            let entriesBefore = try world.sum("SELECT count(*) FROM payment_entries")
            let suspenseBefore = try world.sum("SELECT count(*) FROM suspense_items")
            let job = PaymentImportJob(fileName: sample.name, bytes: bytes, format: nil, settings: world.settings, scheme: world.config.accountScheme)
            do {
                let outcome = try world.importer.run(job, businessDate: d("2025-01-07"))
                imported += 1
                #expect(outcome.report.ties)
                let posted = outcome.report.line(.posted)
                #expect(try world.ledgerCount() - ledgerBefore == posted.credits.count + posted.debits.count)
                #expect(try world.sum("SELECT count(*) FROM payment_entries") - entriesBefore == Int64(outcome.report.fileCredits.count + outcome.report.fileDebits.count))
            } catch let error as RunError {
                refused += 1
                #expect(error.code == .badInput || error.code == .alreadyCompleted, "\(error)")
                #expect(try world.ledgerCount() == ledgerBefore)
                #expect(try world.sum("SELECT count(*) FROM payment_entries") == entriesBefore)
                #expect(try world.sum("SELECT count(*) FROM suspense_items") == suspenseBefore)
            }
        }
        #expect(refused + imported == 40)
        #expect(refused > 0)
    }
}
