import Foundation
import HousingFinance
import Hub
import Hummingbird
import Postgres

/// Direct Debit (docs/direct-debit.md): collection days (each run's report, as `hub run
/// dd-collection` prints it), a collection's returns and what was done, mandates with their
/// schedule (`hub dd schedule`) and history (`hub dd mandates show`), and **cancel** a mandate
/// (`hub dd mandate cancel`, through `MandateStore`); **add** and **amend** a mandate
/// (DirectDebitForms.swift). Finance, payments and the auditor.
extension Console {
    /// A collection day: its run, the report the run kept, its file and deliveries, its returns.
    struct CollectionDay: Sendable {
        var run: RunRecord
        var report: DDCollectionJob.Report?
        var file: OutboundFile?
        var delivered: Bool
        var returns: Int
        var returnedPence: Int64
    }

    static func collectionDays(limit: Int, runId: Int64? = nil, on db: Connection) throws -> [CollectionDay] {
        let runs = try runId.map { try RunRecord.find($0, on: db).map { [$0] } ?? [] } ?? RunRecord.list(job: DDCollectionJob.name, limit: limit, on: db)
        return try runs.filter { $0.job == DDCollectionJob.name }.map { run in
            let report = try db.queryOne("SELECT report::text FROM runs WHERE id = $1 AND report IS NOT NULL", [run.id])
                .flatMap { try? HubJSON.decoder().decode(DDCollectionJob.Report.self, from: Data(try $0.decode(String.self, 0).utf8)) }
            let file = try OutboundFile.files(ofRun: run.id, on: db).first
            let delivered = try file.map { try db.queryOne("SELECT 1 FROM outbound_deliveries WHERE file_id = $1", [$0.id]) != nil } ?? false
            let returns = try db.queryOne(
                "SELECT count(*), COALESCE(sum(r.amount_pence), 0) FROM dd_returns r JOIN dd_collections c ON c.id = r.collection_id WHERE c.run_id = $1", [run.id])!
            return CollectionDay(
                run: run, report: report, file: file, delivered: delivered, returns: Int(try returns.decode(Int64.self, 0)), returnedPence: try returns.decode(Int64.self, 1))
        }
    }

    /// A returned collection, and what the returns run did about it.
    struct ReturnRow: Sendable {
        var account: String
        var reference: String
        var due: Day
        var amountPence: Int64
        var code: String
        var text: String
        var returnedOn: Day
        var runId: Int64
        var representOn: Day?
        var flags: [String]
    }

    static func returns(collectionRun: Int64?, limit: Int, on db: Connection) throws -> [ReturnRow] {
        try db.query(
            """
            SELECT a.account_ref, c.reference, c.due_date, r.amount_pence, r.reason_code, COALESCE(r.reason_text, ''), r.returned_on, r.run_id, r.represent_on,
                   COALESCE((SELECT array_agg(f.reason ORDER BY f.id) FROM dd_account_flags f WHERE f.run_id = r.run_id AND f.mandate_id = c.mandate_id), '{}')
            FROM dd_returns r JOIN dd_collections c ON c.id = r.collection_id JOIN rent_accounts a ON a.id = c.account_id
            WHERE $1::bigint IS NULL OR c.run_id = $1 ORDER BY r.id DESC LIMIT $2
            """, [collectionRun, limit]
        ).map { row in
            ReturnRow(
                account: try row.decode(String.self, 0), reference: try row.decode(String.self, 1), due: try row.decode(Day.self, 2),
                amountPence: try row.decode(Int64.self, 3), code: try row.decode(String.self, 4), text: try row.decode(String.self, 5),
                returnedOn: try row.decode(Day.self, 6), runId: try row.decode(Int64.self, 7), representOn: try row.decode(Day?.self, 8),
                flags: try row.decode(PostgresArray.self, 9).elements.compactMap { $0 })
        }
    }

    static func returnsTable(_ rows: [ReturnRow]) -> String {
        HTML.table(
            headers: ["Account", "Due", "Amount", "Reason", "Returned", "What was done", "Run"], numeric: [2],
            rows: rows.map { r in
                let done = (r.representOn.map { ["re-presented on \(Show.day($0)) (code 18)"] } ?? []) + r.flags
                return [HTML.link(r.account, "/direct-debit/mandates/\(r.account)"), HTML.escape(Show.day(r.due)), HTML.escape(Show.money(r.amountPence)),
                        HTML.escape("\(r.code) \(r.text)"), HTML.escape(Show.day(r.returnedOn)), HTML.escape(done.isEmpty ? "none recorded" : done.joined(separator: "; ")),
                        HTML.link(String(r.runId), "/runs/\(r.runId)")]
            }, id: "returns")
    }

