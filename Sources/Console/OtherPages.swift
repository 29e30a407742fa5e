import Foundation
import HousingFinance
import Hub
import Hummingbird
import Postgres
import Scheduler

/// Repairs (held sales orders: approve within the person's limit, reject), Exports (every
/// outbound file, its control totals and deliveries, download) and Schedule.
extension Console {
    func addPages(_ router: Router<ConsoleContext>) {
        addToday(router)
        addRuns(router)
        addAccounts(router)
        addPayments(router)
        addDirectDebit(router)
        addArrears(router)
        addRepairs(router)
        addExports(router)
        addSchedule(router)
    }

    func addRepairs(_ router: Router<ConsoleContext>) {
        page(router, "/repairs") { request, _, session in
            let status = Form.query(request)["status"].flatMap { ["held", "approved", "rejected"].contains($0) ? $0 : nil } ?? "held"
            let orders = try await self.read(session.user.acting) { db in try SalesOrderRecord.list(status: status, on: db) }
            var html = "<form method=\"get\" action=\"/repairs\" class=\"filters\">"
                + HTML.select("status", label: "Status", options: [("held", "Held for review"), ("approved", "Approved"), ("rejected", "Rejected")], selected: status)
                + "<div class=\"govuk-form-group\"><button class=\"govuk-button govuk-button--secondary\" type=\"submit\">Show</button></div></form>"
            if session.user.role == .repairs {
                html += "<p>Your approval limit: \(HTML.escape(session.user.approvalLimit.map(Show.money) ?? "your role's, in sales-order-review.yaml")).</p>"
            }
            html += orders.isEmpty ? "<p>No sales orders \(HTML.escape(status)).</p>" : HTML.table(
                headers: ["Sales order", "Job", "Property", "Priority", "Completed", "Claimed", "Priced", "Estimate", "Reasons"], numeric: [5, 6, 7],
                rows: orders.map { order in
                    [HTML.link(order.reference, "/repairs/\(order.id)"), HTML.escape(order.jobNumber), HTML.escape(order.propertyReference ?? ""), HTML.escape(order.priority ?? ""),
                     HTML.escape(Show.day(order.completionDate)), HTML.escape(Show.money(order.claimed)), HTML.escape(order.priced.map(Show.money) ?? ""),
                     HTML.escape(order.estimate.map(Show.money) ?? ""), HTML.escape(order.reasons.map(\.text).joined(separator: "; "))]
                }, id: "sales-orders")
            return self.render("Repairs: sales orders", session: session, section: .repairs, body: html)
        }

        page(router, "/repairs/:id") { _, context, session in
            let id = try context.parameters.require("id", as: Int64.self)
            return try await self.salesOrderPage(session, id: id, errors: [])
        }

        action(router, "/repairs/:id/approve", .decideSalesOrders) { _, context, session, form in
            let id = try context.parameters.require("id", as: Int64.self)
            guard !form["note"].isEmpty else { return try await self.salesOrderPage(session, id: id, errors: [("note", "Say why it is approved")]) }
            let config = self.config
            let note = form["note"]
            let businessDate = config.today()
            let outcome = try await self.act(session.user.acting) { runner in
                try SalesOrderReviewRuns(runner: runner, config: config).approve(id, note: note, businessDate: businessDate)
            }
            let html = HTML.notice("\(outcome.report.salesOrder) approved by \(outcome.report.approvedBy).", ok: true) + HTML.pre(outcome.render())
                + "<p>\(HTML.link("Back to the held orders", "/repairs"))</p>"
            return self.render("\(outcome.report.salesOrder) approved", session: session, section: .repairs, body: html)
        }

        action(router, "/repairs/:id/reject", .decideSalesOrders) { _, context, session, form in
            let id = try context.parameters.require("id", as: Int64.self)
            guard !form["reason"].isEmpty else { return try await self.salesOrderPage(session, id: id, errors: [("reason", "Say why it is rejected")]) }
            let reason = form["reason"]
            let order = try await self.act(session.user.acting) { runner in try SalesOrderAuthority.reject(id, reason: reason, on: try runner.database.connect()) }
            let html = HTML.notice("\(order.reference) (job \(order.jobNumber)) rejected: \(reason)", ok: true) + "<p>\(HTML.link("Back to the held orders", "/repairs"))</p>"
            return self.render("\(order.reference) rejected", session: session, section: .repairs, body: html)
        }
    }

