import Foundation
import HousingFinance
import Postgres

/// A write-off (or a refund of a credit) as stored.
public struct WriteOffRecord: Codable, Sendable {
    public var id: Int64
    public var reference: String
    public var account: String
    public var kind: String
    public var amount: Money
    public var reason: String
    public var status: String
    public var proposedBy: String
    public var decidedBy: String?
    public var decisionNote: String?

    enum CodingKeys: String, CodingKey {
        case id, reference, account, kind, reason, status, proposedBy, decidedBy, decisionNote
        case amount = "amountPence"
    }

    /// `WO000001`.
    public static func reference(_ id: Int64) -> String { String(format: "WO%06lld", id) }

    /// Reads `WO000001` or `1`.
    public static func id(_ text: String) -> Int64? {
        let digits = text.uppercased().hasPrefix("WO") ? String(text.dropFirst(2)) : text
        return Int64(digits)
    }
}

/// Write-offs of former tenants' arrears and of small credits on closed accounts, and refunds of
/// credits: proposed by the income team, approved by a role whose band covers the amount (the
/// database refuses anyone else), or rejected.
public enum WriteOffs {
    static let columns = """
        w.id, a.account_ref, w.kind, w.amount_pence, w.reason, w.status, w.proposed_by, w.decided_by, w.decision_note
        """

    static func record(_ row: Row) throws -> WriteOffRecord {
        let id = try row.decode(Int64.self, 0)
        return WriteOffRecord(
            id: id, reference: WriteOffRecord.reference(id), account: try row.decode(String.self, 1), kind: try row.decode(String.self, 2),
            amount: Money(pence: try row.decode(Int64.self, 3)), reason: try row.decode(String.self, 4), status: try row.decode(String.self, 5),
            proposedBy: try row.decode(String.self, 6), decidedBy: row.text(7), decisionNote: row.text(8))
    }

    public static func list(status: String?, db: Connection) throws -> [WriteOffRecord] {
        try db.query(
            "SELECT \(unescaped: columns) FROM writeoffs w JOIN rent_accounts a ON a.id = w.account_id WHERE (\(status)::text IS NULL OR w.status = \(status)) ORDER BY w.id"
        ).map(record)
    }

    public static func find(_ id: Int64, db: Connection) throws -> WriteOffRecord? {
        try db.queryOne("SELECT \(unescaped: columns) FROM writeoffs w JOIN rent_accounts a ON a.id = w.account_id WHERE w.id = \(id)").map(record)
    }

    /// The longest reason a write-off takes, in characters.
    public static let maxReasonLength = 500

    /// Proposes writing off an ended tenancy's whole balance on a day: its arrears (a positive
    /// balance), or its credit (`refund: true` refunds the credit instead).
    /// - Throws: `RunError.refused` for a current tenancy, a zero balance, or an open proposal.
    public static func propose(account: String, reason: String, refund: Bool = false, on day: Day, db: Connection) throws -> WriteOffRecord {
        guard !reason.trimmingSpaces.isEmpty else { throw RunError(.badInput, "give the reason for the write-off (--reason)") }
        // The reason becomes the ledger entry's description, which the statement's index holds
        // (migration 0033): an index entry must fit in about 2.7 kB.
        guard reason.count <= maxReasonLength else {
            throw RunError(.badInput, "the reason for the write-off has \(reason.count) characters (\"\(reason.prefix(30))...\"): give at most \(maxReasonLength)")
        }
        let accountId = try ArrearsPositions.accountId(account, on: db)
        return try db.transaction { db in
            let row = try db.queryOne(
                """
                SELECT t.end_date, (SELECT COALESCE(sum(amount_pence), 0) FROM ledger_entries l WHERE l.account_id = a.id AND l.entry_date <= \(day))
                FROM rent_accounts a JOIN tenancies t ON t.id = a.tenancy_id WHERE a.id = \(accountId)
                """)!
            guard let end = try row.decode(Day?.self, 0), end < day else {
                throw RunError(.refused, "\(account)'s tenancy has not ended: only a former tenant's balance is written off (current arrears are worked through the stages)")
            }
            let balance = Money(pence: try row.decode(Int64.self, 1))
            guard balance != .zero else { throw RunError(.refused, "\(account)'s balance is £0.00: there is nothing to write off") }
            if refund && balance > .zero { throw RunError(.refused, "\(account) owes \(balance.formatted): only a credit is refunded") }
            let kind = refund ? "refund" : (balance > .zero ? "arrears" : "credit")
            if try db.queryOne("SELECT 1 FROM writeoffs WHERE account_id = \(accountId) AND status = 'proposed'") != nil {
                throw RunError(.refused, "\(account) already has a proposed write-off waiting for approval (hub writeoffs list)")
            }
            let id = try db.queryOne(
                "INSERT INTO writeoffs (account_id, kind, amount_pence, reason) VALUES (\(accountId), \(kind), \(balance.pence), \(reason)) RETURNING id"
            )!.decode(Int64.self, 0)
            try ArrearsCases.audit("propose-writeoff", account: account, details: ["writeoff": WriteOffRecord.reference(id), "amount_pence": String(balance.pence), "kind": kind, "reason": reason], db: db)
            return try find(id, db: db)!
        }
    }

