import Foundation
import HousingFinance
import Hub
import Logging
import Postgres
import Testing

/// What each role may do to each table and function of the schema, tried for real: every role
/// (the hub_* roles, whatever later migrations add, and the service's login role) attempts SELECT,
/// INSERT, UPDATE of each column, DELETE and TRUNCATE on every table, and calls every function,
/// each in a savepoint rolled back. A denial is SQLSTATE 42501; anything else (done, or refused
/// later by a constraint or an append-only trigger) means the role holds the privilege.
@Suite struct PrivilegeTests {
    /// The expected privileges, one row per table or view of the schema: S select, I insert,
    /// U update of every column (U(a,b): of those columns only), D delete, T truncate. A role not
    /// named holds nothing. hub_service, the hub's own login, holds what finance, payments and
    /// repairs hold together. A table added by a migration needs a row here.
    static let tables: [String: [String: String]] = [
        // Reference data: finance loads it.
        "properties": staff(finance: "SIU").merging(income("S")) { $1 },
        "tenancies": staff(finance: "SIU").merging(income("S")) { $1 },
        "rent_accounts": staff(finance: "SIU").merging(income("S")) { $1 },
        "account_payment_cards": staff(finance: "SIU"),
        "account_legacy_refs": staff(finance: "SIU"),
        "weekly_charges": staff(finance: "SIU").merging(income("S")) { $1 },
        "opening_balances": staff(finance: "SIU"),
        "free_weeks": staff(finance: "SIUD").merging(income("S")) { $1 },
        "rent_recalc": staff(finance: "SID", payments: "SI", repairs: "SI"),
        "loaded_files": staff(finance: "SIU", repairs: "SI"),
        // Run records change only through the hub's functions.
        "runs": staff().merging(income("S")) { $1 },
        "runs_reversal_reasons": staff(),
        "run_seals": staff().merging(income("S")) { $1 },
        "run_seal_head": staff().merging(income("S")) { $1 },
        // Append-only history: inserted, never updated or deleted.
        "ledger_entries": staff(finance: "SI", payments: "SI", repairs: "SI").merging(income("SI")) { $1 },
        "gl_postings": staff(finance: "SI", payments: "SI", repairs: "SI"),
        "audit_events": staff(finance: "SI", payments: "SI", repairs: "SI").merging(income("SI")) { $1 },
        "outbound_files": staff(finance: "SI", payments: "SI", repairs: "SI").merging(income("SI")) { $1 },
        "outbound_deliveries": staff(finance: "SI", payments: "SI", repairs: "SI").merging(income("SI")) { $1 },
        "outbound_sequences": staff(finance: "SIU", payments: "SIU", repairs: "SIU").merging(income("SIU")) { $1 },
        "inbound_files": staff(finance: "SI", payments: "SI", repairs: "SI"),
        "inbound_file_chunks": staff(finance: "SI", payments: "SI", repairs: "SI"),
        "run_inputs": staff(finance: "SI", payments: "SI", repairs: "SI"),
        "gl_exported": staff(finance: "SI"),
        "gl_export_marks": staff(finance: "SI"),
        // Balances carried forward (0042): read by every role that reads the ledger, written only
        // by ledger_carry_forward and the ledger's own trigger.
        "ledger_carried": staff().merging(income("S")) { $1 },
        "ledger_carried_marks": staff().merging(income("S")) { $1 },
        "council_tax_events_sent": staff(finance: "SI"),
        "checkpoints": staff(finance: "SI"),
        "rewinds": staff(finance: "SI"),
        "rewind_steps": staff(finance: "SI"),
        "rewind_replays": staff(finance: "SI"),
        "migration_rehearsals": staff(finance: "SI"),
        // Payments.
        "payment_files": staff(payments: "SI"),
        "payment_entries": staff(payments: "SI"),
        "suspense_items": staff(payments: "SIU(status,account_id,resolved_run_id,note)"),
        "bank_settlements": staff(payments: "SIU(status)"),
        "provider_batches": staff(payments: "SIU(status)"),
        "settlement_batches": staff(payments: "SI"),
        // Repairs.
        "sor_rates": staff(repairs: "SI"),
        "contract_uplifts": staff(repairs: "SI"),
        "contract_overrides": staff(repairs: "SI"),
        "repair_orders": staff(repairs: "SI"),
        "repair_order_lines": staff(repairs: "SI"),
        "sales_orders": staff(repairs: "SIU(status,reasons,approved_by,approved_at,approved_run_id,sent_file_id)"),
        "sales_order_lines": staff(repairs: "SI"),
        "sales_order_decisions": staff(repairs: "SI"),
        // Arrears and income recovery (0021): everyone reads; the income team writes.
        "arrears_actions": staff().merging(income("SI")) { $1 },
        "arrears_pauses": staff().merging(income("SI")) { $1 },
        "arrears_circumstances": staff().merging(income("SI")) { $1 },
        "arrears_agreements": staff().merging(income("SIU(status,ended_on)")) { $1 },
        "arrears_agreement_days": staff().merging(income("SI")) { $1 },
        "arrears_recommendations": staff().merging(income("SI")) { $1 },
        "writeoffs": staff().merging(income("SIU(status,decided_by,decided_at,decision_note,decided_run_id)")) { $1 },
        "writeoff_bands": staff().merging(income("S")) { $1 }.merging(["hub_head_of_finance": "SIUD"]) { $1 },
        "tenant_phones": staff(finance: "SIU(phone,recorded_by,recorded_at)").merging(income("SIU(phone,recorded_by,recorded_at)")) { $1 },
        // Direct Debit (0020): finance keeps mandates and collects; payments import returns and
        // bank advices, which change mandates and flag accounts. History is never updated.
        // An agreement collected by Direct Debit (0026): the income team amends the mandate's extra amount.
        "dd_mandates": staff(finance: "SIU(status,lodged_entry_day)", payments: "SIU(status,lodged_entry_day)").merging(income("SIU(status)")) { $1 },
        "dd_mandate_events": staff(finance: "SI", payments: "SI").merging(income("I")) { $1 },
        "dd_lodgements": staff(finance: "SIU(sent_run_id,entry_day)", payments: "SI"),
        "dd_account_flags": staff(finance: "SI", payments: "SI"),
        "dd_notices": staff(finance: "SI", payments: "SI").merging(income("SI")) { $1 },
        "dd_collections": staff(finance: "SI"),
        "dd_returns": staff(finance: "SI", payments: "SI"),
        "dd_bank_advices": staff(finance: "SI", payments: "SI"),
        // The scheduler.
        "scheduler_slots": staff(finance: "SIU"),
        "scheduler_jobs": staff(finance: "SIU"),
        // Views.
        "postings": staff(),
        "ods_sales_order_files": staff().merging(["hub_ods": "S"]) { $1 },
        // The migrator's own record: written by the owner alone, read by the staff (0001 granted
        // SELECT on every table there was, and this one is made before the first migration).
        "schema_migrations": staff(),
        // The web console's people (0022): their roles read who they are (not the hashes); only
        // the console's login (hub_console) writes them, their sessions and the signing key.
        "console_users": staff().merging(["hub_console": "SIU"]) { $1 },
        "console_sessions": ["hub_console": "SIU"],
        "console_keys": ["hub_console": "SIU"],
    ]

