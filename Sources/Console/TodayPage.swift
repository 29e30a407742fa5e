import Foundation
import HousingFinance
import Hub
import Hummingbird
import Postgres
import Scheduler

/// The Today page: the state of the hub at a glance, each figure linking to its page.
extension Console {
    struct Today: Sendable {
        var runsToday: [RunRecord]
        var failures: [RunRecord]
        var files: [PaymentFileRow]
        var suspense: [(kind: String, count: Int, pence: Int64)]
        var held: (count: Int, pence: Int64)
        var exports: [OutboundFile]
        var reconciliation: BankReconciliation?
        var reconciliationError: String?
        var weeks: [(week: Day, debited: Int64, collected: Int64)]
        var ages: [(bucket: String, cash: Int64, hb: Int64)]
        /// Direct Debit (finance, payments, the auditor): the latest collection day, the next
        /// input day not yet collected, returns of the last 7 days.
        var lastCollection: Console.CollectionDay?
        var nextCollection: Day?
        var returns: (count: Int, pence: Int64)?
        /// Arrears (the income team, the auditor): cases awaiting an officer, write-offs awaiting approval.
        var awaitingOfficer: Int?
        var writeOffs: (count: Int, pence: Int64)?
    }

    /// The codes of cash received on rent accounts (Housing Benefit is not cash).
    static let cashCodes = ["RPY", "RBR", "RDD", "RDN", "RCP", "RSO", "RBT", "RIT", "RRC"]
    static let debitCodes = ["DBR", "DSC", "DHE", "DWR"]

    func addToday(_ router: Router<ConsoleContext>) {
        page(router, "/") { _, _, session in
            let today = self.config.today()
            let config = self.config
            let role = session.user.role
            let data = try await self.read(session.user.acting) { db in try Self.loadToday(today, role: role, config: config, on: db) }
            return self.render("Today, \(Show.day(today))", session: session, section: .today, body: self.todayBody(data, today: today, role: role))
        }
    }