    /// Rejects a proposed write-off, recording who and why.
    public static func reject(_ id: Int64, note: String, db: Connection) throws -> WriteOffRecord {
        guard !note.trimmingSpaces.isEmpty else { throw RunError(.badInput, "give the reason for rejecting \(WriteOffRecord.reference(id)) (--note)") }
        return try db.transaction { db in
            guard let record = try find(id, db: db) else { throw RunError(.notFound, "there is no write-off \(WriteOffRecord.reference(id))") }
            guard record.status == "proposed" else { throw RunError(.refused, "write-off \(record.reference) is \(record.status), not proposed") }
            try db.execute(
                "UPDATE writeoffs SET status = 'rejected', decided_by = hub_actor(), decided_at = now(), decision_note = \(note) WHERE id = \(id)")
            try ArrearsCases.audit("reject-writeoff", account: record.account, details: ["writeoff": record.reference, "note": note], db: db)
            return try find(id, db: db)!
        }
    }

    /// Who approves on this connection and the role whose bands count: the console's person
    /// (`hub_actor()`) under the role in force, or the connected role itself.
    public static func approver(on db: Connection) throws -> (name: String, role: String) {
        let row = try db.queryOne("SELECT hub_actor(), current_user::text")!
        return (try row.decode(String.self, 0), try row.decode(String.self, 1))
    }

    /// The widest band of a role, through the roles it is a member of (its `upTo` nil: any
    /// amount); nil when no band of its roles lets it approve anything.
    public static func band(of role: String, db: Connection) throws -> WriteOffBands.Band? {
        let bands = try databaseBands(db: db)
        let limits = Dictionary(uniqueKeysWithValues: bands.bands.map { ($0.role, $0.upTo ?? Money(pence: Int64.max)) })
        guard let (amount, name) = try SalesOrderAuthority.limit(of: role, limits: limits, on: db) else { return nil }
        return WriteOffBands.Band(upTo: amount.pence == Int64.max ? nil : amount, role: name)
    }

    /// The bands the database enforces.
    public static func databaseBands(db: Connection) throws -> WriteOffBands {
        WriteOffBands(try db.query("SELECT role, up_to_pence FROM writeoff_bands ORDER BY up_to_pence NULLS LAST, role").map { row in
            WriteOffBands.Band(upTo: try row.decode(Int64?.self, 1).map { Money(pence: $0) }, role: try row.decode(String.self, 0))
        })
    }

