import BankFiles
import Foundation
import HousingFinance
import Testing

/// Every reader refuses a file, line or field beyond its documented maximum (`InputLimits`),
/// naming the file, the line or element and the field, giving the maximum, and quoting at most a
/// short piece of the value.
@Suite struct InputLimitsTests {
    /// A refusal's message is short however long the value: the quote limit, the words around it.
    static func expectShort(_ error: FileReadError?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error else { return }
        #expect(error.description.count < 600, "\(error.description.prefix(700))", sourceLocation: sourceLocation)
    }

    // MARK: the one quoting helper

    @Test func aShortValueIsQuotedWholeAndALongOneByItsStartAndLength() {
        #expect(Wording.shortQuote("100023450") == "'100023450'")
        let long = String(repeating: "A", count: 1_000_000)
        let quoted = Wording.shortQuote(long)
        #expect(quoted == "'\(String(repeating: "A", count: Wording.quoteLimit))…' (1,000,000 characters)")
        #expect(Wording.shortQuote("two\nlines\tand\u{1}") == "'two\\nlines\\tand\\u{1}'")
        #expect(Wording.shortQuote("£1,234.56 " + String(repeating: "é", count: 100)).hasSuffix("…' (110 characters)"))
    }

    // MARK: lines

    @Test func aLineLongerThanItsKindAllowsIsRefusedNamingTheLine() throws {
        let huge = String(repeating: "9", count: 300_000)
        // MT940: a :86: line of 300,000 characters on line 8.
        var mt940 = String(decoding: try SampleFiles.inbound("mt940/statement-20250107.sta"), as: UTF8.self)
        mt940 = mt940.replacingOccurrences(of: ":86:100023450 RENT J SMITH", with: ":86:100023450 RENT J SMITH" + huge)
        Self.expectShort(expectRefusal(.tooLong, file: "s.sta", line: 8, containing: "longer than the 4,096 bytes an MT940 statement allows") {
            try MT940Reader(bytes: Array(mt940.utf8), fileName: "s.sta").read($0)
        })
        // The cash file: a line is 55 characters; one of 300,000 is not read at all.
        let cash = "100023450 6335590012345678901 CSH     45.0006/01/2025AP\n" + huge + "\n"
        Self.expectShort(expectRefusal(.tooLong, file: "CashFile20250107", line: 2, containing: "1,024 bytes a cash file allows") {
            try CashFileReader(bytes: Array(cash.utf8), fileName: "CashFile20250107").read($0)
        })
        // The CSV formats.
        let outlet = "TRANSACTION_ID,DATE,TIME,CARD_NUMBER,AMOUNT,OUTLET_ID,PROVIDER\nPP1,06/01/2025,09:14:02,6335590012345678,95.50,\(huge),PAYPOINT\n"
        Self.expectShort(expectRefusal(.tooLong, file: "o.csv", line: 2, containing: "4,096 bytes an outlet file allows") {
            try OutletFileReader(bytes: Array(outlet.utf8), fileName: "o.csv").read($0)
        })
        let hb = "HEADER,HOUSING BENEFIT CREDITS,06/01/2025\n\(huge)\n"
        Self.expectShort(expectRefusal(.tooLong, file: "hb.csv", line: 2) { try HousingBenefitReader(bytes: Array(hb.utf8), fileName: "hb.csv").read($0) })
        let card = "Transaction ID,Date,Reference,Payer,Amount,Status\n\(huge)"
        Self.expectShort(expectRefusal(.tooLong, file: "c.csv", line: 2) {
            try CardPaymentsReader(bytes: Array(card.utf8), fileName: "c.csv", mapping: Self.cardMapping).read($0)
        })
        // ODS's completed jobs.
        let ods = "HDR,ODS,2026-04-08,17\nJOB,J1,2026-04-07,\(huge),1.00\n"
        let problems = try #require(throws: CompletedJobsFileError.self) { try CompletedJobsReader.read(bytes: Array(ods.utf8), name: "ods.csv") }.problems
        #expect(problems.map(\.code) == [.tooLong])
        #expect(problems.first?.position.line == 2)
        Self.expectShort(problems.first)
    }

