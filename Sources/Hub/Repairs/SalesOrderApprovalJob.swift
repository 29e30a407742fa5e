import Foundation
import HousingFinance
import Postgres

/// A person's approval of a held sales order, as a run (so that the sales-order file to ODS and
/// the posting of the cost commit together). Only a database role whose authorisation limit
/// (`Config/sales-order-review.yaml`) covers the order's value may approve it; the approver is
/// the connected role (`session_user`), or the console's person (`hub_actor()`) with their own limit.
public struct SalesOrderApprovalJob: Job {
    public static let name = "sales-order-approval"
    public static var reversal: ReversalRule { JobRules.reversal(of: name) }

    public let salesOrderId: Int64
    public let note: String
    public let review: SalesOrderReviewConfig

    public init(salesOrderId: Int64, note: String, review: SalesOrderReviewConfig) {
        self.salesOrderId = salesOrderId
        self.note = note
        self.review = review
    }

    public var businessKey: String { SalesOrderRecord.reference(salesOrderId) }
    public var parameters: [String: String] { ["sales-order": businessKey, "note": note] }

    public struct Report: JobReport {
        public var salesOrder: String
        public var jobNumber: String
        public var value: Money
        public var approvedBy: String
        public var authorisationLimit: Money
        public var salesOrderFile: String
        public var salesOrderFileSequence: Int64
        public var note: String
        public var counts: [String: Int] { ["approved": 1] }

        enum CodingKeys: String, CodingKey {
            case salesOrder, jobNumber, approvedBy, salesOrderFile, salesOrderFileSequence, note
            case value = "valuePence"
            case authorisationLimit = "authorisationLimitPence"
        }
        public var warnings: [String] { [] }
        public func render() -> String {
            """
            Sales order \(salesOrder) (job \(jobNumber), \(value.formatted)) approved by \(approvedBy) (authorisation limit \(authorisationLimit.formatted)).
              Note: \(note)
              Sales-order file to ODS: \(salesOrderFile) (sequence \(salesOrderFileSequence))

            """
        }
    }

    public func run(in context: RunContext) throws -> Report {
        let db = context.connection
        try SalesOrderFile.serialise(on: db)
        guard let row = try db.queryOne("SELECT status, priced_pence, job_number FROM sales_orders WHERE id = $1 FOR UPDATE", [salesOrderId]) else {
            throw RunError(.notFound, "there is no sales order \(businessKey)")
        }
        let status = try row.decode(String.self, 0)
        guard status == "held" else {
            throw RunError(.refused, "sales order \(businessKey) is \(status), not held: only held orders are approved or rejected by a person")
        }
        let value = Money(pence: try row.decode(Int64.self, 1))
        let (who, limit) = try SalesOrderAuthority.approver(limits: review.authorisationLimits, on: db)
        guard let limit else {
            throw RunError(
                .refused,
                "\(who) has no authorisation limit (none for the role or the roles it is a member of in \(SalesOrderReviewConfig.fileName)): sales order \(businessKey) (\(value.formatted)) was not approved")
        }
        guard limit.amount >= value else {
            throw RunError(
                .refused,
                "\(who)'s authorisation limit is \(limit.amount.formatted) (role \(limit.role)); sales order \(businessKey) is \(value.formatted): ask someone with a higher limit to approve it")
        }
        let now = try db.queryOne("SELECT now()")!.decode(Date.self, 0)
        try db.execute(
            "UPDATE sales_orders SET status = 'approved', approved_by = $2, approved_at = now(), approved_run_id = $3 WHERE id = $1",
            [salesOrderId, who, context.runId])
        try db.execute(
            "INSERT INTO sales_order_decisions (sales_order_id, decision, automatic, note, value_pence, run_id) VALUES ($1, 'approved', false, $2, $3, $4)",
            [salesOrderId, note, value.pence, context.runId])
        try db.execute(
            "INSERT INTO audit_events (action, entity, entity_ref, run_id, details) VALUES ('approve', 'sales-order', $1, $2, jsonb_build_object('note', $3::text, 'limit_role', $4::text))",
            [businessKey, context.runId, note, limit.role])
        let (order, analysis) = try SalesOrderRecord.salesOrder(salesOrderId, approvedBy: who, approvedAt: now, on: db)
        let file = try SalesOrderFile.store([order], councilId: review.councilId, created: now, in: context)
        try SalesOrderFile.post([(salesOrderId, order, analysis)], file: file, in: context)
        return Report(
            salesOrder: businessKey, jobNumber: try row.decode(String.self, 2), value: value, approvedBy: who, authorisationLimit: limit.amount,
            salesOrderFile: file.fileName, salesOrderFileSequence: file.sequence, note: note)
    }
}