    func collectionDaysTable(_ days: [CollectionDay]) -> String {
        HTML.table(
            headers: ["Input day", "Entry day", "Collections", "Total", "File", "Delivered", "Held or changed", "Returns", "Run"], numeric: [2, 3, 6, 7],
            rows: days.map { day in
                let report = day.report
                return [
                    HTML.link(Show.day(report?.inputDay ?? day.run.businessDate), "/direct-debit/collections/\(day.run.id)"),
                    HTML.escape(report.map { Show.day($0.entryDay) } ?? ""), String(report?.collections ?? 0),
                    HTML.escape(Show.money(report?.collectedPence ?? 0)),
                    day.file.map { HTML.link($0.fileName, "/exports/\($0.id)") } ?? "no file",
                    day.file == nil ? "" : day.delivered ? HTML.tag("delivered", ok: true) : HTML.tag("not delivered", ok: false),
                    String(report?.heldCount ?? 0),
                    day.returns == 0 ? "0" : "\(day.returns), \(HTML.escape(Show.money(day.returnedPence)))",
                    HTML.link(String(day.run.id), "/runs/\(day.run.id)") + (day.run.status == "completed" ? "" : " " + HTML.tag(day.run.status, ok: false)),
                ]
            }, id: "collection-days")
    }

    func addDirectDebit(_ router: Router<ConsoleContext>) {
        page(router, "/direct-debit") { _, _, session in
            let (days, returns) = try await self.read(session.user.acting) { db in
                (try Self.collectionDays(limit: 30, on: db), try Self.returns(collectionRun: nil, limit: 20, on: db))
            }
            var html = "<p>\(HTML.link("Mandates", "/direct-debit/mandates")): search, a mandate's schedule and history.</p>"
            html += "<h2>Collection days</h2>" + (days.isEmpty ? "<p>No collection has run yet (hub run dd-collection).</p>" : collectionDaysTable(days))
            html += "<h2>Latest returns</h2>" + (returns.isEmpty ? "<p>No collection has been returned.</p>" : Self.returnsTable(returns))
            return self.render("Direct Debit", session: session, section: .directDebit, body: html)
        }

        page(router, "/direct-debit/collections/:run") { _, context, session in
            let runId = try context.parameters.require("run", as: Int64.self)
            let (days, returns) = try await self.read(session.user.acting) { db in
                (try Self.collectionDays(limit: 1, runId: runId, on: db), try Self.returns(collectionRun: runId, limit: 1000, on: db))
            }
            guard let day = days.first else { throw RunError(.notFound, "run \(runId) is not a Direct Debit collection") }
            var html = collectionDaysTable([day])
            if let report = day.report {
                html += HTML.summary([
                    ("Processing day", HTML.escape(Show.day(report.processingDay))), ("Due dates taken", HTML.escape(report.dueDays.map(Show.day).joined(separator: ", "))),
                    ("By transaction code", HTML.escape(report.byCode.keys.sorted().map { "\($0): \(report.byCode[$0]!)" }.joined(separator: ", "))),
                    ("AUDDIS lodgements", HTML.escape(report.lodgements.keys.sorted().map { "\($0): \(report.lodgements[$0]!)" }.joined(separator: ", "))),
                    ("Re-presented", String(report.represented)),
                ])
                let held = report.previousAmount + report.withheld
                html += "<h2>Held or changed amounts (advance notice not in time)</h2>" + (held.isEmpty ? "<p>None: every amount was notified in time.</p>" : HTML.table(
                    headers: ["Account", "Due", "Computed", "Collected", "Why"], numeric: [2, 3],
                    rows: held.map { [HTML.link($0.account, "/direct-debit/mandates/\($0.account)"), HTML.escape(Show.day($0.due)), HTML.escape(Show.money($0.computedPence)),
                                      HTML.escape(Show.money($0.collectedPence)), HTML.escape($0.reason)] }, id: "held"))
                if report.heldCount > held.count { html += "<p>\(report.heldCount - held.count) more are in the run's report.</p>" }
            }
            html += "<h2>Returns</h2>" + (returns.isEmpty ? "<p>None of this day's collections has been returned.</p>" : Self.returnsTable(returns))
            return self.render("Collection of \(Show.day(day.report?.inputDay ?? day.run.businessDate))", session: session, section: .directDebit, body: html)
        }

        page(router, "/direct-debit/mandates") { request, _, session in
            let query = Form.query(request)
            let q = query["q"]?.trimmingCharacters(in: .whitespaces) ?? ""
            let status = query["status"].flatMap { ["pending", "live", "cancelled", "failed"].contains($0) ? $0 : nil }
            let mandates = try await self.read(session.user.acting) { db in try MandateStore.list(status: status, on: db) }
            let needle = q.lowercased()
            let shown = mandates.filter { needle.isEmpty || $0.accountRef.lowercased().contains(needle) || $0.payerName.lowercased().contains(needle) || $0.reference.lowercased().contains(needle) }
            var html = "<form method=\"get\" action=\"/direct-debit/mandates\" class=\"filters\">"
                + HTML.input("q", label: "Search mandates", value: q, hint: "Account, payer's name or Bacs reference", width: "20")
                + HTML.select("status", label: "Status", options: [("", "Any"), ("pending", "Pending"), ("live", "Live"), ("cancelled", "Cancelled"), ("failed", "Failed")], selected: status ?? "")
                + "<div class=\"govuk-form-group\"><button class=\"govuk-button govuk-button--secondary\" type=\"submit\">Show</button></div></form>"
            if ConsoleAction.changeMandates.allowed(for: session.user.role) {
                html += "<p>\(HTML.link("Add a mandate", "/direct-debit/new-mandate")) (as hub dd mandate add).</p>"
            }
            html += "<p>\(Wording.count(shown.count, "mandate"))\(shown.count > 200 ? "; the first 200 shown" : "").</p>"
            html += HTML.table(
                headers: ["Account", "Payer", "Reference", "Frequency", "Day", "Extra", "Status", "Start"], numeric: [5],
                rows: shown.prefix(200).map { m in
                    [HTML.link(m.accountRef, "/direct-debit/mandates/\(m.accountRef)"), HTML.escape(m.payerName), HTML.escape(m.reference), HTML.escape(m.frequency.rawValue),
                     HTML.escape(m.collectionDayText), HTML.escape(Show.money(m.extraPence)), HTML.tag(m.status, ok: m.status == "live" ? true : m.status == "failed" ? false : nil),
                     HTML.escape(Show.day(m.start))]
                }, id: "mandates")
            return self.render("Direct Debit mandates", session: session, section: .directDebit, body: html)
        }

        addDirectDebitForms(router)

        page(router, "/direct-debit/mandates/:account") { _, context, session in
            try await self.mandatePage(session, account: try context.parameters.require("account"), errors: [])
        }

        action(router, "/direct-debit/mandates/:account/cancel", .cancelMandates) { _, context, session, form in
            let account = try context.parameters.require("account")
            guard !form["reason"].isEmpty else { return try await self.mandatePage(session, account: account, errors: [("reason", "Say why the mandate is cancelled")]) }
            let reason = form["reason"]
            let settings = try DirectDebitConfig.load(self.config)
            let mandate = try await self.act(session.user.acting) { runner in
                try MandateStore(config: settings).cancel(account: account, reason: reason, on: try runner.database.connect())
            }
            let html = HTML.notice("Mandate \(mandate.id) for \(mandate.accountRef) cancelled" + (mandate.lodgedEntryDay != nil ? "; its 0C goes in the next collection file." : "."), ok: true)
                + "<p>\(HTML.link("Back to the mandate", "/direct-debit/mandates/\(account)"))</p>"
            return self.render("Mandate cancelled", session: session, section: .directDebit, body: html)
        }
    }

