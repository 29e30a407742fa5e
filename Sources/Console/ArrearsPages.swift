import Foundation
import HousingFinance
import Hub
import Hummingbird
import Postgres

/// Arrears (docs/arrears.md): the officers' worklist (`hub arrears worklist`) with **act** and
/// **pause** (`hub arrears act`, `pause`, through `ArrearsCases`), an account's position and case
/// (`hub arrears show`), agreements (breached first), and write-offs with **approve** (a run of
/// `WriteOffApprovalJob`, as `hub writeoffs approve`) within the person's band and **reject**;
/// on a case, **make** or **cancel** an agreement and **propose** a write-off (ArrearsForms.swift).
/// The income team and the auditor.
extension Console {
    func addArrears(_ router: Router<ConsoleContext>) {
        page(router, "/arrears") { _, _, session in
            let (items, policy) = try await self.read(session.user.acting) { db in (try ArrearsWorklist.load(db: db), try ArrearsConfig.load(for: self.config)) }
            let acts = ConsoleAction.workArrears.allowed(for: session.user.role)
            var html = "<p>\(HTML.link("Agreements", "/arrears/agreements")) | \(HTML.link("Write-offs", "/arrears/writeoffs"))</p>"
            html += "<h2>Awaiting an officer</h2>"
            html += items.isEmpty ? "<p>Nothing waits for an officer (the latest review's recommendations have all been acted on).</p>" : HTML.table(
                headers: ["Account", "Recommended", "Arrears", "Weeks", "Why (the rule)", "Review of", acts ? "Act" : ""], numeric: [2, 3],
                rows: items.map { item in
                    let title = policy.stage(item.stage)?.title ?? item.stage
                    var act = ""
                    if acts {
                        act = HTML.form(
                            action: "/arrears/cases/\(item.account)/act", csrf: session.csrfToken, id: "act-\(item.account)",
                            "<input type=\"hidden\" name=\"stage\" value=\"\(HTML.escape(item.stage))\">"
                                + "<div class=\"govuk-form-group\"><label class=\"govuk-label\" for=\"note-\(HTML.escape(item.account))\">Note</label>"
                                + "<input class=\"govuk-input govuk-input--width-10\" id=\"note-\(HTML.escape(item.account))\" name=\"note\" type=\"text\"></div>",
                            button: "Take \(item.stage)")
                            + HTML.link("or pause", "/arrears/cases/\(item.account)#pause-form")
                    }
                    return [HTML.link(item.account, "/arrears/cases/\(item.account)"), HTML.escape(title), HTML.escape(Show.money(item.arrears)), HTML.escape(item.weeks),
                            HTML.escape(item.reason), HTML.escape(Show.day(item.reviewDay)), act]
                }, id: "worklist")
            return self.render("Arrears: the worklist", session: session, section: .arrears, body: html)
        }

        page(router, "/arrears/cases/:account") { _, context, session in
            try await self.casePage(session, account: try context.parameters.require("account"), errors: [])
        }

        action(router, "/arrears/cases/:account/act", .workArrears) { _, context, session, form in
            let account = try context.parameters.require("account")
            let stage = form["stage"]
            let note = form["note"]
            var errors: [(String, String)] = []
            if stage.isEmpty { errors.append(("stage", "Choose the stage taken")) }
            if note.isEmpty { errors.append(("note", "Say what was done")) }
            guard errors.isEmpty else { return try await self.casePage(session, account: account, errors: errors, input: form.fields) }
            let config = self.config
            let day = config.today()
            let (served, expires) = try await self.act(session.user.acting) { runner in
                try ArrearsCases.act(account: account, stage: stage, note: note, on: day, config: try ArrearsConfig.load(for: config), db: try runner.database.connect())
            }
            var message = "\(account): \(stage) taken on \(Show.day(day)) by \(session.user.name)."
            if let served, let expires { message += " Notice served \(Show.day(served)), in force until \(Show.day(expires))." }
            return self.render(
                "\(stage) taken", session: session, section: .arrears,
                body: HTML.notice(message, ok: true) + "<p>\(HTML.link("Back to the worklist", "/arrears")) | \(HTML.link("The case", "/arrears/cases/\(account)"))</p>")
        }

        action(router, "/arrears/cases/:account/pause", .workArrears) { _, context, session, form in
            let account = try context.parameters.require("account")
            let until = Day(iso: form["until"])
            var errors: [(String, String)] = []
            if until == nil { errors.append(("until", "Enter the day the pause ends, as YYYY-MM-DD")) }
            if form["reason"].isEmpty { errors.append(("reason", "Say why the case is paused")) }
            guard errors.isEmpty, let until else { return try await self.casePage(session, account: account, errors: errors, input: form.fields) }
            let reason = form["reason"]
            try await self.act(session.user.acting) { runner in try ArrearsCases.pause(account: account, until: until, reason: reason, db: try runner.database.connect()) }
            return self.render(
                "Case paused", session: session, section: .arrears,
                body: HTML.notice("\(account) paused until \(Show.day(until)): \(reason)", ok: true) + "<p>\(HTML.link("Back to the worklist", "/arrears"))</p>")
        }

        addArrearsForms(router)

        page(router, "/arrears/agreements") { _, _, session in
            let rows = try await self.read(session.user.acting) { db -> [(String, AgreementRecord)] in
                let references = Dictionary(uniqueKeysWithValues: try db.query(
                    "SELECT a.id, a.account_ref FROM rent_accounts a WHERE a.id IN (SELECT account_id FROM arrears_agreements)"
                ).map { (try $0.decode(Int64.self, 0), try $0.decode(String.self, 1)) })
                return try ArrearsCases.agreements(live: false, accountId: nil, db: db).map { (references[$0.accountId] ?? "?", $0) }
            }
            // Breached first, then those behind, then live, then the rest; newest first within each.
            func rank(_ g: AgreementRecord) -> Int {
                g.status == "breached" ? 0 : g.status == "live" && g.lastState == .behind ? 1 : g.status == "live" ? 2 : 3
            }
            let sorted = rows.enumerated().sorted { (rank($0.element.1), $0.offset) < (rank($1.element.1), $1.offset) }.map(\.element)
            let html = sorted.isEmpty ? "<p>No agreement has been made (hub arrears agree).</p>" : HTML.table(
                headers: ["Account", "Instalment", "Frequency", "Start", "Starting balance", "Status", "Last state", "Made by"], numeric: [1, 4],
                rows: sorted.map { account, g in
                    [HTML.link(account, "/arrears/cases/\(account)"), HTML.escape(Show.money(g.agreement.instalment)) + (g.directDebitExtra ? " (Direct Debit)" : ""),
                     HTML.escape(g.agreement.frequency.rawValue), HTML.escape(Show.day(g.agreement.start)), HTML.escape(Show.money(g.agreement.startingBalance)),
                     HTML.tag(g.status, ok: g.status == "breached" ? false : g.status == "live" || g.status == "completed" ? true : nil),
                     HTML.escape(g.lastState.map { "\($0.rawValue)\(g.lastDay.map { " on \(Show.day($0))" } ?? "")" } ?? ""), HTML.escape(g.madeBy)]
                }, id: "agreements")
            return self.render("Arrears: agreements", session: session, section: .arrears, body: html)
        }

        page(router, "/arrears/writeoffs") { request, _, session in
            let status = Form.query(request)["status"].flatMap { ["proposed", "approved", "rejected"].contains($0) ? $0 : nil } ?? "proposed"
            let (records, band) = try await self.read(session.user.acting) { db in
                (try WriteOffs.list(status: status, db: db), try WriteOffs.band(of: session.user.role.databaseRole, db: db))
            }
            var html = "<form method=\"get\" action=\"/arrears/writeoffs\" class=\"filters\">"
                + HTML.select("status", label: "Status", options: [("proposed", "Awaiting approval"), ("approved", "Approved"), ("rejected", "Rejected")], selected: status)
                + "<div class=\"govuk-form-group\"><button class=\"govuk-button govuk-button--secondary\" type=\"submit\">Show</button></div></form>"
            if ConsoleAction.decideWriteOffs.allowed(for: session.user.role) {
                html += "<p id=\"band\">Your approval band: \(HTML.escape(band.map { WriteOffBands.words($0.upTo) } ?? "none")).</p>"
            }
            html += records.isEmpty ? "<p>No write-offs \(HTML.escape(status)).</p>" : HTML.table(
                headers: ["Write-off", "Account", "Kind", "Amount", "Reason", "Proposed by", "Decided by", "Note"], numeric: [3],
                rows: records.map { w in
                    [HTML.link(w.reference, "/arrears/writeoffs/\(w.id)"), HTML.link(w.account, "/arrears/cases/\(w.account)"), HTML.escape(w.kind), HTML.escape(Show.money(w.amount)),
                     HTML.escape(w.reason), HTML.escape(w.proposedBy), HTML.escape(w.decidedBy ?? ""), HTML.escape(w.decisionNote ?? "")]
                }, id: "writeoffs")
            return self.render("Arrears: write-offs", session: session, section: .arrears, body: html)
        }

        page(router, "/arrears/writeoffs/:id") { _, context, session in
            try await self.writeOffPage(session, id: try context.parameters.require("id", as: Int64.self), errors: [])
        }

        action(router, "/arrears/writeoffs/:id/approve", .decideWriteOffs) { request, context, session, form in
            let id = try context.parameters.require("id", as: Int64.self)
            let (record, band) = try await self.read(session.user.acting) { db in
                (try WriteOffs.find(id, db: db), try WriteOffs.band(of: session.user.role.databaseRole, db: db))
            }
            guard let record else { throw RunError(.notFound, "there is no write-off \(WriteOffRecord.reference(id))") }
            guard Self.covers(band, record.amount) else {
                self.logger.warning(
                    "refused: over the approval band", metadata: ["person": "\(session.user.name)", "role": "\(session.user.role.rawValue)", "path": "\(request.uri.path)",
                                                                  "amount_pence": "\(record.amount.pence)"])
                return self.render(
                    "Not allowed", session: session, section: .arrears,
                    body: HTML.notice("\(record.reference) is \(Show.money(record.amount)): your approval band (\(band.map { WriteOffBands.words($0.upTo) } ?? "none")) does not cover it; nothing was done.", ok: false),
                    status: .forbidden)
            }
            let note = form["note"].isEmpty ? "approved" : form["note"]
            let day = self.config.today()
            let outcome = try await self.act(session.user.acting) { runner in
                try runner.run(WriteOffApprovalJob(writeOffId: id, note: note, day: day), businessDate: day)
            }
            let html = HTML.notice("\(record.reference) approved by \(outcome.report.writeOff.decidedBy ?? session.user.name): posted \(outcome.report.code) \(Show.money(outcome.report.posted)).", ok: true)
                + HTML.pre(outcome.render()) + "<p>\(HTML.link("Back to the write-offs", "/arrears/writeoffs")) | \(HTML.link("Run \(outcome.record.id)", "/runs/\(outcome.record.id)"))</p>"
            return self.render("\(record.reference) approved", session: session, section: .arrears, body: html)
        }

        action(router, "/arrears/writeoffs/:id/reject", .decideWriteOffs) { _, context, session, form in
            let id = try context.parameters.require("id", as: Int64.self)
            guard !form["note"].isEmpty else { return try await self.writeOffPage(session, id: id, errors: [("reject-note", "Say why it is rejected")]) }
            let note = form["note"]
            let record = try await self.act(session.user.acting) { runner in try WriteOffs.reject(id, note: note, db: try runner.database.connect()) }
            return self.render(
                "\(record.reference) rejected", session: session, section: .arrears,
                body: HTML.notice("\(record.reference) (\(record.account)) rejected by \(record.decidedBy ?? session.user.name): \(note)", ok: true)
                    + "<p>\(HTML.link("Back to the write-offs", "/arrears/writeoffs"))</p>")
        }
    }