    /// Writes the configuration's bands to the database (the head of finance; the database refuses others).
    public static func applyBands(_ bands: WriteOffBands, db: Connection) throws {
        try db.transaction { db in
            try db.execute("DELETE FROM writeoff_bands")
            for band in bands.bands {
                try db.execute("INSERT INTO writeoff_bands (role, up_to_pence) VALUES (\(band.role), \(band.upTo?.pence))")
            }
            try db.execute(
                "INSERT INTO audit_events (action, entity, entity_ref, details) VALUES ('apply-bands', 'writeoff-bands', 'all', \(try HubJSON.text(bands))::jsonb)")
        }
    }
}

/// Approving a write-off, as a run: the status change (which the database allows only to a member
/// of a role whose band covers the amount) and its posting commit together. Arrears post `WOF`
/// (a credit of the balance); a credit written off posts `WOF` (a debit clearing it); a refund posts
/// `REF`.
public struct WriteOffApprovalJob: Job {
    public static let name = "writeoff-approval"
    public static var reversal: ReversalRule { .independent }

    public let writeOffId: Int64
    public let note: String
    public let day: Day

    public init(writeOffId: Int64, note: String, day: Day) {
        self.writeOffId = writeOffId
        self.note = note
        self.day = day
    }

    public var businessKey: String { WriteOffRecord.reference(writeOffId) }
    public var parameters: [String: String] { ["writeoff": businessKey, "note": note] }

    public struct Report: JobReport {
        public var writeOff: WriteOffRecord
        public var code: String
        public var posted: Money
        public var counts: [String: Int] { ["approved": 1] }
        public var warnings: [String] { [] }
        enum CodingKeys: String, CodingKey {
            case writeOff, code
            case posted = "postedPence"
        }
        public func render() -> String {
            "Write-off \(writeOff.reference) (\(writeOff.account), \(writeOff.kind), \(writeOff.amount.formatted)) approved by \(writeOff.decidedBy ?? "?"): posted \(code) \(posted.formatted).\n"
        }
    }

    public func run(in context: RunContext) throws -> Report {
        let db = context.connection
        guard let record = try WriteOffs.find(writeOffId, db: db) else { throw RunError(.notFound, "there is no write-off \(businessKey)") }
        guard record.status == "proposed" else { throw RunError(.refused, "write-off \(businessKey) is \(record.status), not proposed") }
        // Who approves (the console's person, or the connected role) and under which role (the
        // one in force: the console acts for a person under their role), as the trigger checks.
        let (who, role) = try WriteOffs.approver(on: db)
        let bands = try WriteOffs.databaseBands(db: db)
        let allowed = Set(bands.roles(for: record.amount))
        let member = try SalesOrderAuthority.limit(of: role, limits: Dictionary(uniqueKeysWithValues: allowed.map { ($0, Money.zero) }), on: db)
        guard member != nil else {
            throw RunError(
                .refused,
                "\(who) may not approve \(businessKey) (\(record.amount.formatted)): the roles whose band covers it are \(allowed.sorted().joined(separator: ", ")); ask a member of one of them")
        }
        guard who != record.proposedBy else {
            throw RunError(.refused, "\(who) proposed \(businessKey) and may not approve it too: someone else whose band covers \(record.amount.formatted) approves it")
        }
        // The database checks the band again (writeoffs_approval trigger), whatever the code path.
        try db.execute(
            """
            UPDATE writeoffs SET status = 'approved', decided_by = hub_actor(), decided_at = now(), decision_note = \(note), decided_run_id = \(context.runId)
            WHERE id = \(writeOffId)
            """)
        let code = record.kind == "refund" ? "REF" : "WOF"
        let amount = -record.amount
        try db.execute(
            """
            INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id, description, source_ref)
            SELECT a.id, \(code), \(amount.pence), \(day), \(context.runId), \(record.kind == "refund" ? "Refund of credit" : "Written off: " + record.reason), \(businessKey)
            FROM rent_accounts a WHERE a.account_ref = \(record.account)
            """)
        try ArrearsCases.audit("approve-writeoff", account: record.account, details: ["writeoff": businessKey, "note": note], runId: context.runId, db: db)
        return Report(writeOff: try WriteOffs.find(writeOffId, db: db)!, code: code, posted: amount)
    }
}
