import Foundation
import HousingFinance
import Hub
import Logging

/// `hub serve`: fires each job's slots from DispatchSourceTimer timers on private queues, through
/// `SchedulerCore` (slot entered once, claimed under a lease, fenced at commit).
///
/// - One timer per enabled job, set for its next firing; when it fires the job's due slots are
///   entered and the job's worker (a serial queue per job) claims and runs them.
/// - A poll timer every `pollSeconds`: retries whose time has come, leases of dead processes
///   (taken over), due slots the timers may have missed, and changed job files (by
///   modification time; SIGHUP reloads at once).
/// - An inbox poll for jobs with `watch-inbox`: a file landing in the inbox or one of its
///   sub-folders fires the job (slot key
///   `inbox <hash of the names, sizes and times of the files waiting>`).
/// - SIGTERM/SIGINT: no new claims, timers cancelled, the run in progress gets
///   `shutdownGraceSeconds` to finish; then `onExit` is called with whether every run finished.
///
/// Thread-safety: mutable state is confined to `control`, a serial queue.
public final class SchedulerService: @unchecked Sendable {
    public let core: SchedulerCore
    public let settings: SchedulerSettings
    public let inbox: URL
    private let clock: SchedulerClock
    private let logger: Logger
    private let onExit: @Sendable (_ clean: Bool) -> Void
    private let control = DispatchQueue(label: "hub.scheduler.control")
    // Confined to `control`.
    private var jobTimers: [String: any DispatchSourceTimer] = [:]
    private var otherSources: [any DispatchSourceProtocol] = []
    private var workers: [String: DispatchQueue] = [:]
    private var busy: Set<String> = []
    private var again: Set<String> = []
    private var fileTimes: [String: Date] = [:]
    private var inboxSignature: String = ""
    private var stopping = false
    private let running = DispatchGroup()

    /// Creates the service.
    /// - Parameters:
    ///   - core: the scheduler core (its clock must be `clock.now`).
    ///   - settings: `scheduler.yaml`.
    ///   - inbox: the folder that `watch-inbox` jobs watch.
    ///   - clock: the clock timers are set by.
    ///   - onExit: called once on shutdown, on a background queue, with true when every run finished.
    public init(
        core: SchedulerCore, settings: SchedulerSettings, inbox: URL, clock: SchedulerClock, logger: Logger,
        onExit: @escaping @Sendable (Bool) -> Void
    ) {
        self.core = core
        self.settings = settings
        self.inbox = inbox
        self.clock = clock
        self.logger = logger
        self.onExit = onExit
    }