    /// Who may call each function (trigger functions are not callable and are left out).
    static let functions: [String: Set<String>] = [
        "hub_run_start": ["hub_finance", "hub_payments", "hub_repairs", "hub_income", "hub_income_manager", "hub_head_of_finance"],
        "hub_run_complete": ["hub_finance", "hub_payments", "hub_repairs", "hub_income", "hub_income_manager", "hub_head_of_finance"],
        "hub_run_failed": ["hub_finance", "hub_payments", "hub_repairs", "hub_income", "hub_income_manager", "hub_head_of_finance"],
        "hub_run_reverse": ["hub_finance", "hub_payments", "hub_repairs", "hub_income", "hub_income_manager", "hub_head_of_finance"],
        "hub_run_check_own": [],
        "seal_run": [],
        "ledger_entry_hash": ["hub_finance", "hub_payments", "hub_repairs", "hub_auditor"],
        "ledger_entry_hash_of": ["hub_finance", "hub_payments", "hub_repairs", "hub_auditor"],
        "run_seal_chain": ["hub_finance", "hub_payments", "hub_repairs", "hub_auditor"],
        "lock_postings_for_export": ["hub_finance"],
        // The name a change records (0022): anyone may ask it.
        "hub_actor": ["hub_finance", "hub_payments", "hub_repairs", "hub_auditor", "hub_ods", "hub_console", "hub_income", "hub_income_manager", "hub_head_of_finance", "hub_console_income"],
        // The session's landlord (0030): every policy calls it, so anyone may; the landlord's
        // first rows are made by `hub db migrate` (the owner) alone.
        "hub_landlord": ["hub_finance", "hub_payments", "hub_repairs", "hub_auditor", "hub_ods", "hub_console", "hub_income", "hub_income_manager", "hub_head_of_finance", "hub_console_income"],
        "hub_no_landlord": ["hub_finance", "hub_payments", "hub_repairs", "hub_auditor", "hub_ods", "hub_console", "hub_income", "hub_income_manager", "hub_head_of_finance", "hub_console_income"],
        "hub_landlord_init": [],
        // Statistics after large posts (0032): the roles whose runs post in bulk.
        "hub_analyse_after_post": ["hub_finance", "hub_payments", "hub_repairs"],
        // Carrying balances forward (0042): the nightly arrears review's roles.
        "ledger_carry_forward": ["hub_finance", "hub_income", "hub_income_manager", "hub_head_of_finance"],
    ]

