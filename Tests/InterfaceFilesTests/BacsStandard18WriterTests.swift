import HousingFinance
import InterfaceFiles
import Testing

/// The collections of the bacs-direct-debit sample.
enum SampleBacsCollections {
    static let collections: [BacsStandard18Writer.Collection] = [
        .init(sortCode: "200415", accountNumber: "38290008", accountName: "Ms Ann O'Neil", reference: "HR0045120007",
              amount: Money(pence: 9_850), transactionCode: .firstCollection),
        .init(sortCode: "309634", accountNumber: "12345678", accountName: "José Núñez-Ramírez and Partner", reference: "HR0008770003",
              amount: Money(pence: 11_240)),
        .init(sortCode: "401276", accountNumber: "87654321", accountName: "D & M JONES", reference: "HR0022100015",
              amount: Money(pence: 10_500), transactionCode: .represented),
    ]

    static let submission = BacsStandard18Writer.Submission(
        serviceUserNumber: "987654", serviceUserName: "Eastham Council", sortCode: "608371", accountNumber: "20041567",
        accountName: "EBC Rent Collection", serialNumber: 42, created: Day(year: 2025, month: 4, day: 2)!,
        processingDay: Day(year: 2025, month: 4, day: 7)!, contraNarrative: "RENT DD 2025-04-07")
}

@Suite struct BacsStandard18WriterTests {
    let writer = BacsStandard18Writer(submission: SampleBacsCollections.submission)

    @Test func sampleIsRegeneratedByteForByte() throws {
        let written = try writer.write(SampleBacsCollections.collections)
        let sample = try RepositoryFile.sample("Interfaces/outbound/bacs-direct-debit/sample.txt", regeneratingFrom: written)
        #expect(written == sample)
    }

    @Test func labelsAreEightyAndRecordsAHundredCharacters() throws {
        let records = try crlfRecords(writer.write(SampleBacsCollections.collections))
        #expect(records.prefix(4).map { String($0.prefix(4)) } == ["VOL1", "HDR1", "HDR2", "UHL1"])
        #expect(records.suffix(3).map { String($0.prefix(4)) } == ["EOF1", "EOF2", "UTL1"])
        let data = records.dropFirst(4).dropLast(3)
        #expect(data.count == SampleBacsCollections.collections.count + 1)
        #expect(data.allSatisfy { $0.utf8.count == 100 })
        #expect((records.prefix(4) + records.suffix(3)).allSatisfy { $0.utf8.count == 80 })
        #expect(records.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) })
        // Labels name the service user and the processing day (2025-04-07 is day 097).
        #expect(records[0].dropFirst(41).prefix(6) == "987654")
        #expect(records[3].dropFirst(4).prefix(6) == " 25097")
        #expect(records[1].dropFirst(41).prefix(6) == " 25092")
        #expect(records[1].dropFirst(4) == records[4 + data.count].dropFirst(4), "EOF1 repeats HDR1")
    }

    /// Reads a field by its 1-based positions, as the layout's table gives them.
    func field(_ record: String, _ from: Int, _ to: Int) -> String {
        String(record.dropFirst(from - 1).prefix(to - from + 1))
    }

    @Test func dataRecordsCarryEachCollectionAndTheContraTheTotal() throws {
        let collections = SampleBacsCollections.collections
        let records = try crlfRecords(writer.write(collections))
        let data = Array(records.dropFirst(4).dropLast(3))
        for (record, collection) in zip(data, collections) {
            #expect(field(record, 1, 6) == collection.sortCode)
            #expect(field(record, 7, 14) == collection.accountNumber)
            #expect(field(record, 15, 15) == "0")
            #expect(field(record, 16, 17) == collection.transactionCode.rawValue)
            #expect(field(record, 18, 23) == "608371")
            #expect(field(record, 24, 31) == "20041567")
            #expect(Int64(field(record, 36, 46)) == collection.amount.pence)
            #expect(field(record, 47, 64) == "EASTHAM COUNCIL   ")
            #expect(field(record, 65, 82).trimmingSpaces == collection.reference)
        }
        #expect(field(data[0], 83, 100) == "MS ANN O NEIL     ")
        #expect(field(data[1], 83, 100) == "JOSE NUNEZ-RAMIREZ")
        #expect(field(data[2], 83, 100) == "D & M JONES       ")

        let contra = data.last!
        let total = collections.reduce(Money.zero) { $0 + $1.amount }
        #expect(field(contra, 16, 17) == "99")
        #expect(field(contra, 1, 14) == "60837120041567")
        #expect(Int64(field(contra, 36, 46)) == total.pence)
        #expect(field(contra, 65, 82) == "CONTRA            ")

        let trailer = records.last!
        #expect(Int64(field(trailer, 5, 17)) == total.pence, "debit value")
        #expect(Int64(field(trailer, 18, 30)) == total.pence, "credit value")
        #expect(Int(field(trailer, 31, 37)) == collections.count, "debit count")
        #expect(Int(field(trailer, 38, 44)) == 1, "credit count: the contra")
    }

