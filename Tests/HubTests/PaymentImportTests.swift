import BankFiles
import Foundation
import HousingFinance
import Hub
import HubDemo
import Postgres
import Testing

/// Payment import against a real database with real files in the inbound formats.
@Suite struct PaymentImportTests {
    let jan7 = d("2025-01-07")

    @Test func eachMatchRuleFindsItsAccountAndIsRecorded() throws {
        let world = try PaymentWorld()
        let refs = world.refs
        try world.db.execute("INSERT INTO account_legacy_refs (legacy_ref, account_id) VALUES ('HSG/0123-A', $1)", [world.ids[refs[2]]!])
        try world.db.execute("INSERT INTO account_payment_cards (card_number, account_id) VALUES ('6335590012345678901', $1)", [world.ids[refs[5]]!])
        let statement = PaymentFileText.mt940(reference: "STMT1", number: 1, opening: pence(100_000), date: jan7, entries: [
            .init(amount: pence(9550), date: jan7, text: refs[0], bankReference: "B1"),
            .init(amount: pence(41200), date: jan7, text: "RENT \(refs[1]) FLAT 3", bankReference: "B2"),
            .init(amount: pence(6000), date: jan7, text: "STO hsg/0123-a", bankReference: "B3"),
            .init(amount: pence(7000), date: jan7, text: "RENT \(typo(refs[3]))", bankReference: "B4"),
            .init(amount: pence(7100), date: jan7, text: "rent \(transposed(refs[4]))", bankReference: "B5"),
            .init(amount: pence(2500), date: jan7, text: "J BLOGGS GARDEN", bankReference: "B6"),
            .init(credit: false, amount: pence(1250), date: jan7, text: "ACCOUNT CHARGES", bankReference: "B7"),
        ])
        let outcome = try world.importText("statement.sta", statement)
        let run = outcome.record.id
        #expect(try world.balance(refs[0], code: "RBT") == -9550)
        #expect(try world.balance(refs[1]) == -41200)
        #expect(try world.balance(refs[2]) == -6000)
        #expect(try world.balance(refs[3]) == -7000)
        #expect(try world.balance(refs[4]) == -7100)
        #expect(try world.rule(run: run, referenceContaining: refs[0]) == "reference")
        #expect(try world.rule(run: run, referenceContaining: "FLAT 3") == "reference")
        #expect(try world.rule(run: run, referenceContaining: "hsg") == "legacy-reference")
        #expect(try world.rule(run: run, referenceContaining: typo(refs[3])) == "near-miss")
        #expect(try world.rule(run: run, referenceContaining: transposed(refs[4])) == "near-miss")
        #expect(try world.rule(run: run, referenceContaining: "BLOGGS") == "suspense")
        #expect(outcome.report.byRule == ["reference": 2, "legacy-reference": 1, "near-miss": 2, "suspense": 1])
        // The bank charge is reported, not posted.
        #expect(outcome.report.line(.reported).debits == Tally(count: 1, pence: 1250))
        #expect(try world.ledgerCount() == 5)
        // The unmatched credit is in bank-statement suspense with a SUS posting.
        let items = try SuspenseItem.list(on: world.db)
        #expect(items.map(\.amountPence) == [2500])
        #expect(items.first?.kind == "bank")
        #expect(try world.sum("SELECT COALESCE(sum(amount_pence), 0) FROM gl_postings WHERE code = 'SUS'") == -2500)

        // A cash file: the payment card rule (the account column blank, the card in the source).
        let cash = PaymentFileText.cashFile([
            .init(account: "", source: "6335590012345678901", amount: pence(4500), date: jan7, provider: "AP"),
        ])
        let cashRun = try world.importText("CashFile20250107", cash)
        #expect(try world.rule(run: cashRun.record.id, referenceContaining: "") == "payment-card")
        #expect(try world.balance(refs[5], code: "RPY") == -4500)
    }

