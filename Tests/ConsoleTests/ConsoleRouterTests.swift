import Console
import Foundation
import HousingFinance
import Hub
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// The console's router against a real PostgreSQL with a seeded demo council: what each role
/// sees and may do, sessions, CSRF, and that its actions post what the commands post.
@Suite struct ConsoleRouterTests {
    /// Ids to visit: a run, an account, a suspense item, a held order, an outbound file.
    struct Ids {
        var run: Int64
        var account: String
        var suspense: Int64
        var held: Int64
        var export: Int64

        init(_ database: HubDatabase) throws {
            let db = try database.connect()
            run = try db.int("SELECT max(id) FROM runs WHERE job = 'rent-debit'")
            account = try db.queryOne("SELECT account_ref FROM rent_accounts ORDER BY id LIMIT 1")!.decode(String.self, 0)
            suspense = try db.int("SELECT min(id) FROM suspense_items WHERE status = 'open' AND kind = 'cash'")
            held = try db.int("SELECT min(id) FROM sales_orders WHERE status = 'held'")
            export = try db.int("SELECT min(id) FROM outbound_files")
        }
    }

    @Test func everyPageRendersForEveryRoleWithOnlyTheFormsTheRoleMayUse() async throws {
        let console = try ConsoleFixture.console()
        let ids = try Ids(console.database)
        let app = Application(router: console.router())
        try await app.test(.router) { client in
            for (name, role, _) in ConsoleFixture.users where name != "rita" && !role.isIncome {
                var browser = Browser(client: client)
                let signedIn = try await browser.signIn(name)
                #expect(signedIn.status == .seeOther, "\(name): \(signedIn.text)")
                let pages: [(String, String)] = [
                    ("/", "Rent debited and cash collected"), ("/runs", "Runs"), ("/runs?status=completed&job=rent-debit", "rent-debit"),
                    ("/runs/\(ids.run)", "Run \(ids.run): rent-debit"), ("/accounts?q=\(ids.account.prefix(6))", ids.account),
                    ("/accounts/\(ids.account)", "Closing balance"), ("/accounts/\(ids.account)?print=1", "class=\"print\""),
                    ("/payments", "Imported files"), ("/payments/suspense", "Suspense"), ("/payments/suspense/\(ids.suspense)", "Why in suspense"),
                    ("/repairs", "Repairs: sales orders"), ("/repairs/\(ids.held)", "Why it was held"), ("/exports", "Exports"),
                    ("/exports/\(ids.export)", "Control totals"), ("/schedule", "Schedule"),
                ]
                for (uri, expected) in pages {
                    let page = try await browser.get(uri)
                    #expect(page.status == .ok, "\(name) \(uri): \(page.status)")
                    #expect(page.text.contains(expected), "\(name) \(uri) lacks '\(expected)'")
                    #expect(page.text.contains("Signed in as <strong id=\"signed-in-as\">\(name)</strong>"), "\(name) \(uri)")
                }
                let runPage = try await browser.get("/runs/\(ids.run)")
                let item = try await browser.get("/payments/suspense/\(ids.suspense)")
                let order = try await browser.get("/repairs/\(ids.held)")
                let payments = try await browser.get("/payments")
                #expect(runPage.text.contains("reverse-link") == (role == .finance), "\(name): reverse shown only to finance")
                #expect(item.text.contains("allocate-form") == (role == .payments), "\(name): allocate shown only to payments")
                #expect(payments.text.contains("upload-form") == (role == .payments), "\(name): upload shown only to payments")
                #expect(order.text.contains("approve-form") == (role == .repairs), "\(name): approve shown only to repairs")
                let download = try await browser.get("/exports/\(ids.export)/download")
                #expect(download.status == .ok && download.headers[.contentDisposition]?.hasPrefix("attachment") == true)
                let preview = try await browser.get("/runs/preview")
                #expect(preview.status == (role == .finance ? .ok : .forbidden), "\(name): the preview page is finance's")
            }
        }
    }

