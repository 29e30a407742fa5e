import ArgumentParser
import Foundation
import HousingFinance
import Hub
import Logging
import Scheduler

/// What the scheduler commands share: settings, job catalog, clock, logger and the core.
struct SchedulerSetup {
    let environment: HubEnvironment
    let settings: SchedulerSettings
    let clock: SchedulerClock
    let logger: Logger
    let core: SchedulerCore

    /// The scheduler's clock: the real one, or for tests of whole processes an accelerated one
    /// that every process of a test shares, from `HUB_TEST_CLOCK_START` (an ISO 8601 instant),
    /// `HUB_TEST_CLOCK_ANCHOR` (the real Unix time at which the clock read the start; default now)
    /// and `HUB_TEST_CLOCK_SPEED` (scheduler seconds per real second; default 1).
    static func clock() throws -> SchedulerClock {
        let environment = ProcessInfo.processInfo.environment
        guard let startText = environment["HUB_TEST_CLOCK_START"], !startText.isEmpty else { return .real }
        guard let start = ISO8601DateFormatter().date(from: startText) else {
            throw ValidationError("HUB_TEST_CLOCK_START '\(startText)' is not an ISO 8601 instant like 2026-11-02T01:59:00Z")
        }
        let anchor = environment["HUB_TEST_CLOCK_ANCHOR"].flatMap(Double.init).map { Date(timeIntervalSince1970: $0) } ?? Date()
        let speed = environment["HUB_TEST_CLOCK_SPEED"].flatMap(Double.init) ?? 1
        guard speed > 0 else { throw ValidationError("HUB_TEST_CLOCK_SPEED must be more than 0") }
        return SchedulerClock(start: start, anchor: anchor, speed: speed)
    }

    /// The settings and job catalog alone (no database).
    static func catalog(_ config: HubConfig, jobs: String?) throws -> (SchedulerSettings, JobCatalog) {
        var settings = try SchedulerSettings.load(configDirectory: config.directory)
        if let jobs { settings.jobsDirectory = URL(fileURLWithPath: jobs) }
        return (settings, try JobCatalog.load(directory: settings.jobsDirectory))
    }

    static func open(_ global: GlobalOptions, jobs: String?, metrics: SchedulerMetrics? = nil) throws -> SchedulerSetup {
        let environment = try HubEnvironment.open(global, service: true)
        let (settings, catalog) = try catalog(environment.config, jobs: jobs)
        var logger = Logger(label: "hub.scheduler")
        logger.logLevel = ProcessInfo.processInfo.environment["HUB_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let host = ProcessInfo.processInfo.hostName
        let runner = Runner(database: environment.database, host: host, logger: logger)
        let clock = try clock()
        let core = SchedulerCore(
            catalog: catalog, launcher: JobLauncher(runner: runner, config: environment.config),
            store: SlotStore(host: host, leaseSeconds: settings.leaseSeconds), heartbeatSeconds: settings.heartbeatSeconds,
            metrics: metrics ?? SchedulerMetrics(), logger: logger, now: { clock.now() })
        return SchedulerSetup(environment: environment, settings: settings, clock: clock, logger: logger, core: core)
    }
}

/// The exit status for slots' outcomes: 0 when all completed (or wait for a retry), 5 when one
/// was refused, 1 when one failed or lost its lease.
func exitStatus(for results: [SlotResult]) -> Int32 {
    if results.contains(where: { $0.outcome == .failed || $0.outcome == .leaseLost }) { return ExitStatus.failure }
    if results.contains(where: { $0.outcome == .refused }) { return ExitStatus.refused }
    return 0
}

/// A slot's outcome as one line.
func describe(_ result: SlotResult) -> String {
    var line = "\(result.job) \(result.slot): \(result.outcome.rawValue)"
    if !result.runIds.isEmpty { line += " (runs \(result.runIds.map(String.init).joined(separator: ", ")))" }
    if result.tookOver { line += ", taken over" }
    if result.attempt > 1 { line += ", try \(result.attempt)" }
    if let message = result.message, result.outcome != .completed { line += ": \(message)" }
    return line
}

/// An instant as local time with its offset in a zone: `2026-12-07 Mon 02:00 +00:00`.
func localTime(_ instant: Date, in zone: TimeZone) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_GB_POSIX")
    formatter.timeZone = zone
    formatter.dateFormat = "yyyy-MM-dd EEE HH:mm xxx"
    return formatter.string(from: instant)
}
