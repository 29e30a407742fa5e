import BankFiles
import Foundation
import HousingFinance
import Postgres

/// Going back to a known-good point without losing the work done since: `hub runs rewind`
/// reverses every later run newest first (files already sent stay sent, and the reversals flow
/// out in the next file as corrections); `hub runs replay` then runs the reversed runs again,
/// oldest first, from their stored inputs and business dates, leaving out the ones named.
public struct RewindPlan: Sendable {
    public enum Action: Sendable, Hashable {
        /// The run is reversed (equal and opposite entries in a reversal run).
        case reverse
        /// The run stays as it is, for the reason given (a file already sent to another system).
        case keep(String)
    }

    public struct Step: Sendable {
        public var run: RunRecord
        public var action: Action
    }

    /// The point: every completed run after this one is in the plan.
    public var toRunId: Int64
    /// The checkpoint named, if the point was given as one.
    public var checkpoint: String?
    /// The later runs, newest first.
    public var steps: [Step]

    /// The runs to reverse, newest first.
    public var reversals: [RunRecord] { steps.filter { $0.action == .reverse }.map(\.run) }

    /// Plans going back to a run or a checkpoint (`to` is a checkpoint's name or a run id).
    /// - Throws: `RunError.notFound` when there is no such checkpoint or run.
    public static func make(to point: String, on db: Connection) throws -> RewindPlan {
        var toRunId: Int64
        var checkpoint: String?
        if let found = try Checkpoint.find(point, on: db) {
            toRunId = found.runId
            checkpoint = found.name
        } else if let id = Int64(point), id >= 0 {
            guard try id == 0 || RunRecord.find(id, on: db) != nil else { throw RunError(.notFound, "there is no run \(id)") }
            toRunId = id
        } else {
            throw RunError(.badInput, "'\(point.prefix(40))' is neither a checkpoint nor a run id (list them with `hub checkpoint list` and `hub runs list`)")
        }
        let later = try db.query(
            "SELECT \(unescaped: RunRecord.columns) FROM runs WHERE id > \(toRunId) AND status = 'completed' AND reversed_by_run_id IS NULL ORDER BY id DESC"
        ).map(RunRecord.init)
        var steps: [Step] = []
        for run in later {
            if run.job == ReversalJob.name {
                // A reversal of a run after the point cancels with it (the original is already
                // marked reversed, so it is not in the list either).
                if let original = run.reversesRunId, original > toRunId { continue }
                steps.append(Step(run: run, action: .keep("it reverses run \(run.reversesRunId ?? 0), from before the point; it stays")))
                continue
            }
            switch JobRules.reversal(of: run.job) {
            case .never(let why):
                steps.append(Step(run: run, action: .keep("stays (\(why)); the reversals below go out in the next file as corrections")))
            case .independent, .newestFirst:
                steps.append(Step(run: run, action: .reverse))
            }
        }
        return RewindPlan(toRunId: toRunId, checkpoint: checkpoint, steps: steps)
    }

    /// The plan as people read it.
    public func render() -> String {
        let point = checkpoint.map { "checkpoint \($0) (run \(toRunId))" } ?? "run \(toRunId)"
        guard !steps.isEmpty else { return "Nothing to rewind: no completed run after \(point).\n" }
        var table = TextTable([.init("Action"), .init("Run", .right), .init("Job"), .init("Key"), .init("Business date"), .init("Why kept")])
        for step in steps {
            let run = step.run
            switch step.action {
            case .reverse: table.add(["reverse", String(run.id), run.job, run.displayKey, run.businessDate.iso])
            case .keep(let why): table.add(["keep", String(run.id), run.job, run.displayKey, run.businessDate.iso, why])
            }
        }
        return "Rewind to \(point): \(Wording.number(reversals.count)) of \(Wording.count(steps.count, "later run")) will be reversed, newest first:\n"
            + table.render(indent: 2)
    }
}

