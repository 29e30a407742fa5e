import Foundation
import HousingFinance
import InterfaceFiles
import Testing

@Suite struct ArrearsLettersWriterTests {
    @Test func theSampleIsWhatTheWriterWrites() throws {
        let records = [
            ArrearsLettersWriter.Record(
                template: "ARREARS-SMS-REMINDER", channel: "sms", recipient: "A Tenant", addressLines: [], postcode: "", phone: "07700 900123",
                account: "100000029", arrears: Money(pence: 700), weeklyRent: Money(pence: 10_000), stage: "reminder-sms"),
            ArrearsLettersWriter.Record(
                template: "ARREARS-LETTER-1", channel: "letter", recipient: "Grace Khan", addressLines: ["192 Rowan Close"], postcode: "NT8 8EC", phone: "",
                account: "100000819", arrears: Money(pence: 11_786), weeklyRent: Money(pence: 11_519), stage: "first-letter"),
            ArrearsLettersWriter.Record(
                template: "ARREARS-LETTER-1", channel: "letter", recipient: "Chloe Smith", addressLines: ["Flat 1", "Faraday House", "Oak Avenue"],
                postcode: "NT2 1ZF", phone: "", account: "100000037", arrears: Money(pence: 331_228), weeklyRent: Money(pence: 8_887), stage: "first-letter"),
        ]
        let written = ArrearsLettersWriter.write(records)
        #expect(written == (try RepositoryFile.sample("Interfaces/outbound/arrears-letters/sample.csv", regeneratingFrom: written)))
        let lines = try crlfRecords(written)
        #expect(lines.count == 4)
    }

    @Test func aFieldWithACommaIsQuotedAndLongAddressesFoldIntoTheFourthLine() throws {
        let record = ArrearsLettersWriter.Record(
            template: "T", channel: "letter", recipient: "O'Neil, Pat", addressLines: ["1", "2", "3", "4", "5"], postcode: "AB1 2CD", phone: "",
            account: "1", arrears: Money(pence: 1), weeklyRent: Money(pence: 2), stage: "s")
        let lines = try crlfRecords(ArrearsLettersWriter.write([record]))
        #expect(lines[1] == "T,letter,\"O'Neil, Pat\",1,2,3,\"4, 5\",AB1 2CD,,1,0.01,0.02,s")
    }
}
