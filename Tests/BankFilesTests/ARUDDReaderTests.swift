import BankFiles
import Foundation
import HousingFinance
import HubTesting
import Testing

@Suite struct ARUDDReaderTests {
    let name = "ARUDD-20261202.xml"

    func sample() throws -> String { String(decoding: try SampleFiles.inbound("arudd/ARUDD-20261202.xml"), as: UTF8.self) }

    func reader(_ text: String) -> ARUDDReader { ARUDDReader(bytes: Array(text.utf8), fileName: name) }

    @Test func sampleReadsEachReturnedDebitWithItsReason() throws {
        let (totals, payments) = try readAll(reader(try sample()).read)
        #expect(totals.format == .arudd)
        #expect(totals.debitCount == 3 && totals.debitTotal == Money(pence: 29_775))
        #expect(totals.creditCount == 0)
        #expect(totals.fileDate == Day(year: 2026, month: 12, day: 2))
        #expect(totals.checks == ["originating account record 1: 3 returned debits, £297.75, tie to its Totals"])
        #expect(payments.map(\.reference) == ["10002345", "10003456", "10005678"])
        #expect(payments.map(\.returnReasonCode) == ["0", "1", "B"])
        #expect(payments.map(\.amount.pence) == [9_850, 11_225, 8_700])
        #expect(payments.allSatisfy { $0.direction == .debit && $0.transactionCode == "RDN" && $0.sourceCode == "ARUDD" })
        #expect(payments.allSatisfy { $0.bookingDate == Day(year: 2026, month: 12, day: 2) })
        #expect(payments.map(\.originalReference) == ["10002345", "10003456", "10005678"])
        #expect(payments.map(\.payerName) == ["J SMITH", "A JONES", "C WONG"])
        #expect(payments.map(\.bankTransactionCode) == ["17", "17", "01"])
        #expect(payments[2].details == "returned ACCOUNT CLOSED (code B); original collection 2026-11-28")
        #expect(payments[1].position.element == "/BACSDocument/Data[1]/ARUDD[1]/Advice[1]/OriginatingAccountRecords[1]/OriginatingAccountRecord[1]/ReturnedDebitItem[2]")
        #expect(payments[1].position.line == 15)
    }

    @Test func writerOutputReadsBack() throws {
        let day = Day(year: 2026, month: 12, day: 2)!
        let items = [
            ARUDDItem(payerReference: "10002345", payerName: "J SMITH", amount: Money(pence: 9_850), originalProcessingDate: day - 5,
                      returnCode: "0", returnDescription: "REFER TO PAYER"),
            ARUDDItem(payerReference: "10009999", payerName: "O'NEIL & SONS", amount: Money(pence: 1), originalProcessingDate: day - 5,
                      returnCode: "2", returnDescription: "PAYER DECEASED"),
        ]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ARUDD-\(UUID().uuidString).xml")
        defer { try? FileManager.default.removeItem(at: url) }
        try ARUDDWriter(processingDate: day).write(items, to: url)
        #expect(try PaymentFiles.detect(url: url, cardMapping: nil) == .arudd)
        var payments: [Payment] = []
        let totals = try PaymentFiles.read(url: url, format: .arudd, cardMapping: nil) { payments.append($0) }
        #expect(totals.debitTotal == Money(pence: 9_851))
        #expect(payments.map(\.payerName) == ["J SMITH", "O'NEIL & SONS"])
        #expect(payments.map(\.returnReasonCode) == ["0", "2"])
    }

    @Test func totalsOffByAPennyAreRefused() throws {
        let text = try sample().replacingOccurrences(of: "valueOf=\"297.75\"", with: "valueOf=\"297.76\"")
        expectCamtRefusal(.totalsDoNotTie, file: name, element: "/OriginatingAccountRecord[1]/Totals[1]", containing: "a difference of 0.01") {
            try reader(text).read($0)
        }
        let count = try sample().replacingOccurrences(of: "numberOf=\"3\"", with: "numberOf=\"4\"")
        expectCamtRefusal(.totalsDoNotTie, file: name, containing: "Totals say 4 items") { try reader(count).read($0) }
    }

    @Test func badValuesAreRefused() throws {
        expectCamtRefusal(.invalidValue, file: name, element: "/ReturnedDebitItem[2]", containing: "has 3 decimals") {
            try reader(try sample().replacingOccurrences(of: "valueOf=\"112.25\"", with: "valueOf=\"112.250\"")).read($0)
        }
        expectCamtRefusal(.invalidValue, file: name, element: "/ReturnedDebitItem[1]", containing: "'2026-02-31' is not a date that exists") {
            try reader(try sample().replacingOccurrences(of: "originalProcessingDate=\"2026-11-27\"", with: "originalProcessingDate=\"2026-02-31\"")).read($0)
        }
        expectCamtRefusal(.unsupported, file: name, containing: "is in EUR") {
            try reader(try sample().replacingOccurrences(of: "valueOf=\"87.00\" currency=\"GBP\"", with: "valueOf=\"87.00\" currency=\"EUR\"")).read($0)
        }
        expectCamtRefusal(.malformed, file: name, containing: "no returnCode") {
            try reader(try sample().replacingOccurrences(of: "returnCode=\"B\" ", with: "")).read($0)
        }
    }

    @Test func truncatedReportIsRefused() throws {
        let text = try sample()
        let cut = String(text.prefix(text.count * 2 / 3))
        expectCamtRefusal(.truncated, file: name) { try reader(cut).read($0) }
    }

    @Test func otherBacsReportsAreRefusedAsNotARUDD() throws {
        for report in ["ADDACS.xml", "AUDDIS.xml", "AUDDIS-error.xml", "Input.xml"] {
            let url = SampleFiles.realSamples.appendingPathComponent("bacs/xml-reports/so-sure/\(report)")
            do {
                _ = try ARUDDReader(url: url).read { _ in }
                Issue.record("\(report) was read as an ARUDD report")
            } catch let error as FileReadError {
                #expect([.unsupported, .malformed].contains(error.code), "\(report): \(error)")
                #expect(error.file == report)
                #expect(error.message.contains("ARUDD"), "\(error)")
            }
        }
    }
}
