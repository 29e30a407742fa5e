import CoreMetrics
import Foundation

/// The scheduler's metrics through swift-metrics (rendered by swift-prometheus on /metrics under `hub serve`):
///
/// - `hub_scheduler_slots_total{job, outcome}`: claimed slots by outcome (completed, refused,
///   failed, retrying, lease-lost).
/// - `hub_job_runs_total{job}`: runs committed.
/// - `hub_job_last_success_timestamp_seconds{job}`: when the job's last slot completed (Unix time).
/// - `hub_job_duration_seconds{job}`: how long slots took (a histogram: `_bucket`, `_count`, `_sum`).
/// - `hub_scheduler_running_slots{job}`: slots running now in this process.
/// - `hub_scheduler_claim_errors_total{job}`: failures to reach the database to claim slots.
public struct SchedulerMetrics: Sendable {
    private let factory: any MetricsFactory
    private let running = RunningSlots()

    /// Metrics created through `factory` (the bootstrapped `MetricsSystem.factory` by default).
    public init(factory: (any MetricsFactory)? = nil) {
        self.factory = factory ?? MetricsSystem.factory
    }

    /// Creates every series of the jobs at zero, so that /metrics shows them before the first slot.
    public func register(jobs: [String]) {
        for job in jobs {
            for outcome in SlotResult.Outcome.allCases {
                _ = Counter(label: "hub_scheduler_slots_total", dimensions: [("job", job), ("outcome", outcome.rawValue)], factory: factory)
            }
            _ = Counter(label: "hub_job_runs_total", dimensions: [("job", job)], factory: factory)
            Gauge(label: "hub_scheduler_running_slots", dimensions: [("job", job)], factory: factory).record(running.change(job, by: 0))
        }
    }

    func slotStarted(job: String) {
        Gauge(label: "hub_scheduler_running_slots", dimensions: [("job", job)], factory: factory).record(running.change(job, by: 1))
    }

    func slotEnded(job: String) {
        Gauge(label: "hub_scheduler_running_slots", dimensions: [("job", job)], factory: factory).record(running.change(job, by: -1))
    }

    func claimFailed(job: String) {
        Counter(label: "hub_scheduler_claim_errors_total", dimensions: [("job", job)], factory: factory).increment()
    }

    /// Counts a slot's outcome, its runs and its duration; a completed slot sets the last success time.
    public func record(_ result: SlotResult, at time: Date) {
        Counter(label: "hub_scheduler_slots_total", dimensions: [("job", result.job), ("outcome", result.outcome.rawValue)], factory: factory)
            .increment()
        Timer(label: "hub_job_duration_seconds", dimensions: [("job", result.job)], factory: factory)
            .recordNanoseconds(Int64(result.seconds * 1e9))
        if result.outcome == .completed {
            Counter(label: "hub_job_runs_total", dimensions: [("job", result.job)], factory: factory).increment(by: result.runIds.count)
            Gauge(label: "hub_job_last_success_timestamp_seconds", dimensions: [("job", result.job)], factory: factory)
                .record(time.timeIntervalSince1970)
        }
    }
}

/// Slots running per job. Guarded by `lock`.
private final class RunningSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    func change(_ job: String, by delta: Int) -> Int {
        lock.withLock {
            counts[job, default: 0] += delta
            return counts[job]!
        }
    }
}
