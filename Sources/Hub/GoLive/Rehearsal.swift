import Foundation
import HousingFinance
import Logging
import Postgres

/// A migration rehearsal's go/no-go report: every file's rows and totals against the manifest,
/// every refused row, the data that does not hang together, the balances that differ from the
/// old system's, and the first rent debit against the old system's last one.
public struct RehearsalReport: Codable, Sendable {
    public struct FileResult: Codable, Sendable, Hashable {
        public var kind: String
        public var file: String
        public var loaded: Bool
        public var rows: Int?
        public var expectedRows: Int?
        public var totalPence: Int64?
        public var expectedTotalPence: Int64?
        public var agrees: Bool
    }

    public struct RefusedRow: Codable, Sendable, Hashable {
        public var file: String
        public var line: Int?
        public var column: String?
        public var value: String?
        public var reason: String
    }

    public struct Finding: Codable, Sendable, Hashable {
        public var reference: String
        public var detail: String
    }

    public struct BalanceDifference: Codable, Sendable, Hashable {
        public var account: String
        public var hubPence: Int64?
        public var oldPence: Int64?
        public var differencePence: Int64
    }

    public var id: Int64?
    public var manifest: String
    public var manifestSha256: String
    public var goLive: Day
    public var files: [FileResult] = []
    public var refusedRows: [RefusedRow] = []
    public var accountsWithoutCharges: [Finding] = []
    public var tenanciesWithoutAccount: [Finding] = []
    public var propertiesLetTwice: [Finding] = []
    public var balancesCompared: Int = 0
    public var balanceDifferences: [BalanceDifference] = []
    public var rentDebitPence: Int64?
    public var lastWeeklyDebitPence: Int64?
    public var failures: [String] = []

    /// How many things disagree.
    public var problems: Int {
        files.filter { !$0.agrees }.count + refusedRows.count + accountsWithoutCharges.count + tenanciesWithoutAccount.count
            + propertiesLetTwice.count + balanceDifferences.count + failures.count
            + (rentDebitPence != nil && lastWeeklyDebitPence != nil && rentDebitPence != lastWeeklyDebitPence ? 1 : 0)
    }

    /// Go only when everything agrees.
    public var go: Bool { problems == 0 }

    public func render() -> String {
        func money(_ pence: Int64?) -> String { pence.map { Money(pence: $0).formatted } ?? "-" }
        var text = "Migration rehearsal\(id.map { " \($0)" } ?? "") of \(manifest) (go-live \(goLive.iso)): \(go ? "GO" : "NO-GO") (\(Wording.count(problems, "problem")))\n\n"
        text += "Files:\n"
        var table = TextTable([
            .init(""), .init("Kind"), .init("File"), .init("Rows", .right), .init("Old system", .right), .init("Total", .right),
            .init("Old system", .right),
        ])
        for file in files {
            table.add([
                file.agrees ? "ok" : "BAD", file.kind, file.file, file.loaded ? Wording.number(file.rows ?? 0) : "refused",
                file.expectedRows.map(Wording.number) ?? "", file.totalPence.map { money($0) } ?? "", file.expectedTotalPence.map { money($0) } ?? "",
            ])
        }
        text += table.render(indent: 2)
        let seeAll = id.map { "`hub migration reports \($0) --json` lists them all" } ?? "the same command with --json lists them all"
        func section(_ title: String, _ items: [String]) {
            guard !items.isEmpty else { return }
            text += "\n\(title): \(Wording.number(items.count))\n"
            for line in LongList.lines(items, seeAll: seeAll) { text += "  \(line)\n" }
        }
        section("Refused rows", refusedRows.map { row in
            "\(row.file)" + (row.line.map { " line \($0)" } ?? "") + (row.column.map { ", \($0)" } ?? "")
                + (row.value.map { " '\($0.count > 40 ? String($0.prefix(40)) + "..." : $0)'" } ?? "") + ": \(row.reason)"
        })
        section("Accounts without charges at go-live", accountsWithoutCharges.map { "\($0.reference): \($0.detail)" })
        section("Tenancies without an account", tenanciesWithoutAccount.map { "\($0.reference): \($0.detail)" })
        section("Properties let twice", propertiesLetTwice.map { "\($0.reference): \($0.detail)" })
        if !balanceDifferences.isEmpty {
            text += "\nBalances that differ from the old system's: \(Wording.number(balanceDifferences.count))\n"
            var differences = TextTable([.init("Account"), .init("Hub", .right), .init("Old system", .right), .init("Difference", .right)])
            for difference in balanceDifferences.prefix(LongList.shown) {
                differences.add([difference.account, money(difference.hubPence), money(difference.oldPence), money(difference.differencePence)])
            }
            text += differences.render(indent: 2)
            if balanceDifferences.count > LongList.shown {
                text += "  ... and \(Wording.number(balanceDifferences.count - LongList.shown)) more: \(seeAll)\n"
            }
        }
        section("Could not be checked", failures)
        text += "\nBalances compared: \(Wording.number(balancesCompared)), differing: \(Wording.number(balanceDifferences.count))\n"
        let debitAgrees = rentDebitPence == nil || lastWeeklyDebitPence == nil || rentDebitPence == lastWeeklyDebitPence
        text += "First rent debit: \(money(rentDebitPence))" + (lastWeeklyDebitPence.map { ", old system's last weekly debit \(money($0))\(debitAgrees ? "" : ": they differ by \(money((rentDebitPence ?? 0) - $0))")" } ?? "") + "\n"
        return text
    }
}