    /// Whether a band covers an amount (its size, whatever its sign).
    static func covers(_ band: WriteOffBands.Band?, _ amount: Money) -> Bool {
        guard let band else { return false }
        return band.upTo.map { Money(pence: abs(amount.pence)) <= $0 } ?? true
    }

    func writeOffPage(_ session: ConsoleSession, id: Int64, errors: [(String, String)]) async throws -> Response {
        let (record, band) = try await read(session.user.acting) { db in
            (try WriteOffs.find(id, db: db), try WriteOffs.band(of: session.user.role.databaseRole, db: db))
        }
        guard let record else { throw RunError(.notFound, "there is no write-off \(WriteOffRecord.reference(id))") }
        var html = HTML.errorSummary(errors)
        html += HTML.summary([
            ("Account", HTML.link(record.account, "/arrears/cases/\(record.account)")), ("Kind", HTML.escape(record.kind)),
            ("Amount", "<strong>\(HTML.escape(Show.money(record.amount)))</strong>"), ("Reason", HTML.escape(record.reason)),
            ("Status", "<span id=\"writeoff-status\">\(HTML.escape(record.status))</span>"), ("Proposed by", HTML.escape(record.proposedBy)),
            ("Decided by", HTML.escape(record.decidedBy ?? "")), ("Note", HTML.escape(record.decisionNote ?? "")),
        ])
        if record.status == "proposed" && ConsoleAction.decideWriteOffs.allowed(for: session.user.role) {
            let bandWords = band.map { WriteOffBands.words($0.upTo) } ?? "none"
            if record.proposedBy == session.user.name {
                html += "<p id=\"own-proposal\">You proposed \(HTML.escape(record.reference)): someone else whose band covers it approves it (the database refuses the person who proposed it).</p>"
            } else if Self.covers(band, record.amount) {
                html += "<h2>Approve</h2><p>As hub writeoffs approve: a run that posts \(record.kind == "refund" ? "REF" : "WOF") \(HTML.escape(Show.money(-record.amount))). Your band: \(HTML.escape(bandWords)). The person who proposed it may not approve it.</p>"
                html += HTML.form(
                    action: "/arrears/writeoffs/\(id)/approve", csrf: session.csrfToken, id: "approve-form",
                    HTML.input("note", label: "Note (optional)", width: "30"), button: "Approve \(record.reference)")
            } else {
                html += "<p id=\"over-band\">Your approval band (\(HTML.escape(bandWords))) does not cover \(HTML.escape(Show.money(record.amount))): someone whose band does approves it.</p>"
            }
            html += "<h2>Reject</h2>"
            html += HTML.form(
                action: "/arrears/writeoffs/\(id)/reject", csrf: session.csrfToken, id: "reject-form",
                HTML.textarea("note", label: "Why is it rejected?", error: errors.first { $0.0 == "reject-note" }?.1), button: "Reject \(record.reference)", warning: true)
        }
        return render("Write-off \(record.reference)", session: session, section: .arrears, body: html, status: errors.isEmpty ? .ok : .badRequest)
    }

