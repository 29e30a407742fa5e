import Foundation
import HousingFinance
import Hub
import Logging
import Postgres

/// How one claimed slot ended.
public struct SlotResult: Hashable, Sendable, Codable {
    /// The outcome of a slot.
    public enum Outcome: String, Hashable, Sendable, Codable, CaseIterable {
        /// Every run the slot needed is committed (or there was nothing left to do).
        case completed
        /// The job refused (bad input, a business rule, no such job): reported, not retried.
        case refused
        /// Failed for good: not a transient failure, or no tries left.
        case failed
        /// A transient failure: the slot is tried again after the backoff.
        case retrying
        /// This process lost its lease before commit: the run rolled back; the new owner runs it.
        case leaseLost = "lease-lost"
    }

    public var job: String
    public var slot: String
    public var outcome: Outcome
    /// The runs committed for the slot.
    public var runIds: [Int64]
    /// The try number of this claim (1 for the first).
    public var attempt: Int
    /// Whether this claim took over a dead process's slot.
    public var tookOver: Bool
    /// The error or refusal, for anything but `completed`.
    public var message: String?
    /// How long the claim ran, in seconds.
    public var seconds: Double

    /// Creates a result.
    public init(job: String, slot: String, outcome: Outcome, runIds: [Int64], attempt: Int, tookOver: Bool, message: String?, seconds: Double) {
        self.job = job
        self.slot = slot
        self.outcome = outcome
        self.runIds = runIds
        self.attempt = attempt
        self.tookOver = tookOver
        self.message = message
        self.seconds = seconds
    }
}

/// The scheduler's decisions and their execution, with an injected clock: which slots are due
/// (catch-up, working days, daylight saving via `SlotPlanner`), entering them once in the
/// database, claiming them under a lease, running them through `JobLauncher` with the slot as
/// part of the run and the lease fence before commit, heartbeats while they run, and retries.
///
/// Thread-safety: the catalog is guarded by `lock`; every other stored property is immutable.
/// Each call opens its own connections, so calls may run on several queues at once.
public final class SchedulerCore: @unchecked Sendable {
    public let launcher: JobLauncher
    public let store: SlotStore
    public let logger: Logger
    public let metrics: SchedulerMetrics
    public let holidays: BankHolidays
    /// How often the lease of a running slot is renewed, in seconds.
    public let heartbeatSeconds: Double
    private let clock: @Sendable () -> Date
    private let lock = NSLock()
    private var _catalog: JobCatalog
    private var _stopping = false

    /// Creates a core.
    /// - Parameters:
    ///   - catalog: the jobs.
    ///   - launcher: starts runs by job name.
    ///   - store: the slot table, with this process's owner identity and lease length.
    ///   - heartbeatSeconds: how often a running slot's lease is renewed.
    ///   - holidays: the bank holidays that working-days-only jobs skip.
    ///   - metrics: where outcomes are counted.
    ///   - logger: where slots are logged, with `job`, `slot` and `run` metadata.
    ///   - now: the clock.
    public init(
        catalog: JobCatalog, launcher: JobLauncher, store: SlotStore, heartbeatSeconds: Double, holidays: BankHolidays = BankHolidays(),
        metrics: SchedulerMetrics = SchedulerMetrics(), logger: Logger, now: @escaping @Sendable () -> Date
    ) {
        self._catalog = catalog
        self.launcher = launcher
        self.store = store
        self.heartbeatSeconds = heartbeatSeconds
        self.holidays = holidays
        self.metrics = metrics
        self.logger = logger
        self.clock = now
    }

    /// The jobs now.
    public var catalog: JobCatalog {
        get { lock.withLock { _catalog } }
        set { lock.withLock { _catalog = newValue } }
    }

    /// Once true, no further slot is claimed (graceful shutdown); a slot already running finishes.
    public var isStopping: Bool {
        get { lock.withLock { _stopping } }
        set { lock.withLock { _stopping = newValue } }
    }

    /// The time now on the scheduler's clock.
    public func now() -> Date { clock() }

    /// A job's schedule with the bank-holiday calendar.
    public func schedule(of job: JobDefinition) -> Schedule {
        let holidays = self.holidays
        return job.schedule(isWorkingDay: { holidays.isWorkingDay($0) })
    }

    private var database: HubDatabase { launcher.runner.database }