    func mandatePage(_ session: ConsoleSession, account: String, errors: [(String, String)], input: [String: String] = [:]) async throws -> Response {
        let settings = try DirectDebitConfig.load(config)
        let today = config.today()
        let (history, schedule) = try await read(session.user.acting) { db -> (MandateHistory, [DDScheduledCollection]) in
            let history = try MandateHistory.load(account: account, on: db)
            guard let current = try MandateStore.open(account: account, on: db) ?? history.mandates.first else { return (history, []) }
            let schedule = try DDSchedules(config: settings).schedule(current, on: db).collections(from: today, through: today + 120)
            return (history, schedule)
        }
        guard let current = history.mandates.first else { throw RunError(.notFound, "account \(account.prefix(20)) has no Direct Debit mandate (hub dd mandates list)") }
        var html = HTML.errorSummary(errors)
        html += HTML.summary([
            ("Account", HTML.link(account, "/accounts/\(account)")), ("Payer", HTML.escape(current.payerName)), ("Reference", HTML.escape(current.reference)),
            ("Bank", HTML.escape("\(current.sortCode) \(current.accountNumber)")), ("Frequency", HTML.escape("\(current.frequency.rawValue), \(current.collectionDayText)")),
            ("Extra amount", HTML.escape(Show.money(current.extraPence))), ("Status", "<span id=\"mandate-status\">\(HTML.escape(current.status))</span>"),
            ("Start", HTML.escape(Show.day(current.start))),
        ])
        html += "<h2>Schedule, next 120 days</h2>" + (schedule.isEmpty ? "<p>Nothing to collect.</p>" : HTML.table(
            headers: ["Due", "Entry day", "Weekly charges", "Extra", "Amount"], numeric: [2, 3, 4],
            rows: schedule.map { [HTML.escape(Show.day($0.due)), HTML.escape(Show.day($0.entryDay)), HTML.escape(Show.money($0.weeklyCharges)), HTML.escape(Show.money($0.extra)),
                                  "<strong>\(HTML.escape(Show.money($0.amount)))</strong>"] }, id: "schedule"))
        html += "<h2>Collections</h2>" + (history.collections.isEmpty ? "<p>None yet.</p>" : HTML.table(
            headers: ["Due", "Entry day", "Code", "Amount", "Computed", "Returned", "Run"], numeric: [3, 4],
            rows: history.collections.map { c in
                [HTML.escape(Show.day(c.dueDate)), HTML.escape(Show.day(c.entryDay)), HTML.escape(c.code), HTML.escape(Show.money(c.amountPence)), HTML.escape(Show.money(c.computedPence)),
                 HTML.escape((c.returnReason ?? "") + (c.representOn.map { ", re-presented \(Show.day($0))" } ?? "")), HTML.link(String(c.runId), "/runs/\(c.runId)")]
            }, id: "collections"))
        html += "<h2>History</h2>" + HTML.table(
            headers: ["When", "Mandate", "What", "From", "To", "By", "Why"],
            rows: history.events.map { [HTML.escape(Show.time($0.at)), String($0.mandateId), HTML.escape($0.action), HTML.escape($0.oldStatus ?? ""), HTML.escape($0.newStatus ?? ""),
                                        HTML.escape($0.actor), HTML.escape($0.reason ?? "")] }, id: "mandate-history")
        let lines = history.lodgements + history.notices + history.flags
        if !lines.isEmpty {
            html += "<h2>Lodgements, notices and flags</h2>" + HTML.table(
                headers: ["Mandate", "What", "Day", "Detail"],
                rows: lines.map { [String($0.mandateId), HTML.escape($0.what), HTML.escape($0.day.map(Show.day) ?? ""), HTML.escape($0.detail)] }, id: "mandate-lines")
        }
        if ["pending", "live"].contains(current.status) && ConsoleAction.changeMandates.allowed(for: session.user.role) {
            html += amendMandateForm(session, account: account, current: current, settings: settings, errors: errors, input: input)
        } else if ConsoleAction.changeMandates.allowed(for: session.user.role) {
            html += "<p>\(HTML.link("Add a mandate to \(account)", "/direct-debit/new-mandate?account=\(account)")) (as hub dd mandate add).</p>"
        }
        if ["pending", "live"].contains(current.status) && ConsoleAction.cancelMandates.allowed(for: session.user.role) {
            html += "<h2>Cancel the mandate</h2><p>As hub dd mandate cancel: a 0C goes in the next collection file when it was lodged.</p>"
            html += HTML.form(
                action: "/direct-debit/mandates/\(account)/cancel", csrf: session.csrfToken, id: "cancel-form",
                HTML.textarea("reason", label: "Why is it cancelled?", value: input["reason"] ?? "", error: errors.first { $0.0 == "reason" }?.1), button: "Cancel mandate \(current.id)", warning: true)
        }
        return render("Direct Debit: \(account)", session: session, section: .directDebit, body: html, status: errors.isEmpty ? .ok : .badRequest)
    }
}