    /// Every printable ASCII character in a payer's name, 18 at a time: capitals kept, small letters
    /// made capitals, the rest of the Bacs set kept, anything else a space; accents dropped and
    /// control characters spaced out as before.
    @Test func namesAreWrittenInTheBacsSetWhateverTheirCharacters() throws {
        let printable = (0x20...0x7E).map { Character(UnicodeScalar(UInt8($0))) }
        func expected(_ name: String) -> String {
            let mapped = name.map { c -> Character in
                let upper = Character(c.uppercased())
                return ("A"..."Z").contains(upper) || ("0"..."9").contains(upper) || " .&/-".contains(upper) ? upper : " "
            }
            return String(mapped.prefix(18)) + String(repeating: " ", count: max(0, 18 - mapped.count))
        }
        var names = stride(from: 0, to: printable.count, by: 18).map { String(printable[$0..<min($0 + 18, printable.count)]) }
        names += ["tab\there", "o'brien-smith & co. ltd (trustees)", "Zoë Brontë"]
        var collections = SampleBacsCollections.collections
        for name in names {
            collections[0].accountName = name
            let record = try crlfRecords(writer.write(collections))[4]
            let want = name == "Zoë Brontë" ? "ZOE BRONTE        " : expected(name)
            #expect(field(record, 83, 100) == want, "\(name)")
            #expect(record.utf8.count == 100)
        }
    }

    @Test func referencesAreCheckedCharacterByCharacter() throws {
        var collections = SampleBacsCollections.collections
        for good in ["HR0045", "A.B&C/D-E 123456", "HR0045120007000000"] {
            collections[0].reference = good
            let record = try crlfRecords(writer.write(collections))[4]
            #expect(field(record, 65, 82) == good + String(repeating: " ", count: 18 - good.count))
        }
        for bad in ["HR004", "HR00451200070000001", "DDIC123456", "HR-0-0-4 .", "HR0045\t12", "HRÖ045120007", "hr0045120007"] {
            collections[0].reference = bad
            let error = try #require(throws: OutboundFileError.self, "\(bad)") { try writer.write(collections) }
            #expect(error.field == "reference")
            #expect(error.record.contains("collection 1"))
        }
    }

    @Test func badValuesAreRefusedNamingTheCollection() throws {
        var collections = SampleBacsCollections.collections
        collections[1].sortCode = "30-96-34"
        let sortCode = try #require(throws: OutboundFileError.self) { try writer.write(collections) }
        #expect(sortCode.field == "sort code")
        #expect(sortCode.record.contains("collection 2"))
        collections = SampleBacsCollections.collections
        collections[0].reference = "hr0045120007"
        #expect(try #require(throws: OutboundFileError.self) { try writer.write(collections) }.field == "reference")
        collections[0].reference = "HR0045120007-EXTRA-LONG"
        #expect(try #require(throws: OutboundFileError.self) { try writer.write(collections) }.field == "reference")
        collections = SampleBacsCollections.collections
        collections[2].amount = .zero
        #expect(try #require(throws: OutboundFileError.self) { try writer.write(collections) }.field == "amount")
        #expect(throws: OutboundFileError.self) { try writer.write([]) }
    }
}
