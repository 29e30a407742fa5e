import Foundation
import HousingFinance
import Postgres

/// One line of an account statement.
public struct StatementEntry: Codable, Hashable, Sendable {
    public var date: Day
    public var code: String
    public var description: String
    public var amountPence: Int64
    public var runId: Int64
    public var balancePence: Int64
}

/// A rent account's statement: what finance staff look at first.
public struct AccountStatement: Codable, Hashable, Sendable {
    public var account: String
    public var tenants: [String]
    public var address: String
    public var from: Day?
    public var to: Day?
    public var balanceBroughtForwardPence: Int64
    public var entries: [StatementEntry]
    public var closingBalancePence: Int64

    /// The names of the transaction codes, for statements.
    public static let codeNames: [String: String] = [
        "DBR": "Basic rent", "DSC": "Service charge", "DHE": "Heating", "DWR": "Water rates", "DCC": "Court costs",
        "ADJ": "Rent adjustment", "OPB": "Opening balance", "RHB": "Housing Benefit", "RHA": "HB adjustment",
        "RPY": "PayPoint payment", "RBR": "Post Office payment", "RDD": "Direct Debit", "RDN": "Direct Debit unpaid",
        "RCP": "Card payment", "RSO": "Standing order", "RBT": "Bank transfer", "RIT": "Internal transfer", "REF": "Refund",
        "RRC": "Returned cheque", "WOF": "Write-off", "WON": "Write-on",
    ]

    /// Reads an account's statement between two dates (inclusive); entries before `from` make the
    /// balance brought forward.
    /// - Throws: `RunError.notFound` for an unknown account.
    public static func load(account: String, from: Day?, to: Day?, on db: Connection) throws -> AccountStatement {
        guard let header = try db.queryOne(
            """
            SELECT a.id, t.tenants::text, p.address || ', ' || p.postcode FROM rent_accounts a
            JOIN tenancies t ON t.id = a.tenancy_id JOIN properties p ON p.id = t.property_id WHERE a.account_ref = $1
            """, [account])
        else { throw RunError(.notFound, "there is no rent account '\(account)'") }
        let id = try header.decode(Int64.self, 0)
        let tenants = try header.decode(PostgresArray.self, 1).strings
        // Both queries read the index alone (`ledger_entries_account_date`, migration 0033: keyed by
        // account, date and id, holding every column read here), the dates as the range scanned.
        let brought = try from.map {
            try db.queryOne("SELECT COALESCE(sum(amount_pence), 0) FROM ledger_entries WHERE account_id = $1 AND entry_date < $2", [id, $0])!
                .decode(Int64.self, 0)
        } ?? 0
        var balance = brought
        var entries: [StatementEntry] = []
        for row in try db.query(
            """
            SELECT entry_date, code, COALESCE(description, ''), amount_pence, run_id, charge_code, rent_week FROM ledger_entries
            WHERE account_id = $1 AND entry_date >= COALESCE($2::date, '-infinity') AND entry_date <= COALESCE($3::date, 'infinity')
            ORDER BY entry_date, id
            """, [id, from, to])
        {
            let amount = try row.decode(Int64.self, 3)
            balance += amount
            let code = try row.decode(String.self, 1)
            var description = try row.decode(String.self, 2)
            if description.isEmpty {
                description = codeNames[code] ?? code
                if let charge = row.text(5), charge != code { description += " (\(codeNames[charge] ?? charge))" }
                if let week = row.text(6) { description += ", week of \(week)" }
            }
            entries.append(StatementEntry(
                date: try row.decode(Day.self, 0), code: code, description: description, amountPence: amount,
                runId: try row.decode(Int64.self, 4), balancePence: balance))
        }
        return AccountStatement(
            account: account, tenants: tenants, address: try header.decode(String.self, 2), from: from, to: to,
            balanceBroughtForwardPence: brought, entries: entries, closingBalancePence: balance)
    }

    /// The statement as people read it: debits (charges) positive, credits (payments) negative,
    /// the balance positive in arrears.
    public func render() -> String {
        var text = "Rent account \(account): \(tenants.joined(separator: " and ")), \(address)\n"
        text += "Balance brought forward\(from.map { " at \($0.iso)" } ?? ""): \(Money(pence: balanceBroughtForwardPence).formatted)\n"
        var table = TextTable([
            .init("Date"), .init("Code"), .init("Description", maxWidth: 50), .init("Amount", .right), .init("Balance", .right),
            .init("Run", .right),
        ])
        for entry in entries {
            table.add([
                entry.date.iso, entry.code, entry.description, Money(pence: entry.amountPence).formatted,
                Money(pence: entry.balancePence).formatted, String(entry.runId),
            ])
        }
        if entries.isEmpty { text += "No entries\(from == nil && to == nil ? "" : " in these dates").\n" } else { text += table.render() }
        let state = closingBalancePence > 0 ? " (arrears)" : closingBalancePence < 0 ? " (in credit)" : ""
        text += "Closing balance: \(Money(pence: closingBalancePence).formatted)\(state); \(Wording.count(entries.count, "entry"))\n"
        return text
    }
}

/// One account's balance at a date.
public struct AccountBalance: Codable, Hashable, Sendable {
    public var account: String
    public var balancePence: Int64

    /// Every account's balance at the end of a day (positive = arrears). Where balances are carried
    /// forward to a date on or before the day (`CarriedBalances`), each account's carried balance
    /// plus its entries since, read through the by-account index; otherwise (or with
    /// `wholeLedger`) the ledger is summed by account id first (one pass, which PostgreSQL can
    /// share among parallel workers), then joined to the accounts: grouping the joined rows by
    /// reference hashed a text key per entry.
    public static func all(asOf: Day, wholeLedger: Bool = false, on db: Connection) throws -> [AccountBalance] {
        if !wholeLedger, let carried = try CarriedBalances.usable(for: [asOf], lookingBack: 0, on: db) {
            return try db.query(
                """
                SELECT a.account_ref, COALESCE(c.balance_pence, 0) + COALESCE(s.pence, 0) FROM rent_accounts a
                LEFT JOIN ledger_carried c ON c.account_id = a.id
                CROSS JOIN LATERAL (SELECT sum(l.amount_pence) AS pence FROM ledger_entries l
                                    WHERE l.account_id = a.id AND l.entry_date > \(carried) AND l.entry_date <= \(asOf)) s
                ORDER BY a.account_ref
                """
            ).map { AccountBalance(account: try $0.decode(String.self, 0), balancePence: try $0.decode(Int64.self, 1)) }
        }
        return try db.query(
            """
            SELECT a.account_ref, COALESCE(b.balance, 0) FROM rent_accounts a
            LEFT JOIN (SELECT account_id, sum(amount_pence) AS balance FROM ledger_entries WHERE entry_date <= $1 GROUP BY account_id) b
              ON b.account_id = a.id
            ORDER BY a.account_ref
            """, [asOf]
        ).map { AccountBalance(account: try $0.decode(String.self, 0), balancePence: try $0.decode(Int64.self, 1)) }
    }

    /// Balances as people read them: a table and the total.
    public static func render(_ balances: [AccountBalance], asOf: Day) -> String {
        var text = "Balances at \(asOf.iso) (positive = arrears)\n"
        var table = TextTable([.init("Account"), .init("Balance", .right)])
        for balance in balances { table.add([balance.account, Money(pence: balance.balancePence).formatted]) }
        if !balances.isEmpty { text += table.render() }
        let total = balances.reduce(Int64(0)) { $0 + $1.balancePence }
        text += "\(Wording.count(balances.count, "account")), total \(Money(pence: total).formatted)\n"
        return text
    }
}
