import Foundation
import HousingFinance
import Hub
import Hummingbird
import Postgres

/// The case page's forms that make things: **make an agreement** (`hub arrears agree`, through
/// `ArrearsCases.agree`: on an account with a live Direct Debit mandate the instalment becomes the
/// mandate's extra amount, with its advance notice, unless paid separately), **cancel the
/// agreement** (`hub arrears cancel-agreement`, `ArrearsCases.cancelAgreement`) and **propose a
/// write-off** of a former tenant's balance (`hub writeoffs propose`, `WriteOffs.propose`). The
/// form reads its fields as the command reads its options; the rules are the library's, and what
/// it refuses comes back on the form with the person's input kept. The income team.
extension Console {
    func addArrearsForms(_ router: Router<ConsoleContext>) {
        action(router, "/arrears/cases/:account/agree", .makeAgreements) { _, context, session, form in
            let account = try context.parameters.require("account")
            var errors: [(String, String)] = []
            let instalment = try? Money(parsing: form["amount"])
            if instalment.map({ $0 <= .zero }) ?? true { errors.append(("amount", "Enter the instalment in pounds, more than £0.00, like 5.00")) }
            let frequency = ArrearsAgreement.Frequency(rawValue: form["frequency"])
            if frequency == nil { errors.append(("frequency", "Choose weekly, fortnightly, four-weekly or monthly")) }
            let start = Day(iso: form["start"])
            if start == nil { errors.append(("start", "Enter the first instalment's day as YYYY-MM-DD")) }
            var lumpSum = Money.zero
            if !form["lump_sum"].isEmpty {
                if let value = try? Money(parsing: form["lump_sum"]), value >= .zero { lumpSum = value } else {
                    errors.append(("lump_sum", "Enter the lump sum in pounds, like 50.00, or leave it empty"))
                }
            }
            guard errors.isEmpty, let instalment, let frequency, let start else {
                return try await self.casePage(session, account: account, errors: errors, input: form.fields)
            }
            let paidSeparately = form["paid_separately"] == "yes"
            let lump = lumpSum
            let config = self.config
            let today = config.today()
            let made: ArrearsCases.Made
            do {
                made = try await self.act(session.user.acting) { runner in
                    try ArrearsCases.agree(
                        account: account, instalment: instalment, frequency: frequency, start: start, lumpSum: lump, paidSeparately: paidSeparately,
                        today: today, directDebit: try DirectDebitConfig.load(config), db: try runner.database.connect())
                }
            } catch let error as RunError where error.code == .badInput || error.code == .refused {
                return try await self.casePage(session, account: account, errors: [("amount", error.message)], input: form.fields)
            }
            var message = "\(account): agreement \(made.id), \(instalment.formatted) \(frequency.rawValue) from \(Show.day(start))"
                + (lumpSum > .zero ? " after a lump sum of \(lumpSum.formatted)" : "") + " on a balance of \(made.startingBalance.formatted), made by \(session.user.name)."
            if let carried = made.directDebit { message += " By Direct Debit: \(carried.words)." }
            if let released = made.releasedMandateId { message += " Paid separately: the replaced agreement's extra amount is removed from the Direct Debit (mandate \(released))." }
            return self.agreementDone("Agreement made", message, account: account, session: session)
        }

        action(router, "/arrears/cases/:account/cancel-agreement", .makeAgreements) { _, context, session, form in
            let account = try context.parameters.require("account")
            let reason = form["cancel_reason"]
            guard !reason.isEmpty else {
                return try await self.casePage(session, account: account, errors: [("cancel_reason", "Say why the agreement is cancelled")], input: form.fields)
            }
            let config = self.config
            let today = config.today()
            let cancelled: (id: Int64, mandate: Mandate?)
            do {
                cancelled = try await self.act(session.user.acting) { runner in
                    try ArrearsCases.cancelAgreement(account: account, reason: reason, on: today, directDebit: try DirectDebitConfig.load(config), db: try runner.database.connect())
                }
            } catch let error as RunError where error.code == .badInput || error.code == .refused || error.code == .notFound {
                return try await self.casePage(session, account: account, errors: [("cancel_reason", error.message)], input: form.fields)
            }
            let message = "\(account): agreement \(cancelled.id) cancelled by \(session.user.name)."
                + (cancelled.mandate.map { " The Direct Debit's extra amount is removed (mandate \($0.id)); the next hub run dd-notices tells the payer." } ?? "")
            return self.agreementDone("Agreement cancelled", message, account: account, session: session)
        }

        action(router, "/arrears/cases/:account/propose-writeoff", .proposeWriteOffs) { _, context, session, form in
            let account = try context.parameters.require("account")
            let reason = form["writeoff_reason"]
            guard !reason.isEmpty else {
                return try await self.casePage(session, account: account, errors: [("writeoff_reason", "Say why it is written off (uneconomic, untraced, deceased with no estate...)")], input: form.fields)
            }
            let refund = form["refund"] == "yes"
            let today = self.config.today()
            let record: WriteOffRecord
            do {
                record = try await self.act(session.user.acting) { runner in
                    try WriteOffs.propose(account: account, reason: reason, refund: refund, on: today, db: try runner.database.connect())
                }
            } catch let error as RunError where error.code == .badInput || error.code == .refused {
                return try await self.casePage(session, account: account, errors: [("writeoff_reason", error.message)], input: form.fields)
            }
            return self.render(
                "\(record.reference) proposed", session: session, section: .arrears,
                body: HTML.notice("\(record.reference): \(record.kind) of \(record.amount.formatted) on \(record.account) proposed by \(record.proposedBy); it waits for approval by someone whose band covers it.", ok: true)
                    + "<p>\(HTML.link(record.reference, "/arrears/writeoffs/\(record.id)")) | \(HTML.link("The case", "/arrears/cases/\(account)"))</p>")
        }
    }

