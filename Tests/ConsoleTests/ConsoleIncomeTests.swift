import Console
import Foundation
import HousingFinance
import Hub
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// The Direct Debit and arrears pages: who sees them, the forms each role is shown, actions
/// refused to those who may not, and actions that do exactly what the commands do.
@Suite struct ConsoleIncomeTests {
    /// Ids to visit: a collection run, a mandate's account, an account in arrears, the write-offs.
    struct Ids {
        var collectionRun: Int64
        var mandateAccount: String
        var caseAccount: String
        var small: Int64
        var large: Int64
        var smallAccount: String

        init(_ database: HubDatabase) throws {
            let db = try database.connect()
            collectionRun = try db.int("SELECT max(id) FROM runs WHERE job = 'dd-collection'")
            mandateAccount = try db.queryOne(
                "SELECT a.account_ref FROM dd_mandates m JOIN rent_accounts a ON a.id = m.account_id WHERE m.status = 'live' ORDER BY m.id LIMIT 1")!.text(0)!
            caseAccount = try db.queryOne(
                "SELECT a.account_ref FROM arrears_actions x JOIN rent_accounts a ON a.id = x.account_id ORDER BY x.id LIMIT 1")!.text(0)!
            small = try db.int("SELECT id FROM writeoffs WHERE amount_pence = $1", [ConsoleFixture.smallWriteOff.pence])
            large = try db.int("SELECT id FROM writeoffs WHERE amount_pence = $1", [ConsoleFixture.largeWriteOff.pence])
            smallAccount = try db.queryOne("SELECT a.account_ref FROM writeoffs w JOIN rent_accounts a ON a.id = w.account_id WHERE w.id = $1", [small])!.text(0)!
        }
    }

