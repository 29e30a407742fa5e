import Foundation
import HousingFinance
import Hub
import Yams

extension JobDefinition {
    /// Reads a job file.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - file: the name error messages give it, like `Jobs/rent-debit.yaml`.
    /// - Throws: `ConfigError` naming the file, the key and what is wrong.
    public init(contentsOf url: URL, file: String) throws {
        try self.init(yaml: ConfigLimits.text(of: url, name: file, unreadable: "cannot be read as UTF-8 text"), file: file)
    }

    /// Reads the YAML text of a job file. Unknown keys are refused; Jobs/README.md lists the keys.
    ///
    /// - Parameters:
    ///   - yaml: the file's text.
    ///   - file: the name error messages give it, like `Jobs/rent-debit.yaml`.
    /// - Throws: `ConfigError` naming the file, the key and what is wrong, e.g.
    ///   `Jobs/rent-debit.yaml: schedule: minute field '61': values must be 0-59`.
    public init(yaml: String, file: String) throws {
        let reader = JobFileReader(file: file)
        let keys = try reader.keys(of: reader.document(yaml), at: nil, spec: JobFileReader.jobKeys)

        let name = try reader.text(keys["job"]!, at: "job")
        guard JobFileReader.isJobName(name) else {
            throw reader.invalid("job", "\(Wording.shortQuote(name)) is not a job name; use lower-case letters, digits and single hyphens, like rent-debit")
        }

        let cronText = try reader.text(keys["schedule"]!, at: "schedule")
        let cron: CronExpression
        do {
            cron = try CronExpression(cronText)
        } catch let error as CronExpressionError {
            throw reader.invalid("schedule", error.description)
        }
        guard cron.canEverFire else {
            throw reader.invalid("schedule", "\(Wording.shortQuote("\(cron)")) never fires: none of its months has that day of the month")
        }

        var timeZone = TimeZone.london
        if let node = keys["time-zone"] {
            let identifier = try reader.text(node, at: "time-zone")
            guard let zone = TimeZone(identifier: identifier) else {
                throw reader.invalid("time-zone", "\(Wording.shortQuote(identifier)) is not a time zone; use a tz database name like Europe/London")
            }
            timeZone = zone
        }

        var parameters: [String: String] = [:]
        if let node = keys["parameters"] {
            guard let mapping = node.mapping else {
                throw reader.invalid("parameters", "must be a mapping of names to values, like  week: \"2026-11-02\"")
            }
            for (keyNode, valueNode) in mapping {
                let key = try reader.text(keyNode, at: "parameters")
                parameters[key] = try reader.text(valueNode, at: "parameters.\(key)")
            }
            if let problem = JobParameters.problems(job: name, parameters: parameters).first {
                throw reader.invalid("parameters", problem)
            }
        }

        let catchUpText = try reader.text(keys["catch-up"]!, at: "catch-up")
        guard let catchUp = CatchUpPolicy(rawValue: catchUpText) else {
            throw reader.invalid("catch-up", "\(Wording.shortQuote(catchUpText)) is not a catch-up policy; use all, latest or none")
        }

        let retryKeys = try reader.keys(of: keys["retry"]!, at: "retry", spec: JobFileReader.retryKeys)
        let retry = RetryPolicy(
            attempts: try reader.number(retryKeys["attempts"]!, at: "retry.attempts", atLeast: 1),
            backoffSeconds: try reader.number(retryKeys["backoff-seconds"]!, at: "retry.backoff-seconds", atLeast: 0),
            maxBackoffSeconds: try reader.number(retryKeys["max-backoff-seconds"]!, at: "retry.max-backoff-seconds", atLeast: 0))
        guard retry.maxBackoffSeconds >= retry.backoffSeconds else {
            throw reader.invalid("retry.max-backoff-seconds", "must be at least backoff-seconds (\(retry.backoffSeconds))")
        }

        self.init(
            name: name, cron: cron, timeZone: timeZone,
            workingDaysOnly: try keys["working-days-only"].map { try reader.flag($0, at: "working-days-only") } ?? false,
            parameters: parameters, catchUp: catchUp, retry: retry,
            graceMinutes: try reader.number(keys["grace-minutes"]!, at: "grace-minutes", atLeast: 0),
            enabled: try keys["enabled"].map { try reader.flag($0, at: "enabled") } ?? true,
            watchInbox: try keys["watch-inbox"].map { try reader.flag($0, at: "watch-inbox") } ?? false,
            file: file)
    }
}

