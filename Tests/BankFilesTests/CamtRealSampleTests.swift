import BankFiles
import Foundation
import HousingFinance
import Testing
import XML

/// Every camt file in `../shared/samples/` (banks' and other parsers' test files, see its
/// README and PROVENANCE.tsv): checked against the official XSD of its version, and read. The
/// samples are in EUR, CHF, SEK, USD and RON, so each is read with any currency allowed (to check
/// the reading and the totals) and once as the import reads (GBP only), which refuses it.
@Suite struct CamtRealSampleTests {
    enum Schema: Sendable, CustomStringConvertible {
        case valid
        /// Not valid against its official XSD; libxml2's message contains the text.
        case invalid(String)
        /// `../shared/iso20022/` has no XSD for this version.
        case noOfficialXSD
        var description: String {
            switch self {
            case .valid: "valid"
            case .invalid(let words): "invalid (\(words))"
            case .noOfficialXSD: "no XSD"
            }
        }
    }

    enum Outcome: Sendable {
        /// Read with its totals tied: statements, credits (count, pence), debits (count, pence).
        case tied(statements: Int, credits: Int, creditPence: Int64, debits: Int, debitPence: Int64)
        /// Refused: the code, where (element path ends with), and the reason's words.
        case refused(FileReadError.Code, element: String, because: String)
    }

    struct Sample: Sendable, CustomTestStringConvertible {
        var path: String
        var schema: Schema
        var outcome: Outcome
        var testDescription: String { path }
    }