/// Runs a migration rehearsal into a scratch database, never the live one.
public struct Rehearsal: Sendable {
    public let manifest: MigrationManifest
    public let config: HubConfig
    public let logger: Logger

    public init(manifest: MigrationManifest, config: HubConfig, logger: Logger) {
        self.manifest = manifest
        self.config = config
        self.logger = logger
    }

    /// Refuses a scratch database that is the live one (same server and database name).
    public static func checkScratch(_ scratch: HubDatabase, isNot live: HubDatabase) throws {
        func identity(_ db: HubDatabase) throws -> String {
            let row = try db.connect().queryOne(
                "SELECT current_database() || '|' || COALESCE(inet_server_addr()::text, 'socket') || '|' || COALESCE(inet_server_port(), 0) || '|' || pg_postmaster_start_time()")!
            return row.text(0) ?? ""
        }
        guard try identity(scratch) != identity(live) else {
            throw RunError(.badInput, "the scratch database is the live one: a rehearsal never loads into the live database; give another with --scratch-url")
        }
        if try scratch.connect().queryOne("SELECT 1 FROM pg_tables WHERE tablename = 'runs' AND schemaname = 'public'") != nil,
           try scratch.connect().queryOne("SELECT 1 FROM runs LIMIT 1") != nil
        {
            throw RunError(.badInput, "the scratch database already holds runs: a rehearsal needs an empty database")
        }
    }

    /// Migrates the scratch database, runs every load, the first rent debit and the checks.
    public func run(into scratch: HubDatabase) throws -> RehearsalReport {
        var report = RehearsalReport(manifest: manifest.file.lastPathComponent, manifestSha256: manifest.sha256, goLive: manifest.goLive)
        try scratch.migrate()
        var logger = self.logger
        logger.logLevel = .critical
        let runner = Runner(database: scratch, host: "rehearsal", logger: logger)
        var config = self.config
        config.goLive = manifest.goLive
        for file in manifest.files {
            var result = RehearsalReport.FileResult(
                kind: file.kind, file: file.url.lastPathComponent, loaded: false, rows: nil, expectedRows: file.rows, totalPence: nil,
                expectedTotalPence: file.total?.pence, agrees: false)
            do {
                let loaded = try load(file, runner: runner, config: config)
                result.loaded = true
                result.rows = loaded.rows
                result.totalPence = loaded.totalPence
                result.agrees = (file.rows == nil || file.rows == loaded.rows) && (file.total == nil || file.total?.pence == loaded.totalPence)
            } catch let error as LoadError {
                report.refusedRows += error.problems.map {
                    RehearsalReport.RefusedRow(file: file.url.lastPathComponent, line: $0.line, column: $0.column, value: $0.value, reason: $0.reason)
                }
            } catch {
                report.refusedRows.append(.init(file: file.url.lastPathComponent, line: nil, column: nil, value: nil, reason: "\(error)"))
            }
            report.files.append(result)
        }
        let db = try scratch.connect()
        do {
            let outcomes = try RentDebitRuns(runner: runner, config: config).postThrough(RentWeek(containing: manifest.goLive), businessDate: manifest.goLive)
            report.rentDebitPence = try outcomes.reduce(0) { total, outcome in
                total + (try db.queryOne("SELECT COALESCE(sum(amount_pence), 0) FROM ledger_entries WHERE run_id = \(outcome.record.id)")!.decode(Int64.self, 0))
            }
        } catch {
            report.failures.append("the first rent debit: \(error)")
        }
        report.lastWeeklyDebitPence = manifest.lastWeeklyDebit?.pence
        try checks(&report, on: db)
        return report
    }

    private struct Loaded { var rows: Int; var totalPence: Int64? }

