import Foundation
import HousingFinance
import Hub
import Hummingbird
import Postgres

/// **Add** a Direct Debit mandate to an account (`hub dd mandate add`, through `MandateStore.add`)
/// and **amend** one (`hub dd mandate amend`, `MandateStore.amend`). The bank details are read by
/// `BankDetails` and the collection day by `MandateStore.collectionDay`, as the command, the store
/// and the mandates loader read them, so that a bad sort code says the same here, beside the
/// field, and nothing is saved. Finance and payments.
extension Console {
    /// A mandate form's fields, read and checked as the command reads its options.
    struct MandateFields {
        var errors: [(String, String)] = []
        var bank: BankDetails?
        var frequency: DDFrequency?
        var start: Day?
        var extra: Money?
    }

    /// Reads the bank details, frequency, day, start and extra of a form; an empty field is nil
    /// when `optional` (an amendment keeps what the mandate has: `current`).
    func mandateFields(_ form: Form, optional current: Mandate?) -> MandateFields {
        var fields = MandateFields()
        let sortCode = form["sort_code"], accountNumber = form["account_number"]
        if current == nil || !sortCode.isEmpty || !accountNumber.isEmpty {
            do throws(BankDetailsError) {
                fields.bank = try BankDetails(
                    sortCode: sortCode.isEmpty ? current?.sortCode ?? "" : sortCode, accountNumber: accountNumber.isEmpty ? current?.accountNumber ?? "" : accountNumber)
            } catch {
                fields.errors.append((error.field == "sort code" ? "sort_code" : "account_number", "The \(error.description.dropFirst(4))"))
            }
        }
        if !form["frequency"].isEmpty || current == nil {
            fields.frequency = DDFrequency(rawValue: form["frequency"])
            if fields.frequency == nil { fields.errors.append(("frequency", "Choose weekly, fortnightly, four-weekly or monthly")) }
        }
        if let frequency = fields.frequency ?? current?.frequency, !form["day"].isEmpty {
            do { _ = try MandateStore(config: try DirectDebitConfig.load(config)).collectionDay(form["day"], frequency) } catch let error as RunError {
                fields.errors.append(("day", "The " + error.message))
            } catch {
                fields.errors.append(("day", "\(error)"))
            }
        } else if current == nil {
            fields.errors.append(("day", "Enter the collection day: a weekday, or a day of the month for a monthly mandate"))
        }
        if !form["start"].isEmpty || current == nil {
            fields.start = Day(iso: form["start"])
            if fields.start == nil { fields.errors.append(("start", "Enter the first day a collection may be due, as YYYY-MM-DD")) }
        }
        if !form["extra"].isEmpty {
            if let extra = try? Money(parsing: form["extra"]), extra >= .zero { fields.extra = extra } else {
                fields.errors.append(("extra", "Enter the extra amount in pounds, like 5.00 (0 for none), or leave it empty"))
            }
        }
        return fields
    }

    func addDirectDebitForms(_ router: Router<ConsoleContext>) {
        page(router, "/direct-debit/new-mandate") { request, _, session in
            guard ConsoleAction.changeMandates.allowed(for: session.user.role) else { return self.forbidden(session, request.uri.path) }
            return try self.newMandatePage(session, errors: [], input: ["account": Form.query(request)["account"] ?? ""])
        }

        action(router, "/direct-debit/new-mandate", .changeMandates) { _, _, session, form in
            var fields = self.mandateFields(form, optional: nil)
            let account = form["account"]
            if account.isEmpty { fields.errors.insert(("account", "Enter the rent account reference"), at: 0) }
            if form["payer"].isEmpty { fields.errors.insert(("payer", "Enter the account holder's name"), at: account.isEmpty ? 1 : 0) }
            guard fields.errors.isEmpty, fields.bank != nil, let frequency = fields.frequency, let start = fields.start else {
                return try self.newMandatePage(session, errors: fields.errors, input: form.fields)
            }
            let request = MandateRequest(
                accountRef: account, payerName: form["payer"], sortCode: form["sort_code"], accountNumber: form["account_number"], frequency: frequency,
                collectionDay: form["day"], start: start, extra: fields.extra ?? .zero)
            let settings = try DirectDebitConfig.load(self.config)
            let mandate: Mandate
            do {
                mandate = try await self.act(session.user.acting) { runner in try MandateStore(config: settings).add(request, on: try runner.database.connect()) }
            } catch let error as RunError where error.code == .badInput || error.code == .refused {
                return try self.newMandatePage(session, errors: [("account", error.message)], input: form.fields)
            }
            return self.render(
                "Mandate added", session: session, section: .directDebit,
                body: HTML.notice("Mandate \(mandate.id) for \(mandate.accountRef) added by \(mandate.createdBy): \(mandate.status), AUDDIS 0N goes in the next collection file.", ok: true)
                    + "<p>\(HTML.link("The mandate", "/direct-debit/mandates/\(mandate.accountRef)"))</p>")
        }

        action(router, "/direct-debit/mandates/:account/amend", .changeMandates) { _, context, session, form in
            let account = try context.parameters.require("account")
            let current = try await self.read(session.user.acting) { db in try MandateStore.open(account: account, on: db) }
            guard let current else { throw RunError(.notFound, "account \(account.prefix(20)) has no pending or live mandate to amend") }
            var fields = self.mandateFields(form, optional: current)
            let reason = form["amend_reason"]
            if reason.isEmpty { fields.errors.append(("amend_reason", "Say why the mandate is amended")) }
            guard fields.errors.isEmpty else { return try await self.mandatePage(session, account: account, errors: fields.errors, input: form.fields) }
            let change = MandateAmendment(
                payerName: form["payer"].isEmpty ? nil : form["payer"], sortCode: form["sort_code"].isEmpty ? nil : form["sort_code"],
                accountNumber: form["account_number"].isEmpty ? nil : form["account_number"],
                frequency: fields.frequency, collectionDay: form["day"].isEmpty ? nil : form["day"], start: fields.start, extra: fields.extra, reason: reason)
            let settings = try DirectDebitConfig.load(self.config)
            let mandate: Mandate
            do {
                mandate = try await self.act(session.user.acting) { runner in try MandateStore(config: settings).amend(account: account, change, on: try runner.database.connect()) }
            } catch let error as RunError where error.code == .badInput || error.code == .refused {
                return try await self.mandatePage(session, account: account, errors: [("amend_reason", error.message)], input: form.fields)
            }
            let relodged = mandate.status == "pending" && current.status == "live"
            return self.render(
                "Mandate amended", session: session, section: .directDebit,
                body: HTML.notice(
                    "Mandate \(mandate.id) for \(mandate.accountRef) replaces mandate \(current.id): \(mandate.status), amended by \(mandate.createdBy)."
                        + (relodged ? " New bank details or payer: the 0C and 0N go in the next collection file." : ""), ok: true)
                    + "<p>\(HTML.link("The mandate", "/direct-debit/mandates/\(account)"))</p>")
        }
    }