    /// A row: every staff role reads; the auditor only reads; ODS sees nothing.
    static func staff(finance: String = "S", payments: String = "S", repairs: String = "S") -> [String: String] {
        ["hub_finance": finance, "hub_payments": payments, "hub_repairs": repairs, "hub_auditor": "S"]
    }

    /// The income team's roles (0021), all three alike.
    static func income(_ privileges: String) -> [String: String] {
        ["hub_income": privileges, "hub_income_manager": privileges, "hub_head_of_finance": privileges]
    }

    /// The roles the service's login is a member of: it holds their privileges together.
    static let serviceHolds = ["hub_finance", "hub_payments", "hub_repairs", "hub_auditor", "hub_console", "hub_income"]

    /// A set of privileges: letters, and the columns UPDATE covers (nil: every column).
    struct Privileges: Equatable, CustomStringConvertible {
        var letters: Set<Character> = []
        var updateColumns: Set<String>?

        init(letters: Set<Character> = [], updateColumns: Set<String>? = nil) {
            self.letters = letters
            self.updateColumns = updateColumns
        }

        /// Parses `SIU(a,b)D`; `columns` are the table's, for a plain U.
        init(_ text: String, columns: [String]) {
            var rest = Substring(text)
            while let c = rest.first {
                rest = rest.dropFirst()
                if c == "U", rest.first == "(", let close = rest.firstIndex(of: ")") {
                    updateColumns = Set(rest[rest.index(after: rest.startIndex)..<close].split(separator: ",").map(String.init))
                    rest = rest[rest.index(after: close)...]
                } else if c == "U" {
                    updateColumns = Set(columns)
                }
                letters.insert(c)
            }
            if updateColumns?.isEmpty == true { updateColumns = nil }
            if updateColumns == nil { letters.remove("U") }
        }

        func union(_ other: Privileges) -> Privileges {
            let columns = (updateColumns ?? []).union(other.updateColumns ?? [])
            return Privileges(letters: letters.union(other.letters), updateColumns: columns.isEmpty ? nil : columns)
        }

        var description: String {
            let order: [Character] = ["S", "I", "U", "D", "T"]
            let text = order.filter { letters.contains($0) }.map { c -> String in
                c == "U" ? "U(" + (updateColumns ?? []).sorted().joined(separator: ",") + ")" : String(c)
            }.joined()
            return text.isEmpty ? "nothing" : text
        }
    }

    /// Runs one statement in a savepoint; true unless it was denied (42501).
    static func attempt(_ sql: String, on db: Connection) throws -> Bool {
        try db.execute("SAVEPOINT try")
        defer { _ = try? db.execute("ROLLBACK TO SAVEPOINT try") }
        do {
            try db.execute(SQLQuery(unescaped: sql))
            return true
        } catch let error as PostgresError where error.sqlState == "42501" {
            return false
        } catch let error as PostgresError where error.sqlState != nil {
            return true
        }
    }