    @Test func aRolesForbiddenActionsAreRefusedWith403AndChangeNothing() async throws {
        let console = try ConsoleFixture.console()
        let ids = try Ids(console.database)
        let db = try console.database.connect()
        let before = try db.int("SELECT count(*) FROM runs") + 1000 * (try db.int("SELECT count(*) FROM sales_order_decisions"))
        let app = Application(router: console.router())
        try await app.test(.router) { client in
            var auditor = Browser(client: client)
            _ = try await auditor.signIn("audrey")
            for (page, action, fields) in [
                ("/repairs/\(ids.held)", "/repairs/\(ids.held)/approve", ["note": "looks fine"]),
                ("/repairs/\(ids.held)", "/repairs/\(ids.held)/reject", ["reason": "no"]),
                ("/payments/suspense/\(ids.suspense)", "/payments/suspense/\(ids.suspense)/allocate", ["account": ids.account, "note": "x"]),
                ("/runs/\(ids.run)", "/runs/\(ids.run)/reverse", ["reason": "x", "confirm": "yes"]),
                ("/runs", "/runs/preview", ["job": "rent-debit", "as_of": "2026-12-07"]),
            ] {
                let refused = try await auditor.submit(from: page, to: action, fields)
                #expect(refused.status == .forbidden, "auditor \(action): \(refused.status)")
                #expect(refused.text.contains("may not do this; nothing was done"))
            }
            var payments = Browser(client: client)
            _ = try await payments.signIn("pat")
            #expect(try await payments.submit(from: "/runs/\(ids.run)", to: "/runs/\(ids.run)/reverse", ["reason": "x", "confirm": "yes"]).status == .forbidden)
            #expect(try await payments.submit(from: "/repairs/\(ids.held)", to: "/repairs/\(ids.held)/approve", ["note": "x"]).status == .forbidden)
            var finance = Browser(client: client)
            _ = try await finance.signIn("fiona")
            #expect(try await finance.submit(from: "/", to: "/payments/suspense/\(ids.suspense)/refund", ["refund_note": "x", "confirm": "yes"]).status == .forbidden)
        }
        #expect(try db.int("SELECT count(*) FROM runs") + 1000 * (try db.int("SELECT count(*) FROM sales_order_decisions")) == before, "nothing was posted or decided")
        #expect(try db.queryOne("SELECT status FROM sales_orders WHERE id = $1", [ids.held])!.decode(String.self, 0) == "held")
    }

