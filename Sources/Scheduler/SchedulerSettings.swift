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
    /// - Throws: `ConfigError` naming the file and the key.
    public static func load(configDirectory: URL) throws -> SchedulerSettings {
        let file = configDirectory.appendingPathComponent("scheduler.yaml")
        var settings = SchedulerSettings(jobsDirectory: configDirectory.appendingPathComponent("../Jobs").standardizedFileURL)
        guard FileManager.default.fileExists(atPath: file.path) else { return settings }
        let name = file.path
        // An empty file means every setting at its default.
        let reader = try ConfigReader.load(file, allowEmpty: true)
        guard let mapping = reader.root.mapping else { throw ConfigError(.notYAML, file: name, key: nil, message: "expected a mapping of keys to values") }
        let known = ["jobs", "lease-seconds", "heartbeat-seconds", "poll-seconds", "inbox-poll-seconds", "shutdown-grace-seconds"]
        for (key, value) in mapping {
            guard let key = key.string, known.contains(key) else {
                throw ConfigError(.unknownKey, file: name, key: key.string, message: "unknown key; the keys are \(known.joined(separator: ", "))")
            }
            guard let scalar = value.scalar?.string else { throw ConfigError(file: name, key: key, message: "expected a single value") }
            if key == "jobs" {
                settings.jobsDirectory = scalar.hasPrefix("/") ? URL(fileURLWithPath: scalar) : configDirectory.appendingPathComponent(scalar).standardizedFileURL
                continue
            }
            guard let number = Double(scalar), number >= 0, number.isFinite else {
                throw ConfigError(file: name, key: key, message: "\(Wording.shortQuote(scalar)) is not a number of seconds (0 or more)")
            }
            switch key {
            case "lease-seconds": settings.leaseSeconds = number
            case "heartbeat-seconds": settings.heartbeatSeconds = number
            case "poll-seconds": settings.pollSeconds = number
            case "inbox-poll-seconds": settings.inboxPollSeconds = number
            default: settings.shutdownGraceSeconds = number
            }
        }
        guard settings.leaseSeconds > 0 else { throw ConfigError(file: name, key: "lease-seconds", message: "must be more than 0") }
        guard settings.heartbeatSeconds > 0, settings.heartbeatSeconds < settings.leaseSeconds else {
            throw ConfigError(file: name, key: "heartbeat-seconds", message: "must be more than 0 and less than lease-seconds (a third of it is usual)")
        }
        guard settings.pollSeconds > 0 else { throw ConfigError(file: name, key: "poll-seconds", message: "must be more than 0") }
        guard settings.inboxPollSeconds > 0 else { throw ConfigError(file: name, key: "inbox-poll-seconds", message: "must be more than 0") }
        return settings
    }
}