/// What a rewind did.
public struct RewindResult: Codable, Sendable {
    public var rewindId: Int64
    public var toRunId: Int64
    public var checkpoint: String?
    /// Original run id and the reversal run that took it back.
    public var reversed: [ReversedRun]
    public var kept: [Int64]

    public struct ReversedRun: Codable, Sendable, Hashable {
        public var runId: Int64
        public var job: String
        public var reversalRunId: Int64
    }

    public func render() -> String {
        var text = "Rewind \(rewindId) to \(checkpoint.map { "checkpoint \($0) (run \(toRunId))" } ?? "run \(toRunId)"): \(Wording.count(reversed.count, "run")) reversed, \(Wording.number(kept.count)) kept.\n"
        if !reversed.isEmpty {
            var table = TextTable([.init("Run", .right), .init("Job"), .init("Reversed by run", .right)])
            for run in reversed { table.add([String(run.runId), run.job, String(run.reversalRunId)]) }
            text += table.render(indent: 2)
        }
        return text + "Run them again with `hub runs replay` (leave out the faulty one with --except RUN).\n"
    }
}

/// Carries out rewinds and replays through the run framework.
public struct Rewinder: Sendable {
    public let runner: Runner
    public let config: HubConfig

    public init(runner: Runner, config: HubConfig) {
        self.runner = runner
        self.config = config
    }

    /// Reverses every run of the plan, newest first, each in its own reversal run, recording the
    /// rewind as it goes (a rewind stopped half way by a refusal keeps what it did; run the same
    /// rewind again once the cause is fixed).
    public func rewind(_ plan: RewindPlan, reason: String, businessDate: Day) throws -> RewindResult {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 1000 else { throw RunError(.badInput, "--reason must say why, in 1 to 1,000 characters") }
        let db = try runner.database.connect()
        let rewindId = try db.queryOne(
            "INSERT INTO rewinds (to_run_id, checkpoint, reason) VALUES (\(plan.toRunId), \(plan.checkpoint), \(trimmed)) RETURNING id")!
            .decode(Int64.self, 0)
        var result = RewindResult(rewindId: rewindId, toRunId: plan.toRunId, checkpoint: plan.checkpoint, reversed: [], kept: [])
        for step in plan.steps {
            switch step.action {
            case .keep(let why):
                try db.execute(
                    "INSERT INTO rewind_steps (rewind_id, run_id, action, note) VALUES (\(rewindId), \(step.run.id), 'kept', \(why))")
                result.kept.append(step.run.id)
            case .reverse:
                let outcome = try runner.run(
                    ReversalJob(originalRunId: step.run.id, reason: "rewind \(rewindId): \(trimmed)"), businessDate: businessDate)
                try db.execute(
                    """
                    INSERT INTO rewind_steps (rewind_id, run_id, action, reversal_run_id)
                    VALUES (\(rewindId), \(step.run.id), 'reversed', \(outcome.record.id))
                    """)
                result.reversed.append(.init(runId: step.run.id, job: step.run.job, reversalRunId: outcome.record.id))
            }
        }
        return result
    }

    /// One reversed run waiting to be replayed.
    public struct Pending: Sendable {
        public var rewindId: Int64
        public var run: RunRecord
    }

    /// The runs reversed by rewinds and not yet replayed (or left out), oldest first.
    public func pending(on db: Connection) throws -> [Pending] {
        try db.query(
            """
            SELECT s.rewind_id, s.run_id FROM rewind_steps s
            WHERE s.action = 'reversed'
              AND NOT EXISTS (SELECT 1 FROM rewind_replays p WHERE p.rewind_id = s.rewind_id AND p.run_id = s.run_id)
            ORDER BY s.run_id
            """
        ).map { row in
            Pending(rewindId: try row.decode(Int64.self, 0), run: try RunRecord.find(try row.decode(Int64.self, 1), on: db)!)
        }
    }

    /// What a replay did with each run.
    public struct Replayed: Codable, Sendable, Hashable {
        public var runId: Int64
        public var job: String
        public var businessKey: String
        public var outcome: String
        public var replayRunId: Int64?
        public var note: String?
    }