    @Test func theNewPagesRenderForTheRolesThatDoTheWorkAndAreRefusedToOthers() async throws {
        let console = try ConsoleFixture.console()
        let ids = try Ids(console.database)
        let app = Application(router: console.router())
        let directDebit: [(String, String)] = [
            ("/direct-debit", "Collection days"), ("/direct-debit/collections/\(ids.collectionRun)", "Held or changed amounts"),
            ("/direct-debit/mandates", "Search mandates"), ("/direct-debit/mandates?q=\(ids.mandateAccount)&status=live", ids.mandateAccount),
            ("/direct-debit/mandates/\(ids.mandateAccount)", "Schedule, next 120 days"),
        ]
        let arrears: [(String, String)] = [
            ("/arrears", "Awaiting an officer"), ("/arrears/cases/\(ids.caseAccount)", "Case history"), ("/arrears/agreements", "agreements"),
            ("/arrears/writeoffs", "Awaiting approval"), ("/arrears/writeoffs/\(ids.large)", "WO"),
        ]
        let others = ["/runs", "/payments", "/repairs", "/exports", "/schedule"]
        try await app.test(.router) { client in
            for (name, role, _) in ConsoleFixture.users where name != "rita" {
                var browser = Browser(client: client)
                #expect(try await browser.signIn(name).status == .seeOther)
                let seesDirectDebit = [.finance, .payments, .auditor].contains(role)
                let seesArrears = role.isIncome || role == .auditor
                for (uri, expected) in directDebit {
                    let page = try await browser.get(uri)
                    #expect(page.status == (seesDirectDebit ? .ok : .forbidden), "\(name) \(uri): \(page.status)")
                    if seesDirectDebit { #expect(page.text.contains(expected), "\(name) \(uri) lacks '\(expected)'") }
                }
                for (uri, expected) in arrears {
                    let page = try await browser.get(uri)
                    #expect(page.status == (seesArrears ? .ok : .forbidden), "\(name) \(uri): \(page.status)")
                    if seesArrears { #expect(page.text.contains(expected), "\(name) \(uri) lacks '\(expected)'") }
                }
                if role.isIncome {
                    for uri in others { #expect(try await browser.get(uri).status == .forbidden, "\(name) \(uri)") }
                    let account = try await browser.get("/accounts/\(ids.caseAccount)")
                    #expect(account.status == .ok && account.text.contains("Closing balance") && account.text.contains("id=\"arrears-case\""), "\(name): the account page links to the case")
                }
                // The navigation names only what the role sees.
                let today = try await browser.get("/")
                #expect(today.status == .ok, "\(name) /: \(today.text)")
                #expect(today.text.contains("href=\"/direct-debit\"") == seesDirectDebit, "\(name): Direct Debit in the navigation and tiles")
                #expect(today.text.contains("href=\"/arrears\"") == seesArrears, "\(name): Arrears in the navigation and tiles")
                #expect(today.text.contains("card-next-collection") == seesDirectDebit && today.text.contains("card-writeoffs") == seesArrears)
                // Forms: only the roles that may act are shown them.
                if seesDirectDebit {
                    let mandate = try await browser.get("/direct-debit/mandates/\(ids.mandateAccount)")
                    #expect(mandate.text.contains("cancel-form") == (role == .finance || role == .payments), "\(name): cancel shown to finance and payments")
                }
                if seesArrears {
                    let worklist = try await browser.get("/arrears/cases/\(ids.caseAccount)")
                    #expect(worklist.text.contains("act-form") == role.isIncome && worklist.text.contains("pause-form") == role.isIncome, "\(name): act and pause for the income team")
                    let large = try await browser.get("/arrears/writeoffs/\(ids.large)")
                    let small = try await browser.get("/arrears/writeoffs/\(ids.small)")
                    #expect(large.text.contains("approve-form") == (role == .incomeManager || role == .headOfFinance), "\(name): £800.00 is within the manager's band")
                    #expect(small.text.contains("approve-form") == role.isIncome, "\(name): £30.00 is within every income band")
                    #expect(large.text.contains("reject-form") == role.isIncome)
                    #expect(large.text.contains("£800.00"))
                }
            }
        }
    }

    @Test func forbiddenActionsAreRefusedWith403AndChangeNothing() async throws {
        let console = try ConsoleFixture.console()
        let ids = try Ids(console.database)
        let db = try console.database.connect()
        func state() throws -> [Int64] {
            [try db.int("SELECT count(*) FROM runs"), try db.int("SELECT count(*) FROM arrears_actions"), try db.int("SELECT count(*) FROM arrears_pauses"),
             try db.int("SELECT count(*) FROM writeoffs WHERE status = 'proposed'"), try db.int("SELECT count(*) FROM dd_mandate_events")]
        }
        let before = try state()
        let app = Application(router: console.router())
        try await app.test(.router) { client in
            var auditor = Browser(client: client)
            _ = try await auditor.signIn("audrey")
            for (page, action, fields) in [
                ("/arrears/writeoffs/\(ids.small)", "/arrears/writeoffs/\(ids.small)/approve", ["note": "ok"]),
                ("/arrears/writeoffs/\(ids.small)", "/arrears/writeoffs/\(ids.small)/reject", ["note": "no"]),
                ("/arrears/cases/\(ids.caseAccount)", "/arrears/cases/\(ids.caseAccount)/act", ["stage": "nosp", "note": "x"]),
                ("/arrears/cases/\(ids.caseAccount)", "/arrears/cases/\(ids.caseAccount)/pause", ["until": "2027-01-01", "reason": "x"]),
                ("/direct-debit/mandates/\(ids.mandateAccount)", "/direct-debit/mandates/\(ids.mandateAccount)/cancel", ["reason": "x"]),
            ] {
                let refused = try await auditor.submit(from: page, to: action, fields)
                #expect(refused.status == .forbidden, "auditor \(action): \(refused.status)")
                #expect(refused.text.contains("may not do this; nothing was done"))
            }
            // Finance keeps mandates but does not work arrears; the income team does not cancel mandates.
            var finance = Browser(client: client)
            _ = try await finance.signIn("fiona")
            #expect(try await finance.submit(from: "/", to: "/arrears/writeoffs/\(ids.small)/approve", ["note": "x"]).status == .forbidden)
            var ivan = Browser(client: client)
            _ = try await ivan.signIn("ivan")
            #expect(try await ivan.submit(from: "/", to: "/direct-debit/mandates/\(ids.mandateAccount)/cancel", ["reason": "x"]).status == .forbidden)
            // Over the band: no button, and a POST anyway is refused, logged, and changes nothing.
            let over = try await ivan.submit(from: "/arrears/writeoffs/\(ids.large)", to: "/arrears/writeoffs/\(ids.large)/approve", ["note": "x"])
            #expect(over.status == .forbidden, "\(over.text)")
            #expect(over.text.contains("your approval band (up to £50.00) does not cover it; nothing was done"), "\(over.text)")
        }
        #expect(try state() == before, "nothing was posted, recorded or decided")
    }

    @Test func theDatabaseChecksTheBandOfThePersonsRoleNotTheConsolesLogin() throws {
        let console = try ConsoleFixture.console()
        let ids = try Ids(console.database)
        let day = console.config.today()
        // An income officer's connection (as the console makes it) is refused £800.00 by the trigger itself.
        let ivan = console.database.acting(as: ActingPerson(name: "ivan", role: .income))
        let db = try ivan.connect()
        #expect(throws: PostgresError.self) {
            try db.execute("UPDATE writeoffs SET status = 'approved', decided_by = hub_actor(), decided_at = now() WHERE id = $1", [ids.large])
        }
        #expect(throws: RunError.self) {
            try Runner(database: ivan, host: "test", logger: ConsoleFixture.logger).run(WriteOffApprovalJob(writeOffId: ids.large, note: "x", day: day), businessDate: day)
        }
        // The service's own login, which may act as every income role, approves nothing as itself.
        let admin = try console.database.connect()
        try admin.execute("SET ROLE hub_service")
        #expect(throws: PostgresError.self) {
            try admin.execute("UPDATE writeoffs SET status = 'approved', decided_by = hub_actor(), decided_at = now() WHERE id = $1", [ids.small])
        }
        try admin.execute("RESET ROLE")
        #expect(try admin.queryOne("SELECT status FROM writeoffs WHERE id = $1", [ids.large])!.text(0) == "proposed")
    }

