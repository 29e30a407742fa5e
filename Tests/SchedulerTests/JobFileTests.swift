import Foundation
import Hub
import HousingFinance
import Scheduler
import Testing

@Suite struct JobFileTests {
    /// A valid job file, key by key in file order; cases replace or remove keys and add lines.
    static let validKeys: KeyValuePairs<String, String> = [
        "job": "job: rent-debit",
        "schedule": "schedule: \"0 2 * * MON\"",
        "time-zone": "time-zone: Europe/London",
        "working-days-only": "working-days-only: false",
        "parameters": "parameters:\n  week: \"2026-11-02\"",
        "catch-up": "catch-up: all",
        "retry": "retry:\n  attempts: 3\n  backoff-seconds: 300\n  max-backoff-seconds: 1800",
        "grace-minutes": "grace-minutes: 120",
        "enabled": "enabled: true",
        "watch-inbox": "watch-inbox: false",
    ]

    static func yaml(replacing changes: [String: String?] = [:], adding extra: [String] = []) -> String {
        validKeys.compactMap { key, line in changes.keys.contains(key) ? changes[key]! : line }
            .appending(contentsOf: extra).joined(separator: "\n") + "\n"
    }

    @Test func readsEveryKey() throws {
        let job = try JobDefinition(yaml: Self.yaml(replacing: [
            "time-zone": "time-zone: America/New_York", "working-days-only": "working-days-only: true",
            "catch-up": "catch-up: latest", "enabled": "enabled: false", "watch-inbox": "watch-inbox: true",
        ]), file: "Jobs/rent-debit.yaml")
        #expect(job.name == "rent-debit")
        #expect(job.cron == (try CronExpression("0 2 * * MON")))
        #expect(job.timeZone.identifier == "America/New_York")
        #expect(job.workingDaysOnly)
        #expect(job.parameters == ["week": "2026-11-02"])
        #expect(job.catchUp == .latest)
        #expect(job.retry == RetryPolicy(attempts: 3, backoffSeconds: 300, maxBackoffSeconds: 1800))
        #expect(job.graceMinutes == 120)
        #expect(!job.enabled)
        #expect(job.watchInbox)
        #expect(job.file == "Jobs/rent-debit.yaml")
    }

    @Test func optionalKeysHaveDefaults() throws {
        let job = try JobDefinition(yaml: Self.yaml(replacing: [
            "time-zone": nil, "working-days-only": nil, "parameters": nil, "enabled": nil, "watch-inbox": nil,
        ]), file: "Jobs/rent-debit.yaml")
        #expect(job.timeZone.identifier == "Europe/London")
        #expect(!job.workingDaysOnly)
        #expect(job.parameters.isEmpty)
        #expect(job.enabled)
        #expect(!job.watchInbox)
    }

    @Test func scheduleUsesTheWorkingDayTestOnlyWhenAsked() throws {
        let everyDay = try JobDefinition(yaml: Self.yaml(replacing: ["schedule": "schedule: \"0 7 * * *\""]), file: "a.yaml")
        let workingDays = try JobDefinition(
            yaml: Self.yaml(replacing: ["schedule": "schedule: \"0 7 * * *\"", "working-days-only": "working-days-only: true"]),
            file: "b.yaml")
        let christmasEve = instant("2026-12-24T12:00Z")
        #expect(everyDay.schedule(isWorkingDay: isWorkingDay2026).nextFiring(after: christmasEve) == instant("2026-12-25T07:00Z"))
        #expect(workingDays.schedule(isWorkingDay: isWorkingDay2026).nextFiring(after: christmasEve) == instant("2026-12-29T07:00Z"))
    }

    struct BadFile: Sendable, CustomTestStringConvertible {
        let yaml: String
        let code: ConfigError.Code
        let message: String
        var testDescription: String { message }
    }

