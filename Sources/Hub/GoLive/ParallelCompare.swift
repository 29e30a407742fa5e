import Foundation
import HousingFinance
import Postgres

/// Parallel running: the old system's figures for a week or a day, account by account, against the hub's.
public struct ParallelComparison: Codable, Sendable {
    public struct Difference: Codable, Sendable, Hashable {
        public var account: String
        /// The charge code, for debit comparisons.
        public var chargeCode: String?
        public var hubPence: Int64
        public var oldPence: Int64
        public var differencePence: Int64
        /// The likely cause, in words.
        public var cause: String
    }

    public var what: String
    public var file: String
    public var accountsCompared: Int
    public var hubTotalPence: Int64
    public var oldTotalPence: Int64
    public var differences: [Difference]
    /// The differences add up to the difference of the totals.
    public var differenceTotalPence: Int64 { differences.reduce(0) { $0 + $1.differencePence } }
    public var ties: Bool { differenceTotalPence == hubTotalPence - oldTotalPence }

    public func render() -> String {
        func money(_ pence: Int64) -> String { Money(pence: pence).formatted }
        var text = "\(what) from \(file): \(Wording.count(accountsCompared, "account")) compared, \(Wording.number(differences.count)) differ.\n"
        if !differences.isEmpty {
            var table = TextTable([
                .init("Account"), .init("Code"), .init("Hub", .right), .init("Old system", .right), .init("Difference", .right), .init("Likely cause"),
            ])
            for d in differences.prefix(LongList.shown) {
                table.add([d.account, d.chargeCode ?? "", money(d.hubPence), money(d.oldPence), money(d.differencePence), d.cause])
            }
            text += table.render(indent: 2)
            if differences.count > LongList.shown {
                text += "  ... and \(Wording.number(differences.count - LongList.shown)) more: the same command with --json lists them all\n"
            }
        }
        text += "Totals: hub \(money(hubTotalPence)), old system \(money(oldTotalPence)), difference \(money(hubTotalPence - oldTotalPence)) = sum of the differences \(money(differenceTotalPence))\(ties ? "" : " (DOES NOT TIE)")\n"
        return text
    }
}

