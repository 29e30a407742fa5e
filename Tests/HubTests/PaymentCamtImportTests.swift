import BankFiles
import Foundation
import HousingFinance
import Hub
import HubTesting
import Postgres
import Testing

/// camt.053 statements and camt.054 notifications through the import (and Bacs ARUDD reports refused by it).
@Suite struct PaymentCamtImportTests {
    let day = d("2026-12-02")

    func camt053(_ world: PaymentWorld, id: String, entries: [Camt053Entry]) throws -> String {
        let bytes = try Camt053Writer(messageId: id, created: day).bytes([
            (Camt053Statement(id: id, iban: "GB29NWBK60161331926819", date: day, openingBalance: Money(pence: 1_000_000)), entries),
        ])
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func aCamt053StatementImportsSplitEntriesSettlementsAndCharges() throws {
        let world = try PaymentWorld()
        let refs = world.refs
        let text = try camt053(world, id: "STMT-1", entries: [
            Camt053Entry(amount: Money(pence: 9575), bookingDate: day, reference: "RENT \(refs[0])", accountServicerReference: "A1", payerName: "MRS K OKAFOR"),
            Camt053Entry(amount: Money(pence: 30000), bookingDate: day, reference: nil, accountServicerReference: "A2", details: [
                .init(amount: Money(pence: 10000), reference: refs[1], payerName: "B"),
                .init(amount: Money(pence: 20000), reference: "NO IDEA", payerName: "C"),
            ]),
            Camt053Entry(amount: Money(pence: 4400), bookingDate: day, reference: "SETTLEMENT 01/12", accountServicerReference: "A3", payerName: "PAYPOINT PLC"),
            Camt053Entry(amount: Money(pence: 1250), direction: .debit, bookingDate: day, reference: "CHARGES", accountServicerReference: "A4", bankTransactionCode: "ACMT/MDOP/CHRG"),
        ])
        let outcome = try world.importText("camt053-20261202.xml", text, date: day.iso)
        #expect(outcome.report.format == "camt053")
        #expect(outcome.report.ties)
        #expect(outcome.report.line(.posted).credits == Tally(count: 2, pence: 19575))
        #expect(outcome.report.line(.suspense).credits == Tally(count: 1, pence: 20000))
        #expect(outcome.report.line(.settlement).credits == Tally(count: 1, pence: 4400))
        #expect(outcome.report.line(.reported).debits == Tally(count: 1, pence: 1250))
        #expect(try world.balance(refs[0], code: "RBT") == -9575)
        #expect(try world.balance(refs[1], code: "RBT") == -10000)
        let tie = try #require(try BankReconciliation.load(date: day, settings: world.settings, on: world.db).statements.first)
        #expect(tie.movementPence == 9575 + 30000 + 4400 - 1250)
        #expect(tie.differencePence == 0)

        // A camt.054 notification of the first entry (same AcctSvcrRef) sent afterwards is skipped.
        let notification = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
            <GrpHdr><MsgId>N1</MsgId><CreDtTm>2026-12-02T10:15:00</CreDtTm></GrpHdr>
            <Ntfctn><Id>N1-1</Id><CreDtTm>2026-12-02T10:15:00</CreDtTm><Acct><Id><IBAN>GB29NWBK60161331926819</IBAN></Id><Ccy>GBP</Ccy></Acct>
            <Ntry><Amt Ccy="GBP">95.75</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-12-02</Dt></BookgDt>
            <AcctSvcrRef>A1</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
            <NtryDtls><TxDtls><Amt Ccy="GBP">95.75</Amt><CdtDbtInd>CRDT</CdtDbtInd><RmtInf><Ustrd>RENT \(refs[0])</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
            </Ntfctn></BkToCstmrDbtCdtNtfctn></Document>
            """
        let later = try world.importText("camt054-20261202.xml", notification, date: day.iso)
        #expect(later.report.format == "camt054")
        #expect(later.report.line(.skipped).credits == Tally(count: 1, pence: 9575))
        #expect(try world.balance(refs[0]) == -9575)
    }

    /// An ARUDD report is not a payment file: the payment import refuses it, naming the one
    /// command that acts on returns (hub import and the inbox give it to that job), and posts nothing.
    @Test func anARUDDReportIsNotImportedAsPayments() throws {
        let world = try PaymentWorld()
        let refs = world.refs
        let report = ARUDDWriter(processingDate: day).bytes([
            ARUDDItem(payerReference: refs[0], payerName: "J SMITH", amount: Money(pence: 9850), originalProcessingDate: d("2026-11-27"),
                      returnCode: "0", returnDescription: "REFER TO PAYER"),
        ])
        #expect { try world.importText("ARUDD-20261202.xml", String(decoding: report, as: UTF8.self), date: day.iso) } throws: {
            ($0 as? RunError)?.code == .badInput && "\($0)".contains("ARUDD-20261202.xml") && "\($0)".contains("acted on by hub dd returns")
                && "\($0)".contains("Nothing was posted")
        }
        #expect(try world.sum("SELECT count(*) FROM payment_entries") == 0)
        #expect(try world.sum("SELECT count(*) FROM ledger_entries WHERE code = 'RDN'") == 0)
    }
}
