import Foundation
import HousingFinance
import InterfaceFiles
import Testing

/// The journal of the gl-journal samples: one rent week's postings of every kind through the
/// default financial map.
enum SampleJournal {
    static let monday = Day(year: 2025, month: 4, day: 7)!

    static let postings: [JournalPosting] = [
        .init(entryId: 1001, code: "DBR", amount: Money(pence: 9_850), date: monday),
        .init(entryId: 1002, code: "DSC", amount: Money(pence: 1_225), date: monday),
        .init(entryId: 1003, code: "DHE", amount: Money(pence: 830), date: monday),
        .init(entryId: 1004, code: "DWR", amount: Money(pence: 675), date: monday),
        .init(entryId: 1005, code: "DBR", amount: Money(pence: 11_240), date: monday),
        .init(entryId: 1006, code: "DBR", amount: Money(pence: 10_500), date: monday),
        .init(entryId: 1007, code: "RHB", amount: Money(pence: -6_400), date: monday + 1),
        .init(entryId: 1008, code: "RPY", amount: Money(pence: -5_000), date: monday + 2),
        .init(entryId: 1009, code: "RDD", amount: Money(pence: -12_000), date: monday + 1),
        .init(entryId: 1010, code: "RDN", amount: Money(pence: 12_000), date: monday + 4),
        .init(entryId: 1011, code: "RBT", amount: Money(pence: -2_500), date: monday + 3),
        .init(entryId: 1012, code: "RCP", amount: Money(pence: -3_000), date: monday + 3),
        .init(entryId: 1013, code: "DBR", amount: Money(pence: -10_500), date: monday + 3),
        .init(entryId: 1014, code: "ADJ", amount: Money(pence: -1_225), date: monday, chargeCode: "DSC"),
        .init(entryId: 1015, code: "WOF", amount: Money(pence: -4_312), date: monday + 3),
        .init(entryId: 1016, code: "RPR", amount: Money(pence: 24_680), date: monday + 2),
        .init(entryId: 1017, code: "RPR", amount: Money(pence: 53_000), date: monday + 2, chargeCode: "VOID"),
    ]

    static func map() throws -> FinancialMap {
        try FinancialMap(csv: RepositoryFile.text("Config/financial-map.csv"), file: "Config/financial-map.csv")
    }

    static func journal() throws -> Journal { try Journal(postings: postings, map: map()) }

    static let unit4Batch = Unit4JournalWriter.Batch(
        batchId: "HFH000042", client: "10", interface: "HF", periodYear: 2025, periodMonth: 4,
        voucherDate: monday + 6, transactionDate: monday + 6, externalReference: "GL-000042")

    static let oracleBatch = OracleJournalWriter.Batch(
        ledger: "Council Primary Ledger", accountingDate: monday + 6, batchName: "Housing rents week 2025-04-07",
        journalName: "HFH000042", groupId: 42, entities: [.hra: "20", .generalFund: "10"])
}

@Suite struct Unit4JournalWriterTests {
    @Test func sampleIsRegeneratedByteForByte() throws {
        let written = try Unit4JournalWriter(batch: SampleJournal.unit4Batch).write(SampleJournal.journal())
        let sample = try RepositoryFile.sample("Interfaces/outbound/gl-journal/unit4-sample.csv", regeneratingFrom: written)
        #expect(written == sample)
    }

    @Test func recordsTieToTheTrailerAndBalance() throws {
        let journal = try SampleJournal.journal()
        let records = try crlfRecords(Unit4JournalWriter(batch: SampleJournal.unit4Batch).write(journal)).map(csvFields)
        #expect(records.first == ["HEADER", "HFH000042", "10", "HF", "202504"])
        let lines = records.dropFirst().dropLast()
        #expect(lines.allSatisfy { $0.count == Unit4JournalWriter.lineColumns.count })
        let amount = Unit4JournalWriter.lineColumns.firstIndex(of: "amount")!
        let amounts = try lines.map { try Money(parsing: $0[amount]) }
        #expect(amounts.reduce(.zero, +) == .zero)
        let debits = amounts.filter { $0 > .zero }.reduce(.zero, +)
        let credits = -amounts.filter { $0 < .zero }.reduce(.zero, +)
        #expect(records.last == ["TRAILER", String(lines.count), debits.plain, credits.plain])
        #expect(lines.count == journal.totals.lineCount)
        #expect(debits == journal.totals.debits)
        let sequence = Unit4JournalWriter.lineColumns.firstIndex(of: "sequence_no")!
        #expect(lines.map { $0[sequence] } == (1...lines.count).map(String.init))
        let period = Unit4JournalWriter.lineColumns.firstIndex(of: "period")!
        #expect(lines.allSatisfy { $0[period] == "202504" && $0[0] == "HFH000042" })
    }

    @Test func theSameJournalInAnotherOrderGivesTheSameBytes() throws {
        let map = try SampleJournal.map()
        let writer = Unit4JournalWriter(batch: SampleJournal.unit4Batch)
        let forward = try writer.write(Journal(postings: SampleJournal.postings, map: map))
        let backward = try writer.write(Journal(postings: SampleJournal.postings.reversed(), map: map))
        #expect(forward == backward)
    }

