import Foundation
import HousingFinance
import Postgres

/// An account's Direct Debit story (`hub dd mandates show`): its mandates, every change with who
/// made it, lodgements, notices, collections, returns and flags.
public struct MandateHistory: Codable, Sendable {
    public struct Event: Codable, Sendable {
        public var mandateId: Int64
        public var at: Date
        public var actor: String
        public var action: String
        public var oldStatus: String?
        public var newStatus: String?
        public var reason: String?
    }

    public struct Collection: Codable, Sendable {
        public var mandateId: Int64
        public var dueDate: Day
        public var entryDay: Day
        public var code: String
        public var amountPence: Int64
        public var computedPence: Int64
        public var runId: Int64
        public var returnReason: String?
        public var representOn: Day?
    }

    public struct Line: Codable, Sendable {
        public var mandateId: Int64
        public var what: String
        public var day: Day?
        public var detail: String
    }

    public var account: String
    public var mandates: [Mandate]
    public var events: [Event]
    public var lodgements: [Line]
    public var notices: [Line]
    public var collections: [Collection]
    public var flags: [Line]

    /// Reads an account's history.
    /// - Throws: `RunError.badInput` for an account without mandates.
    public static func load(account: String, on db: Connection) throws -> MandateHistory {
        let mandates = try MandateStore.mandates(account: account, on: db)
        guard !mandates.isEmpty else { throw RunError(.badInput, "account \(account.prefix(20)) has no Direct Debit mandate") }
        let ids = PostgresArray(mandates.map(\.id))
        let events = try db.query(
            "SELECT mandate_id, at, actor, action, old_status, new_status, reason FROM dd_mandate_events WHERE mandate_id = ANY(\(ids)::bigint[]) ORDER BY id"
        ).map {
            Event(mandateId: $0.int64(0), at: try $0.decode(Date.self, 1), actor: $0.text(2)!, action: $0.text(3)!, oldStatus: $0.text(4),
                  newStatus: $0.text(5), reason: $0.text(6))
        }
        let lodgements = try db.query(
            "SELECT mandate_id, code, entry_day, requested_by, sent_run_id FROM dd_lodgements WHERE mandate_id = ANY(\(ids)::bigint[]) ORDER BY id"
        ).map {
            Line(mandateId: $0.int64(0), what: $0.text(1)!, day: try $0.decode(Day?.self, 2),
                 detail: "requested by \($0.text(3)!); " + ($0.text(4).map { "sent in run \($0)" } ?? "waiting for the next collection file"))
        }
        let notices = try db.query(
            "SELECT mandate_id, amount_pence, first_date, sent_on FROM dd_notices WHERE mandate_id = ANY(\(ids)::bigint[]) ORDER BY first_date, id"
        ).map {
            Line(mandateId: $0.int64(0), what: Money(pence: $0.int64(1)).formatted, day: try $0.decode(Day.self, 2), detail: "sent on \($0.text(3)!)")
        }
        let collections = try db.query(
            """
            SELECT c.mandate_id, c.due_date, c.entry_day, c.transaction_code, c.amount_pence, c.computed_pence, c.run_id, r.reason_code, r.represent_on
            FROM dd_collections c LEFT JOIN dd_returns r ON r.collection_id = c.id
            WHERE c.mandate_id = ANY(\(ids)::bigint[]) ORDER BY c.entry_day, c.id
            """
        ).map {
            Collection(mandateId: $0.int64(0), dueDate: try $0.decode(Day.self, 1), entryDay: try $0.decode(Day.self, 2), code: $0.text(3)!,
                       amountPence: $0.int64(4), computedPence: $0.int64(5), runId: $0.int64(6), returnReason: $0.text(7),
                       representOn: try $0.decode(Day?.self, 8))
        }
        let flags = try db.query(
            "SELECT COALESCE(mandate_id, 0), reason, raised_at::date, raised_by FROM dd_account_flags f JOIN rent_accounts a ON a.id = f.account_id WHERE a.account_ref = \(account) ORDER BY f.id"
        ).map { Line(mandateId: $0.int64(0), what: "flag", day: try $0.decode(Day.self, 2), detail: "\($0.text(1)!) (by \($0.text(3)!))") }
        return MandateHistory(account: account, mandates: mandates, events: events, lodgements: lodgements, notices: notices, collections: collections, flags: flags)
    }

    public func render() -> String {
        var text = "Direct Debit of account \(account)\n"
        var table = TextTable([.init("Mandate", .right), .init("Payer"), .init("Bank"), .init("Frequency"), .init("Day"), .init("Extra", .right),
                               .init("Status"), .init("Made by")])
        for m in mandates {
            table.add([String(m.id), m.payerName, "\(m.sortCode) \(m.accountNumber)", m.frequency.rawValue, m.collectionDayText,
                       Money(pence: m.extraPence).formatted, m.status, m.createdBy])
        }
        text += table.render(indent: 2)
        text += "History:\n"
        var history = TextTable([.init("Mandate", .right), .init("When"), .init("Who"), .init("What"), .init("Status"), .init("Why")])
        for e in events {
            history.add([String(e.mandateId), Timestamp.text(e.at), e.actor, e.action, "\(e.oldStatus ?? "-") -> \(e.newStatus ?? "-")", e.reason ?? ""])
        }
        text += history.render(indent: 2)
        for (title, lines) in [("AUDDIS lodgements", lodgements), ("Advance notices (amount, first date)", notices), ("Flags for the income team", flags)] where !lines.isEmpty {
            text += "\(title):\n"
            var t = TextTable([.init("Mandate", .right), .init("What"), .init("Day"), .init("Detail")])
            for line in lines { t.add([String(line.mandateId), line.what, line.day?.iso ?? "", line.detail]) }
            text += t.render(indent: 2)
        }
        if !collections.isEmpty {
            text += "Collections:\n"
            var t = TextTable([.init("Due"), .init("Entry day"), .init("Code"), .init("Amount", .right), .init("Computed", .right), .init("Run", .right), .init("Returned")])
            for c in collections {
                t.add([c.dueDate.iso, c.entryDay.iso, c.code, Money(pence: c.amountPence).formatted, Money(pence: c.computedPence).formatted,
                       String(c.runId), c.returnReason.map { "reason \($0)" + (c.representOn.map { ", re-present \($0.iso)" } ?? "") } ?? ""])
            }
            text += t.render(indent: 2)
        }
        return text
    }
}