    /// Starts timers and signal handlers; returns at once (the caller then parks the main thread).
    public func start() {
        control.sync {
            fileTimes = jobFileTimes()
            core.metrics.register(jobs: core.catalog.jobs.filter(\.enabled).map(\.name))
            inboxSignature = currentInboxSignature() ?? ""
            do { try core.enterDue() } catch { logger.error("could not enter due slots", metadata: ["error": "\(error)"]) }
            for job in core.catalog.jobs where job.enabled {
                armTimer(job)
                kick(job.name)
            }
            let poll = DispatchSource.makeTimerSource(queue: control)
            poll.schedule(deadline: .now() + settings.pollSeconds, repeating: settings.pollSeconds, leeway: .milliseconds(100))
            poll.setEventHandler { [weak self] in self?.pollTick() }
            poll.resume()
            otherSources.append(poll)
            if core.catalog.jobs.contains(where: { $0.enabled && $0.watchInbox }) {
                let inboxTimer = DispatchSource.makeTimerSource(queue: control)
                inboxTimer.schedule(deadline: .now() + settings.inboxPollSeconds, repeating: settings.inboxPollSeconds, leeway: .milliseconds(100))
                inboxTimer.setEventHandler { [weak self] in self?.inboxTick() }
                inboxTimer.resume()
                otherSources.append(inboxTimer)
            }
            for signalNumber in [SIGHUP, SIGTERM, SIGINT] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: control)
                source.setEventHandler { [weak self] in
                    if signalNumber == SIGHUP { self?.reload(reason: "SIGHUP") } else { self?.shutdown(signal: signalNumber) }
                }
                source.resume()
                otherSources.append(source)
            }
            logger.info("scheduler started", metadata: [
                "owner": "\(core.store.owner)", "jobs": "\(core.catalog.jobs.filter(\.enabled).map(\.name).joined(separator: ","))",
                "lease-seconds": "\(settings.leaseSeconds)", "takeover-within-seconds": "\(settings.takeoverSeconds)",
            ])
        }
    }

    /// Sets a job's timer for its next firing after now on the scheduler clock.
    private func armTimer(_ job: JobDefinition) {
        jobTimers[job.name]?.cancel()
        guard !stopping, let next = core.schedule(of: job).nextFiring(after: clock.now()) else { return }
        let timer = DispatchSource.makeTimerSource(queue: control)
        let delay = clock.realSeconds(until: next)
        timer.schedule(deadline: .now() + delay, leeway: .milliseconds(20))
        timer.setEventHandler { [weak self] in self?.fired(job.name) }
        timer.resume()
        jobTimers[job.name] = timer
    }

    private func fired(_ name: String) {
        guard !stopping, let job = core.catalog[name] else { return }
        // A timer may fire a hair early on the scheduler clock: plan just after the firing.
        do { try core.enterDue(jobs: [name]) } catch { logger.error("could not enter due slots", metadata: ["job": "\(name)", "error": "\(error)"]) }
        armTimer(job)
        kick(name)
    }

    /// Runs a job's claimable slots on its worker queue (again afterwards if kicked while busy).
    private func kick(_ name: String) {
        guard !stopping else { return }
        if busy.contains(name) {
            again.insert(name)
            return
        }
        busy.insert(name)
        let worker = workers[name] ?? DispatchQueue(label: "hub.scheduler.job.\(name)")
        workers[name] = worker
        running.enter()
        worker.async { [self] in
            _ = core.work(job: name)
            control.async { [self] in
                busy.remove(name)
                running.leave()
                if again.remove(name) != nil { kick(name) }
            }
        }
    }

    private func pollTick() {
        guard !stopping else { return }
        if jobFileTimes() != fileTimes { reload(reason: "a job file changed") }
        do { try core.enterDue() } catch { logger.error("could not enter due slots", metadata: ["error": "\(error)"]) }
        for job in core.catalog.jobs where job.enabled { kick(job.name) }
    }

    private func inboxTick() {
        guard !stopping, let signature = currentInboxSignature() else { return }
        defer { inboxSignature = signature }
        guard !signature.isEmpty, signature != inboxSignature else { return }
        let key = "inbox " + SHA256.hash(Array(signature.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        for job in core.catalog.jobs where job.enabled && job.watchInbox {
            logger.info("a file landed in the inbox", metadata: ["job": "\(job.name)", "slot": "\(key)"])
            do {
                let now = clock.now()
                _ = try core.store.enterOne(
                    job: job.name, key: key, at: now, businessDate: Day(now, in: job.timeZone), parameters: job.parameters,
                    on: core.launcher.runner.database.connect())
            } catch {
                logger.error("could not enter the inbox slot", metadata: ["job": "\(job.name)", "error": "\(error)"])
            }
            kick(job.name)
        }
    }

    /// The names, sizes and times of the files waiting in the inbox and in its sub-folders one
    /// level down (`bank/`, `cash/`, `ods/`... as the jobs' own settings name them); hidden files
    /// and folders left out. Nil when the inbox cannot be read.
    private func currentInboxSignature() -> String? {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: inbox.path) else { return nil }
        var entries: [String] = []
        for name in names where !name.hasPrefix(".") {
            let path = inbox.appendingPathComponent(name).path
            guard let attributes = try? fm.attributesOfItem(atPath: path) else { continue }
            if attributes[.type] as? FileAttributeType == .typeDirectory {
                for inner in (try? fm.contentsOfDirectory(atPath: path)) ?? [] where !inner.hasPrefix(".") {
                    if let line = Self.signatureLine(name + "/" + inner, path + "/" + inner) { entries.append(line) }
                }
            } else if let line = Self.signatureLine(name, path) {
                entries.append(line)
            }
        }
        return entries.sorted().joined(separator: "\n")
    }

    private static func signatureLine(_ name: String, _ path: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular
        else { return nil }
        return "\(name)\t\(attributes[.size] ?? 0)\t\((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
    }

    private func jobFileTimes() -> [String: Date] {
        let folder = settings.jobsDirectory
        var times: [String: Date] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            times[name] = (try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path))?[.modificationDate] as? Date
        }
        return times
    }

    /// Reads the job files again; a bad file keeps the jobs as they were and is logged.
    private func reload(reason: String) {
        guard !stopping else { return }
        fileTimes = jobFileTimes()
        do {
            let catalog = try JobCatalog.load(directory: settings.jobsDirectory)
            core.catalog = catalog
            core.metrics.register(jobs: catalog.jobs.filter(\.enabled).map(\.name))
            for (name, timer) in jobTimers where catalog[name]?.enabled != true {
                timer.cancel()
                jobTimers[name] = nil
            }
            try core.enterDue()
            for job in catalog.jobs where job.enabled {
                armTimer(job)
                kick(job.name)
            }
            logger.notice("job files reloaded", metadata: ["reason": "\(reason)", "jobs": "\(catalog.jobs.filter(\.enabled).map(\.name).joined(separator: ","))"])
        } catch {
            logger.error("job files not reloaded; the jobs run as before", metadata: ["reason": "\(reason)", "error": "\(error)"])
        }
    }

    private func shutdown(signal: Int32) {
        guard !stopping else { return }
        stopping = true
        core.isStopping = true
        for timer in jobTimers.values { timer.cancel() }
        jobTimers = [:]
        for source in otherSources where (source as? any DispatchSourceSignal) == nil { source.cancel() }
        let grace = settings.shutdownGraceSeconds
        logger.notice("shutting down: no new runs; a run in progress may finish", metadata: [
            "signal": "\(signal == SIGTERM ? "SIGTERM" : "SIGINT")", "grace-seconds": "\(grace)",
        ])
        let running = self.running
        let logger = self.logger
        let onExit = self.onExit
        DispatchQueue.global().async {
            let finished = running.wait(timeout: .now() + grace) == .success
            if finished {
                logger.notice("shut down: no run in progress")
            } else {
                logger.error("shut down with a run unfinished after the grace period; the database rolls it back and another scheduler takes the slot over after its lease")
            }
            onExit(finished)
        }
    }
}