    @Test func suspenseKeepsTheKindOfFileThePaymentCameFrom() throws {
        let world = try PaymentWorld()
        let card = PaymentFileText.cardCSV([.init(id: "C1", date: jan7, reference: "NOBODY AT ALL", payer: "A", amount: pence(1500))])
        try world.importText("card-20250107.csv", card)
        let cash = PaymentFileText.cashFile([.init(account: "NOBODY", source: "", amount: pence(2500), date: jan7, provider: "AP")])
        try world.importText("CashFile20250107", cash)
        let outlet = PaymentFileText.outlet([.init(id: "O1", date: jan7, card: "6335590099999999999", amount: pence(3500))])
        try world.importText("outlet-20250107.csv", outlet)
        let statement = PaymentFileText.mt940(reference: "S", number: 1, opening: pence(0), date: jan7, entries: [
            .init(amount: pence(4500), date: jan7, text: "NOBODY", bankReference: "R1"),
        ])
        try world.importText("statement.sta", statement)
        let kinds = Dictionary(try SuspenseItem.list(on: world.db).map { ($0.amountPence, $0.kind) }, uniquingKeysWith: { a, _ in a })
        #expect(kinds == [1500: "card", 2500: "cash", 3500: "outlet", 4500: "bank"])
        #expect(try SuspenseItem.list(kind: "card", on: world.db).map(\.amountPence) == [1500])
        let text = SuspenseItem.render(try SuspenseItem.list(on: world.db))
        #expect(text.contains("Open card payment suspense: £15.00"), "\(text)")
        #expect(text.contains("Open bank statement suspense: £45.00"), "\(text)")
    }

    @Test func reportTiesTheFileTotalsToThePennyByCountAndAmount() throws {
        let world = try PaymentWorld()
        let refs = world.refs
        let statement = PaymentFileText.mt940(reference: "S", number: 1, opening: pence(500_000), date: jan7, entries: [
            .init(amount: pence(1001), date: jan7, text: refs[0], bankReference: "R1"),
            .init(amount: pence(2002), date: jan7, text: "NOBODY", bankReference: "R2"),
            .init(amount: pence(3003), date: jan7, text: "PAYPOINT SETTLEMENT", bankReference: "R3"),
            .init(credit: false, amount: pence(404), date: jan7, text: "CHARGES", bankReference: "R4"),
        ])
        let report = try world.importText("s.sta", statement).report
        #expect(report.ties)
        #expect(report.fileCredits == Tally(count: 3, pence: 6006))
        #expect(report.fileDebits == Tally(count: 1, pence: 404))
        #expect(report.line(.posted).credits == Tally(count: 1, pence: 1001))
        #expect(report.line(.suspense).credits == Tally(count: 1, pence: 2002))
        #expect(report.line(.settlement).credits == Tally(count: 1, pence: 3003))
        #expect(report.line(.reported).debits == Tally(count: 1, pence: 404))
        #expect(report.render().contains("Ties to the penny"))
        // Kept with the run.
        let stored = try world.db.queryOne("SELECT report->>'ties', report_text FROM runs WHERE job = 'payment-import'")!
        #expect(stored.text(0) == "true")
        #expect(stored.text(1)?.contains("Held in suspense") == true)
    }

    @Test func aFileImportedBeforeIsRefusedNamingTheEarlierRun() throws {
        let world = try PaymentWorld()
        let text = PaymentFileText.cashFile([.init(account: world.refs[0], amount: pence(1000), date: jan7)])
        let first = try world.importText("CashFile20250107", text)
        // The same content under another name.
        let error = try #require(throws: RunError.self) { try world.importText("CashFile20250107.txt", text, date: "2025-01-08") }
        #expect(error.code == .alreadyCompleted)
        #expect(error.runId == first.record.id)
        #expect(error.message.contains("run \(first.record.id) on 2025-01-07"))
        #expect(try world.balance(world.refs[0]) == -1000)
    }

