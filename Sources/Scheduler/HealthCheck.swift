import Foundation
import Hub
import Postgres

/// `/health`: healthy when the database answers `SELECT 1` and no enabled job has missed its most
/// recent slot by more than its grace period (the slot is not entered, still waiting, or ended
/// refused or failed). Slots before the job was first seen by a scheduler are not counted.
public struct HealthCheck: Sendable {
    public let core: SchedulerCore

    public init(core: SchedulerCore) { self.core = core }

    /// The verdict: healthy, and the reasons when not.
    public struct Verdict: Hashable, Sendable, Codable {
        public var healthy: Bool
        public var problems: [String]
    }

    /// Checks the database and every enabled job's last slot at the clock's now.
    public func evaluate() -> Verdict {
        let connection: Connection
        do {
            connection = try core.launcher.runner.database.connect()
            _ = try connection.queryOne("SELECT 1")
        } catch {
            return Verdict(healthy: false, problems: ["the database does not answer: \(error)"])
        }
        var problems: [String] = []
        let now = core.now()
        for job in core.catalog.jobs where job.enabled {
            do {
                guard let firstSeen = try core.store.firstSeen(job: job.name, on: connection) else { continue }
                let schedule = core.schedule(of: job)
                let graceEnd = now.addingTimeInterval(-Double(job.graceMinutes) * 60)
                let windowStart = max(firstSeen, now.addingTimeInterval(-8 * 86_400))
                guard windowStart < graceEnd, let last = schedule.firings(after: windowStart, through: graceEnd).last else { continue }
                let key = schedule.slotKey(for: last)
                guard let status = try core.store.status(job: job.name, slot: key, on: connection) else {
                    problems.append("\(job.name): slot \(key) has not run and is more than \(job.graceMinutes) minutes late")
                    continue
                }
                switch status.state {
                case "completed", "running": break
                case "pending", "retry-wait":
                    problems.append("\(job.name): slot \(key) is still \(status.state) more than \(job.graceMinutes) minutes after it was due\(status.lastError.map { " (last error: \($0))" } ?? "")")
                default:
                    problems.append("\(job.name): slot \(key) \(status.state): \(status.lastError ?? "no error recorded")")
                }
            } catch {
                problems.append("\(job.name): cannot be checked: \(error)")
            }
        }
        return Verdict(healthy: problems.isEmpty, problems: problems)
    }
}
