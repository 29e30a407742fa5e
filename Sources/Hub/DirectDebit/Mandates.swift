import Foundation
import HousingFinance
import Postgres

/// A Direct Debit mandate as the hub keeps it.
public struct Mandate: Codable, Hashable, Sendable {
    public var id: Int64
    public var accountRef: String
    public var reference: String
    public var payerName: String
    public var sortCode: String
    public var accountNumber: String
    public var frequency: DDFrequency
    public var collectionDay: Int
    public var start: Day
    public var extraPence: Int64
    public var status: String
    public var lodgedEntryDay: Day?
    public var origin: String
    public var replacesMandateId: Int64?
    public var createdBy: String

    static let columns = """
        m.id, a.account_ref, m.reference, m.payer_name, m.sort_code, m.account_number, m.frequency, m.collection_day, m.start_date,
        m.extra_pence, m.status, m.lodged_entry_day, m.origin, m.replaces_mandate_id, m.created_by
        """

    init(_ row: Row) throws {
        id = try row.decode(Int64.self, 0)
        accountRef = try row.decode(String.self, 1)
        reference = try row.decode(String.self, 2)
        payerName = try row.decode(String.self, 3)
        sortCode = try row.decode(String.self, 4)
        accountNumber = try row.decode(String.self, 5)
        frequency = DDFrequency(rawValue: try row.decode(String.self, 6))!
        collectionDay = try row.decode(Int.self, 7)
        start = try row.decode(Day.self, 8)
        extraPence = try row.decode(Int64.self, 9)
        status = try row.decode(String.self, 10)
        lodgedEntryDay = try row.decode(Day?.self, 11)
        origin = try row.decode(String.self, 12)
        replacesMandateId = try row.decode(Int64?.self, 13)
        createdBy = try row.decode(String.self, 14)
    }

    /// When it collects.
    public var terms: DDCollectionTerms {
        DDCollectionTerms(frequency: frequency, collectionDay: collectionDay, start: start)
    }

    /// The collection day as people read it: `Monday`, `the 15th`.
    public var collectionDayText: String { Mandate.dayText(frequency, collectionDay) }

    static func dayText(_ frequency: DDFrequency, _ day: Int) -> String {
        if frequency == .monthly {
            let suffix = (11...13).contains(day % 100) ? "th" : ["th", "st", "nd", "rd", "th", "th", "th", "th", "th", "th"][day % 10]
            return "the \(day)\(suffix)"
        }
        return ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"][day - 1]
    }
}

/// What a person asks of a new mandate (`hub dd mandate add`).
public struct MandateRequest: Sendable {
    public var accountRef: String
    public var payerName: String
    public var sortCode: String
    public var accountNumber: String
    public var frequency: DDFrequency
    /// A weekday name or number (weekly frequencies), or a day of the month from the menu.
    public var collectionDay: String
    public var start: Day
    public var extra: Money

    public init(
        accountRef: String, payerName: String, sortCode: String, accountNumber: String, frequency: DDFrequency, collectionDay: String,
        start: Day, extra: Money = .zero
    ) {
        self.accountRef = accountRef
        self.payerName = payerName
        self.sortCode = sortCode
        self.accountNumber = accountNumber
        self.frequency = frequency
        self.collectionDay = collectionDay
        self.start = start
        self.extra = extra
    }
}

/// A change asked of a mandate (`hub dd mandate amend`): only what is given changes.
public struct MandateAmendment: Sendable {
    public var payerName: String?
    public var sortCode: String?
    public var accountNumber: String?
    public var frequency: DDFrequency?
    public var collectionDay: String?
    public var start: Day?
    public var extra: Money?
    public var reason: String

    public init(
        payerName: String? = nil, sortCode: String? = nil, accountNumber: String? = nil, frequency: DDFrequency? = nil,
        collectionDay: String? = nil, start: Day? = nil, extra: Money? = nil, reason: String
    ) {
        self.payerName = payerName
        self.sortCode = sortCode
        self.accountNumber = accountNumber
        self.frequency = frequency
        self.collectionDay = collectionDay
        self.start = start
        self.extra = extra
        self.reason = reason
    }
}

/// Mandates: added, amended and cancelled by people, each change in one transaction with its
/// history (`dd_mandate_events`, who made it) and its AUDDIS lodgement queued for the next file.
public struct MandateStore: Sendable {
    public let config: DirectDebitConfig

    public init(config: DirectDebitConfig) { self.config = config }