    @Test func theDatabaseItselfRefusesWhatARoleMayNotDo() throws {
        // The console's actions run under the person's role: an auditor's connection cannot post.
        let console = try ConsoleFixture.console()
        let ids = try Ids(console.database)
        let auditor = console.database.acting(as: ActingPerson(name: "audrey", role: .auditor))
        let runner = Runner(database: auditor, host: "test", logger: ConsoleFixture.logger)
        #expect(throws: PostgresError.self) {
            try SuspenseAllocationJob(itemId: ids.suspense, action: .refund, note: "x").clear(runner: runner, businessDate: Day(iso: "2026-12-07")!)
        }
        let db = try auditor.connect()
        #expect(try db.queryOne("SELECT hub_actor(), current_user::text")!.text(0) == "audrey")
        #expect(try db.queryOne("SELECT current_user::text")!.text(0) == "hub_auditor")
        #expect(throws: PostgresError.self) { try db.query("SELECT password_hash FROM console_users") }
    }

    @Test func formsWithoutTheSessionsCSRFTokenAreRefused() async throws {
        let console = try ConsoleFixture.console()
        let ids = try Ids(console.database)
        let app = Application(router: console.router())
        try await app.test(.router) { client in
            var browser = Browser(client: client)
            _ = try await browser.signIn("pat")
            let fields = ["account": ids.account, "note": "from another site"]
            let missing = try await browser.post("/payments/suspense/\(ids.suspense)/allocate", fields)
            #expect(missing.status == .forbidden)
            #expect(missing.text.contains("security token is missing or out of date"))
            let wrong = try await browser.post("/payments/suspense/\(ids.suspense)/allocate", fields.merging(["csrf": String(repeating: "0", count: 64)]) { $1 })
            #expect(wrong.status == .forbidden)
        }
        #expect(try console.database.connect().queryOne("SELECT status FROM suspense_items WHERE id = $1", [ids.suspense])!.text(0) == "open")
    }

    @Test func sessionsExpireWhenIdleEndOnSignOutAndForgedCookiesAreIgnored() async throws {
        let console = try ConsoleFixture.console()
        let db = try console.database.connect()
        let app = Application(router: console.router())
        try await app.test(.router) { client in
            var anonymous = Browser(client: client)
            let away = try await anonymous.get("/accounts")
            #expect(away.status == .seeOther && away.headers[.location]?.hasPrefix("/signin?next=") == true)

            var browser = Browser(client: client)
            let signedIn = try await browser.signIn("fiona")
            let setCookie = try #require(signedIn.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && !setCookie.contains("Secure"), "\(setCookie)")
            #expect(try await browser.get("/").status == .ok)

            // Idle for longer than the idle time: signed out.
            try db.execute("UPDATE console_sessions SET last_seen_at = last_seen_at - interval '31 minutes'")
            #expect(try await browser.get("/").status == .seeOther)

            // A cookie whose signature does not match is ignored.
            _ = try await browser.signIn("fiona")
            let good = try #require(browser.cookie)
            browser.cookie = String(good.dropLast()) + (good.last == "0" ? "1" : "0")
            #expect(try await browser.get("/").status == .seeOther)
            browser.cookie = good
            #expect(try await browser.get("/").status == .ok)

            // Signing out ends the session: the old cookie no longer works.
            _ = try await browser.submit(from: "/", to: "/signout", [:])
            browser.cookie = good
            #expect(try await browser.get("/").status == .seeOther)

            // A disabled person's session ends at once.
            _ = try await browser.signIn("pat")
            #expect(try await browser.get("/").status == .ok)
            try ConsoleUsers.disable(name: "pat", on: db)
            #expect(try await browser.get("/").status == .seeOther)
            #expect(try await browser.signIn("pat").status == .unauthorized)
        }
        let secure = try ConsoleFixture.console(settings: ConsoleSettings(secureCookie: true))
        try await Application(router: secure.router()).test(.router) { client in
            var browser = Browser(client: client)
            let signedIn = try await browser.signIn("fiona")
            #expect(signedIn.headers[.setCookie]?.contains("Secure") == true)
        }
    }

    @Test func signInAttemptsAreThrottled() async throws {
        let console = try ConsoleFixture.console(settings: ConsoleSettings(signInAttempts: 3, lockoutMinutes: 15))
        let app = Application(router: console.router())
        try await app.test(.router) { client in
            var browser = Browser(client: client)
            for _ in 0..<3 {
                let wrong = try await browser.signIn("fiona", password: "not the password")
                #expect(wrong.status == .unauthorized && wrong.text.contains("The name or password is not right"))
            }
            let locked = try await browser.signIn("fiona")
            #expect(locked.status == .unauthorized && locked.text.contains("Too many failed sign-ins"), "\(locked.text)")
            #expect(browser.cookie == nil)
            #expect(try await browser.signIn("nobody").text.contains("The name or password is not right"))
        }
    }

    /// The allocation as `hub suspense allocate` posts it, and through the console, on two copies of one database.
    @Test func anAllocationThroughTheConsolePostsExactlyWhatTheCommandPosts() async throws {
        let console = try ConsoleFixture.console()
        let ids = try Ids(console.database)
        let (other, _) = try ConsoleFixture.database()
        let today = console.config.today()
        let command = try SuspenseAllocationJob(itemId: ids.suspense, action: .allocate(account: ids.account), note: "found the tenant")
            .clear(runner: Runner(database: other, host: "test", logger: ConsoleFixture.logger), businessDate: today)

        let app = Application(router: console.router())
        try await app.test(.router) { client in
            var browser = Browser(client: client)
            _ = try await browser.signIn("pat")
            let page = try await browser.submit(
                from: "/payments/suspense/\(ids.suspense)", to: "/payments/suspense/\(ids.suspense)/allocate", ["account": ids.account, "note": "found the tenant"])
            #expect(page.status == .ok, "\(page.text)")
            #expect(page.text.contains("allocated to account \(ids.account)"))
            let again = try await browser.submit(
                from: "/payments/suspense/\(ids.suspense)", to: "/payments/suspense/\(ids.suspense)/allocate", ["account": ids.account, "note": "twice"])
            #expect(again.status == .conflict && again.text.contains("not open"), "an item is allocated once")
        }
        func posted(_ database: HubDatabase, run: Int64) throws -> [String] {
            try database.connect().query(
                """
                SELECT a.account_ref || ' ' || l.code || ' ' || l.amount_pence || ' ' || l.entry_date || ' ' || COALESCE(l.source_ref, '')
                FROM ledger_entries l JOIN rent_accounts a ON a.id = l.account_id WHERE l.run_id = $1 ORDER BY l.id
                """, [run]
            ).map { $0.text(0)! }
            + (try database.connect().query("SELECT code || ' ' || COALESCE(analysis, '') || ' ' || amount_pence || ' ' || entry_date FROM gl_postings WHERE run_id = $1 ORDER BY id", [run]).map { $0.text(0)! })
        }
        let db = try console.database.connect()
        let run = try db.queryOne("SELECT id, operator, job FROM runs WHERE job = 'suspense-allocation'")!
        #expect(run.text(1) == "pat", "the run records the person, not the server's role")
        #expect(try posted(console.database, run: run.decode(Int64.self, 0)) == posted(other, run: command.record.id))
        #expect(try !posted(other, run: command.record.id).isEmpty)
        #expect(try db.queryOne("SELECT status, note FROM suspense_items WHERE id = $1", [ids.suspense])!.text(0) == "allocated")
        #expect(try db.queryOne("SELECT actor FROM audit_events WHERE run_id = $1", [run.decode(Int64.self, 0)])?.text(0) ?? "pat" == "pat")
    }

    @Test func anApprovalPostsWhatTheCommandPostsWithinThePersonsLimitAndIsRefusedOverIt() async throws {
        let console = try ConsoleFixture.console()
        let ids = try Ids(console.database)
        let (other, otherConfig) = try ConsoleFixture.database()
        let command = try SalesOrderReviewRuns(runner: Runner(database: other.acting(as: ActingPerson(name: "ravi", role: .repairs)), host: "test", logger: ConsoleFixture.logger), config: otherConfig)
            .approve(ids.held, note: "checked with the surveyor", businessDate: console.config.today())

        let app = Application(router: console.router())
        try await app.test(.router) { client in
            var rita = Browser(client: client)
            _ = try await rita.signIn("rita")
            let over = try await rita.submit(from: "/repairs/\(ids.held)", to: "/repairs/\(ids.held)/approve", ["note": "checked"])
            #expect(over.status == .conflict)
            #expect(over.text.contains("rita&#39;s authorisation limit is £1.00"), "\(over.text)")

            var ravi = Browser(client: client)
            _ = try await ravi.signIn("ravi")
            let page = try await ravi.submit(from: "/repairs/\(ids.held)", to: "/repairs/\(ids.held)/approve", ["note": "checked with the surveyor"])
            #expect(page.status == .ok, "\(page.text)")
            #expect(page.text.contains("approved by ravi"))
        }
        let db = try console.database.connect()
        let order = try db.queryOne("SELECT status, approved_by FROM sales_orders WHERE id = $1", [ids.held])!
        #expect(order.text(0) == "approved" && order.text(1) == "ravi")
        #expect(try db.queryOne("SELECT decided_by FROM sales_order_decisions WHERE sales_order_id = $1 AND decision = 'approved'", [ids.held])!.text(0) == "ravi")
        let run = try db.int("SELECT id FROM runs WHERE job = 'sales-order-approval'")
        func posted(_ database: HubDatabase, run: Int64) throws -> [String] {
            try database.connect().query("SELECT code || ' ' || COALESCE(analysis, '') || ' ' || amount_pence || ' ' || entry_date FROM gl_postings WHERE run_id = $1 ORDER BY id", [run]).map { $0.text(0)! }
        }
        #expect(try posted(console.database, run: run) == posted(other, run: command.record.id))
        #expect(try !posted(other, run: command.record.id).isEmpty)
        let file = try db.queryOne("SELECT f.content FROM outbound_files f WHERE f.run_id = $1", [run])!.text(0)
        let commandFile = try other.connect().queryOne("SELECT f.content FROM outbound_files f WHERE f.run_id = $1", [command.record.id])!.text(0)
        #expect(file != nil && file?.count == commandFile?.count)
    }

    @Test func aPreviewShowsTheDryRunAndAReversalAsksForAReasonAndConfirmation() async throws {
        let console = try ConsoleFixture.console()
        let ids = try Ids(console.database)
        let db = try console.database.connect()
        let runs = try db.int("SELECT count(*) FROM runs")
        let app = Application(router: console.router())
        try await app.test(.router) { client in
            var browser = Browser(client: client)
            _ = try await browser.signIn("fiona")
            let today = console.config.today()
            let preview = try await browser.submit(from: "/runs/preview", to: "/runs/preview", ["job": "rent-debit", "as_of": today.iso, "week": (today + 14).iso])
            #expect(preview.status == .ok, "\(preview.text)")
            #expect(preview.text.contains("PREVIEW (dry run) of rent-debit"))
            #expect(preview.text.contains("Rent debit"), "the run's report, rendered")
            #expect(try db.int("SELECT count(*) FROM runs") == runs, "a preview keeps nothing")

            let plan = try await browser.get("/runs/\(ids.run)/reverse")
            #expect(plan.text.contains("This is the plan"))
            let unconfirmed = try await browser.submit(from: "/runs/\(ids.run)/reverse", to: "/runs/\(ids.run)/reverse", ["reason": "wrong charges"])
            #expect(unconfirmed.status == .badRequest && unconfirmed.text.contains("Tick the box to confirm the reversal"))
            let noReason = try await browser.submit(from: "/runs/\(ids.run)/reverse", to: "/runs/\(ids.run)/reverse", ["confirm": "yes"])
            #expect(noReason.status == .badRequest && noReason.text.contains("Say why the run is reversed"))
            let reversed = try await browser.submit(from: "/runs/\(ids.run)/reverse", to: "/runs/\(ids.run)/reverse", ["reason": "wrong charges", "confirm": "yes"])
            #expect(reversed.status == .seeOther)
            let reversal = try await browser.get(try #require(reversed.headers[.location]))
            #expect(reversal.text.contains("Reverses <a class=\"govuk-link\" href=\"/runs/\(ids.run)\">run \(ids.run)</a>"))
            #expect(reversal.text.contains("<dt>By</dt><dd>fiona</dd>"))
        }
        #expect(try db.queryOne("SELECT reversed_by_run_id FROM runs WHERE id = $1", [ids.run])!.text(0) != nil)
    }

    @Test func healthAndMetricsAreServed() async throws {
        let console = try ConsoleFixture.console()
        let app = Application(router: console.router())
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"healthy\":true"))
            }
            _ = try await client.execute(uri: "/signin", method: .get)
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(text.contains("hub_console_requests_total{route=\"/signin\",status=\"200\"} 1"), "\(text)")
                #expect(text.contains("# TYPE hub_console_request_duration_seconds histogram"))
            }
        }
    }
}
