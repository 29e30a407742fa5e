import BankFiles
import Foundation
import HousingFinance
import Postgres

/// The review of one ODS completed-jobs file (DOMAIN.md, "Repairs"; docs/repairs.md): every job
/// priced at the contract price in force on its completion date, then rejected, held or approved
/// with reasons. Approved orders go to ODS in one sales-order file (validated against the XSD)
/// and their costs are posted to `gl_postings`, all in the run's transaction. One run per file:
/// the business key is the file's SHA-256.
public struct SalesOrderReviewJob: Job {
    public static let name = "sales-order-review"
    public static var reversal: ReversalRule { JobRules.reversal(of: name) }

    public let fileName: String
    public let bytes: [UInt8]
    public let review: SalesOrderReviewConfig

    public init(fileName: String, bytes: [UInt8], review: SalesOrderReviewConfig) {
        self.fileName = fileName
        self.bytes = bytes
        self.businessKey = SHA256.hex(SHA256.hash(bytes))
        self.review = review
    }

    /// The file's SHA-256 (hex), computed once.
    public let businessKey: String
    public var parameters: [String: String] { ["file": fileName, "sha256": businessKey] }
    public var inboundFile: InboundFile? { InboundFile(kind: "ods-completed-jobs", fileName: fileName, sha256: businessKey, source: .bytes(bytes)) }

    /// One job's verdict, for the report.
    public struct Verdict: Codable, Hashable, Sendable {
        public var salesOrder: String
        public var jobNumber: String
        public var decision: SalesOrderReview.Decision
        public var priced: Money?
        public var claimed: Money
        public var reasons: [String]

        enum CodingKeys: String, CodingKey {
            case salesOrder, jobNumber, decision, reasons
            case priced = "pricedPence"
            case claimed = "claimedPence"
        }
    }

    public struct Report: JobReport {
        public var file: String
        public var jobs: Int
        public var approved: Int
        public var held: Int
        public var rejected: Int
        public var approvedValue: Money
        public var heldValue: Money
        public var verdicts: [Verdict]
        /// The sales-order file made for ODS, if anything was approved.
        public var salesOrderFile: String?
        public var salesOrderFileSequence: Int64?
        /// The run, to say where every verdict is listed.
        public var runId: Int64
        public var isPreview: Bool
        public var warnings: [String] { [] }
        public var counts: [String: Int] { ["jobs": jobs, "approved": approved, "held": held, "rejected": rejected] }

        enum CodingKeys: String, CodingKey {
            case file, jobs, approved, held, rejected, verdicts, salesOrderFile, salesOrderFileSequence, runId, isPreview
            case approvedValue = "approvedValuePence"
            case heldValue = "heldValuePence"
        }

        public func render() -> String {
            var text = "Sales-order review of \(file): \(Wording.count(jobs, "job"))\n"
            text += "  approved: \(Wording.number(approved)) (\(approvedValue.formatted)), held: \(Wording.number(held)) (\(heldValue.formatted)), rejected: \(Wording.number(rejected))\n"
            for decision in [SalesOrderReview.Decision.approved, .held, .rejected] {
                let some = verdicts.filter { $0.decision == decision }
                guard !some.isEmpty else { continue }
                text += "  \(decision.rawValue.capitalized): \(Wording.count(some.count, "order"))\n"
                var table = TextTable([
                    .init("Sales order"), .init("Job"), .init("Priced", .right), .init("Claimed", .right), .init("Reasons"),
                ])
                for verdict in some.prefix(LongList.shown) {
                    table.add([
                        verdict.salesOrder, verdict.jobNumber, verdict.priced?.formatted ?? "not priced", verdict.claimed.formatted,
                        verdict.reasons.joined(separator: "; "),
                    ])
                }
                text += table.render(indent: 4)
                if some.count > LongList.shown {
                    text += "    ... and \(Wording.number(some.count - LongList.shown)) more: \(LongList.seeAll(runId: runId, preview: isPreview))\n"
                }
            }
            if let salesOrderFile {
                text += "  Sales-order file to ODS: \(salesOrderFile) (sequence \(salesOrderFileSequence ?? 0))\n"
            } else {
                text += "  Nothing approved: no sales-order file.\n"
            }
            return text
        }
    }