    static let badFiles: [BadFile] = [
        BadFile(yaml: yaml(replacing: ["schedule": "schedule: \"61 2 * * MON\""]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: schedule: minute field '61': values must be 0-59"),
        BadFile(yaml: yaml(replacing: ["schedule": "schedule: \"0 2 * *\""]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: schedule: cron expression '0 2 * *': needs 5 fields (minute hour day-of-month month day-of-week), found 4"),
        BadFile(yaml: yaml(replacing: ["schedule": "schedule: \"0 0 30 2 *\""]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: schedule: '0 0 30 2 *' never fires: none of its months has that day of the month"),
        BadFile(yaml: yaml(replacing: ["schedule": "schedule: 0 2 * * 8"]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: schedule: day-of-week field '8': values must be 0-7 or SUN-SAT (0 and 7 are Sunday)"),
        BadFile(yaml: yaml(replacing: ["schedule": nil]), code: .missingKey,
                message: "Jobs/rent-debit.yaml: schedule: required key is missing; it takes a cron expression in quotes, like \"0 2 * * MON\""),
        BadFile(yaml: yaml(replacing: ["job": nil]), code: .missingKey,
                message: "Jobs/rent-debit.yaml: job: required key is missing; it takes the job's name, like rent-debit"),
        BadFile(yaml: yaml(replacing: ["catch-up": nil]), code: .missingKey,
                message: "Jobs/rent-debit.yaml: catch-up: required key is missing; it takes all, latest or none"),
        BadFile(yaml: yaml(adding: ["owner: finance"]), code: .unknownKey,
                message: "Jobs/rent-debit.yaml: owner: unknown key; a job file has job, schedule, time-zone, working-days-only, parameters, catch-up, retry, grace-minutes, enabled, watch-inbox"),
        BadFile(yaml: yaml(replacing: ["working-days-only": "working_days_only: true"]), code: .unknownKey,
                message: "Jobs/rent-debit.yaml: working_days_only: unknown key; a job file has job, schedule, time-zone, working-days-only, parameters, catch-up, retry, grace-minutes, enabled, watch-inbox"),
        BadFile(yaml: yaml(replacing: ["job": "job: Rent Debit"]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: job: 'Rent Debit' is not a job name; use lower-case letters, digits and single hyphens, like rent-debit"),
        BadFile(yaml: yaml(replacing: ["job": "job:"]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: job: needs a value"),
        BadFile(yaml: yaml(replacing: ["time-zone": "time-zone: Europe/Londn"]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: time-zone: 'Europe/Londn' is not a time zone; use a tz database name like Europe/London"),
        BadFile(yaml: yaml(replacing: ["working-days-only": "working-days-only: yes"]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: working-days-only: 'yes' must be true or false"),
        BadFile(yaml: yaml(replacing: ["enabled": "enabled: [true]"]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: enabled: must be a single value, not a list or mapping"),
        BadFile(yaml: yaml(replacing: ["parameters": "parameters: [week]"]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: parameters: must be a mapping of names to values, like  week: \"2026-11-02\""),
        // Issue 13: a misspelt parameter, or a value of the wrong kind, is refused by name.
        BadFile(yaml: yaml(replacing: ["parameters": "parameters:\n  wek: \"2026-07-13\""]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: parameters: rent-debit has no parameter 'wek' (it takes week)"),
        BadFile(yaml: yaml(replacing: ["parameters": "parameters:\n  week: \"2026-13-45\""]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: parameters: parameter week of rent-debit: '2026-13-45' is not a date YYYY-MM-DD"),
        BadFile(yaml: yaml(replacing: ["parameters": "parameters:\n  week:"]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: parameters.week: needs a value"),
        BadFile(yaml: yaml(replacing: ["parameters": "parameters:\n  weeks:\n    - 1"]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: parameters.weeks: must be a single value, not a list or mapping"),
        BadFile(yaml: yaml(replacing: ["catch-up": "catch-up: sometimes"]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: catch-up: 'sometimes' is not a catch-up policy; use all, latest or none"),
        BadFile(yaml: yaml(replacing: ["retry": "retry: 3"]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: retry: must be a mapping of keys to values: attempts, backoff-seconds, max-backoff-seconds"),
        BadFile(yaml: yaml(replacing: ["retry": "retry:\n  attempts: 0\n  backoff-seconds: 300\n  max-backoff-seconds: 1800"]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: retry.attempts: '0' must be a whole number, 1 or more"),
        BadFile(yaml: yaml(replacing: ["retry": "retry:\n  attempts: 3\n  backoff-seconds: 300"]), code: .missingKey,
                message: "Jobs/rent-debit.yaml: retry.max-backoff-seconds: required key is missing; it takes the longest wait in seconds between tries"),
        BadFile(yaml: yaml(replacing: ["retry": "retry:\n  attempts: 3\n  backoff-seconds: 300\n  max-backoff-seconds: 60"]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: retry.max-backoff-seconds: must be at least backoff-seconds (300)"),
        BadFile(yaml: yaml(replacing: ["retry": "retry:\n  attempts: 3\n  backoff-seconds: 300\n  max-backoff-seconds: 1800\n  jitter: 5"]), code: .unknownKey,
                message: "Jobs/rent-debit.yaml: retry.jitter: unknown key; retry has attempts, backoff-seconds, max-backoff-seconds"),
        BadFile(yaml: yaml(replacing: ["grace-minutes": "grace-minutes: -5"]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: grace-minutes: '-5' must be a whole number, 0 or more"),
        BadFile(yaml: yaml(replacing: ["grace-minutes": "grace-minutes: 1.5"]), code: .invalidValue,
                message: "Jobs/rent-debit.yaml: grace-minutes: '1.5' must be a whole number, 0 or more"),
        BadFile(yaml: yaml(adding: ["schedule: \"0 3 * * MON\""]), code: .notYAML,
                message: "Jobs/rent-debit.yaml: schedule: appears more than once; keep one"),
        BadFile(yaml: "", code: .notYAML,
                message: "Jobs/rent-debit.yaml: the file is empty; Jobs/README.md lists the keys a job file needs"),
        BadFile(yaml: "- job: rent-debit\n", code: .notYAML,
                message: "Jobs/rent-debit.yaml: the file must be a mapping of keys to values: job, schedule, time-zone, working-days-only, parameters, catch-up, retry, grace-minutes, enabled, watch-inbox"),
    ]

    @Test(arguments: badFiles)
    func badFilesAreRefused(_ bad: BadFile) throws {
        let error = try #require(throws: ConfigError.self) { try JobDefinition(yaml: bad.yaml, file: "Jobs/rent-debit.yaml") }
        #expect(error.description == bad.message)
        #expect(error.code == bad.code)
    }

    @Test func unquotedStarScheduleGetsAHint() throws {
        let text = Self.yaml(replacing: ["schedule": "schedule: */15 6-19 * * MON-FRI"])
        let error = try #require(throws: ConfigError.self) { try JobDefinition(yaml: text, file: "Jobs/payment-import.yaml") }
        #expect(error.code == .notYAML)
        #expect(error.description.hasPrefix("Jobs/payment-import.yaml: not valid YAML at line 2"))
        #expect(error.description.hasSuffix("a value that starts with * must be quoted, like schedule: \"*/15 * * * *\""))
    }
}

extension Array {
    fileprivate func appending(contentsOf other: [Element]) -> [Element] { self + other }
}