    /// What the Today page shows a role: the figures of the sections it sees.
    static func loadToday(_ today: Day, role: ActingPerson.Role, config: HubConfig, on db: Connection) throws -> Today {
        let runsToday = try RunRecord.list(from: today, to: today, limit: 50, on: db)
        let failures = try RunRecord.list(status: "failed", from: today - 7, limit: 20, on: db)
        var data = Today(
            runsToday: runsToday, failures: failures, files: [], suspense: [], held: (0, 0), exports: [], reconciliation: nil, reconciliationError: nil,
            weeks: [], ages: [])
        if Section.directDebit.open(to: role) {
            data.lastCollection = try collectionDays(limit: 1, on: db).first
            let calendar = try DirectDebitConfig.load(config).calendar
            let collected = Set(try db.query(
                "SELECT business_key FROM runs WHERE job = $1 AND status = 'completed' AND business_key >= $2", [DDCollectionJob.name, today.iso]
            ).map { try $0.decode(String.self, 0) })
            var next = today
            while !calendar.isWorkingDay(next) || collected.contains(next.iso) { next = next + 1 }
            data.nextCollection = next
            let returns = try db.queryOne("SELECT count(*), COALESCE(sum(amount_pence), 0) FROM dd_returns WHERE returned_on >= $1", [today - 7])!
            data.returns = (Int(try returns.decode(Int64.self, 0)), try returns.decode(Int64.self, 1))
        }
        if Section.arrears.open(to: role) {
            data.awaitingOfficer = try ArrearsWorklist.load(db: db).count
            let proposed = try db.queryOne("SELECT count(*), COALESCE(sum(abs(amount_pence)), 0) FROM writeoffs WHERE status = 'proposed'")!
            data.writeOffs = (Int(try proposed.decode(Int64.self, 0)), try proposed.decode(Int64.self, 1))
        }
        guard Section.payments.open(to: role) else { return data }
        let files = try PaymentFileRow.list(since: today - 7, limit: 20, on: db)
        let suspense = try db.query(
            "SELECT kind, count(*), COALESCE(sum(amount_pence), 0) FROM suspense_items WHERE status = 'open' GROUP BY kind ORDER BY kind"
        ).map { row -> (kind: String, count: Int, pence: Int64) in
            (try row.decode(String.self, 0), Int(try row.decode(Int64.self, 1)), try row.decode(Int64.self, 2))
        }
        let heldRow = try db.queryOne("SELECT count(*), COALESCE(sum(priced_pence), 0) FROM sales_orders WHERE status = 'held'")!
        let exports = try db.query(
            "SELECT id FROM outbound_files WHERE created_at >= $1::date - 7 ORDER BY id DESC LIMIT 20", [today]
        ).compactMap { try OutboundFile.find(id: try $0.decode(Int64.self, 0), on: db) }
        var reconciliation: BankReconciliation?
        var reconciliationError: String?
        if let latest = try BankReconciliation.latestStatementDate(on: db) {
            do { reconciliation = try BankReconciliation.load(date: latest, settings: try PaymentSettings.load(for: config), on: db) } catch let error as ConfigError {
                reconciliationError = error.description
            }
        }
        let firstWeek = RentWeek(containing: today).monday - 12 * 7
        let weekRows = try db.query(
            """
            SELECT date_trunc('week', entry_date)::date,
                   COALESCE(sum(amount_pence) FILTER (WHERE code = ANY($2::text[])), 0),
                   COALESCE(-sum(amount_pence) FILTER (WHERE code = ANY($3::text[])), 0)
            FROM ledger_entries WHERE entry_date >= $1 AND entry_date <= $4 GROUP BY 1
            """, [firstWeek, "{\(debitCodes.joined(separator: ","))}", "{\(cashCodes.joined(separator: ","))}", today])
        var byWeek: [Day: (Int64, Int64)] = [:]
        for row in weekRows { byWeek[try row.decode(Day.self, 0)] = (try row.decode(Int64.self, 1), try row.decode(Int64.self, 2)) }
        let weeks = (0..<13).map { n -> (week: Day, debited: Int64, collected: Int64) in
            let week = firstWeek + n * 7
            return (week, byWeek[week]?.0 ?? 0, byWeek[week]?.1 ?? 0)
        }
        let ageRows = try db.query(
            """
            SELECT CASE WHEN $1::date - entry_date <= 7 THEN 0 WHEN $1::date - entry_date <= 30 THEN 1
                        WHEN $1::date - entry_date <= 90 THEN 2 ELSE 3 END AS bucket,
                   COALESCE(sum(amount_pence) FILTER (WHERE kind = 'cash'), 0), COALESCE(sum(amount_pence) FILTER (WHERE kind = 'hb'), 0)
            FROM suspense_items WHERE status = 'open' GROUP BY 1
            """, [today])
        var ages = ["0 to 7 days", "8 to 30 days", "31 to 90 days", "over 90 days"].map { (bucket: $0, cash: Int64(0), hb: Int64(0)) }
        for row in ageRows {
            let bucket = Int(try row.decode(Int32.self, 0))
            ages[bucket].cash = try row.decode(Int64.self, 1)
            ages[bucket].hb = try row.decode(Int64.self, 2)
        }
        data.files = files
        data.suspense = suspense
        data.held = (Int(try heldRow.decode(Int64.self, 0)), try heldRow.decode(Int64.self, 1))
        data.exports = exports
        data.reconciliation = reconciliation
        data.reconciliationError = reconciliationError
        data.weeks = weeks
        data.ages = ages
        return data
    }