    public func run(in context: RunContext) throws -> Report {
        let db = context.connection
        let file: CompletedJobsFile
        do { file = try CompletedJobsReader.read(bytes: bytes, name: fileName) } catch {
            throw RunError(.badInput, error.description)
        }
        // Reviews and approvals take turns (a transaction lock, held to commit), so that two files
        // with the same job reviewed at once cannot both approve it: the second sees the first's
        // approval and rejects the job as already billed.
        try SalesOrderFile.serialise(on: db)
        let pricing = try RepairsPricing.load(on: db)
        let now = try db.queryOne("SELECT now()")!.decode(Date.self, 0)
        var report = Report(
            file: fileName, jobs: file.jobs.count, approved: 0, held: 0, rejected: 0, approvedValue: .zero, heldValue: .zero,
            verdicts: [], salesOrderFile: nil, salesOrderFileSequence: nil, runId: context.runId, isPreview: context.isPreview)
        var approved: [(id: Int64, order: SalesOrder, analysis: String)] = []
        var inThisFile: [String: String] = [:]  // job number -> sales order approved or held in this run
        let approvedBy = "automatic review (run \(context.runId))"

        // Everything the jobs need, in three queries: their raised orders and properties, the
        // tenancies of those properties (void or not), and earlier sales orders of the same jobs.
        let numbers = PostgresArray(Set(file.jobs.map(\.jobNumber)).sorted())
        var raisedOrders: [String: (id: Int64, order: SalesOrderReview.RaisedOrder, propertyId: Int64, ownedFrom: Day, ownedTo: Day?)] = [:]
        for row in try db.query(
            """
            SELECT r.job_number, r.id, p.property_ref, r.priority, r.raised_date, r.estimate_pence, p.id, p.owned_from, p.owned_to
            FROM repair_orders r JOIN properties p ON p.id = r.property_id WHERE r.job_number = ANY($1::text[])
            """, [numbers])
        {
            let number = try row.decode(String.self, 0)
            raisedOrders[number] = (
                try row.decode(Int64.self, 1),
                SalesOrderReview.RaisedOrder(
                    jobNumber: number, propertyReference: try row.decode(String.self, 2),
                    priority: SalesOrder.Priority(rawValue: try row.decode(String.self, 3)) ?? .normal,
                    raisedDate: try row.decode(Day.self, 4), estimate: Money(pence: try row.decode(Int64.self, 5))),
                try row.decode(Int64.self, 6), try row.decode(Day.self, 7), try row.decode(Day?.self, 8))
        }
        var tenancies: [Int64: [(start: Day, end: Day?)]] = [:]
        for row in try db.query(
            "SELECT property_id, start_date, end_date FROM tenancies WHERE property_id = ANY($1::bigint[])",
            [PostgresArray(Set(raisedOrders.values.map(\.propertyId)).sorted())])
        {
            tenancies[try row.decode(Int64.self, 0), default: []].append((try row.decode(Day.self, 1), try row.decode(Day?.self, 2)))
        }
        var earlier: [String: String] = [:]
        for row in try db.query(
            "SELECT job_number, id, status, review_run_id FROM sales_orders WHERE job_number = ANY($1::text[]) AND status IN ('approved', 'held') ORDER BY id",
            [numbers])
        {
            let number = try row.decode(String.self, 0)
            guard earlier[number] == nil else { continue }
            let status = try row.decode(String.self, 2)
            earlier[number] = "sales order \(SalesOrderRecord.reference(try row.decode(Int64.self, 1))) (\(status == "held" ? "held for review" : "approved"), review run \(try row.decode(Int64.self, 3)))"
        }
        var lineRows: [(id: Int64, number: Int, code: String, description: String, quantity: Int64, unit: Int64?, value: Int64?)] = []
        var decisionRows: [(id: Int64, decision: String, note: String, value: Int64?)] = []

        for job in file.jobs {
            let raised = raisedOrders[job.jobNumber]
            let order = raised?.order
            let orderId = raised?.id
            let day = job.completionDate
            let owned = raised.map { $0.ownedFrom <= day && ($0.ownedTo.map { day <= $0 } ?? true) } ?? false
            let void = raised.map { raised in
                !(tenancies[raised.propertyId] ?? []).contains { $0.start <= day && ($0.end.map { day <= $0 } ?? true) }
            } ?? false
            let billedAs = inThisFile[job.jobNumber].map { "\($0) earlier in this file" } ?? earlier[job.jobNumber]
            let outcome = SalesOrderReview.review(
                SalesOrderReview.Completion(
                    jobNumber: job.jobNumber, completionDate: job.completionDate, claimed: job.claimed,
                    lines: job.lines.map { ($0.sorCode, $0.quantity) }),
                order: order, councilOwned: owned, billedAs: billedAs, pricing: pricing, businessDate: context.businessDate,
                settings: review.settings)
            let analysis = order.map { void ? RepairsCodes.void : RepairsCodes.analysis(for: $0.priority) }
            let reasonsJSON = try HubJSON.text(outcome.reasons)
            let id = try db.queryOne(
                """
                INSERT INTO sales_orders (review_run_id, file_sha256, file_name, file_line, job_number, repair_order_id, completion_date,
                    operative, claimed_pence, priced_pence, estimate_pence, status, reasons, analysis, approved_by, approved_at, approved_run_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15, CASE WHEN $15::text IS NULL THEN NULL ELSE now() END, $16)
                RETURNING id
                """,
                [context.runId, businessKey, fileName, job.fileLine, job.jobNumber, orderId, job.completionDate, job.operative,
                 job.claimed.pence, outcome.pricedValue?.pence, order?.estimate.pence, outcome.decision.rawValue, reasonsJSON, analysis,
                 outcome.decision == .approved ? approvedBy : nil, outcome.decision == .approved ? context.runId : nil])!.decode(Int64.self, 0)
            let priced = Dictionary(outcome.lines.map { ($0.sorCode, $0) }, uniquingKeysWith: { a, _ in a })
            for (number, line) in job.lines.enumerated() {
                let price = priced[line.sorCode]
                lineRows.append((
                    id, number + 1, line.sorCode, price?.description ?? line.sorCode, line.quantity.hundredths, price?.unitPrice.pence,
                    price.map { ContractPricing.lineValue(unitPrice: $0.unitPrice, quantity: line.quantity).pence }))
            }
            decisionRows.append((
                id, outcome.decision.rawValue,
                outcome.reasons.isEmpty ? "within tolerance and the automatic approval limit" : outcome.reasons.map(\.text).joined(separator: "; "),
                outcome.pricedValue?.pence))
            let reference = SalesOrderRecord.reference(id)
            report.verdicts.append(Verdict(
                salesOrder: reference, jobNumber: job.jobNumber, decision: outcome.decision, priced: outcome.pricedValue, claimed: job.claimed,
                reasons: outcome.reasons.map(\.text)))
            switch outcome.decision {
            case .approved:
                report.approved += 1
                report.approvedValue += outcome.pricedValue!
                inThisFile[job.jobNumber] = reference
                approved.append((
                    id,
                    SalesOrder(
                        salesOrderId: reference, jobNumber: job.jobNumber, propertyReference: order!.propertyReference, priority: order!.priority,
                        completionDate: job.completionDate, approvedValue: outcome.pricedValue!, approvedBy: approvedBy, approvedAt: now,
                        lines: outcome.lines),
                    analysis!))
            case .held:
                report.held += 1
                report.heldValue += outcome.pricedValue!
                inThisFile[job.jobNumber] = reference
            case .rejected:
                report.rejected += 1
            }
        }
        try db.copyIntoLandlordTable(
            table: "sales_order_lines",
            columns: ["sales_order_id", "line_number", "sor_code", "description", "quantity_hundredths", "unit_price_pence", "value_pence"]
        ) { rows in
            for line in lineRows {
                try rows.beginRow(columns: 7)
                rows.write(line.id)
                rows.write(Int32(line.number))
                rows.write(line.code)
                rows.write(line.description)
                rows.write(line.quantity)
                rows.write(line.unit)
                rows.write(line.value)
            }
        }
        try db.copyIntoLandlordTable(
            table: "sales_order_decisions", columns: ["sales_order_id", "decision", "automatic", "note", "value_pence", "run_id"]
        ) { rows in
            for decision in decisionRows {
                try rows.beginRow(columns: 6)
                rows.write(decision.id)
                rows.write(decision.decision)
                rows.write(true)
                rows.write(decision.note)
                rows.write(decision.value)
                rows.write(context.runId)
            }
        }
        if !approved.isEmpty {
            let stored = try SalesOrderFile.store(approved.map(\.order), councilId: review.councilId, created: now, in: context)
            try SalesOrderFile.post(approved, file: stored, in: context)
            report.salesOrderFile = stored.fileName
            report.salesOrderFileSequence = stored.sequence
        }
        try db.execute(
            "INSERT INTO audit_events (action, entity, entity_ref, run_id, details) VALUES ('review', 'ods-completed-jobs', $1, $2, jsonb_build_object('file', $3::text, 'approved', $4::int, 'held', $5::int, 'rejected', $6::int))",
            [businessKey, context.runId, fileName, report.approved, report.held, report.rejected])
        return report
    }
}