    private func load(_ file: MigrationManifest.File, runner: Runner, config: HubConfig) throws -> Loaded {
        func run<Kind: LoadKind>(_ kind: Kind.Type) throws -> Loaded {
            let job = try LoadJob<Kind>(file: file.url, scheme: config.accountScheme)
            let outcome = try runner.run(job, businessDate: manifest.goLive)
            return Loaded(rows: outcome.report.rows, totalPence: outcome.report.totalPence)
        }
        switch file.kind {
        case PropertiesLoad.kind: return try run(PropertiesLoad.self)
        case TenanciesLoad.kind: return try run(TenanciesLoad.self)
        case AccountsLoad.kind: return try run(AccountsLoad.self)
        case ChargesLoad.kind: return try run(ChargesLoad.self)
        default: return try run(OpeningBalancesLoad.self)
        }
    }

    private func checks(_ report: inout RehearsalReport, on db: Connection) throws {
        let goLive = manifest.goLive
        let weekEnd = goLive + 6
        report.tenanciesWithoutAccount = try db.query(
            """
            SELECT t.tenancy_ref, 'tenancy of property ' || p.property_ref || ' from ' || t.start_date || ' has no rent account'
            FROM tenancies t JOIN properties p ON p.id = t.property_id
            WHERE (t.end_date IS NULL OR t.end_date >= \(goLive))
              AND NOT EXISTS (SELECT 1 FROM rent_accounts a WHERE a.tenancy_id = t.id)
            ORDER BY 1
            """
        ).map { RehearsalReport.Finding(reference: $0.text(0)!, detail: $0.text(1)!) }
        report.accountsWithoutCharges = try db.query(
            """
            SELECT a.account_ref, 'tenancy ' || t.tenancy_ref || ' of property ' || p.property_ref || ' has no charge in force in the go-live week'
            FROM rent_accounts a JOIN tenancies t ON t.id = a.tenancy_id JOIN properties p ON p.id = t.property_id
            WHERE t.start_date <= \(weekEnd) AND (t.end_date IS NULL OR t.end_date >= \(goLive))
              AND NOT EXISTS (SELECT 1 FROM weekly_charges w WHERE w.property_id = p.id AND w.effective_from <= \(weekEnd)
                              AND (w.effective_to IS NULL OR w.effective_to >= \(goLive)))
            ORDER BY 1
            """
        ).map { RehearsalReport.Finding(reference: $0.text(0)!, detail: $0.text(1)!) }
        report.propertiesLetTwice = try db.query(
            """
            SELECT p.property_ref, 'tenancies ' || a.tenancy_ref || ' (' || a.start_date || ' to ' || COALESCE(a.end_date::text, 'open') || ') and '
                   || b.tenancy_ref || ' (' || b.start_date || ' to ' || COALESCE(b.end_date::text, 'open') || ') overlap'
            FROM tenancies a JOIN tenancies b ON b.property_id = a.property_id AND b.id > a.id
                 AND daterange(a.start_date, a.end_date, '[]') && daterange(b.start_date, b.end_date, '[]')
            JOIN properties p ON p.id = a.property_id
            ORDER BY 1
            """
        ).map { RehearsalReport.Finding(reference: $0.text(0)!, detail: $0.text(1)!) }

        guard let closing = manifest.closingBalances else { return }
        let name = closing.lastPathComponent
        guard let data = FileManager.default.contents(atPath: closing.path), let text = String(data: data, encoding: .utf8) else {
            report.failures.append("\(name): cannot read the old system's closing balances")
            return
        }
        var old: [String: Int64] = [:]
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() where index > 0 && !line.isEmpty {
            let split: [String]
            if case .success(let read) = CSV.fields(of: line) { split = read } else { split = [] }
            let fields = split.map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2, !fields[0].isEmpty, let amount = try? Money(parsing: fields[1]) else {
                report.refusedRows.append(.init(file: name, line: index + 1, column: nil, value: String(line.prefix(40)), reason: "expected account_ref,balance (pounds, like -12.50)"))
                continue
            }
            old[fields[0]] = amount.pence
        }
        var hub: [String: Int64] = [:]
        for row in try db.query(
            "SELECT a.account_ref, COALESCE(sum(l.amount_pence) FILTER (WHERE l.code = 'OPB'), 0) FROM rent_accounts a LEFT JOIN ledger_entries l ON l.account_id = a.id GROUP BY 1")
        {
            hub[row.text(0)!] = try row.decode(Int64.self, 1)
        }
        let compared = Set(old.keys).union(hub.keys.filter { hub[$0] != 0 })
        report.balancesCompared = compared.count
        for account in compared.sorted() {
            let h = hub[account], o = old[account]
            if h == o || (o == nil && h == 0) { continue }
            report.balanceDifferences.append(.init(account: account, hubPence: h, oldPence: o, differencePence: (h ?? 0) - (o ?? 0)))
        }
    }
}