    /// Reads a collection day: a weekday (`monday`, `mon`, `1`) for weekly frequencies, a day of
    /// the month on the menu for monthly.
    /// - Throws: `RunError.badInput` saying what is allowed.
    public func collectionDay(_ text: String, _ frequency: DDFrequency) throws -> Int {
        let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
        if frequency == .monthly {
            guard let day = Int(lower), config.monthlyDays.contains(day) else {
                throw RunError(.badInput, "collection day '\(text.prefix(12))' is not on the council's menu of monthly days (\(config.monthlyDays.map(String.init).joined(separator: ", ")), Config/direct-debit.yaml monthly-days)")
            }
            return day
        }
        let names = ["monday", "tuesday", "wednesday", "thursday", "friday"]
        if let n = Int(lower), (1...5).contains(n) { return n }
        if let index = names.firstIndex(where: { $0 == lower || $0.prefix(3) == lower }) { return index + 1 }
        throw RunError(.badInput, "collection day '\(text.prefix(12))' is not a weekday Monday to Friday (a \(frequency.rawValue) mandate collects on a weekday)")
    }

    /// The open (pending or live) mandate of an account.
    public static func open(account: String, on db: Connection) throws -> Mandate? {
        try db.queryOne(
            "SELECT \(unescaped: Mandate.columns) FROM dd_mandates m JOIN rent_accounts a ON a.id = m.account_id WHERE a.account_ref = \(account) AND m.status IN ('pending', 'live') ORDER BY m.id DESC LIMIT 1"
        ).map(Mandate.init)
    }

    /// Every mandate, or those of one status, by account.
    public static func list(status: String?, on db: Connection) throws -> [Mandate] {
        try db.query(
            "SELECT \(unescaped: Mandate.columns) FROM dd_mandates m JOIN rent_accounts a ON a.id = m.account_id WHERE (\(status)::text IS NULL OR m.status = \(status)) ORDER BY a.account_ref, m.id"
        ).map(Mandate.init)
    }

    /// The mandates of an account, newest first.
    public static func mandates(account: String, on db: Connection) throws -> [Mandate] {
        try db.query(
            "SELECT \(unescaped: Mandate.columns) FROM dd_mandates m JOIN rent_accounts a ON a.id = m.account_id WHERE a.account_ref = \(account) ORDER BY m.id DESC"
        ).map(Mandate.init)
    }

    /// Adds a mandate: pending, its 0N lodged with the next collection file.
    /// - Throws: `RunError.badInput` for bad bank details, an unknown account, a day not allowed;
    ///   `RunError.refused` when the account already has an open mandate (amend it instead).
    @discardableResult
    public func add(_ request: MandateRequest, on db: Connection) throws -> Mandate {
        let bank: BankDetails
        do { bank = try BankDetails(sortCode: request.sortCode, accountNumber: request.accountNumber) } catch {
            throw RunError(.badInput, "mandate for \(request.accountRef): \(error); nothing was saved")
        }
        let day = try collectionDay(request.collectionDay, request.frequency)
        let payer = request.payerName.trimmingCharacters(in: .whitespaces)
        guard !payer.isEmpty else { throw RunError(.badInput, "mandate for \(request.accountRef): the payer's name is empty") }
        guard request.extra.pence >= 0 else { throw RunError(.badInput, "the extra amount may not be negative") }
        return try db.transaction { db in
            guard let account = try db.queryOne("SELECT id, account_ref FROM rent_accounts WHERE account_ref = \(request.accountRef)") else {
                throw RunError(.badInput, "there is no rent account \(request.accountRef.prefix(20)); nothing was saved")
            }
            let reference = try Self.bacsReference(try account.decode(String.self, 1))
            if let existing = try Self.open(account: request.accountRef, on: db) {
                throw RunError(.refused, "account \(request.accountRef) already has \(existing.status) mandate \(existing.id); amend it (hub dd mandate amend) or cancel it first")
            }
            let id = try insert(
                accountId: try account.decode(Int64.self, 0), reference: reference, payer: payer, bank: bank, frequency: request.frequency,
                day: day, start: request.start, extra: request.extra.pence, replaces: nil, on: db)
            try lodge(id, "0N", on: db)
            try event(id, "created", old: nil, new: "pending", reason: "new mandate", on: db)
            return try find(id, on: db)!
        }
    }

