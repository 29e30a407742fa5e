import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// The loaders against a real database, with the documented sample files.
@Suite struct LoaderTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interfaces/inbound/loader")

    static func sample(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: samples.appendingPathComponent("\(name).csv"))) }

    @discardableResult
    func load<Kind: LoadKind>(
        _ kind: Kind.Type, _ runner: Runner, _ text: String? = nil, name: String? = nil, expectRows: Int? = nil, expectTotal: String? = nil,
        preview: Bool = false
    ) throws -> RunOutcome<LoadReport> {
        let bytes = try text.map { Array($0.utf8) } ?? LoaderTests.sample(Kind.kind)
        let job = LoadJob<Kind>(
            file: name ?? "\(Kind.kind).csv", bytes: bytes, expectRows: expectRows, expectTotal: try expectTotal.map { try Money(parsing: $0) },
            scheme: .standard)
        return try runner.run(job, businessDate: d("2026-04-06"), preview: preview)
    }

    func loadSamples(_ runner: Runner) throws {
        try load(PropertiesLoad.self, runner)
        try load(TenanciesLoad.self, runner)
        try load(AccountsLoad.self, runner)
        try load(ChargesLoad.self, runner)
        try load(OpeningBalancesLoad.self, runner)
    }

    func count(_ db: Connection, _ sql: SQLQuery, _ parameters: [any PostgresEncodable] = []) throws -> Int {
        try db.queryOne(sql, parameters)!.decode(Int.self, 0)
    }

    @Test func theSampleFilesLoad() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        let properties = try load(PropertiesLoad.self, runner, expectRows: 5)
        #expect(properties.report.done["inserted"] == 5)
        try load(TenanciesLoad.self, runner, expectRows: 5)
        try load(AccountsLoad.self, runner)
        let charges = try load(ChargesLoad.self, runner, expectRows: 8, expectTotal: "554.25")
        #expect(charges.report.totalPence == 55425)
        let balances = try load(OpeningBalancesLoad.self, runner, expectTotal: "1504.05")
        #expect(balances.report.done["ledger entries"] == 3)

        #expect(try count(db, "SELECT count(*) FROM properties WHERE property_type = 'flat'") == 2)
        #expect(try db.queryOne("SELECT address FROM properties WHERE property_ref = 'P0001'")!.text(0) == "1 Acacia Avenue, Northtown")
        #expect(try db.queryOne("SELECT owned_from::text FROM properties WHERE property_ref = 'P0005'")!.text(0) == "2026-06-01")
        #expect(try db.queryOne("SELECT tenants::text FROM tenancies WHERE tenancy_ref = 'T0002'")!.text(0) == "{\"John Smith\",\"Mary Smith\"}")
        #expect(try db.queryOne("SELECT end_date::text, forwarding_address, furnished::text FROM tenancies WHERE tenancy_ref = 'T0003'")!.text(1) == "4 River Street, Southtown SO1 2AB")
        #expect(try count(db, "SELECT count(*) FROM account_payment_cards") == 5)
        #expect(try count(db, "SELECT count(*) FROM account_legacy_refs") == 3)
        #expect(try count(db, "SELECT count(*) FROM weekly_charges w JOIN properties p ON p.id = w.property_id WHERE p.property_type = 'flat' AND charge_code = 'DSC'") == 2)
        #expect(try db.posted(account: "100000053", code: "OPB") == 131075)
        #expect(try db.posted(account: "100000029", code: "OPB") == -5230)
        #expect(try count(db, "SELECT count(*) FROM opening_balances") == 4)
        #expect(try count(db, "SELECT count(*) FROM loaded_files") == 5)

        // The rent debit of the go-live week charges the live tenancies of the loaded data.
        let runs = RentDebitRuns(runner: runner, config: TestHub.config(goLive: d("2026-04-06")))
        try runs.postThrough(RentWeek(containing: d("2026-04-06")), businessDate: d("2026-04-06"))
        #expect(try db.posted(account: "100000029", week: "2026-04-06") == 8815 + 1420)
        #expect(try db.posted(account: "100000037", week: "2026-04-06") == 9560 + 1420 + 975)
        #expect(try db.posted(account: "100000045", week: "2026-04-06") == 0)
    }

    @Test func aFileWithSeveralBadRowsReportsEveryOneAndLoadsNothing() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        try load(PropertiesLoad.self, runner)
        try load(TenanciesLoad.self, runner)
        let text = """
            tenancy_ref,property_ref,start_date,end_date,tenants,furnished
            T0100,P0005,2026-06-01,,Good Row,no
            T0101,P9999,2026-05-01,,Nobody Home,no
            T0102,P0004,2026-13-01,,Bad Date,no
            T0103,P0005,2026-07-01,2026-06-30,Backwards,no
            T0100,P0005,2026-08-01,,Twice,no
            T0104,P0005,2026-09-01,,,perhaps
            T0105,P0002,2026-09-07,,Overlapping,no

            """
        let error = try #require(throws: LoadError.self) { try load(TenanciesLoad.self, runner, text, name: "bad-tenancies.csv") }
        let problems = error.problems.map { "\($0.line ?? 0) \($0.column ?? "-") \($0.value ?? "-")" }
        #expect(problems.contains("3 property_ref P9999"))
        #expect(problems.contains("4 start_date 2026-13-01"))
        #expect(problems.contains("5 end_date 2026-06-30"))
        #expect(problems.contains("6 tenancy_ref T0100"))
        #expect(problems.contains("7 tenants -") || problems.contains("7 tenants "))
        #expect(problems.contains("7 furnished perhaps"))
        #expect(problems.contains("8 start_date 2026-09-07"))
        #expect(error.badLines == [3, 4, 5, 6, 7, 8])
        #expect(error.problems.allSatisfy { !$0.reason.isEmpty })
        #expect(error.description.contains("line 3, column property_ref, value 'P9999': there is no property P9999"))
        #expect(error.description.contains("line 6, column tenancy_ref, value 'T0100': a duplicate of line 2"))
        // Nothing loaded, not even the good row; the failed run is recorded.
        #expect(try count(db, "SELECT count(*) FROM tenancies WHERE tenancy_ref = 'T0100'") == 0)
        #expect(try count(db, "SELECT count(*) FROM loaded_files WHERE kind = 'tenancies'") == 1)
        #expect(try count(db, "SELECT count(*) FROM runs WHERE job = 'load-tenancies' AND status = 'failed'") == 1)
    }

    @Test func aBadHeaderIsRefusedNamingTheColumns() throws {
        let runner = try TestHub.runner()
        let error = try #require(throws: LoadError.self) {
            try load(PropertiesLoad.self, runner, "property_ref,address,uprn,postcode,council_tax_ref,bedrooms,colour\nP1,1 Road,1,AB1 2CD,,2,red\n")
        }
        #expect(error.problems.count == 2)
        #expect(error.problems[0].reason.contains("property_ref,uprn,address,postcode,council_tax_ref,bedrooms"))
        #expect(error.problems[1].column == "colour")
    }

    @Test func chargesAmountsAreTwoDecimalPoundsAndMayNotOverlap() throws {
        let runner = try TestHub.runner()
        try load(PropertiesLoad.self, runner)
        let text = """
            property_ref,charge_code,weekly_amount,effective_from,effective_to
            P0001,DBR,112.405,2026-04-06,
            P0001,dbr,100.00,2026-04-06,
            P0002,DBR,£88.15,2026-04-06,
            P0003,DBR,95.60,2026-04-06,2026-10-04
            P0003,DBR,97.60,2026-10-01,

            """
        let error = try #require(throws: LoadError.self) { try load(ChargesLoad.self, runner, text) }
        let problems = error.problems.map { "\($0.line ?? 0) \($0.column ?? "-")" }
        #expect(problems == ["2 weekly_amount", "3 charge_code", "4 weekly_amount", "5 effective_from", "6 effective_from"])
        #expect(error.problems[0].reason.contains("more than two decimals"))
    }

    @Test func controlTotalsThatDoNotTieRefuseTheFile() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        try load(PropertiesLoad.self, runner)
        let rows = try #require(throws: LoadError.self) { try load(ChargesLoad.self, runner, expectRows: 9) }
        #expect(rows.problems.count == 1)
        #expect(rows.problems[0].line == nil)
        #expect(rows.problems[0].reason.contains("8 rows but --expect-rows says 9"))
        let total = try #require(throws: LoadError.self) { try load(ChargesLoad.self, runner, expectTotal: "554.24") }
        #expect(total.problems[0].reason.contains("totals 554.25 but --expect-total says 554.24: a difference of 0.01"))
        #expect(try count(db, "SELECT count(*) FROM weekly_charges") == 0)
        try load(ChargesLoad.self, runner, expectRows: 8, expectTotal: "554.25")
        #expect(try count(db, "SELECT count(*) FROM weekly_charges") == 8)
    }

    @Test func aDryRunReportsAndLoadsNothing() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        let outcome = try load(PropertiesLoad.self, runner, preview: true)
        #expect(outcome.isPreview)
        #expect(outcome.report.done["inserted"] == 5)
        #expect(try count(db, "SELECT count(*) FROM properties") == 0)
        #expect(try count(db, "SELECT count(*) FROM runs") == 0)
        #expect(try count(db, "SELECT count(*) FROM loaded_files") == 0)
        // The real load afterwards is not refused as a re-load.
        #expect(try load(PropertiesLoad.self, runner).report.done["inserted"] == 5)
    }

    @Test func theSameFileIsNotLoadedTwice() throws {
        let runner = try TestHub.runner()
        let first = try load(PropertiesLoad.self, runner)
        let error = try #require(throws: RunError.self) { try load(PropertiesLoad.self, runner, name: "copy-of-properties.csv") }
        #expect(error.code == .alreadyCompleted)
        #expect(error.runId == first.record.id)
        #expect(error.message.contains("run \(first.record.id)"))
    }

    @Test func aChangedPropertyIsUpdatedWithAnAuditTrail() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        try load(PropertiesLoad.self, runner)
        let text = """
            property_ref,uprn,address,postcode,council_tax_ref,bedrooms
            P0001,100023336001,"1 Acacia Avenue, Northtown",NT1 1AA,CT0001001,4
            P0002,100023336002,"Flat 1, Beech House, Mill Lane",nt2 3bb,CT0001002,1
            P0006,100023336006,2 Elm Row,NT5 6EE,CT0001006,2

            """
        let outcome = try load(PropertiesLoad.self, runner, text, name: "properties-update.csv")
        #expect(outcome.report.done == ["inserted": 1, "updated": 1, "unchanged": 1])
        #expect(try count(db, "SELECT bedrooms FROM properties WHERE property_ref = 'P0001'") == 4)
        // Optional columns not in the file keep their values.
        #expect(try db.queryOne("SELECT property_type FROM properties WHERE property_ref = 'P0002'")!.text(0) == "flat")
        let audit = try #require(try db.queryOne(
            "SELECT details->'old'->>'bedrooms', details->'new'->>'bedrooms', details->>'line', run_id, actor, details->'old' ? 'address' FROM audit_events WHERE action = 'update' AND entity = 'property' AND entity_ref = 'P0001'"))
        #expect(audit.text(0) == "3")
        #expect(audit.text(1) == "4")
        #expect(audit.text(2) == "2")
        #expect(try audit.decode(Int64.self, 3) == outcome.record.id)
        #expect(audit.text(5) == "f")
        #expect(try count(db, "SELECT count(*) FROM audit_events WHERE action = 'update'") == 1)
    }

    @Test func aChangedTenancyEndDateIsAuditedAndAdjustsTheRent() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        try loadSamples(runner)
        let text = """
            tenancy_ref,property_ref,start_date,end_date,tenants,furnished
            T0001,P0001,2015-06-01,2026-04-12,Alice Brown,no

            """
        try load(TenanciesLoad.self, runner, text)
        let audit = try #require(try db.queryOne("SELECT details->'old'->>'end_date', details->'new'->>'end_date' FROM audit_events WHERE entity = 'tenancy' AND entity_ref = 'T0001'"))
        #expect(audit.text(0) == nil)
        #expect(audit.text(1) == "2026-04-12")
    }

    @Test func aLoadThatChangesPostedWeeksSaysHowManyAccountsTheNextRunWillAdjust() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        try loadSamples(runner)
        let config = TestHub.config(goLive: d("2026-04-06"))
        let runs = RentDebitRuns(runner: runner, config: config)
        _ = try runs.postThrough(RentWeek(containing: d("2026-04-20")), businessDate: d("2026-04-20"))
        let before = try db.queryOne("SELECT sum(amount_pence) FROM ledger_entries")!.decode(Int64.self, 0)
        // T0001 ended on Sunday 12 April, entered after the weeks of 13 and 20 April were posted.
        let text = """
            tenancy_ref,property_ref,start_date,end_date,tenants,furnished
            T0001,P0001,2015-06-01,2026-04-12,Alice Brown,no

            """
        var job = LoadJob<TenanciesLoad>(file: "tenancies-fix.csv", bytes: Array(text.utf8), scheme: .standard)
        job.rentConfig = config
        let preview = try runner.run(job, businessDate: d("2026-04-21"), preview: true)
        let loaded = try runner.run(job, businessDate: d("2026-04-21"))
        for outcome in [preview, loaded] {
            let pending = try #require(outcome.report.pendingAdjustments)
            #expect(pending.accounts == 1)
            #expect(pending.entries == 2)
            #expect(pending.netPence < 0)
            #expect(outcome.render().contains("the next rent debit run will adjust 1 account for weeks already posted"), "\(outcome.render())")
            #expect(outcome.render().contains("hub run rent-debit --through 2026-04-20 --dry-run"))
        }
        // Running through the posted week again posts exactly those adjustments, now.
        let adjusted = try #require(try runs.postThrough(RentWeek(containing: d("2026-04-20")), businessDate: d("2026-04-21")).first)
        #expect(adjusted.report.adjustmentsOnly)
        #expect(adjusted.report.adjustedAccounts.count == 1)
        #expect(adjusted.report.adjustmentsNetPence == loaded.report.pendingAdjustments?.netPence)
        #expect(try db.queryOne("SELECT sum(amount_pence) FROM ledger_entries")!.decode(Int64.self, 0) == before + adjusted.report.adjustmentsNetPence)
        // A load that changes nothing the rent rests on says nothing about adjustments.
        var again = LoadJob<TenanciesLoad>(file: "tenancies-same.csv", bytes: Array((text + "\n").utf8), scheme: .standard)
        again.rentConfig = config
        #expect(try runner.run(again, businessDate: d("2026-04-21")).report.pendingAdjustments?.entries ?? 0 == 0)
    }

    @Test func ledgerDataCannotBeChangedByALoad() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        try loadSamples(runner)
        let charges = """
            property_ref,charge_code,weekly_amount,effective_from,effective_to
            P0001,DBR,115.00,2026-04-06,
            P0002,DBR,90.00,2027-04-05,

            """
        let error = try #require(throws: LoadError.self) { try load(ChargesLoad.self, runner, charges) }
        #expect(error.problems.count == 1)
        #expect(error.problems[0].line == 2)
        #expect(error.problems[0].reason.contains("already has a DBR charge from 2026-04-06 of 112.40 a week"))
        #expect(try count(db, "SELECT weekly_pence FROM weekly_charges w JOIN properties p ON p.id = w.property_id WHERE property_ref = 'P0001'") == 11240)

        let balances = "account_ref,balance,as_of\n100000010,100.00,2026-04-06\n100000045,10.00,2026-05-18\n"
        let balanceError = try #require(throws: LoadError.self) { try load(OpeningBalancesLoad.self, runner, balances) }
        #expect(balanceError.problems.map(\.line) == [2])
        #expect(balanceError.problems[0].reason.contains("already has an opening balance of 245.60"))

        let accounts = "account_ref,tenancy_ref,payment_card,legacy_refs\n100000010,T0002,,\n100000118,T0003,,\n100000088,T0099,6036123400000000026,\n"
        let accountError = try #require(throws: LoadError.self) { try load(AccountsLoad.self, runner, accounts) }
        #expect(accountError.problems.map { "\($0.line!) \($0.column!)" } == ["2 account_ref", "2 tenancy_ref", "3 account_ref", "4 payment_card", "4 tenancy_ref"])
        #expect(try count(db, "SELECT count(*) FROM rent_accounts") == 5)
    }

    @Test func aRentChangeClosesTheOpenChargeTheDayBefore() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        try loadSamples(runner)
        try load(ChargesLoad.self, runner, "property_ref,charge_code,weekly_amount,effective_from,effective_to\nP0001,DBR,116.90,2027-04-05,\n")
        let rows = try db.query("SELECT weekly_pence, effective_from::text, effective_to::text FROM weekly_charges w JOIN properties p ON p.id = w.property_id WHERE property_ref = 'P0001' ORDER BY effective_from")
        #expect(rows.map { "\($0.int64(0)) \($0.text(1)!) \($0.text(2) ?? "-")" } == ["11240 2026-04-06 2027-04-04", "11690 2027-04-05 -"])
        #expect(try count(db, "SELECT count(*) FROM audit_events WHERE action = 'close-charge'") == 1)
    }

    @Test func accountReferencesMustPassTheCheckDigit() throws {
        let runner = try TestHub.runner()
        try load(PropertiesLoad.self, runner)
        try load(TenanciesLoad.self, runner)
        let error = try #require(throws: LoadError.self) { try load(AccountsLoad.self, runner, "account_ref,tenancy_ref,payment_card,legacy_refs\n100000011,T0001,,\n10000001X,T0002,12345,\n") }
        #expect(error.problems.map { "\($0.line!) \($0.column!)" } == ["2 account_ref", "3 account_ref", "3 payment_card"])
    }

    @Test func reversingAnOpeningBalanceLoadFreesTheAccountsForANewOne() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.connect()
        try load(PropertiesLoad.self, runner)
        try load(TenanciesLoad.self, runner)
        try load(AccountsLoad.self, runner)
        let first = try load(OpeningBalancesLoad.self, runner)
        try runner.run(ReversalJob(originalRunId: first.record.id, reason: "wrong extract"), businessDate: d("2026-04-07"))
        #expect(try count(db, "SELECT count(*) FROM opening_balances") == 0)
        #expect(try db.posted(account: "100000053", code: "OPB") == 0)
        // The same file may be loaded again once its run is reversed.
        try load(OpeningBalancesLoad.self, runner)
        #expect(try db.posted(account: "100000053", code: "OPB") == 131075)
    }

    @Test func anAuditorCannotLoad() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.admin()
        try db.execute("SET ROLE hub_auditor")
        let job = LoadJob<PropertiesLoad>(file: "properties.csv", bytes: try LoaderTests.sample("properties"), scheme: .standard)
        let error = try #require(throws: PostgresError.self) { try runner.run(job, on: db, businessDate: d("2026-04-06")) }
        #expect(error.isInsufficientPrivilege)
        #expect(try count(try runner.database.connect(), "SELECT count(*) FROM properties") == 0)
    }

    @Test func theFinanceRoleLoadsEveryFileAndReversesOpeningBalances() throws {
        let runner = try TestHub.runner()
        let db = try runner.database.admin()
        // The privileges of hub_finance (the operator recorded stays the session user).
        try db.execute("SET ROLE hub_finance")
        for (kind, run) in [
            ("properties", { try runner.run(LoadJob<PropertiesLoad>(file: "properties.csv", bytes: try LoaderTests.sample("properties"), scheme: .standard), on: db, businessDate: d("2026-04-06")).record }),
            ("tenancies", { try runner.run(LoadJob<TenanciesLoad>(file: "tenancies.csv", bytes: try LoaderTests.sample("tenancies"), scheme: .standard), on: db, businessDate: d("2026-04-06")).record }),
            ("accounts", { try runner.run(LoadJob<AccountsLoad>(file: "accounts.csv", bytes: try LoaderTests.sample("accounts"), scheme: .standard), on: db, businessDate: d("2026-04-06")).record }),
            ("charges", { try runner.run(LoadJob<ChargesLoad>(file: "charges.csv", bytes: try LoaderTests.sample("charges"), scheme: .standard), on: db, businessDate: d("2026-04-06")).record }),
            ("opening-balances", { try runner.run(LoadJob<OpeningBalancesLoad>(file: "opening-balances.csv", bytes: try LoaderTests.sample("opening-balances"), scheme: .standard), on: db, businessDate: d("2026-04-06")).record }),
        ] as [(String, () throws -> RunRecord)] {
            let record = try run()
            #expect(record.status == "completed", "\(kind)")
        }
        let opening = try #require(try RunRecord.list(job: "load-opening-balances", on: db).first)
        try runner.run(ReversalJob(originalRunId: opening.id, reason: "wrong extract"), on: db, businessDate: d("2026-04-07"))
        #expect(try count(db, "SELECT count(*) FROM opening_balances") == 0)
        #expect(try count(db, "SELECT count(*) FROM audit_events WHERE action = 'remove-opening-balance'") == 4)
    }

    @Test func theCommandLineExitsWithTheDocumentedCodes() throws {
        let database = try TestHub.database()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "go-live: 2026-04-06\nrent-calendar: rent-calendar.yaml\n".write(to: folder.appendingPathComponent("hub.yaml"), atomically: true, encoding: .utf8)
        try "{}\n".write(to: folder.appendingPathComponent("rent-calendar.yaml"), atomically: true, encoding: .utf8)
        let bad = folder.appendingPathComponent("bad.csv")
        try "property_ref,uprn,address,postcode,council_tax_ref,bedrooms\nX1,1,1 Road,ZZZ,,2\nX2,2,2 Road,AB1 2CD,,99\n".write(to: bad, atomically: true, encoding: .utf8)
        let environment = ["HUB_CONFIG": folder.appendingPathComponent("hub.yaml").path, "HUB_DATABASE_URL": database.connectionString]
        func hub(_ arguments: [String]) throws -> (Int32, String) {
            let log = folder.appendingPathComponent("out-\(UUID().uuidString).log")
            let status = try HubProcess.start(arguments, environment: environment, output: log.path).wait()
            return (status, try String(contentsOf: log, encoding: .utf8))
        }
        let properties = LoaderTests.samples.appendingPathComponent("properties.csv").path
        let (refused, text) = try hub(["load", "properties", bad.path])
        #expect(refused == 2)
        #expect(text.contains("line 2, column postcode, value 'ZZZ'"))
        #expect(text.contains("line 3, column bedrooms, value '99'"))
        #expect(try hub(["load", "properties", properties, "--dry-run"]).0 == 0)
        #expect(try hub(["load", "properties", properties, "--expect-rows", "6"]).0 == 2)
        let (loaded, report) = try hub(["load", "properties", properties, "--expect-rows", "5"])
        #expect(loaded == 0)
        #expect(report.contains("inserted: 5"))
        let (again, message) = try hub(["load", "properties", properties])
        #expect(again == 3)
        #expect(message.contains("already completed by run"))
        #expect(try count(try database.connect(), "SELECT count(*) FROM properties") == 5)
    }
}
