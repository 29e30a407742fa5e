import BankFiles
import Foundation
import Hub
import HousingFinance
import Postgres

/// The payments part of `hub demo`: writes the day's files for the demo council (a bank
/// statement (camt.053), a resend of it that overlaps, the previous working day's cash file and today's
/// card file), with payments that match by account reference, free text, legacy reference, a
/// typing slip, duplicates and some that match nothing; imports them; and returns the import
/// reports, the bank reconciliation and the suspense list as text.
public enum PaymentsDemo {
    /// Runs the demo's payment imports.
    /// - Parameters:
    ///   - runner: the runner on the demo database.
    ///   - config: the hub's configuration (its `payments.yaml` is read if present).
    ///   - businessDate: the day of the bank statement.
    ///   - directory: where the files are written (the inbox is not used: the files are
    ///     imported from here and left in place).
    /// - Returns: the text to print.
    /// - Throws: database failures; a file the demo wrote that does not import is a fault.
    public static func run(runner: Runner, config: HubConfig, businessDate: Day, directory: URL) throws -> String {
        let db = try runner.database.connect()
        let settings = try PaymentSettings.load(for: config)
        var rows = try db.query("SELECT id, account_ref FROM rent_accounts ORDER BY id LIMIT 200").map {
            (id: try $0.decode(Int64.self, 0), ref: try $0.decode(String.self, 1))
        }
        rows = rows.filter { AccountReference($0.ref, scheme: config.accountScheme) != nil }
        guard rows.count >= 8 else {
            return "Payments demo: the demo council needs at least 8 rent accounts with valid references (found \(rows.count)); nothing imported.\n"
        }
        var text = "Payments for \(businessDate.iso)\n"
        // A legacy reference for one account, as tenants' standing orders keep the old reference.
        let legacyAccount = rows[2]
        let legacy: String
        if let known = try db.queryOne("SELECT legacy_ref FROM account_legacy_refs WHERE account_id = $1 LIMIT 1", [legacyAccount.id]) {
            legacy = try known.decode(String.self, 0)
        } else {
            let digits = String(legacyAccount.id)
            legacy = "HSG/\(String(repeating: "0", count: max(0, 5 - digits.count)) + digits)-A"
            try db.execute("INSERT INTO account_legacy_refs (legacy_ref, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [legacy, legacyAccount.id])
            text += "(Gave account \(legacyAccount.ref) the legacy reference \(legacy) from the earlier system.)\n"
        }
        let refs = rows.map(\.ref)
        // Typing slips that the near-miss rule resolves to exactly one account.
        let directory_ = try AccountDirectory.load(db, scheme: config.accountScheme)
        let matcher = ReferenceMatcher(scheme: config.accountScheme)
        func slip(_ ref: String, _ variants: (String) -> [String]) -> String {
            let all = variants(ref)
            return all.first { matcher.match($0, in: directory_.index).account?.digits == ref } ?? all.first ?? ref
        }
        func typo(_ ref: String) -> String {
            slip(ref) { ref in
                (0..<(ref.count - 1)).reversed().map { i in
                    var digits = Array(ref)
                    digits[i] = digits[i] == "9" ? "0" : Character(String(digits[i].wholeNumberValue! + 1))
                    return String(digits)
                }
            }
        }
        func transposed(_ ref: String) -> String {
            slip(ref) { ref in
                (1..<(ref.count - 1)).reversed().compactMap { i in
                    var digits = Array(ref)
                    guard digits[i] != digits[i - 1] else { return nil }
                    digits.swapAt(i, i - 1)
                    return String(digits)
                }
            }
        }
        let previous = settings.bankHolidays.addingWorkingDays(-1, to: businessDate)
        let day = businessDate
        let compact = { (d: Day) in String(format: "%04d%02d%02d", d.year, d.month, d.day) }

        // Yesterday's cash file: PayPoint and Post Office.
        let cash = PaymentFileText.cashFile([
            .init(account: refs[4], amount: Money(pence: 4500), date: previous, provider: "PP"),
            .init(account: refs[5], amount: Money(pence: 9550), date: previous, provider: "PP"),
            .init(account: typo(refs[6]), amount: Money(pence: 2000), date: previous, provider: "PP"),
            .init(account: "", source: "PAYPOINT 204990", amount: Money(pence: 1500), date: previous, provider: "PP"),
            .init(account: refs[7], source: "POST OFFICE 118822", amount: Money(pence: 12000), date: previous, provider: "PO"),
        ])
        let paypointTotal = Money(pence: 4500 + 9550 + 2000 + 1500)
        // Today's bank statement (camt.053): standing orders, transfers, the PayPoint settlement, a charge.
        func entry(_ pence: Int64, _ text: String, _ bankReference: String?, payer: String? = nil, debit: Bool = false) -> Camt053Entry {
            Camt053Entry(
                amount: Money(pence: pence), direction: debit ? .debit : .credit, bookingDate: day, reference: text,
                accountServicerReference: bankReference, payerName: payer, bankTransactionCode: debit ? "ACMT/MDOP/CHRG" : "PMNT/RCDT/DMCT")
        }
        let entries: [Camt053Entry] = [
            entry(9550, "\(refs[0]) RENT", "SO\(compact(day))01", payer: "A TENANT"),
            entry(41200, "FP FROM MRS A TENANT RENT \(refs[1]) FLAT 3", "FP\(compact(day))02", payer: "MRS A TENANT"),
            entry(6000, "STO \(legacy)", "SO\(compact(day))03", payer: "MR B TENANT"),
            entry(8000, "RENT \(typo(refs[3]))", nil, payer: "C TENANT"),
            entry(8000, "RENT \(typo(refs[3]))", nil, payer: "C TENANT"),
            entry(2500, "GARDEN", "FP\(compact(day))06", payer: "J BLOGGS"),
            entry(paypointTotal.pence, "SETTLEMENT \(previous.ukFormat)", "BG\(compact(day))07", payer: "PAYPOINT NETWORK LTD"),
            entry(1250, "ACCOUNT CHARGES", "CH\(compact(day))08", debit: true),
        ]
        let statementHeader = Camt053Statement(
            id: "RCA\(compact(day))", iban: "GB29NWBK60161331926819", accountName: "RENT COLLECTION", date: day, openingBalance: Money(pence: 1_250_000))
        let statement = String(decoding: try Camt053Writer(messageId: "RCA\(compact(day))", created: day).bytes([(statementHeader, entries)]), as: UTF8.self)
        // The bank sent the statement again later with one more entry: an overlap.
        var resendHeader = statementHeader
        resendHeader.id += "R"
        let resend = String(decoding: try Camt053Writer(messageId: "RCA\(compact(day))R", created: day).bytes([
            (resendHeader, entries + [entry(3000, "\(refs[2]) RENT", "SO\(compact(day))09", payer: "D TENANT")]),
        ]), as: UTF8.self)
        // Today's card payments.
        let card = PaymentFileText.cardCSV([
            .init(id: "TX\(compact(day))-1", date: day, reference: refs[0], payer: "A Tenant", amount: Money(pence: 5000)),
            .init(id: "TX\(compact(day))-2", date: day, reference: transposed(refs[1]), payer: "B Tenant", amount: Money(pence: 7500)),
            .init(id: "TX\(compact(day))-3", date: day, reference: refs[2], payer: "C Tenant", amount: Money(pence: 2000), status: "Declined"),
            .init(id: "TX\(compact(day))-4", date: day, reference: "FLAT 9 NO REF", payer: "D Payer", amount: Money(pence: 3300)),
        ])

        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let files: [(String, String)] = [
            ("CashFile\(compact(previous))", cash), ("statement-\(compact(day)).xml", statement),
            ("statement-\(compact(day))-resend.xml", resend), ("card-payments-\(compact(day)).csv", card),
        ]
        let importer = PaymentImporter(runner: runner, config: config, settings: settings)
        for (name, content) in files {
            let url = directory.appendingPathComponent(name)
            try Data(content.utf8).write(to: url)
            do {
                let outcome = try importer.importFile(url, format: nil, businessDate: businessDate)
                text += "\n" + outcome.render()
            } catch let error as RunError where error.code == .alreadyCompleted {
                text += "\n\(name): already imported (run \(error.runId.map(String.init) ?? "?")).\n"
            }
        }
        text += "\n" + (try BankReconciliation.load(date: businessDate, settings: settings, on: db)).render()
        text += "\nSuspense (open items):\n" + SuspenseItem.render(try SuspenseItem.list(status: "open", on: db))
        return text
    }
}