    static let samples: [Sample] = [
        // camt.053
        .init(path: "camt053/dvbern-iso20022/Business_Sample_camt.053.001.04.xml", schema: .valid,
              outcome: .tied(statements: 1, credits: 2, creditPence: 13_567_850, debits: 1, debitPence: 20_000_000)),
        .init(path: "camt053/dvbern-iso20022/camt.053_P_CH0309000000250090342_380000000_0_2016053100163801.xml", schema: .valid,
              outcome: .tied(statements: 1, credits: 24, creditPence: 181_056, debits: 8, debitPence: 127_295)),
        .init(path: "camt053/dvbern-iso20022/invalid_camt_053_Beispiel_NotificationMissing.xml", schema: .invalid("Missing child element"),
              outcome: .refused(.malformed, element: "/Document", because: "does not start with <BkToCstmrStmt>")),
        // Ten balance types; OPBD 1.01 + 8.85 is not CLBD 4.04 (the parser's test data, not a real statement).
        .init(path: "camt053/genkgo-camt/camt053.v2.all-balance-types.xml", schema: .valid,
              outcome: .refused(.totalsDoNotTie, element: "/Stmt[1]/Bal[4]", because: "a difference of -5.82")),
        // Amounts written 18.150 (read as 18.15); 18.15 + 8.85 is not the closing 27.05.
        .init(path: "camt053/genkgo-camt/camt053.v2.five.decimals.xml", schema: .valid,
              outcome: .refused(.totalsDoNotTie, element: "/Stmt[1]/Bal[2]", because: "is 27.05, a difference of 0.05")),
        // The closing balance is DBIT 27.00 after a credit on CRDT 18.15.
        .init(path: "camt053/genkgo-camt/camt053.v2.minimal.ultimate.xml", schema: .valid,
              outcome: .refused(.totalsDoNotTie, element: "/Stmt[1]/Bal[2]", because: "is -27.00")),
        .init(path: "camt053/genkgo-camt/camt053.v2.minimal.xml", schema: .valid,
              outcome: .refused(.totalsDoNotTie, element: "/Stmt[1]/Bal[2]", because: "is -27.00")),
        .init(path: "camt053/genkgo-camt/camt053.v2.multi.statement.xml", schema: .valid,
              outcome: .tied(statements: 2, credits: 1, creditPence: 885, debits: 1, debitPence: 700)),
        // Only a CLAV (closing available) balance: nothing to check the entries against.
        .init(path: "camt053/genkgo-camt/camt053.v2.with-account-name.xml", schema: .valid,
              outcome: .refused(.malformed, element: "/Stmt[1]", because: "no opening booked balance")),
        .init(path: "camt053/genkgo-camt/camt053.v2.with-party-ids.xml", schema: .valid,
              outcome: .refused(.totalsDoNotTie, element: "/Stmt[1]/Bal[2]", because: "is -27.00")),
        .init(path: "camt053/genkgo-camt/camt053.v2.wrong.xml", schema: .invalid("Missing child element"),
              outcome: .refused(.malformed, element: "/BkToCstmrStmt[1]", because: "holds no <Stmt>")),
        .init(path: "camt053/genkgo-camt/camt053.v3.xml", schema: .noOfficialXSD,
              outcome: .refused(.totalsDoNotTie, element: "/Stmt[1]/Bal[2]", because: "is -27.00")),
        .init(path: "camt053/genkgo-camt/camt053.v4.xml", schema: .valid,
              outcome: .refused(.totalsDoNotTie, element: "/Stmt[1]/Bal[2]", because: "is -27.00")),
        .init(path: "camt053/genkgo-camt/camt053.v8.xml", schema: .valid,
              outcome: .refused(.totalsDoNotTie, element: "/Stmt[1]/Bal[2]", because: "is -27.00")),
        // An opening balance only, no closing balance.
        .init(path: "camt053/genkgo-camt/camt53.only-Dt-with-DtTm.xml", schema: .valid,
              outcome: .refused(.malformed, element: "/Stmt[1]", because: "no closing booked balance")),
        // 1000.00 + 50.00 - 100.00 = 950.00, but the closing balance says 900.00 (the file's purpose).
        .init(path: "camt053/newinnovations-camt053/error-camt053.xml", schema: .invalid("NtryDtls': This element is not expected"),
              outcome: .refused(.totalsDoNotTie, element: "/Stmt[1]/Bal[2]", because: "is 900.00, a difference of -50.00")),
        .init(path: "camt053/newinnovations-camt053/example-camt053-a.xml", schema: .valid,
              outcome: .tied(statements: 2, credits: 4, creditPence: 80_174, debits: 7, debitPence: 54_200)),
        // The transaction summary counts 16 entries; the statement holds 19.
        .init(path: "camt053/newinnovations-camt053/example-camt053-b.xml", schema: .valid,
              outcome: .refused(.totalsDoNotTie, element: "/Stmt[1]/TxsSummry[1]", because: "NbOfNtries says 16 but the statement holds 19")),
        .init(path: "camt053/newinnovations-camt053/test-camt053.xml", schema: .invalid("NtryDtls': This element is not expected"),
              outcome: .tied(statements: 1, credits: 1, creditPence: 5_000, debits: 1, debitPence: 10_000)),
        .init(path: "camt053/oca-bank-statement-import/sftp-camt053.xml", schema: .valid,
              outcome: .refused(.malformed, element: "/Stmt[1]", because: "no closing booked balance")),
        // The opening 15568.27 and the booked entries do not reach the closing 15121.12.
        .init(path: "camt053/oca-bank-statement-import/test-camt053-9.0.xml", schema: .valid,
              outcome: .refused(.totalsDoNotTie, element: "/Stmt[1]/Bal[2]", because: "is 15121.12, a difference of -504.16")),
        .init(path: "camt053/oca-bank-statement-import/test-camt053-bookgdt-dttm.xml", schema: .valid,
              outcome: .refused(.totalsDoNotTie, element: "/Stmt[1]/Bal[2]", because: "is 15121.12, a difference of 307.10")),
        .init(path: "camt053/oca-bank-statement-import/test-camt053-no-ntry.xml", schema: .invalid("BIC"),
              outcome: .tied(statements: 1, credits: 0, creditPence: 0, debits: 0, debitPence: 0)),
        // One entry of 3,483.00 itemised as two transactions: two payments.
        .init(path: "camt053/oca-bank-statement-import/test-camt053-txdtls.xml", schema: .invalid("'CH1' is not accepted"),
              outcome: .tied(statements: 1, credits: 2, creditPence: 348_300, debits: 0, debitPence: 0)),
        .init(path: "camt053/oca-bank-statement-import/test-camt053.xml", schema: .valid,
              outcome: .refused(.totalsDoNotTie, element: "/Stmt[1]/Bal[2]", because: "is 15121.12, a difference of -434.16")),
        // camt.054
        .init(path: "camt054/dvbern-iso20022/200519_camt.054_P_CH2909000000250094239_1111091335_0_2020061900081727_v2009.xml", schema: .noOfficialXSD,
              outcome: .tied(statements: 1, credits: 2, creditPence: 169_222, debits: 0, debitPence: 0)),
        .init(path: "camt054/dvbern-iso20022/200519_camt.054_P_CH2909000000250094239_1111091335_0_2020061900081727_v2019.xml", schema: .valid,
              outcome: .tied(statements: 1, credits: 2, creditPence: 169_222, debits: 0, debitPence: 0)),
        .init(path: "camt054/dvbern-iso20022/200519_camt054-ESR-ASR_P_CH2909000000250094239_1110092704_0_2019042500372179_v2009.xml", schema: .noOfficialXSD,
              outcome: .tied(statements: 1, credits: 0, creditPence: 0, debits: 1, debitPence: 14_700)),
        .init(path: "camt054/dvbern-iso20022/camt.054-ES_P_CH0309000000250090342_38000000_0_2016052723011813.xml", schema: .noOfficialXSD,
              outcome: .tied(statements: 1, credits: 8, creditPence: 62_000, debits: 0, debitPence: 0)),
        .init(path: "camt054/dvbern-iso20022/camt.054_P_CH2909000000250094239_1111111112_0_2022031011011199_v2009.xml", schema: .noOfficialXSD,
              outcome: .tied(statements: 1, credits: 1, creditPence: 52_210, debits: 0, debitPence: 0)),
        .init(path: "camt054/dvbern-iso20022/camt.054_P_CH2909000000250094239_1111111112_0_2022031011011199_v2019.xml", schema: .valid,
              outcome: .tied(statements: 1, credits: 1, creditPence: 52_210, debits: 0, debitPence: 0)),
        .init(path: "camt054/dvbern-iso20022/camt.054_P_CH2909000000250094239_1111111119_0_2022030911011199_v2009.xml", schema: .noOfficialXSD,
              outcome: .tied(statements: 1, credits: 1, creditPence: 50_105, debits: 0, debitPence: 0)),
        // A pending entry (skipped) and a reversal.
        .init(path: "camt054/dvbern-iso20022/camt_054_Beispiel_NoCrdtBookedNotReversed.xml", schema: .noOfficialXSD,
              outcome: .tied(statements: 1, credits: 1, creditPence: 11_100, debits: 1, debitPence: 300)),
        .init(path: "camt054/dvbern-iso20022/camt_054_Beispiel_SammelbuchungEs.xml", schema: .noOfficialXSD,
              outcome: .tied(statements: 1, credits: 2, creditPence: 11_300, debits: 0, debitPence: 0)),
        .init(path: "camt054/dvbern-iso20022/camt_054_Beispiel_ZA1_ESR_ZE.xml", schema: .noOfficialXSD,
              outcome: .tied(statements: 1, credits: 1, creditPence: 394_975, debits: 0, debitPence: 0)),
        // A bare <Document> in no namespace.
        .init(path: "camt054/dvbern-iso20022/invalid_camt_054_Beispiel_NotificationMissing.xml", schema: .noOfficialXSD,
              outcome: .refused(.malformed, element: "/Document", because: "not an ISO 20022 camt.053 or camt.054 Document")),
        .init(path: "camt054/genkgo-camt/camt054.v2.with-account-name.xml", schema: .valid,
              outcome: .tied(statements: 1, credits: 0, creditPence: 0, debits: 1, debitPence: 20_000_000)),
        // Three transaction details without amounts: the entry cannot be split.
        .init(path: "camt054/genkgo-camt/camt054.v2.xml", schema: .valid,
              outcome: .refused(.malformed, element: "/Ntry[1]/NtryDtls[1]/TxDtls[1]", because: "detail 1 has no amount")),
        // Details of 9.50 in an entry of 200,000.00 (DBIT).
        .init(path: "camt054/genkgo-camt/camt054.v4.xml", schema: .noOfficialXSD,
              outcome: .refused(.totalsDoNotTie, element: "/Ntfctn[1]/Ntry[1]", because: "add up to 9.50 but the entry amount is -200000.00")),
        .init(path: "camt054/genkgo-camt/camt054.v8-with-UETR.xml", schema: .valid,
              outcome: .tied(statements: 1, credits: 0, creditPence: 0, debits: 1, debitPence: 20_000_000)),
        .init(path: "camt054/genkgo-camt/camt054.v8-with-financial-institution.xml", schema: .valid,
              outcome: .tied(statements: 1, credits: 0, creditPence: 0, debits: 1, debitPence: 20_000_000)),
        .init(path: "camt054/genkgo-camt/camt054.v8.xml", schema: .valid,
              outcome: .refused(.totalsDoNotTie, element: "/Ntfctn[1]/Ntry[1]", because: "add up to 9.50 but the entry amount is -200000.00")),
        .init(path: "camt054/oca-bank-statement-import/test-camt054.xml", schema: .noOfficialXSD,
              outcome: .tied(statements: 1, credits: 1, creditPence: 500, debits: 0, debitPence: 0)),
    ]

