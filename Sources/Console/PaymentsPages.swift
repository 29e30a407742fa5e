import BankFiles
import Foundation
import HousingFinance
import Hub
import Hummingbird
import Postgres

/// Payments: imported files with their reconciliation; upload a file to import (the importer's
/// own path, as the inbox takes); the suspense queue with allocate and refund
/// (`SuspenseAllocationJob`, as `hub suspense allocate|refund`).
extension Console {
    func addPayments(_ router: Router<ConsoleContext>) {
        page(router, "/payments") { _, _, session in
            let files = try await self.read(session.user.acting) { db in try PaymentFileRow.list(since: nil, limit: 100, on: db) }
            var html = "<p>\(HTML.link("The suspense queue", "/payments/suspense"))</p>"
            if ConsoleAction.importPayments.allowed(for: session.user.role) { html += self.uploadForm(session, errors: []) }
            html += "<h2>Imported files</h2>"
            html += files.isEmpty ? "<p>No payment file imported yet.</p>" : HTML.table(
                headers: ["Run", "File", "Format", "File date", "Credits", "Credit total", "Debits", "Debit total", "Reconciliation", "Imported"],
                numeric: [0, 4, 5, 6, 7],
                rows: files.map { file in
                    [HTML.link(String(file.runId), "/runs/\(file.runId)"), HTML.escape(file.fileName), HTML.escape(file.format), HTML.escape(file.fileDate.map(Show.day) ?? ""),
                     String(file.credits), HTML.escape(Show.money(file.creditPence)), String(file.debits), HTML.escape(Show.money(file.debitPence)),
                     file.reversedBy.map { "reversed by " + HTML.link("run \($0)", "/runs/\($0)") } ?? HTML.tag(file.ties == true ? "ties" : "does not tie", ok: file.ties == true),
                     HTML.escape(Show.time(file.importedAt))]
                }, id: "payment-files")
            return self.render("Payments", session: session, section: .payments, body: html)
        }

        action(router, "/payments/upload", .importPayments) { _, _, session, form in
            guard let file = form.files["file"], !file.bytes.isEmpty else {
                return self.render("Payments", session: session, section: .payments, body: self.uploadForm(session, errors: [("file", "Choose a payment file to import")]), status: .badRequest)
            }
            let formatText = form["format"]
            let format = PaymentFormat(rawValue: formatText)
            guard formatText == "auto" || format != nil else {
                return self.render("Payments", session: session, section: .payments, body: self.uploadForm(session, errors: [("format", "Choose the file's format")]), status: .badRequest)
            }
            let preview = form["preview"] == "yes"
            let name = URL(fileURLWithPath: file.name).lastPathComponent
            let config = self.config
            let businessDate = config.today()
            let outcome = try await self.act(session.user.acting) { runner in
                // A Bacs Direct Debit report is acted on as hub dd returns/advices does (one path).
                try PaymentImporter(runner: runner, config: config).receive(fileName: name, bytes: file.bytes, format: format, businessDate: businessDate, preview: preview)
            }
            var html = HTML.notice(outcome.isPreview ? "PREVIEW (dry run) of \(name): nothing has been posted." : "\(name) imported by run \(outcome.record.id).", ok: outcome.ties)
            if !outcome.isPreview { html += "<p>\(HTML.link("Run \(outcome.record.id)", "/runs/\(outcome.record.id)"))</p>" }
            html += HTML.pre(outcome.report.render())
            return self.render(outcome.isPreview ? "Preview of \(name)" : "Imported \(name)", session: session, section: .payments, body: html)
        }

        page(router, "/payments/suspense") { request, _, session in
            let query = Form.query(request)
            let kind = query["kind"].flatMap { ["cash", "hb"].contains($0) ? $0 : nil }
            let status = query["status"].flatMap { ["open", "allocated", "refunded", "void", "all"].contains($0) ? $0 : nil } ?? "open"
            let items = try await self.read(session.user.acting) { db in try SuspenseItem.list(kind: kind, status: status == "all" ? nil : status, on: db) }
            var html = "<form method=\"get\" action=\"/payments/suspense\" class=\"filters\">"
                + HTML.select("kind", label: "Kind", options: [("", "Cash and Housing Benefit"), ("cash", "Cash"), ("hb", "Housing Benefit")], selected: kind ?? "")
                + HTML.select("status", label: "Status", options: [("open", "Open"), ("allocated", "Allocated"), ("refunded", "Refunded"), ("void", "Void"), ("all", "Any")], selected: status)
                + "<div class=\"govuk-form-group\"><button class=\"govuk-button govuk-button--secondary\" type=\"submit\">Filter</button></div></form>"
            let total = items.reduce(Int64(0)) { $0 + $1.amountPence }
            html += "<p>\(HTML.escape(Wording.count(items.count, "item"))), \(HTML.escape(Show.money(total))).</p>"
            html += HTML.table(
                headers: ["Item", "Kind", "Date", "Amount", "Reference", "Payer", "File", "Why", "Status"], numeric: [0, 3],
                rows: items.prefix(500).map { item in
                    [HTML.link(String(item.id), "/payments/suspense/\(item.id)"), item.kind == "hb" ? "Housing Benefit" : "Cash", HTML.escape(Show.day(item.date)),
                     HTML.escape(Show.money(item.amountPence)), HTML.escape(item.reference), HTML.escape(item.payer ?? ""), HTML.escape("\(item.file) \(item.position)"),
                     HTML.escape(item.reason), HTML.escape(item.status + (item.account.map { " to \($0)" } ?? ""))]
                }, id: "suspense")
            if items.count > 500 { html += "<p>The first 500 items, oldest first.</p>" }
            return self.render("Suspense", session: session, section: .payments, body: html)
        }

        page(router, "/payments/suspense/:id") { request, context, session in
            let id = try context.parameters.require("id", as: Int64.self)
            let q = Form.query(request)["q"]?.trimmingCharacters(in: .whitespaces)
            return try await self.suspenseItemPage(session, id: id, search: q, errors: [], note: "")
        }

        action(router, "/payments/suspense/:id/allocate", .clearSuspense) { _, context, session, form in
            let id = try context.parameters.require("id", as: Int64.self)
            var errors: [(String, String)] = []
            if form["account"].isEmpty { errors.append(("account", "Enter the rent account to allocate the item to")) }
            if form["note"].isEmpty { errors.append(("note", "Say why (kept with the run and the audit trail)")) }
            guard errors.isEmpty else { return try await self.suspenseItemPage(session, id: id, search: form["account"], errors: errors, note: form["note"]) }
            return try await self.clear(session, SuspenseAllocationJob(itemId: id, action: .allocate(account: form["account"]), note: form["note"]))
        }

        action(router, "/payments/suspense/:id/refund", .clearSuspense) { _, context, session, form in
            let id = try context.parameters.require("id", as: Int64.self)
            var errors: [(String, String)] = []
            if form["refund_note"].isEmpty { errors.append(("refund_note", "Say why it is refunded")) }
            if form["confirm"] != "yes" { errors.append(("confirm", "Tick the box to confirm the refund")) }
            guard errors.isEmpty else { return try await self.suspenseItemPage(session, id: id, search: nil, errors: errors, note: "") }
            return try await self.clear(session, SuspenseAllocationJob(itemId: id, action: .refund, note: form["refund_note"]))
        }
    }