    @Test func overlappingStatementsPostOnlyTheEntriesNotSeenBefore() throws {
        let world = try PaymentWorld()
        let refs = world.refs
        let a = PaymentFileText.StatementEntry(amount: pence(1000), date: jan7, text: refs[0], bankReference: "E1")
        let b = PaymentFileText.StatementEntry(amount: pence(2000), date: jan7, text: refs[1], bankReference: "E2")
        let c = PaymentFileText.StatementEntry(amount: pence(3000), date: jan7, text: refs[2], bankReference: "E3")
        let noRef = PaymentFileText.StatementEntry(amount: pence(500), date: jan7, text: refs[3])
        try world.importText("one.sta", PaymentFileText.mt940(reference: "S1", number: 1, opening: pence(0), date: jan7, entries: [a, b, noRef]))
        let second = try world.importText("two.sta", PaymentFileText.mt940(reference: "S2", number: 2, opening: pence(0), date: jan7, entries: [b, noRef, c]))
        #expect(second.report.line(.skipped).credits == Tally(count: 2, pence: 2500))
        #expect(second.report.line(.posted).credits == Tally(count: 1, pence: 3000))
        #expect(second.report.ties)
        #expect(try world.balance(refs[0]) == -1000)
        #expect(try world.balance(refs[1]) == -2000)
        #expect(try world.balance(refs[2]) == -3000)
        #expect(try world.balance(refs[3]) == -500)
    }

    @Test func identicalEntriesTwiceInOneFileAreBothPosted() throws {
        let world = try PaymentWorld()
        let line = PaymentFileText.CashLine(account: world.refs[0], amount: pence(2000), date: jan7)
        let first = try world.importText("CashFile20250107", PaymentFileText.cashFile([line, line]))
        #expect(first.report.line(.posted).credits == Tally(count: 2, pence: 4000))
        #expect(try world.balance(world.refs[0]) == -4000)
        // A later file with the same two and a third identical: only the third is new.
        let later = try world.importText("CashFile20250108", PaymentFileText.cashFile([line, line, line]), date: "2025-01-08")
        #expect(later.report.line(.skipped).credits.count == 2)
        #expect(later.report.line(.posted).credits.count == 1)
        #expect(try world.balance(world.refs[0]) == -6000)
    }

    @Test func aDryRunPostsNothing() throws {
        let world = try PaymentWorld()
        let text = PaymentFileText.cashFile([
            .init(account: world.refs[0], amount: pence(2000), date: jan7), .init(account: "999", amount: pence(100), date: jan7),
        ])
        let preview = try world.importText("CashFile20250107", text, preview: true)
        #expect(preview.isPreview)
        #expect(preview.report.line(.posted).credits.count == 1)
        #expect(preview.report.line(.suspense).credits.count == 1)
        #expect(try world.ledgerCount() == 0)
        #expect(try world.sum("SELECT count(*) FROM suspense_items") == 0)
        #expect(try world.sum("SELECT count(*) FROM payment_entries") == 0)
        #expect(try world.sum("SELECT count(*) FROM runs") == 0)
        // And the real import afterwards is not refused.
        #expect(try world.importText("CashFile20250107", text).report.line(.posted).credits.count == 1)
    }

    @Test func aBadFilePostsNothingAndNamesTheFileAndLine() throws {
        let world = try PaymentWorld()
        let text = PaymentFileText.outlet(
            [.init(id: "PP1", date: jan7, card: "6335590012345678", amount: pence(1000)),
             .init(id: "PP2", date: jan7, card: "6335590012345679", amount: pence(2000))],
            trailerTotal: pence(2999))
        let error = try #require(throws: RunError.self) { try world.importText("outlet-20250107.csv", text) }
        #expect(error.code == .badInput)
        #expect(error.message.contains("outlet-20250107.csv"))
        #expect(error.message.contains("line 4"))
        #expect(try world.ledgerCount() == 0)
        #expect(try world.sum("SELECT count(*) FROM payment_entries") == 0)
        #expect(try world.sum("SELECT count(*) FROM runs WHERE status = 'failed'") == 1)
    }