    @Test func everySampleFileIsListed() throws {
        var found: [String] = []
        for folder in ["camt053", "camt054"] {
            let directory = SampleFiles.realSamples.appendingPathComponent(folder)
            let enumerator = try #require(FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil))
            for case let url as URL in enumerator where url.pathExtension == "xml" {
                found.append(url.path.replacingOccurrences(of: SampleFiles.realSamples.path + "/", with: ""))
            }
        }
        #expect(found.sorted() == Self.samples.map(\.path).sorted())
    }

    @Test(arguments: samples)
    func sampleAgainstItsOfficialSchema(_ sample: Sample) throws {
        let url = SampleFiles.realSamples.appendingPathComponent(sample.path)
        let head = String(decoding: try SampleFiles.bytes(url).prefix(4096), as: UTF8.self)
        let version = head.firstMatch(of: /camt\.05[34]\.001\.[0-9]+/).map { String($0.output) }
        let schema = try version.flatMap { try CamtFixtures.schema($0) }
        switch sample.schema {
        case .noOfficialXSD:
            #expect(schema == nil, "an XSD for \(version ?? "-") exists now: validate against it")
        case .valid:
            let schema = try #require(schema)
            #expect(throws: Never.self) { try schema.validate(path: url.path) }
        case .invalid(let words):
            let schema = try #require(schema)
            do {
                try schema.validate(path: url.path)
                Issue.record("\(sample.path) is valid against \(version!)")
            } catch {
                #expect(error.code == .invalid && error.message.contains(words), "\(error)")
            }
        }
    }