/// The schedule of rates and contract terms as stored.
public enum RepairsPricing {
    /// Loads every rate, uplift and override (ids as load order).
    public static func load(on db: Connection) throws -> ContractPricing {
        let rates = try db.query("SELECT code, description, unit, base_pence, effective_from, effective_to, id FROM sor_rates").map {
            ContractPricing.Rate(
                code: try $0.decode(String.self, 0), description: try $0.decode(String.self, 1), unit: try $0.decode(String.self, 2),
                basePrice: Money(pence: try $0.decode(Int64.self, 3)), effectiveFrom: try $0.decode(Day.self, 4),
                effectiveTo: try $0.decode(Day?.self, 5), order: try $0.decode(Int64.self, 6))
        }
        let uplifts = try db.query("SELECT basis_points, effective_from, effective_to, id FROM contract_uplifts").map {
            ContractPricing.Uplift(
                basisPoints: try $0.decode(Int64.self, 0), effectiveFrom: try $0.decode(Day.self, 1), effectiveTo: try $0.decode(Day?.self, 2),
                order: try $0.decode(Int64.self, 3))
        }
        let overrides = try db.query("SELECT code, price_pence, effective_from, effective_to, id FROM contract_overrides").map {
            ContractPricing.Override(
                code: try $0.decode(String.self, 0), price: Money(pence: try $0.decode(Int64.self, 1)), effectiveFrom: try $0.decode(Day.self, 2),
                effectiveTo: try $0.decode(Day?.self, 3), order: try $0.decode(Int64.self, 4))
        }
        return ContractPricing(rates: rates, uplifts: uplifts, overrides: overrides)
    }
}