    /// What an agreement form did, with the way back to the case and on to the agreements.
    func agreementDone(_ title: String, _ message: String, account: String, session: ConsoleSession) -> Response {
        render(
            title, session: session, section: .arrears,
            body: HTML.notice(message, ok: true) + "<p>\(HTML.link("The case", "/arrears/cases/\(account)")) | \(HTML.link("Agreements", "/arrears/agreements"))</p>")
    }

    /// The case page's agreement and write-off forms, for the roles that may use them.
    func caseForms(
        _ session: ConsoleSession, account: String, balance: Money, tenancyEnd: Day?, live: AgreementRecord?, mandate: Mandate?, proposed: WriteOffRecord?,
        errors: [(String, String)], input: [String: String]
    ) -> String {
        func error(_ field: String) -> String? { errors.first { $0.0 == field }?.1 }
        var html = ""
        if ConsoleAction.makeAgreements.allowed(for: session.user.role) {
            html += "<h2>Make an agreement</h2><p>As hub arrears agree: an instalment on top of the rent from the start day; the starting balance is the balance before it"
                + (live.map { "; it replaces agreement \($0.id)" } ?? "") + ".</p>"
            var fields = HTML.input("amount", label: "Instalment", value: input["amount"] ?? "", hint: "In pounds, like 5.00", error: error("amount"), width: "10")
                + HTML.select("frequency", label: "How often", options: ArrearsAgreement.Frequency.allCases.map { ($0.rawValue, $0.rawValue) }, selected: input["frequency"] ?? "weekly", error: error("frequency"))
                + HTML.input("start", label: "First instalment", value: input["start"] ?? config.today().iso, hint: "YYYY-MM-DD", error: error("start"), width: "10")
                + HTML.input("lump_sum", label: "Lump sum at the start (optional)", value: input["lump_sum"] ?? "", hint: "In pounds", error: error("lump_sum"), width: "10")
            if let mandate {
                fields += "<p id=\"agree-direct-debit\">\(HTML.escape(account)) pays by Direct Debit (mandate \(mandate.id), \(HTML.escape(mandate.frequency.rawValue)), extra amount now \(HTML.escape(Show.money(mandate.extraPence)))): "
                    + "the instalment becomes the mandate's extra amount, converted to its frequency, collected after the advance notice hub run dd-notices sends.</p>"
                fields += HTML.confirm("paid_separately", label: "Paid separately: the payer pays the instalment by other means (the mandate is not changed)", checked: input["paid_separately"] == "yes")
            }
            html += HTML.form(action: "/arrears/cases/\(account)/agree", csrf: session.csrfToken, id: "agree-form", fields, button: "Make the agreement")
            if let live {
                html += "<h2>Cancel the agreement</h2><p>As hub arrears cancel-agreement: agreement \(live.id) ends today and the case goes back into the stages"
                    + (live.directDebitExtra ? "; the extra amount it put on the Direct Debit is removed, with notice" : "") + ".</p>"
                html += HTML.form(
                    action: "/arrears/cases/\(account)/cancel-agreement", csrf: session.csrfToken, id: "cancel-agreement-form",
                    HTML.textarea("cancel_reason", label: "Why is it cancelled?", value: input["cancel_reason"] ?? "", error: error("cancel_reason")),
                    button: "Cancel agreement \(live.id)", warning: true)
            }
        }
        if ConsoleAction.proposeWriteOffs.allowed(for: session.user.role), let tenancyEnd, tenancyEnd < config.today(), balance != .zero {
            html += "<h2>Propose a write-off</h2>"
            if let proposed {
                html += "<p id=\"writeoff-proposed\">\(HTML.link(proposed.reference, "/arrears/writeoffs/\(proposed.id)")) (\(HTML.escape(Show.money(proposed.amount)))) waits for approval.</p>"
            } else {
                html += "<p>As hub writeoffs propose: the tenancy ended \(HTML.escape(Show.day(tenancyEnd))); the whole balance, \(HTML.escape(Show.money(balance))), is proposed and waits for approval by someone whose band covers it (never the person who proposed it).</p>"
                var fields = HTML.textarea("writeoff_reason", label: "Why is it written off?", value: input["writeoff_reason"] ?? "", hint: "Uneconomic, untraced, deceased with no estate...", error: error("writeoff_reason"))
                if balance < .zero { fields += HTML.confirm("refund", label: "Refund the credit instead of writing it off", checked: input["refund"] == "yes") }
                html += HTML.form(action: "/arrears/cases/\(account)/propose-writeoff", csrf: session.csrfToken, id: "propose-writeoff-form", fields, button: "Propose writing off \(Show.money(balance))")
            }
        }
        return html
    }
}