    /// A database with a run of every kind of posting, so that the attempts meet real rows.
    static func populated() throws -> (HubDatabase, Connection) {
        let database = try TestHub.database()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let runner = Runner(database: database, host: "test-host", logger: logger)
        let db = try database.connect()
        try db.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [("DBR", 10_000, "2026-04-06", nil)])
        let config = TestHub.config(goLive: d("2026-04-06"))
        _ = try RentDebitRuns(runner: runner, config: config).postThrough(RentWeek(containing: d("2026-04-13")), businessDate: d("2026-04-13"))
        return (database, try database.admin())
    }

    @Test func everyRoleHoldsExactlyItsExpectedPrivilegesOnEveryTableAndFunction() throws {
        let (_, admin) = try Self.populated()
        let roles = try admin.query(
            "SELECT rolname::text FROM pg_roles WHERE rolname LIKE 'hub\\_%' AND rolname <> $1 ORDER BY 1", [HubDatabase.ownerRole]
        ).map { try $0.decode(String.self, 0) }
        #expect(roles.contains(HubDatabase.serviceRole))
        let relations = try admin.query(
            """
            SELECT c.relname::text, c.relkind::text,
                   array_to_string(ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum), ',')
            FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY 1
            """
        ).map { (name: try $0.decode(String.self, 0), kind: try $0.decode(String.self, 1), columns: try $0.decode(String.self, 2).split(separator: ",").map(String.init)) }

        var problems: [String] = []
        try admin.execute("BEGIN")
        for relation in relations {
            guard let row = Self.tables[relation.name] else {
                problems.append("table \(relation.name) has no expected privileges: add a row to PrivilegeTests.tables")
                continue
            }
            let table = admin.quoteIdentifier(relation.name)
            for role in roles {
                var expected = Privileges(row[role] ?? "", columns: relation.columns)
                if role == HubDatabase.serviceRole {
                    expected = Self.serviceHolds.reduce(Privileges()) { $0.union(Privileges(row[$1] ?? "", columns: relation.columns)) }
                }
                try admin.execute("SET ROLE \(unescaped: admin.quoteIdentifier(role))")
                var found = Privileges()
                if relation.kind == "v" || relation.kind == "m" {
                    // A view is read; whether it could be written is its privileges (no row to try).
                    try admin.execute("RESET ROLE")
                    for (letter, privilege) in [("S", "SELECT"), ("I", "INSERT"), ("D", "DELETE"), ("T", "TRUNCATE")] as [(Character, String)]
                    where try admin.queryOne("SELECT has_table_privilege($1, $2, $3)", [role, relation.name, privilege])!.decode(Bool.self, 0) {
                        found.letters.insert(letter)
                    }
                    let updatable = try relation.columns.filter {
                        try admin.queryOne("SELECT has_column_privilege($1, $2, $3, 'UPDATE')", [role, relation.name, $0])!.decode(Bool.self, 0)
                    }
                    if !updatable.isEmpty { found.letters.insert("U"); found.updateColumns = Set(updatable) }
                } else {
                    if try Self.attempt("SELECT 1 FROM \(table) LIMIT 1", on: admin) { found.letters.insert("S") }
                    if try Self.attempt("INSERT INTO \(table) DEFAULT VALUES", on: admin) { found.letters.insert("I") }
                    let updatable = try relation.columns.filter {
                        try Self.attempt("UPDATE \(table) SET \(admin.quoteIdentifier($0)) = DEFAULT", on: admin)
                    }
                    if !updatable.isEmpty { found.letters.insert("U"); found.updateColumns = Set(updatable) }
                    if try Self.attempt("DELETE FROM \(table)", on: admin) { found.letters.insert("D") }
                    if try Self.attempt("TRUNCATE \(table)", on: admin) { found.letters.insert("T") }
                    try admin.execute("RESET ROLE")
                }
                if found != expected {
                    problems.append("\(role) on \(relation.name): expected \(expected), found \(found)")
                }
            }
        }

        let functions = try admin.query(
            """
            SELECT p.proname::text, p.oid::regproc::text,
                   array_to_string(ARRAY(SELECT 'NULL::' || format_type(t, NULL) FROM unnest(p.proargtypes) t), ', ')
            FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f'
              AND p.prorettype <> 'trigger'::regtype ORDER BY 1
            """
        ).map { (name: try $0.decode(String.self, 0), call: try $0.decode(String.self, 1), arguments: try $0.decode(String.self, 2)) }
        for function in functions {
            guard let allowed = Self.functions[function.name] else {
                problems.append("function \(function.name) has no expected privileges: add a row to PrivilegeTests.functions")
                continue
            }
            for role in roles {
                let expected = role == HubDatabase.serviceRole ? !allowed.isDisjoint(with: Self.serviceHolds) : allowed.contains(role)
                try admin.execute("SET ROLE \(unescaped: admin.quoteIdentifier(role))")
                let may = try Self.attempt("SELECT \(function.call)(\(function.arguments))", on: admin)
                try admin.execute("RESET ROLE")
                if may != expected {
                    problems.append("\(role) \(may ? "may" : "may not") call \(function.name), expected \(expected ? "may" : "may not")")
                }
            }
        }
        try admin.execute("ROLLBACK")
        #expect(problems.isEmpty, "\(problems.count) privileges differ:\n\(problems.joined(separator: "\n"))")
    }

    @Test func theSchemaIsOwnedByANoLoginRoleAndTheHubLogsInAsItsOwn() throws {
        let (database, admin) = try Self.populated()
        let owners = try admin.query(
            """
            SELECT DISTINCT r.rolname::text FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
            WHERE c.relnamespace = 'public'::regnamespace
            UNION SELECT r.rolname::text FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner WHERE p.pronamespace = 'public'::regnamespace
            UNION SELECT r.rolname::text FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'public'
            """).map { try $0.decode(String.self, 0) }
        #expect(owners == [HubDatabase.ownerRole])
        let owner = try #require(try admin.queryOne("SELECT rolcanlogin, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = $1", [HubDatabase.ownerRole]))
        #expect(try owner.decode(Bool.self, 0) == false)
        #expect(try owner.decode(Bool.self, 1) == false)
        #expect(try admin.queryOne("SELECT count(*) FROM schema_migrations WHERE applied_by <> $1", [HubDatabase.ownerRole])!.decode(Int64.self, 0) == 0)
        let hub = try database.connect()
        #expect(try hub.queryOne("SELECT session_user::text")!.decode(String.self, 0) == HubDatabase.serviceRole)
        #expect(try hub.queryOne("SELECT operator FROM runs ORDER BY id DESC LIMIT 1")!.decode(String.self, 0) == HubDatabase.serviceRole)
        // The hub's own login cannot switch the append-only guards off.
        for sql in ["ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only", "SET session_replication_role = replica",
                    "SET ROLE hub_owner"] {
            #expect(throws: PostgresError.self, "\(sql)") { try hub.execute(SQLQuery(unescaped: sql)) }
        }
    }

    /// The attacks of issue 13: an operator marks an import reversed by plain UPDATE (releasing
    /// its payments without contra entries), or fails a completed run; and the same through the
    /// functions without doing the work of a reversal.
    @Test func operatorsChangeRunsOnlyThroughTheHubsFunctionsWhichCheck() throws {
        let (database, admin) = try Self.populated()
        let completed = try admin.queryOne("SELECT id FROM runs WHERE status = 'completed' ORDER BY id LIMIT 1")!.decode(Int64.self, 0)
        let clerk = "clerk_\(admin.backendPID)"
        try admin.execute("CREATE ROLE \(unescaped: clerk) LOGIN IN ROLE hub_payments, hub_finance")
        let db = try Connection.hub(HubDatabase.connectionString(database.adminConnectionString!, user: clerk))
        for sql in [
            "UPDATE runs SET reversed_by_run_id = \(completed) WHERE id = \(completed)",
            "UPDATE runs SET status = 'failed' WHERE id = \(completed)",
            "DELETE FROM runs WHERE id = \(completed)",
            "INSERT INTO runs (job, business_key, business_date, host, status) VALUES ('x', 'y', '2026-01-01', 'h', 'completed')",
        ] {
            let error = try #require(throws: PostgresError.self, "\(sql)") { try db.execute(SQLQuery(unescaped: sql)) }
            #expect(error.sqlState == "42501")
        }
        // A run of one's own, then marking someone else's run reversed without a reversal run.
        try db.execute("BEGIN")
        let mine = try db.queryOne("SELECT hub_run_start('hand', 'k', '2026-04-13', '{}', 'h', NULL)")!.decode(Int64.self, 0)
        var error = try #require(throws: PostgresError.self) {
            try db.execute("SELECT * FROM hub_run_reverse(\(completed), \(mine), '2026-04-13', 'free money')")
        }
        #expect(error.sqlState == "HUB03")
        #expect(error.message.contains("is not the reversal of run \(completed)"))
        try db.execute("ROLLBACK")
        // Completing a run started by another transaction.
        let other = try database.connect()
        try other.execute("BEGIN")
        let theirs = try other.queryOne("SELECT hub_run_start('hand', 'k2', '2026-04-13', '{}', 'h', NULL)")!.decode(Int64.self, 0)
        error = try #require(throws: PostgresError.self) { try db.execute("SELECT hub_run_complete(\(theirs), '{}', '[]', NULL, NULL)") }
        #expect(error.sqlState == "HUB03")
        try other.execute("ROLLBACK")
        // Completing a completed run again.
        error = try #require(throws: PostgresError.self) { try db.execute("SELECT hub_run_complete(\(completed), '{}', '[]', NULL, NULL)") }
        #expect(error.message.contains("only the transaction that started it"))
        #expect(try admin.queryOne("SELECT reversed_by_run_id IS NULL AND status = 'completed' FROM runs WHERE id = $1", [completed])!.decode(Bool.self, 0))
    }
}

