import Foundation
import HousingFinance

/// One firing of a job that should run: its key (part of the run's identity), instant and business date.
public struct DueSlot: Hashable, Sendable {
    /// The job's name.
    public var job: String
    /// The slot's key: `Schedule.slotKey` for a scheduled firing, `manual ...` or `inbox ...` otherwise.
    public var key: String
    /// The firing instant.
    public var instant: Date
    /// The business date of the run: the slot's local day in the job's time zone.
    public var businessDate: Day
    /// Parameters for the run.
    public var parameters: [String: String]

    /// Creates a slot.
    public init(job: String, key: String, instant: Date, businessDate: Day, parameters: [String: String]) {
        self.job = job
        self.key = key
        self.instant = instant
        self.businessDate = businessDate
        self.parameters = parameters
    }
}

/// Which slots of a job are due, given how far its schedule was already looked at and the time
/// now: pure, so that catch-up and daylight saving are tested with any clock.
public enum SlotPlanner {
    /// The plan for one job at one moment.
    public struct Plan: Hashable, Sendable {
        /// The slots to run now, oldest first.
        public var due: [DueSlot]
        /// Missed slots the catch-up policy leaves out.
        public var skipped: [Date]
        /// How far the schedule has now been looked at (store it for the next plan).
        public var checkedThrough: Date
    }

    /// The slots due for `job` between `checkedThrough` (exclusive) and `now` (inclusive).
    ///
    /// The most recent firing counts as on time when it is no older than the job's grace period
    /// (at least a minute): it runs whatever the policy. Earlier firings were missed (the scheduler
    /// was down): `all` runs each, oldest first; `latest` runs only the most recent firing; `none`
    /// runs none of the missed ones.
    ///
    /// - Parameters:
    ///   - job: the job's definition.
    ///   - schedule: its schedule (with the working-day test when the job has one).
    ///   - checkedThrough: how far the schedule was looked at before; nil when never (nothing is
    ///     caught up on the first start: the job starts at `now`).
    ///   - now: the time now.
    public static func plan(job: JobDefinition, schedule: Schedule, checkedThrough: Date?, now: Date) -> Plan {
        guard let checkedThrough, checkedThrough < now else {
            return Plan(due: [], skipped: [], checkedThrough: max(checkedThrough ?? now, now))
        }
        let firings = schedule.firings(after: checkedThrough, through: now)
        guard let last = firings.last else { return Plan(due: [], skipped: [], checkedThrough: now) }
        let grace = max(Double(job.graceMinutes) * 60, 60)
        let onTime = now.timeIntervalSince(last) <= grace
        let run: [Date]
        switch job.catchUp {
        case .all: run = firings
        case .latest: run = [last]
        case .none: run = onTime ? [last] : []
        }
        let kept = Set(run)
        return Plan(
            due: run.map { slot(job: job, schedule: schedule, at: $0) },
            skipped: firings.filter { !kept.contains($0) }, checkedThrough: now)
    }

    /// The slot of a job firing at an instant.
    public static func slot(job: JobDefinition, schedule: Schedule, at instant: Date) -> DueSlot {
        DueSlot(
            job: job.name, key: schedule.slotKey(for: instant), instant: instant, businessDate: Day(instant, in: job.timeZone),
            parameters: job.parameters)
    }
}