    @Test func suspenseIsAllocatedWithATrailAndCannotBeAllocatedTwice() throws {
        let world = try PaymentWorld()
        let statement = PaymentFileText.mt940(reference: "S", number: 1, opening: pence(0), date: jan7, entries: [
            .init(amount: pence(2500), date: jan7, text: "MR X GARDEN", bankReference: "X1"),
            .init(amount: pence(1700), date: jan7, text: "UNKNOWN PAYER", bankReference: "X2"),
        ])
        try world.importText("s.sta", statement)
        let items = try SuspenseItem.list(status: "open", on: world.db)
        #expect(items.count == 2)
        let outcome = try SuspenseAllocationJob(itemId: items[0].id, action: .allocate(account: world.refs[6]), note: "tenant phoned")
            .clear(runner: world.runner, businessDate: d("2025-01-08"))
        #expect(try world.balance(world.refs[6], code: "RBT") == -2500)
        let trail = try world.db.queryOne(
            "SELECT description, source_ref FROM ledger_entries WHERE run_id = $1", [outcome.record.id])!
        #expect(trail.text(0)?.contains("suspense item \(items[0].id)") == true)
        #expect(trail.text(1) == "suspense:\(items[0].id)")
        // The SUS posting of the allocated item is reversed; the other is still held.
        #expect(try world.sum("SELECT sum(amount_pence) FROM gl_postings WHERE code = 'SUS'") == -1700)
        #expect(try SuspenseItem.find(items[0].id, on: world.db)?.status == "allocated")
        #expect(try world.sum("SELECT count(*) FROM audit_events WHERE action = 'suspense-allocate' AND entity_ref = $1", [String(items[0].id)]) == 1)
        let again = try #require(throws: RunError.self) {
            try SuspenseAllocationJob(itemId: items[0].id, action: .allocate(account: world.refs[5]), note: "again")
                .clear(runner: world.runner, businessDate: d("2025-01-08"))
        }
        #expect(again.code == .refused)
        #expect(again.message.contains("allocated"))
        #expect(try world.balance(world.refs[5]) == 0)

        // The other is refunded: REF out of suspense, the suspense account is clear.
        try SuspenseAllocationJob(itemId: items[1].id, action: .refund, note: "returned to payer").clear(runner: world.runner, businessDate: d("2025-01-08"))
        #expect(try world.sum("SELECT sum(amount_pence) FROM gl_postings WHERE code = 'REF' AND analysis = 'SUS'") == 1700)
        #expect(try world.sum("SELECT sum(amount_pence) FROM gl_postings WHERE code = 'SUS' OR (code = 'REF' AND analysis = 'SUS')") == 0)
        #expect(try SuspenseItem.find(items[1].id, on: world.db)?.status == "refunded")
        #expect(try SuspenseItem.list(status: "open", on: world.db).isEmpty)

