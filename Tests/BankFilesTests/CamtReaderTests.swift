import BankFiles
import Foundation
import HousingFinance
import Testing
import XML

/// The camt reader on statements the hub's own writer makes (valid against the official
/// camt.053.001.08 XSD), and on each kind of bad input.
@Suite struct CamtReaderTests {
    let name = "statement-20261201.xml"

    func read(_ text: String, currency: String? = "GBP") throws -> (totals: FileTotals, payments: [Payment]) {
        try readAll(CamtReader(bytes: Array(text.utf8), fileName: name, currency: currency).read)
    }

    func reader(_ text: String) -> CamtReader { CamtReader(bytes: Array(text.utf8), fileName: name) }

    @Test func writtenStatementIsValidAgainstTheOfficialSchema() throws {
        let schema = try #require(try CamtFixtures.schema("camt.053.001.08"))
        let bytes = try CamtFixtures.statementBytes()
        #expect(throws: Never.self) { try schema.validate(bytes: bytes, name: "written") }
        // An entry without details or party, and a statement that ends overdrawn, too.
        let plain = [Camt053Entry(amount: Money(pence: 1), direction: .debit, bookingDate: CamtFixtures.day, reference: nil, accountServicerReference: nil)]
        let overdrawn = try Camt053Writer(messageId: "M", created: CamtFixtures.day).bytes([(CamtFixtures.statement(opening: .zero), plain)])
        #expect(throws: Never.self) { try schema.validate(bytes: overdrawn, name: "overdrawn") }
        #expect(CamtFixtures.text(overdrawn).contains("<Amt Ccy=\"GBP\">0.01</Amt>\n        <CdtDbtInd>DBIT</CdtDbtInd>"))
    }