    func todayBody(_ data: Today, today: Day, role: ActingPerson.Role) -> String {
        var html = "<div class=\"cards\">"
        func card(_ title: String, _ figure: String, _ detail: String, _ href: String, id: String) {
            html += "<div class=\"card\" id=\"\(id)\"><h2>\(HTML.escape(title))</h2><a class=\"figure govuk-link\" href=\"\(href)\">\(HTML.escape(figure))</a><span>\(detail)</span></div>"
        }
        let completed = data.runsToday.filter { $0.status == "completed" }.count
        let runsHref = Section.runs.open(to: role) ? "/runs?from=\(today.iso)" : "#todays-runs"
        card("Runs today", String(data.runsToday.count), "\(completed) completed", runsHref, id: "card-runs")
        card("Failures, last 7 days", String(data.failures.count), data.failures.isEmpty ? "none" : "see the runs", Section.runs.open(to: role) ? "/runs?status=failed" : "#failed-runs", id: "card-failures")
        if Section.directDebit.open(to: role) {
            if let last = data.lastCollection {
                let report = last.report
                card("Last collection day", Show.day(report?.inputDay ?? last.run.businessDate),
                     HTML.escape("\(report?.collections ?? 0) collections, \(Show.money(report?.collectedPence ?? 0)); entry day \(report.map { Show.day($0.entryDay) } ?? "?")"),
                     "/direct-debit/collections/\(last.run.id)", id: "card-last-collection")
            } else {
                card("Last collection day", "none yet", "", "/direct-debit", id: "card-last-collection")
            }
            card("Next collection day", data.nextCollection.map(Show.day) ?? "", "the dd-collection job's input day", "/direct-debit", id: "card-next-collection")
            card("Direct Debit returns, last 7 days", String(data.returns?.count ?? 0), HTML.escape(Show.money(data.returns?.pence ?? 0)), "/direct-debit", id: "card-returns")
        }
        if Section.arrears.open(to: role) {
            card("Cases awaiting an officer", String(data.awaitingOfficer ?? 0), "from the latest arrears review", "/arrears", id: "card-awaiting-officer")
            card("Write-offs awaiting approval", String(data.writeOffs?.count ?? 0), HTML.escape(Show.money(data.writeOffs?.pence ?? 0)), "/arrears/writeoffs", id: "card-writeoffs")
        }
        guard Section.payments.open(to: role) else {
            html += "</div>"
            if !data.failures.isEmpty { html += "<h2 id=\"failed-runs\">Failed runs</h2>" + runsTable(data.failures, links: false) }
            if !data.runsToday.isEmpty { html += "<h2 id=\"todays-runs\">Today's runs</h2>" + runsTable(data.runsToday, links: false) }
            return html
        }
        let untied = data.files.filter { $0.ties == false }.count
        card("Payment files, last 7 days", String(data.files.count), untied == 0 ? HTML.tag("all tie", ok: true) : HTML.tag("\(untied) do not tie", ok: false), "/payments", id: "card-files")
        let suspenseCount = data.suspense.reduce(0) { $0 + $1.count }
        let suspenseText = data.suspense.map { "\($0.kind == "hb" ? "Housing Benefit" : "cash") \($0.count), \(Show.money($0.pence))" }.joined(separator: "; ")
        card("Open suspense", String(suspenseCount), HTML.escape(suspenseText.isEmpty ? "none" : suspenseText), "/payments/suspense", id: "card-suspense")
        card("Held sales orders", String(data.held.count), HTML.escape(Show.money(data.held.pence)), "/repairs", id: "card-held")
        card("Files sent, last 7 days", String(data.exports.count), "", "/exports", id: "card-exports")
        html += "</div>"

        if let next = nextFirings(limit: 6), !next.isEmpty {
            html += "<h2>Next firings</h2>" + HTML.table(
                headers: ["Job", "Next firing"], rows: next.map { [HTML.link($0.job, "/schedule"), HTML.escape(Show.time($0.at))] }, id: "next-firings")
        }
        if !data.failures.isEmpty {
            html += "<h2>Failed runs</h2>" + runsTable(data.failures)
        }
        html += "<h2>Bank reconciliation</h2>"
        if let reconciliation = data.reconciliation {
            let ties = reconciliation.statements.allSatisfy { $0.differencePence == 0 }
            html += "<p>Statement of \(HTML.escape(Show.day(reconciliation.date))): \(HTML.tag(ties ? "ties" : "does not tie", ok: ties)) "
                + "\(reconciliation.openSettlements.count) open settlements, \(reconciliation.openBatches.count) provider files awaiting settlement.</p>"
            html += HTML.table(
                headers: ["Statement file", "Opening", "Closing", "Rent posted", "Suspense", "Difference"], numeric: [1, 2, 3, 4, 5],
                rows: reconciliation.statements.map {
                    [HTML.link($0.file, "/runs/\($0.runId)"), Show.money($0.openingPence), Show.money($0.closingPence), Show.money($0.rentPostingsPence),
                     Show.money($0.suspensePence), $0.differencePence == 0 ? HTML.tag("£0.00", ok: true) : HTML.tag(Show.money($0.differencePence), ok: false)]
                }, id: "bank-reconciliation")
        } else {
            html += "<p>\(HTML.escape(data.reconciliationError ?? "No bank statement imported yet."))</p>"
        }
        html += "<h2>Rent debited and cash collected, last 13 weeks</h2>"
        html += Charts.bars(
            id: "chart-rent-cash", title: "Rent debited and cash collected by week",
            description: data.weeks.map { "Week of \(Show.day($0.week)): debited \(Show.money($0.debited)), collected \(Show.money($0.collected))" }.joined(separator: "; "),
            series: [("Rent debited", "#1d70b8"), ("Cash collected", "#00703c")],
            groups: data.weeks.map { Charts.Group(label: "\($0.week.day)/\($0.week.month)", values: [$0.debited, $0.collected]) },
            format: { Show.money(($0 / 100) * 100).replacingOccurrences(of: ".00", with: "") })
        html += "<h2>Suspense by age</h2>"
        html += Charts.bars(
            id: "chart-suspense-age", title: "Open suspense by age",
            description: data.ages.map { "\($0.bucket): cash \(Show.money($0.cash)), Housing Benefit \(Show.money($0.hb))" }.joined(separator: "; "),
            series: [("Cash", "#f47738"), ("Housing Benefit", "#4c2c92")],
            groups: data.ages.map { Charts.Group(label: $0.bucket, values: [$0.cash, $0.hb]) },
            format: { Show.money($0) })
        if !data.runsToday.isEmpty { html += "<h2>Today's runs</h2>" + runsTable(data.runsToday) }
        return html
    }