        // Reversing the allocation puts the item back in suspense.
        try world.runner.run(ReversalJob(originalRunId: outcome.record.id, reason: "wrong account"), businessDate: d("2025-01-09"))
        #expect(try SuspenseItem.find(items[0].id, on: world.db)?.status == "open")
        #expect(try world.balance(world.refs[6]) == 0)
        // Reversing the import while an item of it is refunded is refused.
        let importRun = items[0].runId
        #expect(throws: PostgresError.self) {
            try world.runner.run(ReversalJob(originalRunId: importRun, reason: "bad file"), businessDate: d("2025-01-09"))
        }
    }

    @Test func housingBenefitPostsRHBAndKeepsItsOwnSuspense() throws {
        let world = try PaymentWorld()
        let monday = d("2025-01-06")
        let text = PaymentFileText.housingBenefit(date: monday, [
            .init(claim: "HB1", account: world.refs[0], week: monday, amount: pence(9550)),
            .init(claim: "HB2", account: "12345", week: monday, amount: pence(6210)),
            .init(claim: "HB1", account: world.refs[0], week: d("2024-12-30"), amount: pence(-1240), type: "ADJ"),
        ])
        let report = try world.importText("hb-credits-20250106.csv", text).report
        #expect(report.ties)
        #expect(try world.balance(world.refs[0], code: "RHB") == -9550)
        #expect(try world.balance(world.refs[0], code: "RHA") == 1240)
        #expect(try SuspenseItem.list(kind: "hb", on: world.db).map(\.amountPence) == [6210])
        #expect(try SuspenseItem.list(kind: "cash", on: world.db).isEmpty)
        #expect(try world.sum("SELECT sum(amount_pence) FROM gl_postings WHERE code = 'SHB'") == -6210)
        // Allocating HB suspense posts RHB and clears SHB.
        let item = try #require(try SuspenseItem.list(kind: "hb", on: world.db).first)
        try SuspenseAllocationJob(itemId: item.id, action: .allocate(account: world.refs[1]), note: "claim HB2 is this tenant")
            .clear(runner: world.runner, businessDate: monday)
        #expect(try world.balance(world.refs[1], code: "RHB") == -6210)
        #expect(try world.sum("SELECT sum(amount_pence) FROM gl_postings WHERE code = 'SHB'") == 0)
    }

    @Test func aReversedImportFreesItsEntriesAndTheFileImportsAgain() throws {
        let world = try PaymentWorld()
        let text = PaymentFileText.mt940(reference: "S", number: 1, opening: pence(0), date: jan7, entries: [
            .init(amount: pence(1000), date: jan7, text: world.refs[0], bankReference: "R1"),
            .init(amount: pence(900), date: jan7, text: "NOBODY", bankReference: "R2"),
        ])
        let first = try world.importText("s.sta", text)
        let reversal = try world.runner.run(ReversalJob(originalRunId: first.record.id, reason: "wrong file"), businessDate: jan7)
        #expect(reversal.report.entriesReversed == 2)
        #expect(try world.balance(world.refs[0]) == 0)
        #expect(try SuspenseItem.find(try #require(try SuspenseItem.list(on: world.db).first).id, on: world.db)?.status == "void")
        #expect(try world.sum("SELECT count(*) FROM payment_entries WHERE NOT released") == 0)
        let again = try world.importText("s.sta", text)
        #expect(again.report.line(.posted).credits.count == 1)
        #expect(again.report.line(.skipped).credits.count == 0)
        #expect(try world.balance(world.refs[0]) == -1000)
        #expect(try world.sum("SELECT sum(amount_pence) FROM gl_postings WHERE code = 'SUS'") == -900)
        #expect(try SuspenseItem.list(status: "open", on: world.db).count == 1)
    }

    @Test func aReturnedDirectDebitReversesItsCollectionWithRDN() throws {
        let world = try PaymentWorld()
        let account = world.ids[world.refs[0]]!
        // A collection run as Direct Debit will make it (not yet a job of the hub).
        let collection = try world.runner.database.admin().queryOne(
            "INSERT INTO runs (job, business_key, business_date, host, status) VALUES ('dd-collection', '2025-01-02', '2025-01-02', 'test', 'completed') RETURNING id"
        )!.decode(Int64.self, 0)
        let rdd = try world.db.queryOne(
            "INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id, source_ref) VALUES ($1, 'RDD', -5000, '2025-01-02', $2, 'DD000123') RETURNING id",
            [account, collection])!.decode(Int64.self, 0)
        func returned(_ amount: Int64, original: String, reference: String, reason: String, line: Int) -> Payment {
            var payment = Payment(position: FilePosition(line: line), amount: pence(amount), direction: .debit, bookingDate: d("2025-01-10"), reference: reference)
            payment.transactionCode = "RDN"
            payment.returnReasonCode = reason
            payment.originalReference = original
            return payment
        }
        let payments = [
            returned(5000, original: "DD000123", reference: world.refs[0], reason: "0", line: 3),
            returned(4200, original: "DD999999", reference: "UNKNOWN", reason: "2", line: 4),
        ]
        var totals = FileTotals(format: .camt054)
        payments.forEach { totals.add($0) }
        // Without a direct-debit settlement signature (with one, returns on a statement are settlements
        // reconciled with their ARUDD report, whose run posts the RDN).
        var settings = world.settings
        settings.settlements.removeAll(where: \.settlesDirectDebit)
        let job = try PaymentImportJob(
            fileName: "returns-20250110.xml", format: .camt054, payments: payments, totals: totals, settings: settings, scheme: .standard)
        let outcome = try world.importer.run(job, businessDate: d("2025-01-10"))
        #expect(outcome.report.ties)
        #expect(try world.balance(world.refs[0], code: "RDN") == 5000)
        #expect(try world.balance(world.refs[0]) == 0)
        let entry = try world.db.queryOne(
            "SELECT return_reason, returns_entry_id, rule FROM payment_entries WHERE run_id = $1 AND outcome = 'posted'", [outcome.record.id])!
        #expect(entry.text(0) == "0")
        #expect(try entry.decode(Int64.self, 1) == rdd)
        #expect(entry.text(2) == "returned-direct-debit")
        // The one whose collection is not known goes to suspense with its reason.
        let item = try #require(try SuspenseItem.list(on: world.db).first)
        #expect(item.amountPence == -4200)
        #expect(item.code == "RDN")
        #expect(item.reason.contains("reason code 2"))
    }

    @Test func theInterfaceSamplesImportAndTie() throws {
        // The samples' account numbers carry no check digit: a scheme of 9 digits without one.
        let world = try PaymentWorld(
            accounts: 0, extraRefs: ["100023450", "100045671", "100078912", "100034562", "100056783"],
            scheme: try AccountReferenceScheme(checkDigit: .none, numberLength: 9))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let samples = [
            "Interfaces/inbound/mt940/statement-20250107.sta", "Interfaces/inbound/cash-file/CashFile20250107",
            "Interfaces/inbound/outlet/outlet-20250107.csv", "Interfaces/inbound/card-payments/card-payments-20250107.csv",
            "Interfaces/inbound/housing-benefit/hb-credits-20250106.csv",
        ]
        for sample in samples {
            let outcome = try world.importer.importFile(root.appendingPathComponent(sample), format: nil, businessDate: jan7)
            #expect(outcome.report.ties, "\(sample)")
        }
        // MT940: 4 credits match 100023450, 100045671, 100078912, 100034562 and the reversal of the
        // returned item; the debit is reported.
        #expect(try world.balance("100034562", code: "RBT") == -12500)
        #expect(try world.balance("100034562") == -12500 - 6225 - 12500)
        // Outlet cards are not known to this council: they are held in suspense.
        #expect(try world.sum("SELECT count(*) FROM suspense_items WHERE file_name = 'outlet-20250107.csv'") == 6)
        #expect(try world.sum("SELECT count(*) FROM payment_entries WHERE outcome = 'suspense'") == 6)
        #expect(try world.sum("SELECT count(*) FROM payment_entries WHERE outcome = 'reported'") == 1)
    }
}