    static let cardMapping = CardColumnMapping(
        reference: "Reference", amount: "Amount", date: "Date", dateFormat: .iso, transactionId: "Transaction ID",
        payerName: "Payer", status: "Status", successfulStatuses: ["Success"])

    // MARK: fields

    @Test func aFieldLongerThanItsMaximumIsRefusedNamingTheFieldAndTheMaximum() throws {
        // A 1,500-character outlet id on a line within the line limit.
        let outletId = String(repeating: "7", count: 1_500)
        let outlet = "TRANSACTION_ID,DATE,TIME,CARD_NUMBER,AMOUNT,OUTLET_ID,PROVIDER\nPP1,06/01/2025,09:14:02,6335590012345678,95.50,\(outletId),PAYPOINT\nTRAILER,1,95.50\n"
        Self.expectShort(expectRefusal(.tooLong, file: "o.csv", line: 2, containing: "the field 6 '7777") {
            try OutletFileReader(bytes: Array(outlet.utf8), fileName: "o.csv").read($0)
        })
        // The payer's name of a card payment: 141 characters is one more than a name may be.
        let name = String(repeating: "N", count: 141)
        let card = "Transaction ID,Date,Reference,Payer,Amount,Status\nTX1,2025-01-07,100023450,\(name),95.50,Success\n"
        let error = expectRefusal(.tooLong, file: "c.csv", line: 2, containing: "the payer name 'NNNN") {
            try CardPaymentsReader(bytes: Array(card.utf8), fileName: "c.csv", mapping: Self.cardMapping).read($0)
        }
        #expect(error?.message.contains("longer than the 140 characters a card payments file allows") == true)
        #expect(error?.message.contains("(141 characters)") == true)
        // A Housing Benefit claim reference of 201 characters.
        let claim = String(repeating: "C", count: 201)
        let hb = "HEADER,HOUSING BENEFIT CREDITS,06/01/2025\nCREDIT,\(claim),100023450,06/01/2025,95.50,HB\nTRAILER,1,95.50\n"
        expectRefusal(.tooLong, file: "hb.csv", line: 2, containing: "200 characters a Housing Benefit file allows") {
            try HousingBenefitReader(bytes: Array(hb.utf8), fileName: "hb.csv").read($0)
        }
        // An MT940 :86: over many continuation lines, each short: the field is limited as a whole.
        var mt940 = String(decoding: try SampleFiles.inbound("mt940/statement-20250107.sta"), as: UTF8.self)
        let wrapped = Array(repeating: String(repeating: "R", count: 60), count: 200).joined(separator: "\n")
        mt940 = mt940.replacingOccurrences(of: ":86:100023450 RENT J SMITH", with: ":86:100023450 RENT J SMITH\n" + wrapped)
        expectRefusal(.tooLong, file: "s.sta", line: 8, containing: "the :86: field '100023450 RENT J SMITH\\nRRRR") {
            try MT940Reader(bytes: Array(mt940.utf8), fileName: "s.sta").read($0)
        }
        // Its first line counts too: 4,000 characters on the tag's line and 4,100 after it.
        var long = String(decoding: try SampleFiles.inbound("mt940/statement-20250107.sta"), as: UTF8.self)
        long = long.replacingOccurrences(
            of: ":86:100023450 RENT J SMITH",
            with: ":86:" + String(repeating: "S", count: 4_000) + "\n" + String(repeating: "T", count: 4_000) + "\n" + String(repeating: "U", count: 100))
        expectRefusal(.tooLong, file: "s.sta", line: 8, containing: "8,000 characters an MT940 statement allows") {
            try MT940Reader(bytes: Array(long.utf8), fileName: "s.sta").read($0)
        }
    }