/// Authorisation limits and a person's rejection of a held order.
public enum SalesOrderAuthority {
    /// The highest limit among a role's own entry and those of every role it is a member of
    /// (directly or through other roles). A superuser gets no limit from its superuser powers.
    /// - Returns: the limit and the role it comes from, or nil if none applies.
    public static func limit(of role: String, limits: [String: Money], on db: Connection) throws -> (amount: Money, role: String)? {
        let roles = try db.query(
            """
            WITH RECURSIVE member_of(oid) AS (
                SELECT oid FROM pg_roles WHERE rolname = $1
                UNION
                SELECT m.roleid FROM pg_auth_members m JOIN member_of ON m.member = member_of.oid)
            SELECT r.rolname::text FROM member_of JOIN pg_roles r ON r.oid = member_of.oid
            """, [role]
        ).compactMap { $0.text(0) }
        return roles.compactMap { name in limits[name].map { ($0, name) } }.max { ($0.0, $1.1) < ($1.0, $0.1) }
    }

    /// Who approves on this connection and their limit: the console's person (`hub_actor()`, when
    /// the connection acts for one) with their own limit from `hub users`, else the role's; or
    /// the connected role with the highest limit among its roles.
    public static func approver(limits: [String: Money], on db: Connection) throws -> (name: String, limit: (amount: Money, role: String)?) {
        let row = try db.queryOne("SELECT hub_actor(), session_user::text, current_user::text")!
        let who = try row.decode(String.self, 0)
        guard who != (try row.decode(String.self, 1)) else { return (who, try limit(of: who, limits: limits, on: db)) }
        if let own = try db.queryOne("SELECT approval_limit_pence FROM console_users WHERE name = $1", [who]),
           let pence = try own.decode(Int64?.self, 0)
        {
            return (who, (Money(pence: pence), "\(who) (hub users)"))
        }
        return (who, try limit(of: try row.decode(String.self, 2), limits: limits, on: db))
    }

    /// Rejects a held sales order, recording who (the connected role), when and why. Nothing is
    /// sent to ODS and nothing is posted.
    /// - Throws: `RunError.notFound` or `.refused` (the order is not held).
    public static func reject(_ id: Int64, reason: String, on db: Connection) throws -> SalesOrderRecord {
        let reference = SalesOrderRecord.reference(id)
        guard !reason.trimmingSpaces.isEmpty else { throw RunError(.badInput, "give the reason for rejecting \(reference)") }
        try db.execute("BEGIN")
        do {
            guard let row = try db.queryOne("SELECT status, reasons::text, priced_pence FROM sales_orders WHERE id = $1 FOR UPDATE", [id]) else {
                throw RunError(.notFound, "there is no sales order \(reference)")
            }
            let status = try row.decode(String.self, 0)
            guard status == "held" else {
                throw RunError(.refused, "sales order \(reference) is \(status), not held: only held orders are approved or rejected by a person")
            }
            var reasons = try JSONDecoder().decode([SalesOrderReview.Reason].self, from: Data(try row.decode(String.self, 1).utf8))
            reasons.append(SalesOrderReview.Reason("rejected-by-reviewer", reason))
            try db.execute(
                "UPDATE sales_orders SET status = 'rejected', reasons = $2::jsonb WHERE id = $1",
                [id, try HubJSON.text(reasons)])
            try db.execute(
                "INSERT INTO sales_order_decisions (sales_order_id, decision, automatic, note, value_pence) VALUES ($1, 'rejected', false, $2, $3)",
                [id, reason, try row.decode(Int64?.self, 2)])
            try db.execute(
                "INSERT INTO audit_events (action, entity, entity_ref, details) VALUES ('reject', 'sales-order', $1, jsonb_build_object('reason', $2::text))",
                [reference, reason])
            try db.execute("COMMIT")
        } catch {
            if db.isHealthy { _ = try? db.execute("ROLLBACK") }
            throw error
        }
        return try SalesOrderRecord.find(id, on: db)!
    }
}
