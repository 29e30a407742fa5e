import Foundation
import HousingFinance
import Hub
import Hummingbird
import Postgres
import Scheduler

/// Runs: the list with filters, a run's report, a job's preview (its dry run), run now, reverse
/// a run and unwind back to one; through the same code as `hub runs`, `hub run ... --dry-run`
/// and `hub jobs run`.
extension Console {
    func addRuns(_ router: Router<ConsoleContext>) {
        page(router, "/runs") { request, _, session in
            let query = Form.query(request)
            let job = query["job"].flatMap { $0.isEmpty ? nil : $0 }
            let status = query["status"].flatMap { $0.isEmpty ? nil : $0 }
            let from = query["from"].flatMap { Day(iso: $0) }
            let to = query["to"].flatMap { Day(iso: $0) }
            let runs = try await self.read(session.user.acting) { db in try RunRecord.list(job: job, status: status, from: from, to: to, limit: 100, on: db) }
            var html = "<form method=\"get\" action=\"/runs\" class=\"filters\">"
            html += HTML.select("job", label: "Job", options: [("", "Any job")] + (JobLauncher.jobNames + ["suspense-allocation", "sales-order-approval", ReversalJob.name, "load"]).map { ($0, $0) }, selected: job ?? "")
            html += HTML.select("status", label: "Status", options: [("", "Any status"), ("completed", "completed"), ("failed", "failed"), ("running", "running")], selected: status ?? "")
            html += HTML.input("from", label: "Business date from", value: from?.iso ?? "", hint: "YYYY-MM-DD", width: "10")
            html += HTML.input("to", label: "to", value: to?.iso ?? "", hint: "YYYY-MM-DD", width: "10")
            html += "<div class=\"govuk-form-group\"><button class=\"govuk-button govuk-button--secondary\" type=\"submit\">Filter</button></div></form>"
            if ConsoleAction.previewJob.allowed(for: session.user.role) {
                html += "<p><a class=\"govuk-link\" href=\"/runs/preview\" id=\"preview-link\">Preview or run a job</a></p>"
            }
            html += runs.isEmpty ? "<p>No runs.</p>" : self.runsTable(runs)
            if runs.count == 100 { html += "<p>The newest 100 runs; narrow the filters to see others.</p>" }
            return self.render("Runs", session: session, section: .runs, body: html)
        }

        page(router, "/runs/preview") { request, _, session in
            guard ConsoleAction.previewJob.allowed(for: session.user.role) else { return self.forbidden(session, request.uri.path) }
            return self.render("Preview or run a job", session: session, section: .runs, body: self.jobForm(session, job: nil, asOf: self.config.today().iso, errors: []))
        }

        action(router, "/runs/preview", .previewJob) { _, _, session, form in
            let (job, businessDate, parameters, errors) = self.readJobForm(form)
            guard let job, let businessDate, errors.isEmpty else {
                return self.render("Preview or run a job", session: session, section: .runs, body: self.jobForm(session, job: form["job"], asOf: form["as_of"], errors: errors), status: .badRequest)
            }
            let config = self.config
            let records = try await self.act(session.user.acting) { runner in
                try JobLauncher(runner: runner, config: config).launch(job: job, parameters: parameters, businessDate: businessDate, preview: true)
            }
            var html = HTML.notice("PREVIEW (dry run) of \(job) for \(Show.day(businessDate)): nothing has been posted, sent or moved.", ok: true)
            if records.isEmpty { html += "<p>Nothing to do: the job had nothing waiting for this date.</p>" }
            for record in records {
                html += "<h2>\(HTML.escape("\(record.job) \(record.displayKey)"))</h2>" + HTML.pre(record.reportText ?? "")
                if !record.totals.isEmpty { html += HTML.pre(RunRecord.totalsTable(record.totals).render()) }
            }
            html += self.jobForm(session, job: job, asOf: businessDate.iso, errors: [], runOnly: true)
            return self.render("Preview of \(job)", session: session, section: .runs, body: html)
        }

        action(router, "/runs/run-now", .runJob) { _, _, session, form in
            let (job, businessDate, parameters, errors) = self.readJobForm(form)
            guard let job, let businessDate, errors.isEmpty else {
                return self.render("Preview or run a job", session: session, section: .runs, body: self.jobForm(session, job: form["job"], asOf: form["as_of"], errors: errors), status: .badRequest)
            }
            guard let scheduler = self.scheduler else { throw RunError(.refused, "this console runs without the scheduler: use hub jobs run \(job)") }
            let config = self.config
            let result = try await self.act(session.user.acting) { runner -> SlotResult? in
                // The scheduler's path, as `hub jobs run` takes it, under the person's role.
                let core = SchedulerCore(
                    catalog: scheduler.catalog, launcher: JobLauncher(runner: runner, config: config), store: scheduler.store,
                    heartbeatSeconds: scheduler.heartbeatSeconds, holidays: scheduler.holidays, metrics: scheduler.metrics, logger: scheduler.logger,
                    now: { scheduler.now() })
                var merged = scheduler.catalog[job]?.parameters ?? [:]
                merged.merge(parameters) { $1 }
                let key = "manual \(ISO8601DateFormatter().string(from: core.now())) \(UUID().uuidString.prefix(8).lowercased())"
                return try core.fire(job: job, key: key, businessDate: businessDate, parameters: merged)
            }
            guard let result else { throw RunError(.inProgress, "\(job) could not be started: an older slot of it is running or waiting; try again when it has finished") }
            let ok = result.outcome == .completed
            var html = HTML.notice("\(job) \(result.outcome.rawValue)" + (result.message.map { ": \($0)" } ?? ""), ok: ok)
            html += result.runIds.isEmpty ? "<p>No run was needed.</p>" : "<p>Runs: " + result.runIds.map { HTML.link(String($0), "/runs/\($0)") }.joined(separator: ", ") + "</p>"
            return self.render("Ran \(job)", session: session, section: .runs, body: html, status: ok ? .ok : .conflict)
        }

        page(router, "/runs/:id") { request, context, session in
            let id = try context.parameters.require("id", as: Int64.self)
            let (run, refusal) = try await self.read(session.user.acting) { db -> (RunRecord?, String?) in
                guard let run = try RunRecord.find(id, on: db) else { return (nil, nil) }
                return (run, try ReversalJob.refusal(for: run, on: db))
            }
            guard let run else { throw RunError(.notFound, "there is no run \(id)") }
            var html = HTML.summary([
                ("Job", HTML.escape(run.job)), ("Business key", HTML.escape(run.businessKey)), ("Business date", HTML.escape(Show.day(run.businessDate))),
                ("Status", HTML.tag(run.status, ok: run.status == "completed" ? true : run.status == "failed" ? false : nil) + " " + HTML.escape(run.note)),
                ("By", HTML.escape(run.operator)), ("Host", HTML.escape(run.host)), ("Slot", HTML.escape(run.slot ?? "")),
                ("Started", HTML.escape(Show.time(run.startedAt))), ("Finished", HTML.escape(run.finishedAt.map(Show.time) ?? "")),
                ("Parameters", HTML.escape(run.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))),
            ])
            if let error = run.error { html += HTML.notice(error, ok: false) }
            if let reverses = run.reversesRunId { html += "<p>Reverses \(HTML.link("run \(reverses)", "/runs/\(reverses)")).</p>" }
            if let reversedBy = run.reversedByRunId { html += "<p>Reversed by \(HTML.link("run \(reversedBy)", "/runs/\(reversedBy)")).</p>" }
            if !run.totals.isEmpty { html += "<h2>Posted to the ledger by code</h2>" + HTML.pre(RunRecord.totalsTable(run.totals).render()) }
            html += "<h2>Report</h2>" + HTML.pre(run.reportText ?? "No report (the run did not complete).")
            if ConsoleAction.reverseRun.allowed(for: session.user.role) && run.status == "completed" {
                if run.reversedByRunId == nil, refusal == nil {
                    html += "<p><a class=\"govuk-link\" id=\"reverse-link\" href=\"/runs/\(run.id)/reverse\">Reverse this run</a></p>"
                } else if let refusal {
                    html += "<p>This run cannot be reversed: \(HTML.escape(refusal))</p>"
                }
                html += "<p><a class=\"govuk-link\" id=\"unwind-link\" href=\"/runs/\(run.id)/unwind\">Unwind every run after this one</a></p>"
            }
            return self.render("Run \(run.id): \(run.job)", session: session, section: .runs, body: html)
        }