    @Test func aCamtRemittanceLongerThanAReferenceMayBeIsRefusedAtItsEntry() throws {
        var camt = String(decoding: try SampleFiles.inbound("camt053/statement-20261201.xml"), as: UTF8.self)
        let first = try #require(camt.range(of: "<Ustrd>"))
        camt.insert(contentsOf: String(repeating: "U", count: 1_001), at: first.upperBound)
        let error = try #require(throws: FileReadError.self) {
            try CamtReader(bytes: Array(camt.utf8), fileName: "camt.xml").read { _ in }
        }
        #expect(error.code == .tooLong)
        #expect(error.message.contains("the reference '"))
        #expect(error.message.contains("1,000 characters a camt file allows"))
        #expect(error.position.line != nil)
        Self.expectShort(error)
        // A text beyond the element limit is refused by the streaming reader, quoting nothing of it.
        camt.insert(contentsOf: String(repeating: "V", count: 20_000), at: first.upperBound)
        let huge = try #require(throws: FileReadError.self) { try CamtReader(bytes: Array(camt.utf8), fileName: "camt.xml").read { _ in } }
        #expect(huge.message.contains("over the limit of 16384"), "\(huge)")
        Self.expectShort(huge)
    }

    // MARK: files read from disk

    /// A 50 MB single-line file is refused at its first line, having read no more of it than the
    /// line limit and a chunk; a file larger than its kind's maximum is refused before it is read.
    @Test func theBoundedReadStopsAtTheFirstLineTooLong() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("statement.sta")
        var content = Data(":20:REF\n:86:".utf8)
        content.append(Data(repeating: UInt8(ascii: "A"), count: 50 * InputLimits.megabyte))
        try content.write(to: file)
        let error = try #require(throws: FileReadError.self) { try BoundedFile.read(url: file, limits: MT940Reader.limits) }
        #expect(error.code == .tooLong)
        #expect(error.position.line == 2)
        Self.expectShort(error)
        // Through the one entry point the import and `hub tools check` use.
        let viaPaymentFiles = try #require(throws: FileReadError.self) {
            try PaymentFiles.read(url: file, format: .mt940, cardMapping: nil) { _ in }
        }
        #expect(viaPaymentFiles.code == .tooLong)
        // A file larger than the kind allows.
        let small = InputLimits(kind: "a test file", maxFileBytes: 1_000, maxLineBytes: 100, maxFieldCharacters: 10)
        let big = folder.appendingPathComponent("big.txt")
        try Data(repeating: UInt8(ascii: "\n"), count: 1_001).write(to: big)
        let tooLarge = try #require(throws: FileReadError.self) { try BoundedFile.read(url: big, limits: small) }
        #expect(tooLarge.message.contains("the file is 1,001 bytes, more than the 1,000 bytes a test file may be"))
        #expect(try BoundedFile.read(url: big, limits: InputLimits(kind: "t", maxFileBytes: 1_001, maxLineBytes: 1, maxFieldCharacters: 1)).count == 1_001)
    }

    @Test func everyPaymentFormatHasItsLimitsAndTheyAreDocumented() throws {
        for format in PaymentFormat.allCases {
            let limits = InputLimits.of(format)
            #expect(limits.maxFileBytes >= InputLimits.megabyte && limits.maxLineBytes >= 1_024, "\(format)")
        }
        let folders: [(String, InputLimits)] = [
            ("camt053", CamtReader.limits), ("camt054", CamtReader.limits), ("mt940", MT940Reader.limits), ("cash-file", CashFileReader.limits),
            ("outlet", OutletFileReader.limits), ("card-payments", CardPaymentsReader.limits), ("housing-benefit", HousingBenefitReader.limits),
            ("arudd", ARUDDReader.limits), ("ods-completed-jobs", CompletedJobsReader.limits),
        ]
        for (folder, limits) in folders {
            let readme = String(decoding: try SampleFiles.inbound("\(folder)/README.md"), as: UTF8.self)
            #expect(readme.contains("## Limits"), "\(folder)")
            #expect(readme.contains(Wording.count(limits.maxLineBytes, "byte")), "\(folder): \(limits.maxLineBytes)")
            #expect(readme.contains("\(limits.maxFileBytes / InputLimits.megabyte) MB"), "\(folder)")
        }
    }

    @Test func aMessageFromElsewhereIsCutShortToo() {
        let error = FileReadError(.malformed, file: "f", position: FilePosition(line: 1), String(repeating: "x", count: 100_000))
        #expect(error.message.count < FileReadError.maxMessageCharacters + 20)
    }
}