    func clear(_ session: ConsoleSession, _ job: SuspenseAllocationJob) async throws -> Response {
        let businessDate = config.today()
        let outcome = try await act(session.user.acting) { runner in try job.clear(runner: runner, businessDate: businessDate) }
        let html = HTML.notice(outcome.report.render().split(separator: "\n").first.map(String.init) ?? "Done", ok: true)
            + "<p>\(HTML.link("Run \(outcome.record.id)", "/runs/\(outcome.record.id)")) by \(HTML.escape(outcome.record.operator)).</p>" + HTML.pre(outcome.render())
            + "<p>\(HTML.link("Back to the suspense queue", "/payments/suspense"))</p>"
        return render("Suspense item \(job.itemId) cleared", session: session, section: .payments, body: html)
    }

    func suspenseItemPage(_ session: ConsoleSession, id: Int64, search: String?, errors: [(String, String)], note: String) async throws -> Response {
        let (item, hits) = try await read(session.user.acting) { db -> (SuspenseItem?, [AccountHit]) in
            guard let item = try SuspenseItem.find(id, on: db) else { return (nil, []) }
            // The item's own reference and payer are the first place to look for the account.
            let text = search.flatMap { $0.isEmpty ? nil : $0 } ?? item.reference
            var hits = text.count >= 2 ? try Self.searchAccounts(text, on: db) : []
            if hits.isEmpty, search == nil, let payer = item.payer, payer.count >= 3 {
                hits = try Self.searchAccounts(String(payer.split(separator: " ").last ?? ""), on: db)
            }
            return (item, hits)
        }
        guard let item else { throw RunError(.notFound, "there is no suspense item \(id)") }
        var html = HTML.errorSummary(errors)
        html += HTML.summary([
            ("Amount", "<strong id=\"item-amount\">\(HTML.escape(Show.money(item.amountPence)))</strong>"), ("Kind", item.kind == "hb" ? "Housing Benefit" : "Cash"),
            ("Date", HTML.escape(Show.day(item.date))), ("Reference", HTML.escape(item.reference)), ("Payer", HTML.escape(item.payer ?? "")),
            ("From", HTML.escape("\(item.file) \(item.position)") + " (" + HTML.link("run \(item.runId)", "/runs/\(item.runId)") + ")"),
            ("Why in suspense", HTML.escape(item.reason)),
            ("Status", "<span id=\"item-status\">\(HTML.escape(item.status))</span>" + (item.account.map { " to " + HTML.link($0, "/accounts/\($0)") } ?? "")
                + (item.resolvedRunId.map { " by " + HTML.link("run \($0)", "/runs/\($0)") } ?? "")),
        ])
        if item.status == "open" && ConsoleAction.clearSuspense.allowed(for: session.user.role) {
            html += "<h2>Allocate to a rent account</h2>"
            html += "<form method=\"get\" action=\"/payments/suspense/\(id)\" class=\"filters\">"
                + HTML.input("q", label: "Find the account", value: search ?? item.reference, hint: "Reference, tenant's name, address or postcode", width: "20")
                + "<div class=\"govuk-form-group\"><button class=\"govuk-button govuk-button--secondary\" type=\"submit\">Find</button></div></form>"
            if !hits.isEmpty { html += Self.hitsTable(hits) { HTML.escape($0.reference) } }
            html += HTML.form(
                action: "/payments/suspense/\(id)/allocate", csrf: session.csrfToken, id: "allocate-form",
                HTML.input("account", label: "Rent account", value: hits.count == 1 ? hits[0].reference : "", error: errors.first { $0.0 == "account" }?.1, width: "10")
                    + HTML.textarea("note", label: "Note", value: note, hint: "Why this account: kept with the run and the audit trail", error: errors.first { $0.0 == "note" }?.1),
                button: "Allocate \(Show.money(item.amountPence))")
            html += "<h2>Or refund it to the payer</h2>"
            html += HTML.form(
                action: "/payments/suspense/\(id)/refund", csrf: session.csrfToken, id: "refund-form",
                HTML.textarea("refund_note", label: "Why is it refunded?", error: errors.first { $0.0 == "refund_note" }?.1)
                    + HTML.confirm("confirm", label: "I confirm \(Show.money(item.amountPence)) is to be refunded", error: errors.first { $0.0 == "confirm" }?.1),
                button: "Refund", warning: true)
        }
        return render("Suspense item \(id)", session: session, section: .payments, body: html, status: errors.isEmpty ? .ok : .badRequest)
    }

