import BankFiles
import Foundation
import HousingFinance
import Hub
import HubTesting
import Postgres
import Testing

/// camt.053 statements, camt.054 notifications and Bacs ARUDD reports through the import.
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

    @Test func anARUDDReportReversesItsDirectDebitsWithRDN() throws {
        let world = try PaymentWorld()
        let refs = world.refs
        // A collection run as Direct Debit will make it (not yet a job of the hub).
        let collection = try world.runner.database.admin().queryOne(
            "INSERT INTO runs (job, business_key, business_date, host, status) VALUES ('dd-collection', '2026-11-27', '2026-11-27', 'test', 'completed') RETURNING id"
        )!.decode(Int64.self, 0)
        for (ref, pence) in [(refs[0], Int64(9850)), (refs[1], Int64(11225))] {
            try world.db.execute(
                "INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id, source_ref) VALUES ($1, 'RDD', $2, '2026-11-27', $3, $4)",
                [world.ids[ref]!, -pence, collection, "COLL-\(ref)"])
        }
        let report = ARUDDWriter(processingDate: day).bytes([
            ARUDDItem(payerReference: refs[0], payerName: "J SMITH", amount: Money(pence: 9850), originalProcessingDate: d("2026-11-27"),
                      returnCode: "0", returnDescription: "REFER TO PAYER"),
            ARUDDItem(payerReference: refs[1], payerName: "A JONES", amount: Money(pence: 11225), originalProcessingDate: d("2026-11-27"),
                      returnCode: "1", returnDescription: "INSTRUCTION CANCELLED"),
            ARUDDItem(payerReference: refs[2], payerName: "C WONG", amount: Money(pence: 8700), originalProcessingDate: d("2026-11-28"),
                      returnCode: "B", returnDescription: "ACCOUNT CLOSED"),
        ])
        let outcome = try world.importText("ARUDD-20261202.xml", String(decoding: report, as: UTF8.self), date: day.iso)
        #expect(outcome.report.format == "arudd")
        #expect(outcome.report.ties)
        #expect(outcome.report.byRule["returned-direct-debit"] == 2)
        #expect(try world.balance(refs[0]) == 0)
        #expect(try world.balance(refs[1], code: "RDN") == 11225)
        #expect(try world.db.query("SELECT return_reason FROM payment_entries WHERE outcome = 'posted' ORDER BY id").map { $0.text(0) } == ["0", "1"])
        // The third had no collection on record: suspense, with its reason.
        let item = try #require(try SuspenseItem.list(on: world.db).first)
        #expect(item.amountPence == -8700)
        #expect(item.reason.contains("reason code B"))
    }
}
