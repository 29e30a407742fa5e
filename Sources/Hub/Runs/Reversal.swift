import Foundation
import HousingFinance
import Postgres

/// The reversal rules of every job, by name. A job not listed here may not be reversed.
public enum JobRules {
    /// How runs of a job may be reversed.
    public static func reversal(of job: String) -> ReversalRule {
        switch job {
        case RentDebitJob.name: return RentDebitJob.reversal
        case ReversalJob.name: return ReversalJob.reversal
        default: return registered[job] ?? .never("\(job) runs cannot be reversed")
        }
    }

    /// Rules of the jobs added by later modules of the hub (imports, exports...), by name.
    static let registered: [String: ReversalRule] = [
        "load-opening-balances": .independent,
        PropertiesLoad.jobName: PropertiesLoad.reversal, TenanciesLoad.jobName: TenanciesLoad.reversal,
        AccountsLoad.jobName: AccountsLoad.reversal, ChargesLoad.jobName: ChargesLoad.reversal,
        "payment-import": .independent,
        "suspense-allocation": .independent,
        "sales-order-review": .never("approved sales orders have been sent to ODS; reject or credit them instead"),
        "sales-order-approval": .never("the approved sales order has been sent to ODS; credit it instead"),
        "load-sor": .never("rates are reference data: load a correcting row with the same effective_from instead"),
        "load-contract-terms": .never("terms are reference data: load a correcting row with the same effective_from instead"),
        "load-repair-orders": .never("raised orders are reference data"),
        "gl-export": .never("its journal has been sent to the finance system; later postings flow out in the next journal instead"),
        "council-tax-export": .never("its file has been sent to council tax billing; send an amendment instead"),
    ]
}

/// Reverses a run: posts equal and opposite entries in a new run, dated the reversal's business
/// date (each in the rent week it reverses), and links the two runs. Nothing is deleted or edited.
public struct ReversalJob: Job {
    public static let name = "reversal"
    public static let reversal = ReversalRule.never("a reversal cannot itself be reversed; run the original job again instead")

    public let originalRunId: Int64
    public let reason: String

    public init(originalRunId: Int64, reason: String) {
        self.originalRunId = originalRunId
        self.reason = reason
    }

    public var businessKey: String { "run \(originalRunId)" }
    public var parameters: [String: String] { ["run": String(originalRunId), "reason": reason] }

    public struct Report: JobReport {
        public var originalRunId: Int64
        public var originalJob: String
        public var originalKey: String
        public var entriesReversed: Int
        public var netPence: Int64
        public var reason: String
        public var counts: [String: Int] { ["entries reversed": entriesReversed] }
        public var warnings: [String] { [] }
        public func render() -> String {
            "Reversed run \(originalRunId) (\(originalJob) \(originalKey.count == 64 ? Wording.shortHash(originalKey) : originalKey)): \(Wording.count(entriesReversed, "entry")), net \(Money(pence: netPence).formatted) taken back.\nReason: \(reason)\n"
        }
    }

    /// Why a run cannot be reversed now, or nil if it can.
    public static func refusal(for run: RunRecord, on connection: Connection) throws -> String? {
        if run.status != "completed" { return "run \(run.id) is \(run.status), not completed: there is nothing to reverse" }
        if let by = run.reversedByRunId { return "run \(run.id) was already reversed by run \(by)" }
        switch JobRules.reversal(of: run.job) {
        case .never(let why): return "run \(run.id) (\(run.job)) cannot be reversed: \(why)"
        case .independent: return nil
        case .newestFirst:
            if let later = try connection.queryOne(
                "SELECT id, business_key FROM runs WHERE job = $1 AND id > $2 AND status = 'completed' AND reversed_by_run_id IS NULL ORDER BY id DESC LIMIT 1",
                [run.job, run.id])
            {
                return "run \(run.id) (\(run.job) \(run.businessKey)) cannot be reversed before the later run \(try later.decode(Int64.self, 0)) (\(try later.decode(String.self, 1))): \(run.job) runs are reversed newest first (use --back-to)"
            }
            return nil
        }
    }

    /// What to say to someone who wants a completed run done again: reverse it first when the hub
    /// allows that now, else why it cannot be (a file already sent, a later run to reverse first).
    /// - Parameter again: what is wanted, as in "if it must be `run again`".
    public static func rerunAdvice(runId: Int64, on connection: Connection, again: String) throws -> String {
        guard let run = try RunRecord.find(runId, on: connection) else { return "" }
        guard let refusal = try refusal(for: run, on: connection) else {
            return "Reverse run \(runId) first if it must be \(again) (`hub runs reverse \(runId) --reason TEXT`)."
        }
        return "It cannot be \(again): \(refusal)."
    }

    public func run(in context: RunContext) throws -> Report {
        let db = context.connection
        guard let original = try RunRecord.find(originalRunId, on: db) else { throw RunError(.notFound, "there is no run \(originalRunId)") }
        if let refusal = try ReversalJob.refusal(for: original, on: db) { throw RunError(.refused, refusal, runId: originalRunId) }
        // The hub's own function posts the contra entries and marks the original, in one step,
        // under a lock of the original's row (so two reversals of it cannot race); it checks
        // again that the original may be reversed (docs/security.md).
        let result = try db.queryOne(
            "SELECT entries, net_pence, gl_entries FROM hub_run_reverse($1, $2, $3, $4)",
            [originalRunId, context.runId, context.businessDate, reason])!
        return Report(
            originalRunId: originalRunId, originalJob: original.job, originalKey: original.businessKey,
            entriesReversed: try result.decode(Int.self, 0) + result.decode(Int.self, 2), netPence: try result.decode(Int64.self, 1), reason: reason)
    }
}

/// Unwinding back to a known-good run: the plan, checked before anything is done.
public struct UnwindPlan: Sendable {
    /// The runs to reverse, newest first.
    public var runs: [RunRecord]

    /// Plans reversing every completed, unreversed run after `runId`, newest first.
    /// - Throws: `RunError.refused` naming every later run that cannot be reversed, and why.
    public static func back(to runId: Int64, on connection: Connection) throws -> UnwindPlan {
        // Run 0 stands for the beginning: unwinding back to it reverses every run.
        guard try runId == 0 || RunRecord.find(runId, on: connection) != nil else { throw RunError(.notFound, "there is no run \(runId)") }
        let later = try connection.query(
            "SELECT \(unescaped: RunRecord.columns) FROM runs WHERE id > $1 AND status = 'completed' AND reversed_by_run_id IS NULL ORDER BY id DESC",
            [runId]
        ).map(RunRecord.init)
        var plan: [RunRecord] = []
        var problems: [String] = []
        for run in later {
            if run.job == ReversalJob.name {
                // A reversal made after the point of a run also after it cancels out; one of an
                // earlier run cannot be undone by a reversal.
                if let original = run.reversesRunId, original > runId { continue }
                problems.append("run \(run.id) reverses run \(run.reversesRunId ?? 0), which is before run \(runId); re-run that job instead")
                continue
            }
            if case .never(let why) = JobRules.reversal(of: run.job) {
                problems.append("run \(run.id) (\(run.job) \(run.businessKey)) cannot be reversed: \(why)")
                continue
            }
            plan.append(run)
        }
        if !problems.isEmpty {
            throw RunError(.refused, "cannot unwind back to run \(runId):\n  " + problems.joined(separator: "\n  "))
        }
        return UnwindPlan(runs: plan)
    }
}