        page(router, "/runs/:id/reverse") { request, context, session in
            guard ConsoleAction.reverseRun.allowed(for: session.user.role) else { return self.forbidden(session, request.uri.path) }
            let id = try context.parameters.require("id", as: Int64.self)
            return try await self.reverseForm(session, id: id, reason: "", errors: [])
        }

        action(router, "/runs/:id/reverse", .reverseRun) { _, context, session, form in
            let id = try context.parameters.require("id", as: Int64.self)
            var errors: [(String, String)] = []
            if form["reason"].isEmpty { errors.append(("reason", "Say why the run is reversed")) }
            if form["confirm"] != "yes" { errors.append(("confirm", "Tick the box to confirm the reversal")) }
            guard errors.isEmpty else { return try await self.reverseForm(session, id: id, reason: form["reason"], errors: errors) }
            let businessDate = self.config.today()
            let reason = form["reason"]
            let outcome = try await self.act(session.user.acting) { runner in
                try runner.run(ReversalJob(originalRunId: id, reason: reason), businessDate: businessDate)
            }
            return self.redirect("/runs/\(outcome.record.id)")
        }

        page(router, "/runs/:id/unwind") { request, context, session in
            guard ConsoleAction.reverseRun.allowed(for: session.user.role) else { return self.forbidden(session, request.uri.path) }
            let id = try context.parameters.require("id", as: Int64.self)
            return try await self.unwindForm(session, id: id, reason: "", errors: [])
        }