    /// The approval as `hub writeoffs approve` makes it (the job, run by the manager), and through
    /// the console, on two copies of one database.
    @Test func anApprovalThroughTheConsolePostsExactlyWhatTheCommandPosts() async throws {
        let console = try ConsoleFixture.console()
        let ids = try Ids(console.database)
        let (other, _) = try ConsoleFixture.database()
        let day = console.config.today()
        let command = try Runner(database: other.acting(as: ActingPerson(name: "mona", role: .incomeManager)), host: "test", logger: ConsoleFixture.logger)
            .run(WriteOffApprovalJob(writeOffId: ids.large, note: "not traced after three searches", day: day), businessDate: day)

        let app = Application(router: console.router())
        try await app.test(.router) { client in
            var mona = Browser(client: client)
            _ = try await mona.signIn("mona")
            let page = try await mona.submit(from: "/arrears/writeoffs/\(ids.large)", to: "/arrears/writeoffs/\(ids.large)/approve", ["note": "not traced after three searches"])
            #expect(page.status == .ok, "\(page.text)")
            #expect(page.text.contains("approved by mona: posted WOF -£800.00"), "\(page.text)")
            let again = try await mona.submit(from: "/arrears/writeoffs/\(ids.large)", to: "/arrears/writeoffs/\(ids.large)/approve", ["note": "twice"])
            #expect(again.status == .conflict, "a write-off is approved once: \(again.status)")
            // The officer approves the small one within their band; the manager rejects nothing twice.
            var ivan = Browser(client: client)
            _ = try await ivan.signIn("ivan")
            let small = try await ivan.submit(from: "/arrears/writeoffs/\(ids.small)", to: "/arrears/writeoffs/\(ids.small)/approve", ["note": "small balance"])
            #expect(small.status == .ok && small.text.contains("approved by ivan"), "\(small.text)")
        }
        func posted(_ database: HubDatabase, run: Int64) throws -> [String] {
            try database.connect().query(
                """
                SELECT a.account_ref || ' ' || l.code || ' ' || l.amount_pence || ' ' || l.entry_date || ' ' || COALESCE(l.source_ref, '') || ' ' || l.description
                FROM ledger_entries l JOIN rent_accounts a ON a.id = l.account_id WHERE l.run_id = $1 ORDER BY l.id
                """, [run]
            ).map { $0.text(0)! }
        }
        func decision(_ database: HubDatabase) throws -> [String?] {
            let row = try database.connect().queryOne("SELECT status, decided_by, decision_note FROM writeoffs WHERE id = $1", [ids.large])!
            return [row.text(0), row.text(1), row.text(2)]
        }
        let db = try console.database.connect()
        let run = try db.queryOne("SELECT id, operator FROM runs WHERE job = 'writeoff-approval' AND business_key = $1", [WriteOffRecord.reference(ids.large)])!
        #expect(run.text(1) == "mona", "the run records the person, not the server's role")
        #expect(try posted(console.database, run: run.decode(Int64.self, 0)) == posted(other, run: command.record.id))
        #expect(try posted(other, run: command.record.id).count == 1)
        #expect(try decision(console.database) == decision(other))
        #expect(try decision(console.database) == ["approved", "mona", "not traced after three searches"])
        #expect(try db.queryOne("SELECT decided_by FROM writeoffs WHERE id = $1", [ids.small])!.text(0) == "ivan")
    }