    @Test func descriptionsWithCommasAndQuotesAreEscaped() throws {
        let map = try FinancialMap(
            csv: """
                code,description,ledger_account,contra_account,cost_centre,dim2,dim3,dim4,fund
                GAR,"Garages, stores and ""other"" lets",1500,4200,H1000,GAR,,,HRA
                """,
            file: "map.csv")
        let journal = try Journal(postings: [.init(entryId: 1, code: "GAR", amount: Money(pence: 1_234), date: SampleJournal.monday)], map: map)
        let records = try crlfRecords(Unit4JournalWriter(batch: SampleJournal.unit4Batch).write(journal))
        #expect(records[1].contains(",\"Garages, stores and \"\"other\"\" lets\","))
        let description = Unit4JournalWriter.lineColumns.firstIndex(of: "description")!
        #expect(csvFields(records[1])[description] == "Garages, stores and \"other\" lets")
        #expect(csvFields(records[1]).count == Unit4JournalWriter.lineColumns.count)
    }

    @Test func aBadBatchIsRefused() throws {
        var batch = SampleJournal.unit4Batch
        batch.periodMonth = 13
        let error = try #require(throws: OutboundFileError.self) { try Unit4JournalWriter(batch: batch).write(SampleJournal.journal()) }
        #expect(error.field == "period")
        batch = SampleJournal.unit4Batch
        batch.batchId = "TRAILER"
        #expect(throws: OutboundFileError.self) { try Unit4JournalWriter(batch: batch).write(SampleJournal.journal()) }
        batch.batchId = "HFH 42"
        #expect(throws: OutboundFileError.self) { try Unit4JournalWriter(batch: batch).write(SampleJournal.journal()) }
    }
}

@Suite struct OracleJournalWriterTests {
    @Test func sampleIsRegeneratedByteForByte() throws {
        let written = try OracleJournalWriter(batch: SampleJournal.oracleBatch).write(SampleJournal.journal())
        let sample = try RepositoryFile.sample("Interfaces/outbound/gl-journal/oracle-sample.csv", regeneratingFrom: written)
        #expect(written == sample)
    }

    @Test func recordsTieToTheTrailerAndBalance() throws {
        let journal = try SampleJournal.journal()
        let records = try crlfRecords(OracleJournalWriter(batch: SampleJournal.oracleBatch).write(journal)).map(csvFields)
        #expect(records.first == ["HEADER", "42", "Council Primary Ledger", "Housing rents week 2025-04-07", "HFH000042", "2025/04/13"])
        let lines = records.dropFirst().dropLast()
        let columns = OracleJournalWriter.lineColumns
        #expect(lines.allSatisfy { $0.count == columns.count && $0[0] == "NEW" && $0[4] == "A" && $0[3] == "GBP" })
        let debitColumn = columns.firstIndex(of: "ENTERED_DR")!
        let creditColumn = columns.firstIndex(of: "ENTERED_CR")!
        // Exactly one of debit and credit on each line.
        #expect(lines.allSatisfy { $0[debitColumn].isEmpty != $0[creditColumn].isEmpty })
        let debits = try lines.filter { !$0[debitColumn].isEmpty }.map { try Money(parsing: $0[debitColumn]) }.reduce(.zero, +)
        let credits = try lines.filter { !$0[creditColumn].isEmpty }.map { try Money(parsing: $0[creditColumn]) }.reduce(.zero, +)
        #expect(debits == credits)
        #expect(records.last == ["TRAILER", String(lines.count), debits.plain, credits.plain])
        #expect(lines.count == journal.totals.lineCount)
        let entity = columns.firstIndex(of: "SEGMENT1")!
        #expect(lines.allSatisfy { $0[entity] == "20" }, "the sample is all Housing Revenue Account")
    }

    @Test func eachFundGoesToItsOwnEntity() throws {
        let map = try FinancialMap(
            csv: """
                code,description,ledger_account,contra_account,cost_centre,dim2,dim3,dim4,fund
                DBR,Basic rent,1500,4100,H1000,RENT,,,HRA
                GAR,Garage rent (private),1700,4900,G3000,GARAGE,,,GF
                """,
            file: "map.csv")
        let journal = try Journal(postings: [
            .init(entryId: 1, code: "DBR", amount: Money(pence: 9_000), date: SampleJournal.monday),
            .init(entryId: 2, code: "GAR", amount: Money(pence: 1_200), date: SampleJournal.monday),
        ], map: map)
        let records = try crlfRecords(OracleJournalWriter(batch: SampleJournal.oracleBatch).write(journal)).map(csvFields)
        let columns = OracleJournalWriter.lineColumns
        let entityByAccount = Dictionary(
            uniqueKeysWithValues: records.dropFirst().dropLast().map { ($0[columns.firstIndex(of: "SEGMENT2")!], $0[columns.firstIndex(of: "SEGMENT1")!]) })
        #expect(entityByAccount == ["1500": "20", "4100": "20", "1700": "10", "4900": "10"])

        var batch = SampleJournal.oracleBatch
        batch.entities = [.hra: "20"]
        let error = try #require(throws: OutboundFileError.self) { try OracleJournalWriter(batch: batch).write(journal) }
        #expect(error.field == "SEGMENT1")
        #expect(error.message.contains("GF"))
    }
}