    @Test(arguments: samples)
    func sampleReadsOrIsRefusedForItsReason(_ sample: Sample) throws {
        let url = SampleFiles.realSamples.appendingPathComponent(sample.path)
        let name = url.lastPathComponent
        switch sample.outcome {
        case let .tied(statements, credits, creditPence, debits, debitPence):
            let (totals, payments) = try readAll(CamtReader(url: url, currency: nil).read)
            #expect(totals.statements == statements)
            #expect(totals.creditCount == credits && totals.creditTotal == Money(pence: creditPence), "\(totals)")
            #expect(totals.debitCount == debits && totals.debitTotal == Money(pence: debitPence), "\(totals)")
            // The payments handed out are the totals.
            #expect(payments.filter { $0.direction == .credit }.reduce(Money.zero) { $0 + $1.amount } == totals.creditTotal)
            #expect(payments.filter { $0.direction == .debit }.reduce(Money.zero) { $0 + $1.amount } == totals.debitTotal)
            #expect(payments.count == totals.recordCount)
            for payment in payments {
                #expect(payment.position.line != nil && payment.position.element?.hasPrefix("/Document/BkToCstmr") == true)
                #expect(payment.amount.pence > 0)
            }
            // As the import reads it (GBP only), a foreign statement is refused, naming its currency.
            if totals.recordCount > 0 || totals.openingBalance != nil {
                let error = expectCamtRefusal(.unsupported, file: name, containing: "the hub reads GBP") { try CamtReader(url: url).read($0) }
                #expect(["EUR", "CHF", "SEK", "USD", "RON"].contains { code in error?.message.contains(code) == true })
            }
        case let .refused(code, element, words):
            expectCamtRefusal(code, file: name, element: element, containing: words) { try CamtReader(url: url, currency: nil).read($0) }
        }
    }