    /// The fields of a mandate: empty for a new one; for an amendment, hints saying what is kept.
    func mandateFormFields(errors: [(String, String)], input: [String: String], current: Mandate?, settings: DirectDebitConfig) -> String {
        func error(_ field: String) -> String? { errors.first { $0.0 == field }?.1 }
        let monthly = settings.monthlyDays.map(String.init).joined(separator: ", ")
        func keep(_ text: String) -> String? { current.map { _ in "Leave empty to keep \(text)" } }
        return HTML.input("payer", label: "Account holder's name", value: input["payer"] ?? "", hint: keep(current?.payerName ?? ""), error: error("payer"), width: "30")
            + HTML.input("sort_code", label: "Sort code", value: input["sort_code"] ?? "", hint: keep(current?.sortCode ?? "") ?? "6 digits, like 20-00-00", error: error("sort_code"), width: "10")
            + HTML.input("account_number", label: "Account number", value: input["account_number"] ?? "", hint: keep(current?.accountNumber ?? "") ?? "8 digits", error: error("account_number"), width: "10")
            + HTML.select(
                "frequency", label: "How often", options: (current == nil ? [] : [("", "Keep \(current!.frequency.rawValue)")]) + DDFrequency.allCases.map { ($0.rawValue, $0.rawValue) },
                selected: input["frequency"] ?? (current == nil ? "monthly" : ""), error: error("frequency"))
            + HTML.input(
                "day", label: "Collection day", value: input["day"] ?? "",
                hint: (current.map { "Leave empty to keep \($0.collectionDayText). " } ?? "") + "A weekday (Monday to Friday) for weekly, fortnightly and four-weekly; for monthly a day of the month: \(monthly)",
                error: error("day"), width: "10")
            + HTML.input("start", label: "First day a collection may be due", value: input["start"] ?? "", hint: keep(current.map { $0.start.iso } ?? "") ?? "YYYY-MM-DD", error: error("start"), width: "10")
            + HTML.input(
                "extra", label: "Extra amount per collection (optional)", value: input["extra"] ?? "",
                hint: current.map { "Leave empty to keep \(Show.money($0.extraPence)); 0 ends it" } ?? "In pounds: a fixed extra amount (an arrears arrangement)", error: error("extra"), width: "10")
    }

    func newMandatePage(_ session: ConsoleSession, errors: [(String, String)], input: [String: String]) throws -> Response {
        let settings = try DirectDebitConfig.load(config)
        var html = HTML.errorSummary(errors)
        html += "<p>As hub dd mandate add: the mandate is pending and its AUDDIS 0N goes in the next collection file. The account reference is the reference quoted to the bank.</p>"
        html += HTML.form(
            action: "/direct-debit/new-mandate", csrf: session.csrfToken, id: "add-mandate-form",
            HTML.input("account", label: "Rent account", value: input["account"] ?? "", error: errors.first { $0.0 == "account" }?.1, width: "20")
                + mandateFormFields(errors: errors, input: input, current: nil, settings: settings),
            button: "Add the mandate")
        return render("Add a Direct Debit mandate", session: session, section: .directDebit, body: html, status: errors.isEmpty ? .ok : .badRequest)
    }

    /// The amend form of a mandate page.
    func amendMandateForm(
        _ session: ConsoleSession, account: String, current: Mandate, settings: DirectDebitConfig, errors: [(String, String)], input: [String: String]
    ) -> String {
        "<h2>Amend the mandate</h2><p>As hub dd mandate amend: new bank details or payer cancel the instruction (0C) and lodge a new one (0N) the same day; other changes keep the instruction.</p>"
            + HTML.form(
                action: "/direct-debit/mandates/\(account)/amend", csrf: session.csrfToken, id: "amend-mandate-form",
                mandateFormFields(errors: errors, input: input, current: current, settings: settings)
                    + HTML.textarea("amend_reason", label: "Why is it amended?", value: input["amend_reason"] ?? "", error: errors.first { $0.0 == "amend_reason" }?.1),
                button: "Amend mandate \(current.id)")
    }
}