    /// An account's arrears position and case, with the forms of the person's role; after a
    /// refused form, its errors beside the fields and the person's `input` kept.
    func casePage(_ session: ConsoleSession, account: String, errors: [(String, String)], input: [String: String] = [:]) async throws -> Response {
        let config = self.config
        let day = config.today()
        struct Case: Sendable {
            var position: ArrearsAccount
            var state: ArrearsCase
            var recommendation: Arrears.Recommendation
            var history: [ArrearsCases.Event]
            var agreements: [AgreementRecord]
            var days: [ArrearsAgreements.RecordedDay]
            var stages: [Arrears.Stage]
            var mandate: Mandate?
            var proposed: WriteOffRecord?
        }
        let found = try await read(session.user.acting) { db -> Case in
            let policy = try ArrearsConfig.load(for: config)
            let id = try ArrearsPositions.accountId(account, on: db)
            guard let position = try ArrearsPositions.load(on: day, accountId: id, config: policy, db: db).first else {
                throw RunError(.notFound, "there is no rent account \(account.prefix(20))")
            }
            let state = try ArrearsCases.load(on: day, accountId: id, db: db)[id] ?? ArrearsCase()
            let agreements = try ArrearsCases.agreements(live: false, accountId: id, db: db)
            return Case(
                position: position, state: state,
                recommendation: Arrears.recommend(position: position.position, state: state.state(on: day), stages: policy.stages, on: day),
                history: try ArrearsCases.history(accountId: id, db: db), agreements: agreements,
                days: try agreements.first.map { try ArrearsAgreements.history(agreementId: $0.id, db: db) } ?? [], stages: policy.stages,
                mandate: try ArrearsDirectDebit.liveMandate(account: account, db: db),
                proposed: try WriteOffs.list(status: "proposed", db: db).first { $0.account == account })
        }
        let p = found.position.position
        let state = found.state
        var html = HTML.errorSummary(errors)
        html += HTML.summary([
            ("Tenant", HTML.escape(found.position.tenant)), ("Address", HTML.escape((found.position.addressLines + [found.position.postcode]).joined(separator: ", "))),
            ("Account", HTML.link(account, "/accounts/\(account)")),
            ("Balance", "<strong id=\"arrears-balance\">\(HTML.escape(Show.money(p.balance)))</strong>"),
            ("Collectable arrears", HTML.escape(Show.money(p.collectable)) + " (\(HTML.escape(p.weeksText)) weeks of \(HTML.escape(Show.money(p.weeklyCharge))) a week)"),
            ("Pays by", HTML.escape(p.method.words) + "; last payment " + HTML.escape(found.position.lastPayment.map(Show.day) ?? "none")),
            ("Missed payments, 13 weeks", String(p.missedPayments) + (p.freeWeek ? "; a free week is running" : "")),
            ("Stage", HTML.escape(state.stage.map { "\($0) since \(state.stageDay.map(Show.day) ?? "?")" } ?? "none")
                + HTML.escape(state.noticeServed.map { "; notice served \(Show.day($0)), expires \(state.noticeExpires.map(Show.day) ?? "-")" } ?? "")),
            ("Next", "<span id=\"next-stage\">" + HTML.escape(found.recommendation.stage.map { "\($0.title) (\($0.automatic ? "sent by the nightly review" : "an officer acts"))" } ?? "nothing")
                + "</span>: " + HTML.escape(found.recommendation.reason)),
        ] + (found.position.tenancyEnd.map { [("Tenancy ended", HTML.escape(Show.day($0)))] } ?? []))
        if let agreement = found.agreements.first {
            let g = agreement.agreement
            html += "<h2>Agreement \(agreement.id) (\(HTML.escape(agreement.status)))</h2><p>\(HTML.escape("\(Show.money(g.instalment)) \(g.frequency.rawValue) from \(Show.day(g.start)), starting balance \(Show.money(g.startingBalance))"))"
                + (g.lumpSum > .zero ? HTML.escape(", lump sum \(Show.money(g.lumpSum))") : "") + (agreement.directDebitExtra ? ", collected as the Direct Debit's extra amount" : "")
                + ", made by \(HTML.escape(agreement.madeBy)).</p>"
            html += HTML.table(
                headers: ["Day", "Expected", "Actual", "State"], numeric: [1, 2],
                rows: found.days.suffix(14).map { [HTML.escape(Show.day($0.day)), HTML.escape(Show.money($0.expected)), HTML.escape(Show.money($0.actual)),
                                                   HTML.escape($0.state + ($0.daysAbove > 0 ? " (\($0.daysAbove) days above)" : ""))] }, id: "agreement-days")
        }
        html += "<h2>Case history</h2>" + (found.history.isEmpty ? "<p>No stage, pause or agreement yet.</p>" : HTML.table(
            headers: ["When", "What", "By"], rows: found.history.map { [HTML.escape($0.at), HTML.escape($0.what), HTML.escape($0.by)] }, id: "case-history"))
        if ConsoleAction.workArrears.allowed(for: session.user.role) {
            let officerStages = found.stages.filter { !$0.automatic }
            html += "<h2>Act</h2><p>As hub arrears act: the stage is recorded with your name; a notice stage records its service today.</p>"
            html += HTML.form(
                action: "/arrears/cases/\(account)/act", csrf: session.csrfToken, id: "act-form",
                HTML.select("stage", label: "Stage taken", options: officerStages.map { ($0.name, $0.title) },
                            selected: found.recommendation.stage?.name ?? officerStages.first?.name)
                    + HTML.textarea("note", label: "What was done?", value: input["note"] ?? "", error: errors.first { $0.0 == "note" }?.1),
                button: "Record the stage")
            html += "<h2>Pause</h2><p>As hub arrears pause: no stage is recommended until the day (a past day lifts a pause).</p>"
            html += HTML.form(
                action: "/arrears/cases/\(account)/pause", csrf: session.csrfToken, id: "pause-form",
                HTML.input("until", label: "Until", value: input["until"] ?? "", hint: "YYYY-MM-DD", error: errors.first { $0.0 == "until" }?.1, width: "10")
                    + HTML.textarea("reason", label: "Why is it paused?", value: input["reason"] ?? "", error: errors.first { $0.0 == "reason" }?.1),
                button: "Pause the case", warning: true)
        }
        html += caseForms(
            session, account: account, balance: p.balance, tenancyEnd: found.position.tenancyEnd, live: found.agreements.first { $0.status == "live" },
            mandate: found.mandate, proposed: found.proposed, errors: errors, input: input)
        return render("Arrears: \(account)", session: session, section: .arrears, body: html, status: errors.isEmpty ? .ok : .badRequest)
    }
}