    /// Amends a mandate. New bank details or payer name: the mandate is cancelled (0C, when it was
    /// lodged) and a new one made (0N) the same day. Other changes (frequency, day, start, extra):
    /// a new mandate row under the same instruction, no AUDDIS record.
    /// - Throws: `RunError` for bad values or an account without an open mandate.
    @discardableResult
    public func amend(account: String, _ change: MandateAmendment, on db: Connection) throws -> Mandate {
        try db.transaction { db in try amendInTransaction(account: account, change, on: db) }
    }

    /// `amend`, inside the caller's transaction (an arrears agreement's, or a run's).
    /// - Parameter runId: the run that makes the change (an arrears review ending an agreement), if any.
    func amendInTransaction(account: String, _ change: MandateAmendment, runId: Int64? = nil, on db: Connection) throws -> Mandate {
        guard let old = try Self.open(account: account, on: db) else {
            throw RunError(.badInput, "account \(account.prefix(20)) has no pending or live mandate to amend")
        }
        let bank: BankDetails
        do { bank = try BankDetails(sortCode: change.sortCode ?? old.sortCode, accountNumber: change.accountNumber ?? old.accountNumber) } catch {
            throw RunError(.badInput, "mandate for \(account): \(error); nothing was changed")
        }
        let frequency = change.frequency ?? old.frequency
        let day = try change.collectionDay.map { try collectionDay($0, frequency) } ?? old.collectionDay
        if change.frequency != nil && change.collectionDay == nil && (frequency == .monthly) != (old.frequency == .monthly) {
            throw RunError(.badInput, "a change between monthly and weekly frequencies needs a new --day")
        }
        let payer = change.payerName ?? old.payerName
        let relodge = bank.sortCode != old.sortCode || bank.accountNumber != old.accountNumber || payer != old.payerName
        let accountId = try db.queryOne("SELECT account_id FROM dd_mandates WHERE id = \(old.id)")!.decode(Int64.self, 0)
        try setStatus(old, "cancelled", action: "amended", reason: change.reason, runId: runId, on: db)
        if relodge && old.status == "live" { try lodge(old.id, "0C", on: db) }
        let id = try insert(
            accountId: accountId, reference: old.reference, payer: payer, bank: bank, frequency: frequency, day: day,
            start: change.start ?? old.start, extra: change.extra?.pence ?? old.extraPence, replaces: old.id, on: db,
            status: relodge ? "pending" : old.status, lodgedEntryDay: relodge ? nil : old.lodgedEntryDay, origin: relodge ? "hub" : old.origin)
        if relodge {
            try lodge(id, "0N", on: db)
        } else {
            // The same instruction: what the payer was told stays told (a new amount needs its own notice).
            try db.execute(
                "INSERT INTO dd_notices (mandate_id, amount_pence, first_date, sent_on, run_id) SELECT \(id), amount_pence, first_date, sent_on, run_id FROM dd_notices WHERE mandate_id = \(old.id)")
        }
        try event(id, "created", old: nil, new: relodge ? "pending" : old.status, reason: "amendment of mandate \(old.id): \(change.reason)", runId: runId, on: db)
        return try find(id, on: db)!
    }

