import BankFiles
import Foundation
import HousingFinance
import Postgres

/// An item held in suspense: a payment that matched no account.
public struct SuspenseItem: Codable, Hashable, Sendable {
    public var id: Int64
    public var runId: Int64
    public var kind: String
    public var code: String
    public var amountPence: Int64
    public var date: Day
    public var reference: String
    public var payer: String?
    public var file: String
    public var position: String
    public var reason: String
    public var status: String
    public var account: String?
    public var resolvedRunId: Int64?
    public var note: String?

    static let columns = """
        s.id, s.run_id, s.kind, s.code, s.amount_pence, s.entry_date, s.reference, s.payer, s.file_name, s.position, s.reason,
        s.status, a.account_ref, s.resolved_run_id, s.note
        """

    init(_ row: Row) throws {
        id = try row.decode(Int64.self, 0)
        runId = try row.decode(Int64.self, 1)
        kind = try row.decode(String.self, 2)
        code = try row.decode(String.self, 3)
        amountPence = try row.decode(Int64.self, 4)
        date = try row.decode(Day.self, 5)
        reference = try row.decode(String.self, 6)
        payer = try row.decode(String?.self, 7)
        file = try row.decode(String.self, 8)
        position = try row.decode(String.self, 9)
        reason = try row.decode(String.self, 10)
        status = try row.decode(String.self, 11)
        account = try row.decode(String?.self, 12)
        resolvedRunId = try row.decode(Int64?.self, 13)
        note = try row.decode(String?.self, 14)
    }

    /// Lists suspense items, oldest first.
    /// - Parameters:
    ///   - kind: `cash` or `hb`, or nil for both.
    ///   - status: `open`, `allocated`, `refunded`, `void`, or nil for all.
    public static func list(kind: String? = nil, status: String? = nil, on db: Connection) throws -> [SuspenseItem] {
        try db.query(
            """
            SELECT \(unescaped: columns) FROM suspense_items s LEFT JOIN rent_accounts a ON a.id = s.account_id
            WHERE ($1::text IS NULL OR s.kind = $1) AND ($2::text IS NULL OR s.status = $2) ORDER BY s.id
            """, [kind, status]
        ).map(SuspenseItem.init)
    }

    /// One item.
    public static func find(_ id: Int64, on db: Connection) throws -> SuspenseItem? {
        try db.queryOne("SELECT \(unescaped: columns) FROM suspense_items s LEFT JOIN rent_accounts a ON a.id = s.account_id WHERE s.id = $1", [id])
            .map(SuspenseItem.init)
    }

    /// The kinds of suspense, by where the payment came from.
    public static let kinds = ["bank", "cash", "outlet", "card", "dd", "hb"]

    /// The kind of suspense a payment from a file of this format goes to.
    public static func kind(of format: PaymentFormat) -> String {
        switch format {
        case .camt053, .camt054, .mt940: return "bank"
        case .cashFile: return "cash"
        case .outlet: return "outlet"
        case .card: return "card"
        case .arudd: return "dd"
        case .housingBenefit: return "hb"
        }
    }

    /// A kind as people read it.
    public static func kindName(_ kind: String) -> String {
        switch kind {
        case "bank": return "bank statement"
        case "cash": return "cash file"
        case "outlet": return "payment outlet"
        case "card": return "card payment"
        case "dd": return "returned Direct Debit"
        case "hb": return "Housing Benefit"
        default: return kind
        }
    }

    /// The list as people read it: a table, then the money open in suspense by kind.
    public static func render(_ items: [SuspenseItem]) -> String {
        guard !items.isEmpty else { return "No suspense items.\n" }
        var table = TextTable([
            .init("Id", .right), .init("Kind"), .init("Status"), .init("Date"), .init("Amount", .right),
            .init("Reference / payer", maxWidth: 40), .init("From"), .init("Why, or what became of it"),
        ])
        var open: [String: Int64] = [:]
        for item in items {
            let outcome: String
            let note = item.note.map { ": \($0)" } ?? ""
            let run = item.resolvedRunId.map(String.init) ?? "?"
            if item.status == "open" {
                open[item.kind, default: 0] += item.amountPence
                outcome = item.reason
            } else if let account = item.account {
                outcome = "\(item.status) to \(account) by run \(run)\(note)"
            } else if item.status == "refunded" {
                outcome = "refunded by run \(run)\(note)"
            } else {
                outcome = item.reason
            }
            table.add([
                String(item.id), item.kind, item.status, item.date.iso, Money(pence: item.amountPence).formatted,
                item.reference + (item.payer.map { " / \($0)" } ?? ""), "\(item.file) \(item.position)", outcome,
            ])
        }
        var text = table.render()
        text += "\(Wording.count(items.count, "item"))\n"
        for (kind, pence) in open.sorted(by: { $0.key < $1.key }) {
            text += "Open \(kindName(kind)) suspense: \(Money(pence: pence).formatted)\n"
        }
        return text
    }
}

/// Clears one suspense item, as its own run (job `suspense-allocation`): allocate it to a rent
/// account (posts the payment to the account with a trail back to the item, and takes it out
/// of suspense) or refund it (takes it out of suspense to the payer, code `REF`). Audited. An
/// item already cleared is refused. Reversing the run puts the item back in suspense.
public struct SuspenseAllocationJob: Job {
    public static let name = "suspense-allocation"
    public static let reversal = ReversalRule.independent

