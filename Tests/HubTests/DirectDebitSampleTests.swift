import BankFiles
import Foundation
import HousingFinance
import Testing

/// The ADDACS and AUDDIS samples under Interfaces/inbound/ read as their READMEs say.
@Suite struct DirectDebitSampleTests {
    static let interfaces = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interfaces/inbound")

    func read(_ path: String) throws -> (BacsAdviceReader.Header, [BacsAdvice]) {
        let bytes = [UInt8](try Data(contentsOf: Self.interfaces.appendingPathComponent(path)))
        var advices: [BacsAdvice] = []
        let header = try BacsAdviceReader(bytes: bytes, fileName: path).read { advices.append($0) }
        return (header, advices)
    }

    @Test func theADDACSSampleReads() throws {
        let (header, advices) = try read("addacs/ADDACS-20270118.xml")
        #expect(header.report == .addacs && header.count == 3 && header.produced == d("2027-01-18") && header.userNumber == "123456")
        #expect(advices.map(\.reasonCode) == ["1", "3", "B"])
        #expect(advices[1].newSortCode == "200000" && advices[1].newAccountNumber == "55667788" && advices[1].sortCode == "404784")
        #expect(advices[2].effectiveDate == d("2027-01-15") && advices[0].position.line == 6)
    }

    @Test func theAUDDISSampleReads() throws {
        let (header, advices) = try read("auddis/AUDDIS-20270118.xml")
        #expect(header.report == .auddis && advices.count == 1 && advices[0].transactionCode == "0N" && advices[0].reasonCode == "5")
    }

    @Test func aReportWhoseCountDoesNotTieOrThatIsAnARUDDIsRefused() throws {
        let bad = Array(try String(contentsOf: Self.interfaces.appendingPathComponent("addacs/ADDACS-20270118.xml"), encoding: .utf8)
            .replacingOccurrences(of: "numberOf=\"3\"", with: "numberOf=\"4\"").utf8)
        #expect { try BacsAdviceReader(bytes: bad, fileName: "bad.xml").read { _ in } } throws: { ($0 as? FileReadError)?.code == .totalsDoNotTie }
        let arudd = [UInt8](try Data(contentsOf: Self.interfaces.appendingPathComponent("arudd/ARUDD-20261202.xml")))
        #expect { try BacsAdviceReader(bytes: arudd, fileName: "arudd.xml").read { _ in } } throws: { "\($0)".contains("hub dd returns") }
    }
}