    /// The scheduler's next firings, soonest first.
    func nextFirings(limit: Int) -> [(job: String, at: Date)]? {
        guard let scheduler else { return nil }
        let now = scheduler.now()
        let firings = scheduler.catalog.jobs.filter(\.enabled).compactMap { job in scheduler.schedule(of: job).nextFiring(after: now).map { (job.name, $0) } }
        return Array(firings.sorted { $0.1 < $1.1 }.prefix(limit))
    }

    /// Runs as a table; `links`: each run links to its page (for those who see the Runs section).
    func runsTable(_ runs: [RunRecord], links: Bool = true) -> String {
        HTML.table(
            headers: ["Run", "Job", "Key", "Business date", "Status", "By", "Started", "Entries", "Net"], numeric: [0, 7, 8],
            rows: runs.map { run in
                [links ? HTML.link(String(run.id), "/runs/\(run.id)") : String(run.id), HTML.escape(run.job), HTML.escape(run.displayKey), HTML.escape(Show.day(run.businessDate)),
                 HTML.tag(run.status, ok: run.status == "completed" ? true : run.status == "failed" ? false : nil) + (run.note.isEmpty ? "" : " " + HTML.escape(run.note)),
                 HTML.escape(run.operator), HTML.escape(Show.time(run.startedAt)), String(run.entries), HTML.escape(Show.money(run.netPence))]
            }, id: "runs")
    }
}

/// An imported payment file with its totals and whether its report tied.
struct PaymentFileRow: Sendable {
    var runId: Int64
    var fileName: String
    var format: String
    var fileDate: Day?
    var credits: Int
    var creditPence: Int64
    var debits: Int
    var debitPence: Int64
    var ties: Bool?
    var reversedBy: Int64?
    var importedAt: Date

    static func list(since: Day?, limit: Int, on db: Connection) throws -> [PaymentFileRow] {
        try db.query(
            """
            SELECT f.run_id, f.file_name, f.format, f.file_date, f.credit_count, f.credit_pence, f.debit_count, f.debit_pence,
                   (r.report->>'ties')::boolean, r.reversed_by_run_id, f.created_at
            FROM payment_files f JOIN runs r ON r.id = f.run_id
            WHERE $1::date IS NULL OR f.created_at >= $1::date ORDER BY f.run_id DESC LIMIT $2
            """, [since, limit]
        ).map { row in
            PaymentFileRow(
                runId: try row.decode(Int64.self, 0), fileName: try row.decode(String.self, 1), format: try row.decode(String.self, 2),
                fileDate: try row.decode(Day?.self, 3), credits: Int(try row.decode(Int32.self, 4)), creditPence: try row.decode(Int64.self, 5),
                debits: Int(try row.decode(Int32.self, 6)), debitPence: try row.decode(Int64.self, 7), ties: try row.decode(Bool?.self, 8),
                reversedBy: try row.decode(Int64?.self, 9), importedAt: try row.decode(Date.self, 10))
        }
    }
}