public enum ParallelCompare {
    /// Reads an old-system CSV with a header: its key columns and a pounds column, every bad line named.
    static func read(_ url: URL, keys: Int, what: String) throws -> [([String], Int64)] {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw RunError(.badInput, "\(url.path): cannot read the file: check its name and permissions")
        }
        var rows: [([String], Int64)] = []
        var problems: [String] = []
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() where index > 0 && !line.isEmpty {
            let split: [String]
            switch CSV.fields(of: line) {
            case .success(let read): split = read
            case .failure(let problem):
                problems.append("line \(index + 1): \(problem.reason)")
                continue
            }
            let fields = split.map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == keys + 1, fields.prefix(keys).allSatisfy({ !$0.isEmpty && $0.count <= 40 }),
                  let amount = try? Money(parsing: fields[keys])
            else {
                problems.append("line \(index + 1): '\(line.prefix(40))\(line.count > 40 ? "..." : "")' is not \(what)")
                continue
            }
            rows.append((Array(fields.prefix(keys)), amount.pence))
        }
        guard problems.isEmpty else {
            throw RunError(.badInput, "\(url.lastPathComponent): \(Wording.count(problems.count, "bad line")); nothing was compared:\n  " + problems.prefix(20).joined(separator: "\n  "))
        }
        return rows
    }

    /// The old system's debit of a week (CSV `account_ref,charge_code,amount`) against the hub's
    /// rent debit of the same week.
    public static func debits(file: URL, week: RentWeek, on db: Connection) throws -> ParallelComparison {
        var old: [String: Int64] = [:]
        for (keys, pence) in try read(file, keys: 2, what: "account_ref,charge_code,amount (pounds)") { old[keys.joined(separator: "|"), default: 0] += pence }
        var hub: [String: Int64] = [:]
        for row in try db.query(
            """
            SELECT a.account_ref || '|' || l.charge_code, sum(l.amount_pence)
            FROM ledger_entries l JOIN rent_accounts a ON a.id = l.account_id JOIN runs r ON r.id = l.run_id
            WHERE l.rent_week = \(week.monday) AND l.charge_code IS NOT NULL AND r.job IN ('rent-debit', 'reversal')
            GROUP BY 1 HAVING sum(l.amount_pence) <> 0
            """)
        {
            hub[row.text(0)!] = try row.decode(Int64.self, 1)
        }
        var differences: [ParallelComparison.Difference] = []
        let keys = Set(old.keys).union(hub.keys)
        for key in keys.sorted() where hub[key, default: 0] != old[key, default: 0] {
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            let account = parts[0], code = parts.count > 1 ? parts[1] : ""
            let cause = try debitCause(account: account, code: code, week: week, hub: hub[key], old: old[key], on: db)
            differences.append(.init(
                account: account, chargeCode: code, hubPence: hub[key, default: 0], oldPence: old[key, default: 0],
                differencePence: hub[key, default: 0] - old[key, default: 0], cause: cause))
        }
        return ParallelComparison(
            what: "Debits of the week of \(week.monday.iso)", file: file.lastPathComponent,
            accountsCompared: Set(keys.map { String($0.split(separator: "|")[0]) }).count,
            hubTotalPence: hub.values.reduce(0, +), oldTotalPence: old.values.reduce(0, +), differences: differences)
    }

    static func debitCause(account: String, code: String, week: RentWeek, hub: Int64?, old: Int64?, on db: Connection) throws -> String {
        guard let row = try db.queryOne(
            """
            SELECT t.start_date, t.end_date, p.property_ref,
                   (SELECT string_agg(w.weekly_pence::text || ' from ' || w.effective_from, ', ' ORDER BY w.effective_from)
                    FROM weekly_charges w WHERE w.property_id = p.id AND w.charge_code = \(code)
                      AND w.effective_from <= \(week.monday + 6) AND (w.effective_to IS NULL OR w.effective_to >= \(week.monday)))
            FROM rent_accounts a JOIN tenancies t ON t.id = a.tenancy_id JOIN properties p ON p.id = t.property_id
            WHERE a.account_ref = \(account)
            """)
        else { return "the hub has no account \(account)" }
        let start = try row.decode(Day.self, 0), end = try row.decode(Day?.self, 1)
        if start > week.monday && start <= week.monday + 6 { return "tenancy dates: the tenancy starts on \(start.iso), within the week" }
        if let end, end >= week.monday, end < week.monday + 6 { return "tenancy dates: the tenancy ends on \(end.iso), within the week" }
        if let end, end < week.monday, old != nil { return "tenancy dates: the hub's tenancy ended on \(end.iso)" }
        if start > week.monday + 6, old != nil { return "tenancy dates: the hub's tenancy starts on \(start.iso)" }
        if hub == nil { return "different charges: the hub has no \(code) charge for property \(row.text(2) ?? "?") in the week" }
        if old == nil { return "different charges: the old system charged no \(code)" }
        return "different charges: the hub's \(code) for property \(row.text(2) ?? "?") is \(row.text(3).map { "\($0) pence a week" } ?? "none")"
    }

    /// The old system's balances at a date (CSV `account_ref,balance`) against the hub's.
    public static func balances(file: URL, asOf: Day, on db: Connection) throws -> ParallelComparison {
        var old: [String: Int64] = [:]
        for (keys, pence) in try read(file, keys: 1, what: "account_ref,balance (pounds)") { old[keys[0], default: 0] += pence }
        var hub: [String: Int64] = [:]
        for row in try db.query(
            """
            SELECT a.account_ref, COALESCE(sum(l.amount_pence) FILTER (WHERE l.entry_date <= \(asOf)), 0)
            FROM rent_accounts a LEFT JOIN ledger_entries l ON l.account_id = a.id GROUP BY 1
            """)
        {
            hub[row.text(0)!] = try row.decode(Int64.self, 1)
        }
        var differences: [ParallelComparison.Difference] = []
        let keys = Set(old.keys).union(hub.keys.filter { hub[$0] != 0 || old[$0] != nil })
        for account in keys.sorted() where hub[account, default: 0] != old[account, default: 0] {
            let difference = hub[account, default: 0] - old[account, default: 0]
            differences.append(.init(
                account: account, chargeCode: nil, hubPence: hub[account, default: 0], oldPence: old[account, default: 0],
                differencePence: difference, cause: try balanceCause(account: account, difference: difference, asOf: asOf, known: hub[account] != nil, on: db)))
        }
        return ParallelComparison(
            what: "Balances at \(asOf.iso)", file: file.lastPathComponent, accountsCompared: keys.count,
            hubTotalPence: keys.reduce(0) { $0 + hub[$1, default: 0] }, oldTotalPence: keys.reduce(0) { $0 + old[$1, default: 0] },
            differences: differences)
    }

    static func balanceCause(account: String, difference: Int64, asOf: Day, known: Bool, on db: Connection) throws -> String {
        guard known else { return "the hub has no account \(account)" }
        // A payment (a credit) posted in one system only moves the balance by its amount.
        if let row = try db.queryOne(
            """
            SELECT l.code, l.entry_date FROM ledger_entries l JOIN rent_accounts a ON a.id = l.account_id
            WHERE a.account_ref = \(account) AND l.entry_date BETWEEN \(asOf - 14) AND \(asOf)
              AND l.amount_pence = \(difference) AND l.amount_pence < 0
            ORDER BY l.entry_date DESC LIMIT 1
            """)
        {
            return "a payment posted in the hub only: \(row.text(0) ?? "?") of \(Money(pence: -difference).formatted) on \(row.text(1) ?? "?")"
        }
        if difference > 0 {
            if let row = try db.queryOne(
                """
                SELECT l.rent_week FROM ledger_entries l JOIN rent_accounts a ON a.id = l.account_id
                WHERE a.account_ref = \(account) AND l.entry_date <= \(asOf) AND l.charge_code IS NOT NULL
                GROUP BY l.rent_week HAVING sum(l.amount_pence) = \(difference) ORDER BY l.rent_week DESC LIMIT 1
                """)
            {
                return "different charges or tenancy dates: the hub's debit of the week of \(row.text(0) ?? "?") equals the difference"
            }
            return "the hub holds more debt: a payment posted in the old system only, or different charges"
        }
        return "the hub holds less debt: a payment posted in the hub only, or different charges or tenancy dates"
    }
}
