import BankFiles
import Testing

@Suite struct FormatDetectionTests {
    static func detect(_ text: String, name: String = "inbox.dat", mapping: CardColumnMapping? = nil) -> PaymentFormat? {
        PaymentFormat.detect(bytes: Array(text.utf8), fileName: name, cardMapping: mapping)
    }

    @Test func interfaceSamplesAreRecognised() throws {
        let samples: [(String, PaymentFormat)] = [
            ("mt940/statement-20250107.sta", .mt940),
            ("cash-file/CashFile20250107", .cashFile),
            ("outlet/outlet-20250107.csv", .outlet),
            ("housing-benefit/hb-credits-20250106.csv", .housingBenefit),
            ("card-payments/card-payments-20250107.csv", .card),
        ]
        for (path, format) in samples {
            let bytes = try SampleFiles.inbound(path)
            #expect(PaymentFormat.detect(bytes: bytes, fileName: "renamed.txt", cardMapping: CardPaymentsReaderTests.mapping) == format, "\(path)")
        }
        let card = try SampleFiles.inbound("card-payments/card-payments-20250107.csv")
        #expect(PaymentFormat.detect(bytes: card, fileName: "card.csv") == nil)
    }

    @Test func xmlByNamespaceOrElement() {
        let camt053 = "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt/></Document>"
        #expect(Self.detect(camt053) == .camt053)
        #expect(Self.detect("\u{FEFF}  <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\">") == .camt054)
        #expect(Self.detect("<BACSDocument><Data><ARUDD><Advice><OriginatingAccountRecords>") == .arudd)
        #expect(Self.detect("<Report><ReturnedDebitItem ref=\"1\"/></Report>") == .arudd)
        #expect(Self.detect("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\">") == nil)
    }

    @Test func mt940ByTagsOrHeader() {
        #expect(Self.detect(":940:\r\n:20:940S\r\n:25:1\r\n:28C:1\r\n:60F:C250106GBP1,00\r\n") == .mt940)
        #expect(Self.detect("\u{1}{1:F01NWBKGB2LAXXX0000000000}{2:O9401200N}{4:\n") == .mt940)
        #expect(Self.detect(":20:JUST A REFERENCE\n") == nil)
    }

    @Test func cashFileByNameOrShape() {
        #expect(Self.detect("anything", name: "CashFile20250107.txt") == .cashFile)
        #expect(Self.detect("100023450 PAYPOINT 204417     CSH     95.5006/01/2025PP\n") == .cashFile)
        #expect(Self.detect("hello world\n", name: "CashFileX") == nil)
    }
}