    /// Cancels an account's open mandate: a 0C goes in the next file when it was lodged.
    /// - Throws: `RunError.badInput` without a reason or an open mandate.
    @discardableResult
    public func cancel(account: String, reason: String, on db: Connection) throws -> Mandate {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw RunError(.badInput, "give the reason for the cancellation (--reason)") }
        return try db.transaction { db in
            guard let old = try Self.open(account: account, on: db) else {
                throw RunError(.badInput, "account \(account.prefix(20)) has no pending or live mandate to cancel")
            }
            try setStatus(old, "cancelled", action: "cancelled", reason: reason, on: db)
            if old.status == "live" { try lodge(old.id, "0C", on: db) }
            return try find(old.id, on: db)!
        }
    }

    /// A mandate by id.
    public static func find(_ id: Int64, on db: Connection) throws -> Mandate? {
        try db.queryOne("SELECT \(unescaped: Mandate.columns) FROM dd_mandates m JOIN rent_accounts a ON a.id = m.account_id WHERE m.id = \(id)")
            .map(Mandate.init)
    }

    func find(_ id: Int64, on db: Connection) throws -> Mandate? { try Self.find(id, on: db) }

    /// The account reference as Bacs takes it (capitals, 6 to 18 characters, never `DDIC...`).
    static func bacsReference(_ accountRef: String) throws -> String {
        let reference = accountRef.uppercased()
        guard (6...18).contains(reference.count), reference.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || " .&/-".contains($0)) }),
              reference.filter({ $0.isLetter || $0.isNumber }).count >= 6, !reference.hasPrefix("DDIC")
        else {
            throw RunError(.badInput, "account reference '\(accountRef.prefix(20))' cannot be quoted to Bacs (6 to 18 capitals or digits, not starting DDIC)")
        }
        return reference
    }

    private func insert(
        accountId: Int64, reference: String, payer: String, bank: BankDetails, frequency: DDFrequency, day: Int, start: Day, extra: Int64,
        replaces: Int64?, on db: Connection, status: String = "pending", lodgedEntryDay: Day? = nil, origin: String = "hub"
    ) throws -> Int64 {
        try db.queryOne(
            """
            INSERT INTO dd_mandates (account_id, reference, payer_name, sort_code, account_number, frequency, collection_day, start_date,
                extra_pence, status, lodged_entry_day, origin, replaces_mandate_id)
            VALUES (\(accountId), \(reference), \(payer), \(bank.sortCode), \(bank.accountNumber), \(frequency.rawValue), \(day), \(start),
                \(extra), \(status), \(lodgedEntryDay), \(origin), \(replaces))
            RETURNING id
            """)!.decode(Int64.self, 0)
    }

    private func lodge(_ mandateId: Int64, _ code: String, on db: Connection) throws {
        try db.execute(
            """
            INSERT INTO dd_lodgements (mandate_id, code, sort_code, account_number, payer_name, reference)
            SELECT id, \(code), sort_code, account_number, payer_name, reference FROM dd_mandates WHERE id = \(mandateId)
            """)
    }

    /// Changes a mandate's status and records the change (who: the session's role).
    func setStatus(_ mandate: Mandate, _ status: String, action: String, reason: String, runId: Int64? = nil, on db: Connection) throws {
        try db.execute("UPDATE dd_mandates SET status = \(status) WHERE id = \(mandate.id)")
        try event(mandate.id, action, old: mandate.status, new: status, reason: reason, runId: runId, on: db)
    }

    /// Replaces a mandate with new bank details the payer's bank reported (ADDACS 3, C, E): the
    /// old one is cancelled without a 0C; the new one is lodged with 0N (`lodge`) or carries on
    /// under the same instruction.
    func replaceFromBank(
        _ old: Mandate, payer: String, sortCode: String, accountNumber: String, lodge relodge: Bool, reason: String, runId: Int64, on db: Connection
    ) throws -> Mandate {
        let bank: BankDetails
        do { bank = try BankDetails(sortCode: sortCode, accountNumber: accountNumber) } catch {
            throw RunError(.badInput, "\(reason) for \(old.accountRef): \(error); nothing was changed")
        }
        if old.status == "live" || old.status == "pending" {
            try setStatus(old, "cancelled", action: "replaced from the bank", reason: reason, runId: runId, on: db)
        }
        let accountId = try db.queryOne("SELECT account_id FROM dd_mandates WHERE id = \(old.id)")!.decode(Int64.self, 0)
        let id = try insert(
            accountId: accountId, reference: old.reference, payer: payer, bank: bank, frequency: old.frequency, day: old.collectionDay,
            start: old.start, extra: old.extraPence, replaces: old.id, on: db, status: relodge ? "pending" : "live",
            lodgedEntryDay: relodge ? nil : old.lodgedEntryDay, origin: relodge ? "hub" : old.origin)
        if relodge { try lodge(id, "0N", on: db) }
        try event(id, "created", old: nil, new: relodge ? "pending" : "live", reason: "\(reason): replaces mandate \(old.id)", runId: runId, on: db)
        // The amount notified for the old mandate stays notified: the payer has not been told anything new.
        try db.execute(
            "INSERT INTO dd_notices (mandate_id, amount_pence, first_date, sent_on, run_id) SELECT \(id), amount_pence, first_date, sent_on, \(runId) FROM dd_notices WHERE mandate_id = \(old.id)")
        return try find(id, on: db)!
    }

    private func event(_ id: Int64, _ action: String, old: String?, new: String?, reason: String, runId: Int64? = nil, on db: Connection) throws {
        try db.execute(
            "INSERT INTO dd_mandate_events (mandate_id, action, old_status, new_status, reason, run_id) VALUES (\(id), \(action), \(old), \(new), \(reason), \(runId))")
    }
}
