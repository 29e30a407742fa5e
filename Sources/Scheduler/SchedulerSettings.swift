import Foundation
import HousingFinance
import Hub
import Yams

/// The scheduler's own settings, `Config/scheduler.yaml` beside `hub.yaml` (every key optional).
public struct SchedulerSettings: Hashable, Sendable {
    /// The folder of job files.
    public var jobsDirectory: URL
    /// How long a claim stays owned without a heartbeat, in seconds.
    public var leaseSeconds: Double
    /// How often a running slot's lease is renewed, in seconds.
    public var heartbeatSeconds: Double
    /// How often retries, expired leases and job file changes are looked for, in seconds.
    public var pollSeconds: Double
    /// How often watched inboxes are looked at, in seconds.
    public var inboxPollSeconds: Double
    /// How long a run in progress may take to finish after SIGTERM, in seconds.
    public var shutdownGraceSeconds: Double

    /// Creates settings from their values.
    public init(
        jobsDirectory: URL, leaseSeconds: Double = 60, heartbeatSeconds: Double = 15, pollSeconds: Double = 15,
        inboxPollSeconds: Double = 5, shutdownGraceSeconds: Double = 60
    ) {
        self.jobsDirectory = jobsDirectory
        self.leaseSeconds = leaseSeconds
        self.heartbeatSeconds = heartbeatSeconds
        self.pollSeconds = pollSeconds
        self.inboxPollSeconds = inboxPollSeconds
        self.shutdownGraceSeconds = shutdownGraceSeconds
    }

    /// The longest a dead process's slot waits before another process takes it over.
    public var takeoverSeconds: Double { leaseSeconds + pollSeconds }

    /// Reads `scheduler.yaml` from the configuration folder; a missing file gives the defaults.
    /// - Throws: `SchedulerConfigError` naming the file and the key.
    public static func load(configDirectory: URL) throws -> SchedulerSettings {
        let file = configDirectory.appendingPathComponent("scheduler.yaml")
        var settings = SchedulerSettings(jobsDirectory: configDirectory.appendingPathComponent("../Jobs").standardizedFileURL)
        guard FileManager.default.fileExists(atPath: file.path) else { return settings }
        let name = file.path
        let text: String
        do { text = try ConfigLimits.text(of: file) } catch { throw SchedulerConfigError(file: name, key: nil, message: error.message) }
        let mapping: Node.Mapping
        do {
            guard let node = try Yams.compose(yaml: text) else { return settings }
            guard let map = node.mapping else { throw SchedulerConfigError(file: name, key: nil, message: "expected a mapping of keys to values") }
            mapping = map
        } catch let error as SchedulerConfigError {
            throw error
        } catch {
            throw SchedulerConfigError(file: name, key: nil, message: "not valid YAML: \(error)")
        }
        let known = ["jobs", "lease-seconds", "heartbeat-seconds", "poll-seconds", "inbox-poll-seconds", "shutdown-grace-seconds"]
        for (key, value) in mapping {
            guard let key = key.string, known.contains(key) else {
                throw SchedulerConfigError(file: name, key: key.string, message: "unknown key; the keys are \(known.joined(separator: ", "))")
            }
            guard let scalar = value.scalar?.string else { throw SchedulerConfigError(file: name, key: key, message: "expected a single value") }
            if key == "jobs" {
                settings.jobsDirectory = scalar.hasPrefix("/") ? URL(fileURLWithPath: scalar) : configDirectory.appendingPathComponent(scalar).standardizedFileURL
                continue
            }
            guard let number = Double(scalar), number >= 0, number.isFinite else {
                throw SchedulerConfigError(file: name, key: key, message: "\(Wording.shortQuote(scalar)) is not a number of seconds (0 or more)")
            }
            switch key {
            case "lease-seconds": settings.leaseSeconds = number
            case "heartbeat-seconds": settings.heartbeatSeconds = number
            case "poll-seconds": settings.pollSeconds = number
            case "inbox-poll-seconds": settings.inboxPollSeconds = number
            default: settings.shutdownGraceSeconds = number
            }
        }
        guard settings.leaseSeconds > 0 else { throw SchedulerConfigError(file: name, key: "lease-seconds", message: "must be more than 0") }
        guard settings.heartbeatSeconds > 0, settings.heartbeatSeconds < settings.leaseSeconds else {
            throw SchedulerConfigError(file: name, key: "heartbeat-seconds", message: "must be more than 0 and less than lease-seconds (a third of it is usual)")
        }
        guard settings.pollSeconds > 0 else { throw SchedulerConfigError(file: name, key: "poll-seconds", message: "must be more than 0") }
        guard settings.inboxPollSeconds > 0 else { throw SchedulerConfigError(file: name, key: "inbox-poll-seconds", message: "must be more than 0") }
        return settings
    }
}

/// `scheduler.yaml` cannot be used: names the file and the key.
public struct SchedulerConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file at fault.
    public var file: String
    /// The key at fault, if one.
    public var key: String?
    /// What is wrong and what to do.
    public var message: String

    /// Creates an error.
    public init(file: String, key: String?, message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String { key.map { "\(file): \($0): \(message)" } ?? "\(file): \(message)" }
}
