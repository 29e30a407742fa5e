import Foundation
import HousingFinance
import Hub
import HubDemo
import Postgres
import Testing

/// Migration 0032: a run that posts a large share of a table has the table analysed when it
/// completes (`hub_analyse_after_post()`), so that the next jobs plan on real figures rather than
/// on the planner's guess for the landlord's policy on an unanalysed table.
@Suite struct StatisticsAfterPostTests {
    let jan7 = d("2025-01-07")

    /// What the statistics collector says of a table: when it was last analysed (by anyone), the
    /// changes since, and the rows the planner believes it holds.
    func statistics(_ table: String, on db: Connection) throws -> (analysed: Date?, changedSince: Int64, estimated: Double) {
        let row = try #require(try db.queryOne(
            """
            SELECT greatest(s.last_analyze, s.last_autoanalyze), s.n_mod_since_analyze, c.reltuples::float8
            FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.relname = $1
            """, [table]))
        return (try row.decode(Date?.self, 0), try row.decode(Int64.self, 1), try row.decode(Double.self, 2))
    }

    func statement(_ world: PaymentWorld, entries: Int, first: Int = 1) -> String {
        PaymentFileText.mt940(reference: "STMT\(first)", number: first, opening: pence(0), date: jan7, entries: (first..<(first + entries)).map {
            .init(amount: pence(Int64(1000 + $0)), date: jan7, text: world.refs[$0 % world.refs.count], bankReference: "B\($0)")
        })
    }

    @Test func aLargePostIsAnalysedWhenItsRunCompletes() throws {
        let world = try PaymentWorld()
        #expect(try statistics("ledger_entries", on: world.db).analysed == nil)
        let started = Date()
        let outcome = try world.importText("large.sta", statement(world, entries: 1_500))
        #expect(outcome.report.line(.posted).credits.count == 1_500)
        for table in ["ledger_entries", "payment_entries"] {
            let after = try statistics(table, on: world.db)
            let analysed = try #require(after.analysed, "\(table) was not analysed")
            #expect(analysed >= started.addingTimeInterval(-1), "\(table)")
            #expect(after.changedSince < 1_500, "\(table): \(after.changedSince) changes since its analysis")
            #expect(after.estimated == 1_500, "\(table)")
        }
        // The planner now knows the landlord's share: every row.
        let plan = try world.db.query("EXPLAIN SELECT * FROM ledger_entries").compactMap { $0.text(0) }.joined(separator: "\n")
        #expect(plan.contains("rows=1500"), "\(plan)")
    }

    @Test func aSmallPostLeavesTheStatisticsToAutovacuum() throws {
        let world = try PaymentWorld()
        try world.importText("small.sta", statement(world, entries: 20))
        #expect(try statistics("ledger_entries", on: world.db).analysed == nil)
        #expect(try statistics("payment_entries", on: world.db).analysed == nil)
    }

    @Test func onlyTheRolesThatPostInBulkMayAskForIt() throws {
        let database = try TestHub.database()
        let db = try database.admin()
        for role in ["hub_auditor", "hub_ods", "hub_console", "hub_income"] {
            try db.execute("SET ROLE \(unescaped: role)")
            let error = try #require(throws: PostgresError.self, "\(role)") { try db.query("SELECT hub_analyse_after_post()") }
            #expect(error.isInsufficientPrivilege, "\(role)")
            try db.execute("RESET ROLE")
        }
        for role in ["hub_finance", "hub_payments", "hub_repairs"] {
            try db.execute("SET ROLE \(unescaped: role)")
            #expect(try db.queryOne("SELECT hub_analyse_after_post()")?.decode(PostgresArray.self, 0).elements == [], "\(role)")
            try db.execute("RESET ROLE")
        }
    }
}