    @Test func itemisedEntryBecomesOnePaymentPerTransaction() throws {
        let url = SampleFiles.realSamples.appendingPathComponent("camt053/oca-bank-statement-import/test-camt053-txdtls.xml")
        let (_, payments) = try readAll(CamtReader(url: url, currency: nil).read)
        #expect(payments.map(\.amount) == [Money(pence: 218_700), Money(pence: 129_600)])
        #expect(payments.map(\.reference) == ["302388292000011111111111111", "302388292000022222222222222"])
        // Both details carry the same AcctSvcrRef: each payment is told apart by the entry's reference and its position.
        #expect(payments.map(\.bankReference) == ["20170323001234567891234567891234/1", "20170323001234567891234567891234/2"])
        #expect(payments.map(\.position.element) == [
            "/Document/BkToCstmrStmt[1]/Stmt[1]/Ntry[1]/NtryDtls[1]/TxDtls[1]",
            "/Document/BkToCstmrStmt[1]/Stmt[1]/Ntry[1]/NtryDtls[1]/TxDtls[2]",
        ])
    }

    @Test func pendingEntriesAreSkippedAndReported() throws {
        let url = SampleFiles.realSamples.appendingPathComponent("camt054/dvbern-iso20022/camt_054_Beispiel_NoCrdtBookedNotReversed.xml")
        let (totals, payments) = try readAll(CamtReader(url: url, currency: nil).read)
        #expect(totals.checks.contains { $0.contains("1 entry with status PDNG skipped") }, "\(totals.checks)")
        #expect(totals.checks.contains { $0.contains("1 reversal entry") }, "\(totals.checks)")
        #expect(payments.contains { $0.details?.hasPrefix("reversal (RvslInd)") == true })
    }

    @Test func multiStatementFileKeepsEachStatementsIdentity() throws {
        let url = SampleFiles.realSamples.appendingPathComponent("camt053/genkgo-camt/camt053.v2.multi.statement.xml")
        let (totals, payments) = try readAll(CamtReader(url: url, currency: nil).read)
        #expect(payments.map(\.statementId) == ["253EURNL26VAYB8060476890", "254EURNL26VAYB8060476890"])
        #expect(payments.first?.reference == "Transaction Description 1")
        #expect(payments.first?.endToEndId == "000000001")
        // The credit names only its creditor (the account holder), not the payer.
        #expect(payments.first?.payerName == nil)
        #expect(totals.openingBalance == Money(pence: 1_815) && totals.closingBalance == Money(pence: 2_000))
        #expect(totals.checks.count == 2)
    }
}