    /// Plans every enabled job at the clock's now and enters its due slots (each slot once in the
    /// database, whoever enters it first). Returns the plans by job.
    @discardableResult
    public func enterDue(jobs names: [String]? = nil) throws -> [String: SlotPlanner.Plan] {
        let connection = try database.connect()
        let now = self.now()
        var plans: [String: SlotPlanner.Plan] = [:]
        for job in catalog.jobs where job.enabled && (names?.contains(job.name) ?? true) {
            let schedule = schedule(of: job)
            let checked = try store.checkedThrough(job: job.name, now: now, on: connection)
            let plan = SlotPlanner.plan(job: job, schedule: schedule, checkedThrough: checked, now: now)
            try store.enter(
                job: job.name, slots: plan.due.map { ($0.key, $0.instant, $0.businessDate, $0.parameters) },
                checkedThrough: plan.checkedThrough, on: connection)
            for skipped in plan.skipped {
                logger.notice("missed slot skipped by the catch-up policy", metadata: [
                    "job": "\(job.name)", "slot": "\(schedule.slotKey(for: skipped))", "catch-up": "\(job.catchUp.rawValue)",
                ])
            }
            if !plan.due.isEmpty {
                logger.info("slots due", metadata: ["job": "\(job.name)", "slots": "\(plan.due.map(\.key).joined(separator: " "))"])
            }
            plans[job.name] = plan
        }
        return plans
    }

    /// Claims and runs a job's claimable slots one after another, oldest first, until none is left
    /// that this process may take now (or the scheduler is stopping).
    /// - Parameter id: only this slot.
    public func work(job: String, slot id: Int64? = nil) -> [SlotResult] {
        var results: [SlotResult] = []
        do {
            let connection = try database.connect()
            while !isStopping, let claim = try store.claimNext(job: job, id: id, on: connection) {
                let result = execute(claim, control: connection)
                results.append(result)
                // A retry waits for its backoff (the next poll claims it); a lost lease is the new owner's.
                if id != nil || result.outcome == .retrying || result.outcome == .leaseLost { break }
            }
        } catch {
            logger.error("could not claim slots", metadata: ["job": "\(job)", "error": "\(error)"])
            metrics.claimFailed(job: job)
        }
        return results
    }

    /// Enters the due slots and runs everything claimable for every enabled job (what
    /// `hub serve --once` does, and what every timer firing does for its job).
    public func tick() throws -> [SlotResult] {
        try enterDue()
        return catalog.jobs.filter(\.enabled).flatMap { work(job: $0.name) }
    }

    /// Fires a job now outside its schedule (`hub jobs run`, an inbox file): enters a slot with
    /// the key given and runs it through the same claim, lease and fence.
    /// - Returns: the result, or nil when the slot exists and cannot be claimed now (another
    ///   process holds it, or it has finished).
    public func fire(job: String, key: String, businessDate: Day, parameters: [String: String]) throws -> SlotResult? {
        let connection = try database.connect()
        let (id, _) = try store.enterOne(job: job, key: key, at: now(), businessDate: businessDate, parameters: parameters, on: connection)
        return work(job: job, slot: id).first
    }

    /// Runs a claimed slot: heartbeats on their own connection while it runs, the launcher with
    /// the slot key and the fence, then the slot's state recorded from the outcome.
    public func execute(_ claim: SlotClaim, control: Connection) -> SlotResult {
        var logger = self.logger
        logger[metadataKey: "job"] = "\(claim.job)"
        logger[metadataKey: "slot"] = "\(claim.slot)"
        logger.info(claim.tookOver ? "slot taken over after its lease expired" : "slot claimed", metadata: [
            "attempt": "\(claim.attempts)", "token": "\(claim.token)", "business-date": "\(claim.businessDate.iso)",
        ])
        let started = Date()
        metrics.slotStarted(job: claim.job)
        defer { metrics.slotEnded(job: claim.job) }
        let keeper = LeaseKeeper(store: store, claim: claim, database: database, interval: heartbeatSeconds, logger: logger)
        keeper.start()
        let store = self.store
        var outcome: SlotResult.Outcome
        var message: String?
        var finish: SlotStore.Finish
        do {
            // The run framework's own log lines (run started, completed, failed) carry the slot too.
            let runner = Runner(database: launcher.runner.database, host: launcher.runner.host, logger: logger)
            let launcher = JobLauncher(runner: runner, config: self.launcher.config)
            let records = try launcher.launch(
                job: claim.job, parameters: claim.parameters, businessDate: claim.businessDate, slot: claim.slot, preview: false,
                beforeCommit: { connection in try store.fence(claim, on: connection) })
            keeper.stop()
            for record in records {
                logger.info("run committed", metadata: ["run": "\(record.id)", "key": "\(record.businessKey)"])
            }
            outcome = .completed
            finish = .completed
        } catch {
            keeper.stop()
            (outcome, message, finish) = classify(error, claim: claim)
        }
        var recorded = false
        do {
            recorded = try store.finish(claim, finish, on: control)
        } catch {
            logger.error("could not record the slot's outcome", metadata: ["error": "\(error)"])
        }
        if !recorded && outcome != .leaseLost {
            // Someone else holds the slot now: whatever this process did, the slot is theirs.
            logger.warning("the slot was taken over before its outcome was recorded", metadata: ["outcome": "\(outcome.rawValue)"])
        }
        let runIds = (try? store.status(job: claim.job, slot: claim.slot, on: control))?.map(\.runIds) ?? []
        let seconds = Date().timeIntervalSince(started)
        let result = SlotResult(
            job: claim.job, slot: claim.slot, outcome: outcome, runIds: runIds, attempt: claim.attempts, tookOver: claim.tookOver,
            message: message, seconds: seconds)
        metrics.record(result, at: Date())
        switch outcome {
        case .completed:
            logger.info("slot completed", metadata: ["runs": "\(runIds.map(String.init).joined(separator: ","))", "seconds": "\(seconds)"])
        case .retrying:
            logger.warning("slot failed, will be tried again", metadata: ["error": "\(message ?? "")", "attempt": "\(claim.attempts)"])
        case .leaseLost:
            logger.warning("slot's lease lost; its run rolled back", metadata: ["error": "\(message ?? "")"])
        case .refused, .failed:
            logger.error("slot \(outcome.rawValue)", metadata: ["error": "\(message ?? "")", "attempt": "\(claim.attempts)"])
        }
        return result
    }