    func salesOrderPage(_ session: ConsoleSession, id: Int64, errors: [(String, String)]) async throws -> Response {
        let (order, decisions) = try await read(session.user.acting) { db -> (SalesOrderRecord?, [SalesOrderDecision]) in
            guard let order = try SalesOrderRecord.find(id, on: db) else { return (nil, []) }
            return (order, try SalesOrderRecord.decisions(id, on: db))
        }
        guard let order else { throw RunError(.notFound, "there is no sales order \(id)") }
        var html = HTML.errorSummary(errors)
        html += HTML.summary([
            ("Status", "<span id=\"order-status\">\(HTML.escape(order.status))</span>"), ("Job", HTML.escape(order.jobNumber)),
            ("Property", HTML.escape(order.propertyReference ?? "")), ("Priority", HTML.escape(order.priority ?? "")),
            ("Completed", HTML.escape(Show.day(order.completionDate))), ("Claimed", HTML.escape(Show.money(order.claimed))),
            ("Priced", "<strong>\(HTML.escape(order.priced.map(Show.money) ?? ""))</strong>"), ("Estimate", HTML.escape(order.estimate.map(Show.money) ?? "")),
            ("From", HTML.escape("\(order.fileName) line \(order.fileLine)") + ", " + HTML.link("review run \(order.reviewRunId)", "/runs/\(order.reviewRunId)")),
        ])
        if !order.reasons.isEmpty { html += "<h2>Why it was held</h2><ul>" + order.reasons.map { "<li>\(HTML.escape($0.text))</li>" }.joined() + "</ul>" }
        html += "<h2>Decisions</h2>" + HTML.table(
            headers: ["When", "Decision", "By", "Value", "Note"], numeric: [3],
            rows: decisions.map { [HTML.escape(Show.time($0.decidedAt)), HTML.escape($0.decision + ($0.automatic ? " (automatic)" : "")), HTML.escape($0.decidedBy),
                                   HTML.escape($0.value.map(Show.money) ?? ""), HTML.escape($0.note ?? "")] }, id: "decisions")
        if order.status == "held" && ConsoleAction.decideSalesOrders.allowed(for: session.user.role) {
            html += "<h2>Approve</h2><p>It goes to ODS in a sales-order file and its cost is posted. Your limit: \(HTML.escape(session.user.approvalLimit.map(Show.money) ?? "your role's")).</p>"
            html += HTML.form(
                action: "/repairs/\(id)/approve", csrf: session.csrfToken, id: "approve-form",
                HTML.textarea("note", label: "Why is it approved?", error: errors.first { $0.0 == "note" }?.1), button: "Approve \(order.reference)")
            html += "<h2>Reject</h2>"
            html += HTML.form(
                action: "/repairs/\(id)/reject", csrf: session.csrfToken, id: "reject-form",
                HTML.textarea("reason", label: "Why is it rejected?", hint: "Told to ODS by the repairs team", error: errors.first { $0.0 == "reason" }?.1),
                button: "Reject \(order.reference)", warning: true)
        }
        return render("Sales order \(order.reference)", session: session, section: .repairs, body: html, status: errors.isEmpty ? .ok : .badRequest)
    }