        action(router, "/runs/:id/unwind", .reverseRun) { _, context, session, form in
            let id = try context.parameters.require("id", as: Int64.self)
            var errors: [(String, String)] = []
            if form["reason"].isEmpty { errors.append(("reason", "Say why the runs are reversed")) }
            if form["confirm"] != "yes" { errors.append(("confirm", "Tick the box to confirm the unwind")) }
            guard errors.isEmpty else { return try await self.unwindForm(session, id: id, reason: form["reason"], errors: errors) }
            let businessDate = self.config.today()
            let reason = form["reason"]
            let expected = form["plan"]
            let reversals = try await self.act(session.user.acting) { runner -> [RunRecord] in
                let plan = try UnwindPlan.back(to: id, on: try runner.database.connect())
                guard plan.runs.map({ String($0.id) }).joined(separator: ",") == expected else {
                    throw RunError(.refused, "the runs after run \(id) changed since the plan was shown; look at the plan again")
                }
                return try plan.runs.map { try runner.run(ReversalJob(originalRunId: $0.id, reason: reason), businessDate: businessDate).record }
            }
            let html = HTML.notice("Unwound back to run \(id): \(Wording.count(reversals.count, "run")) reversed.", ok: true) + self.runsTable(reversals)
            return self.render("Unwound to run \(id)", session: session, section: .runs, body: html)
        }
    }

    func readJobForm(_ form: Form) -> (String?, Day?, [String: String], [(String, String)]) {
        var errors: [(String, String)] = []
        let job = form["job"]
        if !JobLauncher.jobNames.contains(job) { errors.append(("job", "Choose a job")) }
        let businessDate = Day(iso: form["as_of"])
        if businessDate == nil { errors.append(("as_of", "Enter the business date as YYYY-MM-DD, like 2026-12-07")) }
        var parameters: [String: String] = [:]
        let week = form["week"]
        if !week.isEmpty {
            if Day(iso: week) == nil { errors.append(("week", "Enter the rent week as a date YYYY-MM-DD")) } else { parameters["week"] = week }
        }
        return (errors.isEmpty ? job : nil, businessDate, parameters, errors)
    }

    func jobForm(_ session: ConsoleSession, job: String?, asOf: String, errors: [(String, String)], runOnly: Bool = false) -> String {
        var html = HTML.errorSummary(errors.map { ($0.0, $0.1) })
        let fields = HTML.select("job", label: "Job", options: JobLauncher.jobNames.map { ($0, $0) }, selected: job)
            + HTML.input("as_of", label: "Business date", value: asOf, hint: "YYYY-MM-DD; today unless you are catching up", error: errors.first { $0.0 == "as_of" }?.1, width: "10")
            + HTML.input("week", label: "Rent week (rent debit only, optional)", value: "", hint: "Post every week not yet posted up to the week of this date", error: errors.first { $0.0 == "week" }?.1, width: "10")
        if !runOnly {
            html += HTML.form(action: "/runs/preview", csrf: session.csrfToken, id: "preview-form", fields, button: "Preview (dry run)")
        }
        if ConsoleAction.runJob.allowed(for: session.user.role) && scheduler != nil {
            html += "<h2>Run it now</h2><p>Runs the job through the scheduler's path, as <code>hub jobs run</code> does, recorded under your name.</p>"
            html += HTML.form(action: "/runs/run-now", csrf: session.csrfToken, id: "run-now-form", fields, button: "Run now", warning: true)
        }
        return html
    }

    func reverseForm(_ session: ConsoleSession, id: Int64, reason: String, errors: [(String, String)]) async throws -> Response {
        let (run, refusal) = try await read(session.user.acting) { db -> (RunRecord?, String?) in
            guard let run = try RunRecord.find(id, on: db) else { return (nil, nil) }
            return (run, try ReversalJob.refusal(for: run, on: db))
        }
        guard let run else { throw RunError(.notFound, "there is no run \(id)") }
        if let refusal { throw RunError(.refused, "run \(id) cannot be reversed: \(refusal)") }
        var html = HTML.errorSummary(errors)
        html += "<p>Reversing posts equal and opposite entries in a new run, linked to this one. This is the plan:</p>" + runsTable([run])
        if !run.totals.isEmpty { html += HTML.pre(RunRecord.totalsTable(run.totals.map { CodeTotal(code: $0.code, entries: $0.entries, pence: -$0.pence) }).render()) }
        html += HTML.form(
            action: "/runs/\(id)/reverse", csrf: session.csrfToken, id: "reverse-form",
            HTML.textarea("reason", label: "Why is it reversed?", value: reason, hint: "Kept with the reversal and the audit trail", error: errors.first { $0.0 == "reason" }?.1)
                + HTML.confirm("confirm", label: "I confirm run \(id) is to be reversed", error: errors.first { $0.0 == "confirm" }?.1),
            button: "Reverse run \(id)", warning: true)
        return render("Reverse run \(id)", session: session, section: .runs, body: html, status: errors.isEmpty ? .ok : .badRequest)
    }

    func unwindForm(_ session: ConsoleSession, id: Int64, reason: String, errors: [(String, String)]) async throws -> Response {
        let plan = try await read(session.user.acting) { db in try UnwindPlan.back(to: id, on: db) }
        var html = HTML.errorSummary(errors)
        if plan.runs.isEmpty { return render("Unwind to run \(id)", session: session, section: .runs, body: "<p>Nothing to unwind: no completed run after run \(id).</p>") }
        html += "<p>These runs will be reversed, newest first:</p>" + runsTable(plan.runs)
        html += HTML.form(
            action: "/runs/\(id)/unwind", csrf: session.csrfToken, id: "unwind-form",
            "<input type=\"hidden\" name=\"plan\" value=\"\(plan.runs.map { String($0.id) }.joined(separator: ","))\">"
                + HTML.textarea("reason", label: "Why are they reversed?", value: reason, hint: "Kept with every reversal", error: errors.first { $0.0 == "reason" }?.1)
                + HTML.confirm("confirm", label: "I confirm these \(Wording.count(plan.runs.count, "run")) are to be reversed", error: errors.first { $0.0 == "confirm" }?.1),
            button: "Unwind \(Wording.count(plan.runs.count, "run"))", warning: true)
        return render("Unwind to run \(id)", session: session, section: .runs, body: html, status: errors.isEmpty ? .ok : .badRequest)
    }
}