/// Volume: a statement of 20,000 entries against 2,000 accounts, in one run.
@Suite struct PaymentVolumeTests {
    @Test func aLargeStatementImportsInOneRunAndTies() throws {
        let world = try PaymentWorld(accounts: 0)
        var refs: [String] = []
        var number = 20_000_000
        while refs.count < 2000 {
            if let ref = AccountReference.make(number) { refs.append(ref.digits) }
            number += 1
        }
        try world.db.execute(
            """
            WITH p AS (INSERT INTO properties (property_ref, address, postcode, bedrooms)
                       SELECT 'V' || r, 'x', 'AB1 2CD', 1 FROM unnest($1::text[]) r RETURNING id, property_ref),
                 t AS (INSERT INTO tenancies (tenancy_ref, property_id, start_date, tenants)
                       SELECT 'T' || property_ref, id, DATE '2024-04-01', '{A}' FROM p RETURNING id, tenancy_ref)
            INSERT INTO rent_accounts (account_ref, tenancy_id) SELECT substr(tenancy_ref, 3), id FROM t
            """, ["{" + refs.joined(separator: ",") + "}"])
        let day = d("2025-01-07")
        var entries: [PaymentFileText.StatementEntry] = []
        for i in 0..<20_000 {
            let text: String = i % 50 == 0 ? "UNKNOWN PAYER \(i)" : "RENT \(refs[i % refs.count]) THANK YOU"
            let amount = Money(pence: Int64(1000 + i % 5000))
            entries.append(PaymentFileText.StatementEntry(amount: amount, date: day, text: text, bankReference: "V\(i)"))
        }
        // The second entry comes again at the end, two chunks later: posted once, skipped once.
        let text = PaymentFileText.mt940(reference: "BIG", number: 1, opening: Money(pence: 0), date: day, entries: entries + [entries[1]])
        let readStart = Date()
        var read = 0
        _ = try PaymentFileReader(bytes: Array(text.utf8), fileName: "x.sta", format: nil, settings: world.settings).read { _ in read += 1 }
        print("PAYMENT-VOLUME: the MT940 reader alone read \(read) entries in \(String(format: "%.2f", Date().timeIntervalSince(readStart))) s")
        let started = Date()
        let outcome = try world.importText("big.sta", text)
        let seconds = Date().timeIntervalSince(started)
        print("PAYMENT-VOLUME: 20001 MT940 entries imported in \(String(format: "%.2f", seconds)) s")
        #expect(outcome.report.ties)
        #expect(outcome.report.line(.posted).credits.count == 19_600)
        #expect(outcome.report.line(.suspense).credits.count == 400)
        #expect(outcome.report.line(.skipped).credits.count == 1)
        #expect(try world.ledgerCount() == 19_600)
        // The same entries again in a resent statement are all skipped.
        let resend = PaymentFileText.mt940(reference: "BIG2", number: 2, opening: Money(pence: 0), date: day, entries: entries)
        let again = try world.importText("big2.sta", resend)
        #expect(again.report.line(.skipped).credits.count == 20_000)
        #expect(try world.ledgerCount() == 19_600)
    }
}

extension PaymentVolumeTests {
    /// Entries are written a chunk at a time while the file is read; a closing balance that does
    /// not tie at the very end still leaves nothing posted.
    @Test func aBadClosingBalanceAfterTheFirstChunkPostsNothing() throws {
        let world = try PaymentWorld()
        let day = d("2025-01-07")
        let entries = (0..<10_050).map { i in
            PaymentFileText.StatementEntry(amount: Money(pence: 1000), date: day, text: "RENT \(world.refs[i % 8])", bankReference: "C\(i)")
        }
        var text = PaymentFileText.mt940(reference: "BAD", number: 1, opening: Money(pence: 0), date: day, entries: entries)
        text = text.replacingOccurrences(of: ":62F:C250107GBP100500,00", with: ":62F:C250107GBP100500,01")
        let error = try #require(throws: RunError.self) { try world.importText("bad.sta", text) }
        #expect(error.code == .badInput)
        #expect(error.message.contains("bad.sta"))
        #expect(try world.ledgerCount() == 0)
        #expect(try world.sum("SELECT count(*) FROM payment_entries") == 0)
    }
}
