import ArgumentParser
import Console
import Foundation
import HousingFinance
import Hub
import HubDemo
import Postgres

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the embedded PostgreSQL cluster, migrate it, seed a demo council and run the week's jobs.",
        discussion: """
            With no database configured (Config/hub.yaml database.url empty and no HUB_DATABASE_URL), the hub starts
            its own throwaway PostgreSQL cluster under var/. The demo council is generated from a fixed seed, so it
            is the same every time; it is loaded through the loaders (its files are kept in var/demo/). A second
            `hub demo` reuses the council it finds; `hub demo --reset` stops the embedded cluster and deletes it and
            the demo's folders first, to start again from nothing (never a configured database).
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "How many properties the demo council has (only when the hub has none yet).") var properties = 8000
    @Option(help: "The business date (default: today in Europe/London).") var asOf: String?
    @Flag(help: "Stop and delete the embedded cluster, its demo files and its inbox, archive and outbox under var/ first, to start again from nothing. Refused when a database is configured.")
    var reset = false

    func validate() throws {
        guard properties >= 1 else { throw ValidationError("--properties must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let started = Date()
            if reset {
                let config = try HubEnvironment.loadConfig(global)
                guard config.databaseURL == nil else {
                    throw RunError(.badInput, "--reset deletes the embedded demo cluster only; a configured database (database.url or HUB_DATABASE_URL) is never deleted")
                }
                let home = config.embeddedDirectory.deletingLastPathComponent()
                try EmbeddedCluster.remove(in: config.embeddedDirectory)
                for folder in [config.inbox, config.archive, config.rejected, config.outbox, home.appendingPathComponent("demo")]
                where folder.standardizedFileURL.path.hasPrefix(home.standardizedFileURL.path + "/") {
                    try? FileManager.default.removeItem(at: folder)
                }
                print("Reset: the embedded cluster in \(config.embeddedDirectory.path) and the demo's files are gone.")
            }
            let environment = try HubEnvironment.open(global)
            let config = environment.config
            let businessDate = try environment.businessDate(asOf)
            print("Demo council on \(businessDate.iso) (go-live \(config.goLive.iso)).")

            // The council: seeded once, reused after.
            let council = DemoCouncil(properties: properties, goLive: config.goLive, scheme: config.accountScheme)
            let demoDirectory = config.inbox.deletingLastPathComponent().appendingPathComponent("demo")
            if environment.embedded != nil, try environment.database.connect().queryOne("SELECT 1 FROM properties LIMIT 1") == nil {
                // Go-live safety: the extract is rehearsed into a throwaway database before it is loaded.
                let manifest = try MigrationDemo.writeManifest(council, directory: demoDirectory)
                let rehearsalStarted = Date()
                let scratch = try ScratchDatabase(environment: environment, url: nil, keep: false)
                defer { scratch.drop() }
                var report = try Rehearsal(manifest: try MigrationManifest.load(manifest), config: config, logger: environment.logger)
                    .run(into: scratch.database)
                try RehearsalStore.keep(&report, on: try environment.database.connect())
                print("\n== Migration rehearsal (\(manifest.lastPathComponent), \(seconds(since: rehearsalStarted))) " + String(repeating: "=", count: 40))
                print(report.render(), terminator: "")
            }
            if let loads = try council.seed(runner: environment.runner, businessDate: businessDate, directory: demoDirectory) {
                try Checkpoint.create(name: "go-live", note: "the demo council's extract, rehearsed and loaded", on: try environment.database.connect())
                print("Checkpoint go-live marks the loads: hub runs rewind --to go-live --reason TEXT goes back to it, hub runs replay runs the later work again (docs/go-live.md).")
                print("Seeded the demo council in \(seconds(since: started)) through the loaders (runs \(loads.map { String($0.id) }.joined(separator: ", "))); its files are in \(demoDirectory.path).")
            } else {
                print("The hub already has a council: reusing it (--properties applies to an empty hub only; hub demo --reset starts again).")
            }
            let db = try environment.database.connect()
            print(try DemoCouncil.summary(on: db, on: businessDate, calendar: config.rentCalendar).render())

            // The rent debit, every week from go-live through this week.
            let debitStarted = Date()
            let outcomes = try RentDebitRuns(runner: environment.runner, config: config)
                .postThrough(RentWeek(containing: businessDate), businessDate: businessDate)
            if outcomes.isEmpty {
                print("Rent debit: every week through \(RentWeek(containing: businessDate).monday.iso) was already posted. The last week's run:")
                if let last = try RunRecord.list(job: RentDebitJob.name, status: "completed", limit: 1, on: db).first {
                    print("Run \(last.id): \(last.job) \(last.displayKey)\n\(last.reportText ?? "")")
                }
            } else {
                let weeks = outcomes.filter { !$0.report.adjustmentsOnly }.count
                print("Rent debit: posted \(Wording.count(weeks, "week"))\(weeks < outcomes.count ? " and the adjustments for back-dated changes" : "") in \(seconds(since: debitStarted)). The last run:")
                for outcome in outcomes.suffix(1) { print(outcome.render()) }
            }

            // The day's payment files, imported; then ODS's completions reviewed; then the interface
            // files out, last, so that they carry everything the demo posted.
            for (title, demo) in [
                ("Payments", { try PaymentsDemo.run(runner: environment.runner, config: config, businessDate: businessDate, directory: demoDirectory) }),
                ("Direct Debit", { try DirectDebitDemo.run(runner: environment.runner, config: config, businessDate: businessDate, directory: demoDirectory) }),
                ("Repairs: the sales-order review", { try RepairsDemo.run(runner: environment.runner, config: config, businessDate: businessDate, directory: demoDirectory) }),
                ("Arrears: the day's review", { try ArrearsDemo.run(runner: environment.runner, config: config, businessDate: businessDate) }),
                ("Interface files out", { try ExportsDemo.run(runner: environment.runner, config: config, businessDate: businessDate) }),
            ] as [(String, () throws -> String)] {
                print("\n== \(title) " + String(repeating: "=", count: max(0, 90 - title.count)))
                print(try demo())
            }
            // Who did all this, and that the ledger is as its runs sealed it (docs/security.md).
            let session = try db.queryOne("SELECT session_user::text")!.text(0) ?? "?"
            print("\n== The ledger's seal " + String(repeating: "=", count: 70))
            print("Every run above was made by the login \(session) (a member of the staff roles; the schema belongs to hub_owner, whom nobody logs in as).")
            print(try LedgerVerification.verify(on: db).render(), terminator: "")

            // The server's settings, as `hub db status` checks a council's server.
            print("\n== The server " + String(repeating: "=", count: 76))
            if environment.embedded != nil {
                print("The embedded cluster is a throwaway for demos and tests: it runs without fsync, full-page writes and synchronous commit, which a council's server keeps on. `hub db status` checks a configured server's settings the same way:")
            }
            print(try ServerSettings.read(from: db).render())
            print(try tryNext(environment, on: db))

            print(try ConsoleDemo.users(on: try environment.database.connectAdmin(), config: config, configFile: HubEnvironment.configFile(global)))

            if let cluster = environment.embedded {
                print("Look inside: \(cluster.psqlCommand(database: "hub"))")
            } else {
                print("Look inside: psql \"$HUB_DATABASE_URL\" (the configured database)")
            }
            print("Demo finished in \(seconds(since: started)).")
        }
    }

    /// Commands to try next, each one that works on what the demo made: a real account, a held
    /// order approved by a person whose role has an authorisation limit, the jobs just run.
    func tryNext(_ environment: HubEnvironment, on db: Connection) throws -> String {
        var text = "Try next:\n"
        if let account = try db.queryOne("SELECT account_ref FROM rent_accounts ORDER BY account_ref LIMIT 1")?.text(0) {
            text += "  hub accounts statement \(account)\n"
        }
        text += "  hub runs list\n  hub jobs list\n  hub sales-orders list --status held\n"
        // Approving takes a person whose database role has an authorisation limit
        // (Config/sales-order-review.yaml): the demo makes one, repairs_officer, a member of
        // hub_repairs, through the administrator's connection (docs/security.md: a person is a login role
        // in a hub_* role), when it may make roles and the connection string names its user.
        let review = try SalesOrderReviewConfig.load(for: environment.config)
        let limit = review.authorisationLimits["hub_repairs"]
        let connection = environment.database.connectionString
        if let limit, connection.contains("user="),
           let order = try db.queryOne(
               "SELECT id FROM sales_orders WHERE status = 'held' AND priced_pence <= $1 ORDER BY id LIMIT 1", [limit.pence])?.decode(Int64.self, 0),
           (try? environment.database.connectAdmin().execute(
               "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'repairs_officer') THEN CREATE ROLE repairs_officer LOGIN IN ROLE hub_repairs; END IF; END $$")) != nil
        {
            let asOfficer = connection.replacing(/user=\S+/, with: "user=repairs_officer")
            text += "  A held order is approved by a person within their authorisation limit; repairs_officer is a member of hub_repairs\n"
            text += "  (limit \(limit.formatted) in Config/sales-order-review.yaml):\n"
            text += "  HUB_DATABASE_URL='\(asOfficer)' hub sales-orders approve \(SalesOrderRecord.reference(order)) --note TEXT\n"
        } else {
            text += "  hub sales-orders approve ID --note TEXT, as a database user whose role has an authorisation limit in Config/sales-order-review.yaml\n"
        }
        return text
    }

    func seconds(since start: Date) -> String { String(format: "%.1f s", Date().timeIntervalSince(start)) }
}