/// A database migrated before hub_owner existed (everything owned by the administrator, runs
/// completed without seals) is handed over and sealed by the next `hub db migrate`.
@Suite struct OwnerUpgradeTests {
    @Test func aDatabaseMigratedByTheSuperuserIsHandedToTheOwnerAndItsRunsSealed() throws {
        // The cluster's roles first (another database's migration making them at the same moment
        // would race this one's CREATE ROLE).
        _ = try TestHub.database()
        let url = try TestHub.server().createDatabase()
        let admin = try Connection(url)
        // As the hub migrated before 0019: as the connected superuser.
        try Migrator(try HubDatabase.migrations().filter { $0.version < 19 }).migrate(admin)
        let account = try admin.addTenancy(account: "100000011", property: "P1", start: "2026-01-05", charges: [])
        let run = try admin.queryOne(
            "INSERT INTO runs (job, business_key, business_date, host, status, finished_at) VALUES ('old', 'k', '2026-04-06', 'h', 'completed', now()) RETURNING id"
        )!.decode(Int64.self, 0)
        try admin.execute("INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id) VALUES (\(account), 'DBR', 10000, '2026-04-06', \(run))")

        let database = HubDatabase(connectionString: HubDatabase.connectionString(url, user: HubDatabase.serviceRole), adminConnectionString: url)
        let report = try database.migrate()
        #expect(report.applied.contains { $0.hasPrefix("0019") })
        let strangers = try admin.query(
            """
            SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relowner <> $1::regrole
            UNION ALL SELECT p.proname::text FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> $1::regrole
            """, [HubDatabase.ownerRole]).map { try $0.decode(String.self, 0) }
        #expect(strangers.isEmpty, "\(strangers)")
        let hub = try database.connect()
        let result = try LedgerVerification.verify(on: hub)
        #expect(result.isIntact, "\(result.problems)")
        #expect(result.runsChecked == 1 && result.runningPence == 10000)
        // The hub works as its own login on the handed-over schema.
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let outcome = try RentDebitRuns(runner: Runner(database: database, host: "h", logger: logger), config: TestHub.config(goLive: d("2026-04-06")))
            .postThrough(RentWeek(containing: d("2026-04-06")), businessDate: d("2026-04-06"))
        #expect(outcome.count == 1)
        #expect(try LedgerVerification.verify(on: hub).isIntact)
        #expect(try database.migrate().applied.isEmpty)
    }
}