    @Test func readsEveryBookedPaymentWithItsReferences() throws {
        let (totals, payments) = try read(CamtFixtures.text(try CamtFixtures.statementBytes()))
        // 125.50 + (100.00 + 150.00 + 50.00) credits, 40.00 debit; the pending 99.99 is skipped.
        #expect(totals.format == .camt053)
        #expect(totals.statements == 1)
        #expect(totals.creditCount == 4 && totals.creditTotal == Money(pence: 42_550))
        #expect(totals.debitCount == 1 && totals.debitTotal == Money(pence: 4_000))
        #expect(totals.openingBalance == Money(pence: 100_000))
        #expect(totals.closingBalance == Money(pence: 138_550))
        #expect(totals.fileDate == CamtFixtures.day)
        #expect(totals.checks == [
            "Stmt 'STMT-20261201': transaction summary ties: 3 entries, credits £425.50, debits £40.00",
            "Stmt 'STMT-20261201': opening £1,000.00 + credits £425.50 - debits £40.00 = closing £1,385.50",
            "Stmt 'STMT-20261201': 1 entry with status PDNG skipped (not booked)",
        ])
        #expect(payments.map(\.reference) == ["RENT 10002345 FLAT 3", "10003456", "10004567", "10005678", "RETURNED 10002345"])
        #expect(payments.map(\.amount.pence) == [12_550, 10_000, 15_000, 5_000, 4_000])
        #expect(payments.map(\.direction) == [.credit, .credit, .credit, .credit, .debit])
        #expect(payments.map(\.bankReference) == ["BNK0001", "BNK0002/1", "BNK0002/2", "BNK0002/3", "BNK0003"])
        #expect(payments.map(\.payerName) == ["J SMITH", "A JONES", "B PATEL", "C WONG", "J SMITH"])
        // NOTPROVIDED is no reference.
        #expect(payments.map(\.endToEndId) == ["E2E-1", nil, "E2E-2b", nil, nil])
        #expect(payments.map(\.bankTransactionCode) == ["PMNT/RCDT/DMCT", "PMNT/RCDT/DMCT", "PMNT/RCDT/DMCT", "PMNT/RCDT/DMCT", "PMNT/RDDT/UPDD"])
        #expect(payments.allSatisfy { $0.statementId == "STMT-20261201" && $0.bookingDate == CamtFixtures.day && $0.valueDate == CamtFixtures.day })
        #expect(payments[0].position.element == "/Document/BkToCstmrStmt[1]/Stmt[1]/Ntry[1]")
        #expect(payments[2].position.element == "/Document/BkToCstmrStmt[1]/Stmt[1]/Ntry[2]/NtryDtls[1]/TxDtls[2]")
        #expect(payments[4].position.element == "/Document/BkToCstmrStmt[1]/Stmt[1]/Ntry[3]")
        let lines = CamtFixtures.text(try CamtFixtures.statementBytes()).split(separator: "\n", omittingEmptySubsequences: false)
        let line = try #require(payments[0].position.line)
        #expect(lines[line - 1].contains("<Ntry>"))
    }

    @Test func severalStatementsInOneFileAreEachChecked() throws {
        let writer = Camt053Writer(messageId: "MSG", created: CamtFixtures.day)
        let entries = CamtFixtures.entries()
        let bytes = try writer.bytes([
            (CamtFixtures.statement("A", opening: Money(pence: 100_000)), entries),
            (CamtFixtures.statement("B", opening: Money(pence: 138_550)), Array(entries.prefix(1))),
            (CamtFixtures.statement("C", opening: Money(pence: -500)), []),
        ])
        #expect(throws: Never.self) { try CamtFixtures.requiredSchema("camt.053.001.08").validate(bytes: bytes) }
        let (totals, payments) = try read(CamtFixtures.text(bytes))
        #expect(totals.statements == 3)
        #expect(totals.openingBalance == Money(pence: 100_000) && totals.closingBalance == Money(pence: -500))
        #expect(payments.map(\.statementId) == ["A", "A", "A", "A", "A", "B"])
        #expect(totals.checks.filter { $0.contains("= closing") }.count == 3)
        // The second statement's closing balance off by a penny: refused at that statement.
        var text = CamtFixtures.text(bytes)
        text = CamtFixtures.replacing("<Amt Ccy=\"GBP\">1511.00</Amt>", with: "<Amt Ccy=\"GBP\">1511.01</Amt>", in: text)
        expectCamtRefusal(.totalsDoNotTie, file: name, element: "/Stmt[2]/Bal[2]", containing: "a difference of 0.01") { try reader(text).read($0) }
    }

    @Test func entriesWithoutBankCodeOrRemittanceAreStillPayments() throws {
        var text = CamtFixtures.text(try CamtFixtures.statementBytes())
        text = text.replacingOccurrences(of: #"(?s)\s*<BkTxCd>.*?</BkTxCd>"#, with: "", options: .regularExpression)
        text = text.replacingOccurrences(of: #"(?s)\s*<RmtInf>.*?</RmtInf>"#, with: "", options: .regularExpression)
        let (totals, payments) = try read(text)
        #expect(payments.count == 5 && totals.creditTotal == Money(pence: 42_550))
        #expect(payments.allSatisfy { $0.reference == "" && $0.bankTransactionCode == nil })
    }

    @Test func structuredCreditorReferenceIsTheReference() throws {
        let text = CamtFixtures.replacing(
            "<Ustrd>RENT 10002345 FLAT 3</Ustrd>",
            with: "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>RF18 1000 2345</Ref></CdtrRefInf></Strd>",
            in: CamtFixtures.text(try CamtFixtures.statementBytes()))
        #expect(throws: Never.self) { try CamtFixtures.requiredSchema("camt.053.001.08").validate(bytes: Array(text.utf8)) }
        #expect(try read(text).payments.first?.reference == "RF18 1000 2345")
    }

    @Test func olderVersionsWriteStatusAndPartyNamesDifferently() throws {
        // camt.053.001.02: <Sts>BOOK</Sts> and <Dbtr><Nm>; several Ustrd lines joined.
        var text = CamtFixtures.text(try CamtFixtures.statementBytes())
        text = text.replacingOccurrences(of: "camt.053.001.08", with: "camt.053.001.02")
        text = text.replacingOccurrences(of: #"<Sts>\s*<Cd>(\w+)</Cd>\s*</Sts>"#, with: "<Sts>$1</Sts>", options: .regularExpression)
        text = text.replacingOccurrences(of: #"<Pty>\s*(<Nm>[^<]*</Nm>)\s*</Pty>"#, with: "$1", options: .regularExpression)
        text = CamtFixtures.replacing("<Ustrd>RENT 10002345 FLAT 3</Ustrd>", with: "<Ustrd>RENT 10002345</Ustrd><Ustrd>FLAT 3</Ustrd>", in: text)
        let (totals, payments) = try read(text)
        #expect(totals.creditCount == 4 && totals.checks.last?.contains("PDNG skipped") == true)
        #expect(payments.first?.reference == "RENT 10002345 FLAT 3")
        #expect(payments.first?.payerName == "J SMITH")
    }

    // MARK: Bad input: each refused naming the file and the position

    @Test func truncatedFileIsRefused() throws {
        let bytes = try CamtFixtures.statementBytes()
        for fraction in [0.1, 0.5, 0.9, 0.999] {
            let cut = Array(bytes.prefix(Int(Double(bytes.count) * fraction)))
            let error = expectCamtRefusal(.truncated, file: name, containing: "ask the bank to send it again") {
                try CamtReader(bytes: cut, fileName: name).read($0)
            }
            #expect(error?.position.line != nil)
        }
    }

    @Test func wrongClosingBalanceIsRefused() throws {
        let text = CamtFixtures.replacing("<Amt Ccy=\"GBP\">1385.50</Amt>", with: "<Amt Ccy=\"GBP\">1385.49</Amt>",
                                          in: CamtFixtures.text(try CamtFixtures.statementBytes()))
        expectCamtRefusal(.totalsDoNotTie, file: name, element: "/Document/BkToCstmrStmt[1]/Stmt[1]/Bal[2]",
                          containing: "opening balance 1000.00 + credits 425.50 - debits 40.00 = 1385.50, but the closing balance (CLBD) is 1385.49, a difference of -0.01") {
            try reader(text).read($0)
        }
    }

    @Test func transactionSummaryOffByAPennyIsRefused() throws {
        let text = CamtFixtures.replacing("<Sum>425.50</Sum>", with: "<Sum>425.51</Sum>", in: CamtFixtures.text(try CamtFixtures.statementBytes()))
        expectCamtRefusal(.totalsDoNotTie, file: name, element: "/Stmt[1]/TxsSummry[1]", containing: "TtlCdtNtries/Sum says 425.51 but the entries add up to 425.50") {
            try reader(text).read($0)
        }
    }

    @Test func transactionDetailsThatDoNotAddUpAreRefused() throws {
        let text = CamtFixtures.replacing("<Amt Ccy=\"GBP\">50.00</Amt>", with: "<Amt Ccy=\"GBP\">50.01</Amt>", in: CamtFixtures.text(try CamtFixtures.statementBytes()))
        expectCamtRefusal(.totalsDoNotTie, file: name, element: "/Stmt[1]/Ntry[2]", containing: "add up to 300.01 but the entry amount is 300.00") {
            try reader(text).read($0)
        }
    }

    @Test func dateThatDoesNotExistIsRefused() throws {
        let text = CamtFixtures.replacing("<Dt>2026-12-01</Dt>", with: "<Dt>2026-02-31</Dt>",
                                          in: CamtFixtures.text(try CamtFixtures.statementBytes()), occurrence: 5)
        expectCamtRefusal(.invalidValue, file: name, element: "/Stmt[1]/Ntry[2]/BookgDt[1]/Dt[1]", containing: "'2026-02-31' is not a date that exists") {
            try reader(text).read($0)
        }
    }

    @Test func amountWithThreeDecimalsIsRefused() throws {
        let text = CamtFixtures.replacing("<Amt Ccy=\"GBP\">125.50</Amt>", with: "<Amt Ccy=\"GBP\">125.505</Amt>",
                                          in: CamtFixtures.text(try CamtFixtures.statementBytes()))
        expectCamtRefusal(.invalidValue, file: name, element: "/Stmt[1]/Ntry[1]/Amt[1]", containing: "'125.505' has 3 decimals") { try reader(text).read($0) }
        // Trailing zeros are exact, as some banks write them.
        let zeros = CamtFixtures.text(try CamtFixtures.statementBytes()).replacingOccurrences(of: "GBP\">125.50<", with: "GBP\">125.50000<")
        #expect(try read(zeros).payments.first?.amount == Money(pence: 12_550))
    }

    @Test func unsupportedVersionOrMessageIsRefused() throws {
        let text = CamtFixtures.text(try CamtFixtures.statementBytes())
        expectCamtRefusal(.unsupported, file: name, element: "/Document", containing: "version camt.053.001.01 is not one the hub reads") {
            try reader(text.replacingOccurrences(of: "camt.053.001.08", with: "camt.053.001.01")).read($0)
        }
        expectCamtRefusal(.unsupported, file: name, element: "/Document", containing: "camt.052 message") {
            try reader(text.replacingOccurrences(of: "camt.053.001.08", with: "camt.052.001.08")).read($0)
        }
        expectCamtRefusal(.unsupported, file: name, containing: "not camt054 as asked") {
            try CamtReader(bytes: Array(text.utf8), fileName: name, expected: .camt054).read($0)
        }
    }

    @Test func otherCurrencyIsRefused() throws {
        let text = CamtFixtures.text(try CamtFixtures.statementBytes()).replacingOccurrences(of: "GBP", with: "EUR")
        expectCamtRefusal(.unsupported, file: name, element: "/Stmt[1]/Acct[1]/Ccy[1]", containing: "is in EUR; the hub reads GBP statements") {
            try reader(text).read($0)
        }
    }

    @Test func xmlBombIsRefused() throws {
        let bomb = """
            <?xml version="1.0"?>
            <!DOCTYPE Document [
              <!ENTITY a "aaaaaaaaaa">
              <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
              <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
              <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
            ]>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>&d;</MsgId></GrpHdr></BkToCstmrStmt></Document>
            """
        expectCamtRefusal(.hostile, file: name, containing: "DOCTYPE") { try reader(bomb).read($0) }
    }

    @Test func externalEntityIsRefused() throws {
        let xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE Document [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>&secret;</MsgId></GrpHdr></BkToCstmrStmt></Document>
            """
        let error = expectCamtRefusal(.hostile, file: name) { try reader(xxe).read($0) }
        #expect(error?.message.contains("root:") == false)
    }

    @Test func hundredMegabyteTextNodeIsRefused() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("camt-huge-\(UUID().uuidString).xml")
        defer { try? FileManager.default.removeItem(at: url) }
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        let text = CamtFixtures.text(try CamtFixtures.statementBytes())
        let split = try #require(text.range(of: "RENT 10002345 FLAT 3"))
        try handle.write(contentsOf: Data(text[..<split.lowerBound].utf8))
        let chunk = Data(repeating: UInt8(ascii: "A"), count: 1 << 20)
        for _ in 0..<100 { try handle.write(contentsOf: chunk) }
        try handle.write(contentsOf: Data(text[split.upperBound...].utf8))
        try handle.close()
        let error = expectCamtRefusal(.hostile, file: url.lastPathComponent) { try CamtReader(url: url).read($0) }
        #expect(error?.position.element?.contains("/Stmt[1]/Ntry[1]") == true, "\(String(describing: error))")
    }

    @Test func fileWithoutStatementOrNotCamtIsRefused() throws {
        expectCamtRefusal(.malformed, file: name, containing: "not an ISO 20022") { try reader("<Statement/>").read($0) }
        expectCamtRefusal(.truncated, file: name) { try reader("").read($0) }
        expectCamtRefusal(.malformed, file: name, containing: "not well-formed") { try reader("<Document>\n<a></b>\n</Document>\n").read($0) }
    }

    @Test func streamsFromAFileAndThroughTheEntryPoint() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("camt-\(UUID().uuidString).xml")
        defer { try? FileManager.default.removeItem(at: url) }
        try Camt053Writer(messageId: "M", created: CamtFixtures.day).write([(CamtFixtures.statement(), CamtFixtures.entries())], to: url)
        #expect(try PaymentFiles.detect(url: url, cardMapping: nil) == .camt053)
        var count = 0
        let totals = try PaymentFiles.read(url: url, format: .camt053, cardMapping: nil) { _ in count += 1 }
        #expect(count == 5 && totals.closingBalance == Money(pence: 138_550))
        expectCamtRefusal(.unsupported, file: url.lastPathComponent) { try PaymentFiles.read(url: url, format: .camt054, cardMapping: nil, $0) }
    }

    // MARK: Fuzz

    /// 300 deterministic mutations of the sample files (truncation, byte flips, duplicated
    /// elements): each read either returns totals that are exactly the payments it handed out, or
    /// throws a `FileReadError` naming the file. Nothing else: no crash, no other error, no
    /// totals that disagree with the payments (the import posts only when the read returns).
    @Test func mutatedFilesAreReadWholeOrRefusedWhole() throws {
        var sources: [(String, [UInt8])] = [("written.xml", try CamtFixtures.statementBytes())]
        for path in ["camt053/newinnovations-camt053/example-camt053-a.xml", "camt053/oca-bank-statement-import/test-camt053-txdtls.xml",
                     "camt054/dvbern-iso20022/camt_054_Beispiel_NoCrdtBookedNotReversed.xml", "camt053/genkgo-camt/camt053.v2.multi.statement.xml"] {
            let url = SampleFiles.realSamples.appendingPathComponent(path)
            sources.append((url.lastPathComponent, try SampleFiles.bytes(url)))
        }
        var random = SplitMix(seed: 20261201)
        var outcomes = (read: 0, refused: [FileReadError.Code: Int]())
        for index in 0..<300 {
            let (name, original) = sources[index % sources.count]
            var bytes = original
            switch index % 3 {
            case 0:
                bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
            case 1:
                for _ in 0..<(1 + Int(random.next() % 3)) {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
            default:
                let text = String(decoding: bytes, as: UTF8.self)
                let names = ["Ntry", "Bal", "TxDtls", "Amt", "Stmt", "Ntfctn", "Ustrd", "CdtDbtInd", "TxsSummry", "BookgDt"]
                let element = names[Int(random.next() % UInt64(names.count))]
                let starts = text.ranges(of: "<\(element)>")
                if let start = starts.isEmpty ? nil : starts[Int(random.next() % UInt64(starts.count))],
                   let end = text.range(of: "</\(element)>", range: start.upperBound..<text.endIndex) {
                    let copy = text[start.lowerBound..<end.upperBound]
                    bytes = Array((text[..<end.upperBound] + copy + text[end.upperBound...]).utf8)
                } else {
                    bytes = Array(bytes.dropLast(Int(random.next() % 64)))
                }
            }
            var payments: [Payment] = []
            do {
                let totals = try CamtReader(bytes: bytes, fileName: name, currency: nil).read { payments.append($0) }
                outcomes.read += 1
                let credits = payments.filter { $0.direction == .credit }, debits = payments.filter { $0.direction == .debit }
                #expect(totals.creditCount == credits.count && totals.debitCount == debits.count, "case \(index)")
                #expect(totals.creditTotal == credits.reduce(.zero) { $0 + $1.amount }, "case \(index)")
                #expect(totals.debitTotal == debits.reduce(.zero) { $0 + $1.amount }, "case \(index)")
            } catch let error as FileReadError {
                outcomes.refused[error.code, default: 0] += 1
                #expect(error.file == name, "case \(index): \(error)")
                #expect(!error.message.isEmpty)
            } catch {
                Issue.record("case \(index): not a FileReadError: \(error)")
            }
        }
        // Most mutations break the file; some (a flipped byte in a name) leave it readable.
        #expect(outcomes.read + outcomes.refused.values.reduce(0, +) == 300)
        #expect(outcomes.refused[.truncated, default: 0] > 50, "\(outcomes)")
        #expect(outcomes.refused[.totalsDoNotTie, default: 0] > 5, "\(outcomes)")
    }
}

/// A small deterministic random number generator (SplitMix64), so the fuzz cases are the same every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The samples documented in `Interfaces/inbound/camt053` and `camt054`.
@Suite struct CamtInterfaceSampleTests {
    @Test func camt053SampleIsWhatTheWriterWritesAndReads() throws {
        let bytes = try SampleFiles.inbound("camt053/statement-20261201.xml")
        #expect(bytes == (try CamtFixtures.statementBytes()), "regenerate the sample from CamtFixtures.statementBytes()")
        #expect(throws: Never.self) { try CamtFixtures.requiredSchema("camt.053.001.08").validate(bytes: bytes) }
        let (totals, payments) = try readAll(CamtReader(bytes: bytes, fileName: "statement-20261201.xml").read)
        #expect(totals.creditTotal == Money(pence: 42_550) && totals.debitTotal == Money(pence: 4_000) && payments.count == 5)
    }

    @Test func camt054SampleIsValidAndReads() throws {
        let bytes = try SampleFiles.inbound("camt054/notification-20261202.xml")
        #expect(throws: Never.self) { try CamtFixtures.requiredSchema("camt.054.001.08").validate(bytes: bytes) }
        let (totals, payments) = try readAll(CamtReader(bytes: bytes, fileName: "notification-20261202.xml").read)
        #expect(totals.format == .camt054)
        #expect(totals.creditCount == 3 && totals.creditTotal == Money(pence: 31_075))
        #expect(totals.openingBalance == nil && totals.closingBalance == nil)
        #expect(totals.checks.first == "Ntfctn 'NTF-20261202-0001-1': transaction summary ties: 2 entries, credits £310.75, debits £0.00")
        #expect(payments.map(\.reference) == ["RENT 1000 2345", "10003456", "10004567 DEC"])
        #expect(payments.map(\.entryReference) == ["1", "2", "2"])
        #expect(payments.map(\.bankReference) == ["FPS2026120200017", "BGC2026120200018/1", "BGC2026120200018/2"])
        #expect(payments.map(\.endToEndId) == [nil, "HA-REF-77812", "HA-REF-77813"])
        #expect(payments.map(\.payerName) == ["MRS K OKAFOR", "HOUSING ASSOCIATION TRUST", "HOUSING ASSOCIATION TRUST"])
        #expect(payments.map(\.bankTransactionCode) == ["PMNT/RCDT/DMCT", "PMNT/RCDT/BOOK", "PMNT/RCDT/BOOK"])
    }
}
