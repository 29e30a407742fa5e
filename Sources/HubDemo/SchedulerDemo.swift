import Foundation
import HousingFinance
import Hub
import Scheduler
import Logging

/// The scheduler's part of `hub demo`: the jobs' next firings, then one scheduler pass as if the
/// scheduler had been down for a while, showing catch-up: each missed rent-debit Monday runs in
/// order (catch-up `all`), the payment import once (catch-up `latest`).
public enum SchedulerDemo {
    /// Runs the demo and returns the text to print.
    /// - Parameters:
    ///   - runner: the runner on the demo database.
    ///   - config: the demo configuration.
    ///   - jobsDirectory: the job files (Jobs/).
    ///   - now: the time of the pass.
    ///   - downtimeDays: how long the scheduler is taken to have been down.
    /// - Throws: `JobFileError` for a bad job file; database errors.
    public static func run(runner: Runner, config: HubConfig, jobsDirectory: URL, now: Date = Date(), downtimeDays: Int = 14) throws -> String {
        let catalog = try JobCatalog.load(directory: jobsDirectory)
        let core = SchedulerCore(
            catalog: catalog, launcher: JobLauncher(runner: runner, config: config),
            store: SlotStore(host: runner.host, leaseSeconds: 60), heartbeatSeconds: 15, logger: runner.logger, now: { now })
        let connection = try runner.database.connect()
        let since = now.addingTimeInterval(-Double(downtimeDays) * 86_400)
        var text = "Scheduler (Jobs/): next firings\n"
        for job in catalog.jobs {
            let firings = core.schedule(of: job).nextFirings(after: now, count: 3)
            text += "  \(job.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \"\(job.cron)\"  "
                + firings.map { Self.local($0, job.timeZone) }.joined(separator: ", ") + "\n"
            if try core.store.firstSeen(job: job.name, on: connection) == nil {
                try core.store.enter(job: job.name, slots: [], checkedThrough: since, on: connection)
            }
        }
        text += "One pass after \(downtimeDays) days down (catch-up per job):\n"
        let results = try core.tick()
        if results.isEmpty { text += "  nothing was due\n" }
        for result in results {
            text += "  \(result.job) \(result.slot): \(result.outcome.rawValue)"
            if !result.runIds.isEmpty { text += " (runs \(result.runIds.map(String.init).joined(separator: ", ")))" }
            if let message = result.message, result.outcome != .completed { text += ": \(message)" }
            text += "\n"
        }
        return text
    }

    static func local(_ instant: Date, _ zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "EEE d MMM HH:mm xxx"
        return formatter.string(from: instant)
    }
}