    func addExports(_ router: Router<ConsoleContext>) {
        page(router, "/exports") { _, _, session in
            let rows = try await self.read(session.user.acting) { db -> [(OutboundFile, Date, Int)] in
                try db.query(
                    """
                    SELECT f.id, f.created_at, (SELECT count(*) FROM outbound_deliveries d WHERE d.file_id = f.id)
                    FROM outbound_files f ORDER BY f.id DESC LIMIT 200
                    """
                ).compactMap { row in
                    try OutboundFile.find(id: try row.decode(Int64.self, 0), on: db).map { ($0, try row.decode(Date.self, 1), Int(try row.decode(Int64.self, 2))) }
                }
            }
            let html = rows.isEmpty ? "<p>No file has been sent.</p>" : HTML.table(
                headers: ["Interface", "Sequence", "File", "Run", "Made", "Size", "Deliveries", "Control totals"], numeric: [1, 5, 6],
                rows: rows.map { file, created, deliveries in
                    [HTML.escape(file.interface), String(file.sequence), HTML.link(file.fileName, "/exports/\(file.id)"), HTML.link(String(file.runId), "/runs/\(file.runId)"),
                     HTML.escape(Show.time(created)), Wording.number(file.size), deliveries == 0 ? HTML.tag("not delivered", ok: false) : String(deliveries),
                     HTML.escape(file.controlTotalsText.map { "\($0.key) \($0.value)" }.joined(separator: "; "))]
                }, id: "exports")
            return self.render("Exports", session: session, section: .exports, body: html)
        }

        page(router, "/exports/:id") { _, context, session in
            let id = try context.parameters.require("id", as: Int64.self)
            let (file, deliveries) = try await self.read(session.user.acting) { db -> (OutboundFile?, [(String, Date, String)]) in
                guard let file = try OutboundFile.find(id: id, on: db) else { return (nil, []) }
                let deliveries = try db.query("SELECT path, delivered_at, delivered_by FROM outbound_deliveries WHERE file_id = $1 ORDER BY id", [id])
                    .map { (try $0.decode(String.self, 0), try $0.decode(Date.self, 1), try $0.decode(String.self, 2)) }
                return (file, deliveries)
            }
            guard let file else { throw RunError(.notFound, "there is no outbound file \(id)") }
            var html = HTML.summary([
                ("Interface", HTML.escape(file.interface)), ("Sequence", String(file.sequence)), ("SHA-256", HTML.escape(file.sha256)),
                ("Size", HTML.escape(Wording.count(file.size, "byte"))), ("Run", HTML.link(String(file.runId), "/runs/\(file.runId)")),
            ])
            html += "<p><a class=\"govuk-link\" id=\"download\" href=\"/exports/\(file.id)/download\">Download \(HTML.escape(file.fileName))</a></p>"
            html += "<h2>Control totals</h2>" + HTML.table(headers: ["Total", "Value"], rows: file.controlTotalsText.map { [HTML.escape($0.key), HTML.escape($0.value)] })
            html += "<h2>Deliveries</h2>" + (deliveries.isEmpty ? "<p>Never delivered (hub exports deliver).</p>" : HTML.table(
                headers: ["Written to", "When", "By"], rows: deliveries.map { [HTML.escape($0.0), HTML.escape(Show.time($0.1)), HTML.escape($0.2)] }))
            return self.render(file.fileName, session: session, section: .exports, body: html)
        }

        router.get("/exports/:id/download") { request, context -> Response in
            guard let session = try await self.session(of: request) else { return self.redirect("/signin") }
            guard Section.exports.open(to: session.user.role) else { return self.forbidden(session, request.uri.path) }
            let id = try context.parameters.require("id", as: Int64.self)
            let found = try await self.read(session.user.acting) { db -> (OutboundFile, [UInt8])? in
                guard let file = try OutboundFile.find(id: id, on: db) else { return nil }
                return (file, try OutboundFile.content(id: id, on: db))
            }
            guard let (file, bytes) = found else { return self.render("Not found", session: session, body: HTML.notice("There is no outbound file \(id)", ok: false), status: .notFound) }
            let safeName = String(file.fileName.filter { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
            return Response(
                status: .ok,
                headers: [.contentType: "application/octet-stream", .contentDisposition: "attachment; filename=\"\(safeName)\"", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    func addSchedule(_ router: Router<ConsoleContext>) {
        page(router, "/schedule") { _, _, session in
            guard let scheduler = self.scheduler else {
                return self.render("Schedule", session: session, section: .schedule, body: "<p>This console runs without the scheduler.</p>")
            }
            let (latest, completed) = try await self.read(session.user.acting) { db in
                (try scheduler.store.latest(on: db), try scheduler.store.lastCompleted(on: db))
            }
            let now = scheduler.now()
            let html = HTML.table(
                headers: ["Job", "Schedule", "Next firings", "Last slot", "Outcome", "Runs", "Last completed"],
                rows: scheduler.catalog.jobs.map { job in
                    let last = latest[job.name]
                    let next = job.enabled ? scheduler.schedule(of: job).nextFirings(after: now, count: 3).map(Show.time).joined(separator: "<br>") : "disabled"
                    return [HTML.escape(job.name), HTML.escape(job.cron.description + (job.workingDaysOnly ? ", working days" : "")), next,
                            HTML.escape(last?.slot ?? "none yet"),
                            last.map { HTML.tag($0.state, ok: $0.state == "completed" ? true : ["failed", "refused"].contains($0.state) ? false : nil) + ($0.lastError.map { " " + HTML.escape($0) } ?? "") } ?? "",
                            last?.runIds.map { HTML.link(String($0), "/runs/\($0)") }.joined(separator: ", ") ?? "",
                            HTML.escape(completed[job.name].flatMap { $0.finishedAt }.map(Show.time) ?? "")]
                }, id: "schedule")
            return self.render("Schedule", session: session, section: .schedule, body: html)
        }
    }
}