    /// Runs every pending run again, oldest first, from its stored input and business date,
    /// except those named. A run that cannot be replayed from stored input (a suspense allocation,
    /// an approval) is listed to be done again by hand.
    public func replay(except: Set<Int64>) throws -> [Replayed] {
        let db = try runner.database.connect()
        var done: [Replayed] = []
        for pending in try self.pending(on: db) {
            let run = pending.run
            var entry = Replayed(runId: run.id, job: run.job, businessKey: run.businessKey, outcome: "replayed", replayRunId: nil, note: nil)
            if except.contains(run.id) {
                entry.outcome = "excepted"
                entry.note = "left out on purpose"
            } else {
                do {
                    if let id = try replay(run, on: db) {
                        entry.replayRunId = id
                    } else {
                        entry.outcome = "not-replayable"
                        entry.note = "\(run.job) runs are not replayed from stored input: do it again by hand if it is still wanted"
                    }
                } catch let error as RunError where error.code == .alreadyCompleted && error.runId != nil {
                    // Replayed before a crash that came before its record: link the run that did it.
                    entry.replayRunId = error.runId
                }
            }
            try db.execute(
                """
                INSERT INTO rewind_replays (rewind_id, run_id, outcome, replay_run_id, note)
                VALUES (\(pending.rewindId), \(run.id), \(entry.outcome), \(entry.replayRunId), \(entry.note))
                """)
            done.append(entry)
        }
        return done
    }

    /// Runs one run again; nil when its job is not replayable.
    func replay(_ run: RunRecord, on db: Connection) throws -> Int64? {
        switch run.job {
        case RentDebitJob.name:
            let runs = RentDebitRuns(runner: runner, config: config)
            if run.parameters["adjustments-run"] != nil, let monday = run.parameters["week"].flatMap({ Day(iso: $0) }) {
                // An adjustments run: what the changes replayed before it leave to adjust, if anything.
                return try runs.adjust(through: RentWeek(containing: monday), businessDate: run.businessDate)?.record.id
            }
            guard let monday = Day(iso: run.businessKey) else { return nil }
            let job = runs.job(for: RentWeek(containing: monday))
            return try runner.run(job, businessDate: run.businessDate).record.id
        case PropertiesLoad.jobName: return try replayLoad(PropertiesLoad.self, run, on: db)
        case TenanciesLoad.jobName: return try replayLoad(TenanciesLoad.self, run, on: db)
        case AccountsLoad.jobName: return try replayLoad(AccountsLoad.self, run, on: db)
        case ChargesLoad.jobName: return try replayLoad(ChargesLoad.self, run, on: db)
        case OpeningBalancesLoad.jobName: return try replayLoad(OpeningBalancesLoad.self, run, on: db)
        case PaymentImportJob.name:
            guard let input = try InboundFileStore.input(ofRun: run.id, on: db) else { return nil }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-replay-\(getpid())-\(run.id)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let url = folder.appendingPathComponent(URL(fileURLWithPath: input.fileName).lastPathComponent)
            try InboundFileStore.write(sha256: input.sha256, to: url, on: db)
            let format = run.parameters["format"].flatMap { $0 == "auto" ? nil : PaymentFormat(rawValue: $0) }
            return try PaymentImporter(runner: runner, config: config).importFile(url, format: format, businessDate: run.businessDate).record.id
        default:
            return nil
        }
    }

    private func replayLoad<Kind: LoadKind>(_ kind: Kind.Type, _ run: RunRecord, on db: Connection) throws -> Int64? {
        guard let input = try InboundFileStore.input(ofRun: run.id, on: db) else { return nil }
        let bytes = try InboundFileStore.content(sha256: input.sha256, on: db)
        let job = LoadJob<Kind>(
            file: input.fileName, bytes: bytes, expectRows: run.parameters["expect-rows"].flatMap { Int($0) },
            expectTotal: try run.parameters["expect-total"].map { try Money(parsing: $0) }, scheme: config.accountScheme)
        return try runner.run(job, businessDate: run.businessDate).record.id
    }
}