    func uploadForm(_ session: ConsoleSession, errors: [(String, String)]) -> String {
        HTML.errorSummary(errors) + "<h2>Import a payment file</h2><p>The file is imported as the inbox imports it: one run, refused if imported before, nothing posted if it cannot be read.</p>"
            + HTML.form(
                action: "/payments/upload", csrf: session.csrfToken, multipart: true, id: "upload-form",
                "<div class=\"govuk-form-group\(errors.contains { $0.0 == "file" } ? " govuk-form-group--error" : "")\"><label class=\"govuk-label\" for=\"file\">Payment file</label>"
                    + (errors.first { $0.0 == "file" }.map { "<p class=\"govuk-error-message\">\(HTML.escape($0.1))</p>" } ?? "")
                    + "<input class=\"govuk-file-upload\" id=\"file\" name=\"file\" type=\"file\"></div>"
                    + HTML.select("format", label: "Format", options: [("auto", "Detect from the content")] + PaymentFormat.allCases.map { ($0.rawValue, $0.rawValue) }, selected: "auto")
                    + "<div class=\"govuk-checkboxes__item govuk-form-group\"><input class=\"govuk-checkboxes__input\" id=\"preview\" name=\"preview\" type=\"checkbox\" value=\"yes\"><label class=\"govuk-label\" for=\"preview\">Preview only (dry run)</label></div>",
                button: "Import")
    }
}