    @Test func officersActPauseAndCancelThroughTheConsoleAsTheCommandsDo() async throws {
        let console = try ConsoleFixture.console()
        let ids = try Ids(console.database)
        let app = Application(router: console.router())
        try await app.test(.router) { client in
            var ivan = Browser(client: client)
            _ = try await ivan.signIn("ivan")
            let missing = try await ivan.submit(from: "/arrears/cases/\(ids.caseAccount)", to: "/arrears/cases/\(ids.caseAccount)/act", ["stage": "nosp", "note": ""])
            #expect(missing.status == .badRequest && missing.text.contains("Say what was done"))
            let acted = try await ivan.submit(from: "/arrears/cases/\(ids.caseAccount)", to: "/arrears/cases/\(ids.caseAccount)/act", ["stage": "nosp", "note": "served by hand"])
            #expect(acted.status == .ok && acted.text.contains("Notice served"), "\(acted.text)")
            let badDay = try await ivan.submit(from: "/arrears/cases/\(ids.caseAccount)", to: "/arrears/cases/\(ids.caseAccount)/pause", ["until": "soon", "reason": "in hospital"])
            #expect(badDay.status == .badRequest && badDay.text.contains("as YYYY-MM-DD"))
            let paused = try await ivan.submit(from: "/arrears/cases/\(ids.caseAccount)", to: "/arrears/cases/\(ids.caseAccount)/pause", ["until": "2027-01-04", "reason": "in hospital"])
            #expect(paused.status == .ok && paused.text.contains("paused until Mon 4 Jan 2027"), "\(paused.text)")
            let history = try await ivan.get("/arrears/cases/\(ids.caseAccount)")
            #expect(history.text.contains("served by hand") && history.text.contains("paused until 2027-01-04: in hospital"))

            var pat = Browser(client: client)
            _ = try await pat.signIn("pat")
            let noReason = try await pat.submit(from: "/direct-debit/mandates/\(ids.mandateAccount)", to: "/direct-debit/mandates/\(ids.mandateAccount)/cancel", ["reason": ""])
            #expect(noReason.status == .badRequest)
            let cancelled = try await pat.submit(from: "/direct-debit/mandates/\(ids.mandateAccount)", to: "/direct-debit/mandates/\(ids.mandateAccount)/cancel", ["reason": "tenant moved bank"])
            #expect(cancelled.status == .ok && cancelled.text.contains("cancelled"), "\(cancelled.text)")
            let mandate = try await pat.get("/direct-debit/mandates/\(ids.mandateAccount)")
            #expect(mandate.text.contains("<span id=\"mandate-status\">cancelled</span>") && !mandate.text.contains("cancel-form"))
        }
        let db = try console.database.connect()
        let action = try db.queryOne(
            "SELECT x.stage, x.recorded_by, x.notice_served IS NOT NULL FROM arrears_actions x JOIN rent_accounts a ON a.id = x.account_id WHERE a.account_ref = $1 ORDER BY x.id DESC LIMIT 1",
            [ids.caseAccount])!
        #expect(try action.text(0) == "nosp" && action.text(1) == "ivan" && action.decode(Bool.self, 2))
        #expect(try db.queryOne("SELECT recorded_by, until::text FROM arrears_pauses ORDER BY id DESC LIMIT 1")!.text(0) == "ivan")
        #expect(try db.queryOne("SELECT actor FROM audit_events WHERE entity = 'arrears-case' AND action = 'act' ORDER BY id DESC LIMIT 1")!.text(0) == "ivan")
        let event = try db.queryOne(
            "SELECT e.actor, e.reason FROM dd_mandate_events e JOIN dd_mandates m ON m.id = e.mandate_id JOIN rent_accounts a ON a.id = m.account_id WHERE a.account_ref = $1 ORDER BY e.id DESC LIMIT 1",
            [ids.mandateAccount])!
        #expect(event.text(0) == "pat" && event.text(1) == "tenant moved bank")
        #expect(try db.int("SELECT count(*) FROM dd_lodgements l JOIN dd_mandates m ON m.id = l.mandate_id JOIN rent_accounts a ON a.id = m.account_id WHERE a.account_ref = $1 AND l.code = '0C' AND l.sent_run_id IS NULL", [ids.mandateAccount]) == 1)
    }
}