/// Reads the values of a job file's YAML, turning every problem into a `ConfigError`.
private struct JobFileReader {
    /// The keys of a mapping, in documentation order, with what a required one takes (nil when optional).
    typealias Spec = KeyValuePairs<String, String?>

    static let jobKeys: Spec = [
        "job": "the job's name, like rent-debit",
        "schedule": "a cron expression in quotes, like \"0 2 * * MON\"",
        "time-zone": nil,
        "working-days-only": nil,
        "parameters": nil,
        "catch-up": "all, latest or none",
        "retry": "a mapping of attempts, backoff-seconds and max-backoff-seconds",
        "grace-minutes": "how many minutes late a slot may be before the health check complains",
        "enabled": nil,
        "watch-inbox": nil,
    ]

    static let retryKeys: Spec = [
        "attempts": "how many tries in all, counting the first (1 = no retry)",
        "backoff-seconds": "the wait in seconds after the first failure",
        "max-backoff-seconds": "the longest wait in seconds between tries",
    ]

    let file: String

    func invalid(_ key: String, _ problem: String) -> ConfigError {
        ConfigError(.invalidValue, file: file, key: key, message: problem)
    }

    /// The document's root node, refusing text that is not YAML (read as every configuration file is).
    func document(_ yaml: String) throws -> Node {
        try ConfigReader(yaml: yaml, file: file, emptyHint: "Jobs/README.md lists the keys a job file needs").root
    }

    /// The values of a mapping by key, refusing unknown keys and missing required ones.
    func keys(of node: Node, at path: String?, spec: Spec) throws -> [String: Node] {
        let known = spec.map(\.key)
        guard let mapping = node.mapping else {
            let problem = "must be a mapping of keys to values: \(known.joined(separator: ", "))"
            throw ConfigError(path == nil ? .notYAML : .invalidValue, file: file, key: path, message: path == nil ? "the file " + problem : problem)
        }
        var values: [String: Node] = [:]
        for (keyNode, value) in mapping {
            let key = try text(keyNode, at: path ?? "key")
            guard known.contains(key) else {
                let owner = path.map { "\($0) has" } ?? "a job file has"
                throw ConfigError(.unknownKey, file: file, key: qualified(key, path), message: "unknown key; \(owner) \(known.joined(separator: ", "))")
            }
            values[key] = value
        }
        for case let (key, what?) in spec where values[key] == nil {
            throw ConfigError(.missingKey, file: file, key: qualified(key, path), message: "required key is missing; it takes \(what)")
        }
        return values
    }

    private func qualified(_ key: String, _ path: String?) -> String { path.map { "\($0).\(key)" } ?? key }

    /// A scalar's text, refusing mappings, lists and empty (null) values.
    func text(_ node: Node, at key: String) throws -> String {
        guard let scalar = node.scalar else { throw invalid(key, "must be a single value, not a list or mapping") }
        guard node.tag.rawValue != Tag.Name.null.rawValue else { throw invalid(key, "needs a value") }
        return scalar.string
    }

    /// `true` or `false`.
    func flag(_ node: Node, at key: String) throws -> Bool {
        switch try text(node, at: key) {
        case "true": return true
        case "false": return false
        case let other: throw invalid(key, "\(Wording.shortQuote(other)) must be true or false")
        }
    }

    /// A whole number no smaller than `minimum`.
    func number(_ node: Node, at key: String, atLeast minimum: Int) throws -> Int {
        let value = try text(node, at: key)
        guard let n = Int(value), n >= minimum else {
            throw invalid(key, "\(Wording.shortQuote(value)) must be a whole number, \(minimum) or more")
        }
        return n
    }

    /// Lower-case letters and digits in words joined by single hyphens, starting with a letter.
    static func isJobName(_ name: String) -> Bool {
        let words = name.split(separator: "-", omittingEmptySubsequences: false)
        return name.first.map { $0.isASCII && $0.isLowercase } == true
            && words.allSatisfy { word in !word.isEmpty && word.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) } }
    }
}