    /// Sorts a failure: the fence, a refusal, a transient database failure or anything else.
    func classify(_ error: any Error, claim: SlotClaim) -> (SlotResult.Outcome, String, SlotStore.Finish) {
        let text = "\(error)"
        // The run rolled back. If nobody has taken the slot over (the lease merely ran out), the
        // slot is released to be claimed again at once; otherwise the finish does not apply.
        if error is LeaseLostError { return (.leaseLost, text, .retry(after: 0, error: text)) }
        let retry = catalog[claim.job]?.retry ?? RetryPolicy(attempts: 1, backoffSeconds: 0, maxBackoffSeconds: 0)
        if let refusal = error as? RunError {
            switch refusal.code {
            case .alreadyCompleted:
                return (.completed, text, .completed)
            case .inProgress:
                // Another process (a manual `hub run`) is running the same key: try again later.
                if let wait = retry.backoff(afterFailedAttempt: claim.attempts) { return (.retrying, text, .retry(after: Double(wait), error: text)) }
                return (.failed, text, .failed(text))
            default:
                return (.refused, text, .refused(text))
            }
        }
        if Self.isTransient(error) {
            if let wait = retry.backoff(afterFailedAttempt: claim.attempts) { return (.retrying, text, .retry(after: Double(wait), error: text)) }
            return (.failed, "\(text) (no tries left after \(claim.attempts))", .failed(text))
        }
        return (.failed, text, .failed(text))
    }

    /// A failure worth trying again: the connection lost (SQLSTATE class 08), a lock timeout
    /// (55P03), a serialization failure (40001), a deadlock (40P01), a server shutting down.
    public static func isTransient(_ error: any Error) -> Bool {
        guard let postgres = error as? PostgresError else { return false }
        return postgres.isTransient
    }
}

/// Renews a claim's lease on its own connection and queue while the slot runs: a
/// DispatchSourceTimer on a private serial queue (never the run's connection, which is busy).
final class LeaseKeeper: @unchecked Sendable {
    // Confined to `queue`: connection, timer, lost.
    private let queue = DispatchQueue(label: "hub.scheduler.heartbeat")
    private let store: SlotStore
    private let claim: SlotClaim
    private let database: HubDatabase
    private let interval: Double
    private let logger: Logger
    private var connection: Connection?
    private var timer: (any DispatchSourceTimer)?

    init(store: SlotStore, claim: SlotClaim, database: HubDatabase, interval: Double, logger: Logger) {
        self.store = store
        self.claim = claim
        self.database = database
        self.interval = interval
        self.logger = logger
    }

    func start() {
        queue.sync {
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(50))
            timer.setEventHandler { [weak self] in self?.beat() }
            timer.resume()
            self.timer = timer
        }
    }

    private func beat() {
        do {
            if connection == nil || connection?.isHealthy == false { connection = try database.connect() }
            if try !store.heartbeat(claim, on: connection!) {
                logger.warning("heartbeat found the lease lost; the run will not be allowed to commit")
                timer?.cancel()
            }
        } catch {
            logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
            connection = nil
        }
    }

    /// Stops the heartbeats, waiting for one in progress.
    func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
            connection = nil
        }
    }
}