    public enum Action: Sendable, Hashable {
        case allocate(account: String)
        case refund
    }

    public let itemId: Int64
    public let action: Action
    public let note: String

    public init(itemId: Int64, action: Action, note: String) {
        self.itemId = itemId
        self.action = action
        self.note = note
    }

    public var businessKey: String { "item \(itemId)" }
    public var parameters: [String: String] {
        switch action {
        case .allocate(let account): return ["item": String(itemId), "action": "allocate", "account": account, "note": note]
        case .refund: return ["item": String(itemId), "action": "refund", "note": note]
        }
    }

    public struct Report: JobReport {
        public var item: SuspenseItem
        public var action: String
        public var account: String?
        public var note: String
        public var counts: [String: Int] { [action: 1] }
        public var warnings: [String] { [] }
        public func render() -> String {
            let money = Money(pence: item.amountPence).formatted
            switch account {
            case .some(let account):
                return "Suspense item \(item.id) (\(money), \(Wording.shortQuote(item.reference)), \(item.file) \(item.position)) allocated to account \(account).\nNote: \(note)\n"
            case .none:
                return "Suspense item \(item.id) (\(money), \(Wording.shortQuote(item.reference)), \(item.file) \(item.position)) refunded.\nNote: \(note)\n"
            }
        }
    }

    /// Runs the job, refusing at once an item that is not open (with who cleared it), before the
    /// run framework would refuse it as a duplicate.
    /// - Throws: `RunError.refused` for an item already cleared; `RunError.notFound`.
    @discardableResult
    public func clear(runner: Runner, businessDate: Day, preview: Bool = false) throws -> RunOutcome<Report> {
        let db = try runner.database.connect()
        guard let item = try SuspenseItem.find(itemId, on: db) else {
            throw RunError(.notFound, "there is no suspense item \(itemId) (hub suspense list)")
        }
        try Self.refuseIfClosed(item)
        return try runner.run(self, on: db, businessDate: businessDate, preview: preview)
    }

    static func refuseIfClosed(_ item: SuspenseItem) throws {
        guard item.status == "open" else {
            let by = item.resolvedRunId.map { " by run \($0)" } ?? ""
            throw RunError(.refused, "suspense item \(item.id) is \(item.status)\(by), not open: it cannot be allocated or refunded again", runId: item.resolvedRunId)
        }
    }

    public func run(in context: RunContext) throws -> Report {
        let db = context.connection
        guard !note.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw RunError(.badInput, "give a note saying why (--note)")
        }
        guard try db.queryOne("SELECT id FROM suspense_items WHERE id = $1 FOR UPDATE", [itemId]) != nil,
              var item = try SuspenseItem.find(itemId, on: db)
        else { throw RunError(.notFound, "there is no suspense item \(itemId) (hub suspense list)") }
        try Self.refuseIfClosed(item)
        let holdingCode = item.kind == "hb" ? "SHB" : "SUS"
        let trail = "suspense item \(itemId) (\(item.file) \(item.position), run \(item.runId))"
        switch action {
        case .allocate(let account):
            guard let accountId = try db.queryOne("SELECT id FROM rent_accounts WHERE account_ref = $1", [account])?.decode(Int64.self, 0) else {
                throw RunError(.notFound, "there is no rent account \(Wording.shortQuote(account))")
            }
            try db.execute(
                """
                INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id, description, source_ref)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                [accountId, item.code, -item.amountPence, context.businessDate, context.runId,
                 "Allocated from \(trail): \(item.reference.prefix(40))", "suspense:\(itemId)"])
            try db.execute(
                "INSERT INTO gl_postings (run_id, code, amount_pence, entry_date, description, source_ref) VALUES ($1, $2, $3, $4, $5, $6)",
                [context.runId, holdingCode, item.amountPence, context.businessDate, "Out of suspense to account \(account): \(trail)", "suspense:\(itemId)"])
            try db.execute(
                "UPDATE suspense_items SET status = 'allocated', account_id = $2, resolved_run_id = $3, note = $4 WHERE id = $1",
                [itemId, accountId, context.runId, note])
            item.status = "allocated"
            item.account = account
        case .refund:
            try db.execute(
                "INSERT INTO gl_postings (run_id, code, analysis, amount_pence, entry_date, description, source_ref) VALUES ($1, 'REF', $2, $3, $4, $5, $6)",
                [context.runId, holdingCode, item.amountPence, context.businessDate, "Refund of \(trail)", "suspense:\(itemId)"])
            try db.execute(
                "UPDATE suspense_items SET status = 'refunded', resolved_run_id = $2, note = $3 WHERE id = $1", [itemId, context.runId, note])
            item.status = "refunded"
        }
        item.resolvedRunId = context.runId
        item.note = note
        let account: String? = if case .allocate(let account) = action { account } else { nil }
        try db.execute(
            """
            INSERT INTO audit_events (action, entity, entity_ref, run_id, details)
            VALUES ($1, 'suspense-item', $2, $3, jsonb_build_object('account', $4::text, 'note', $5::text, 'amount_pence', $6::bigint, 'import_run', $7::bigint))
            """,
            [account == nil ? "suspense-refund" : "suspense-allocate", String(itemId), context.runId, account, note, item.amountPence, item.runId])
        return Report(item: item, action: account == nil ? "refund" : "allocate", account: account, note: note)
    }
}
