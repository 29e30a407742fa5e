import ArgumentParser
import Foundation
import HousingFinance
import Hub
import Scheduler

struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "The scheduled jobs: list them with their last slot, or fire one now through the scheduler.",
        subcommands: [List.self, Run.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the jobs in Jobs/ with their last slot, its outcome and the next firing.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The folder of job files (default: jobs in Config/scheduler.yaml, else Jobs/ beside Config/).") var jobs: String?

        struct JobJSON: Encodable {
            var job: String
            var schedule: String
            var enabled: Bool
            var catchUp: String
            var timeZone: String
            var nextFiring: Date?
            var last: SlotStatus?
            var lastCompleted: SlotStatus?
        }

        func run() throws {
            try reportingErrors {
                let setup = try SchedulerSetup.open(global, jobs: jobs)
                let connection = try setup.environment.database.connect()
                let latest = try setup.core.store.latest(on: connection)
                let completed = try setup.core.store.lastCompleted(on: connection)
                let now = setup.core.now()
                let rows = setup.core.catalog.jobs.map { job in
                    JobJSON(
                        job: job.name, schedule: job.cron.description, enabled: job.enabled, catchUp: job.catchUp.rawValue,
                        timeZone: job.timeZone.identifier, nextFiring: setup.core.schedule(of: job).nextFiring(after: now),
                        last: latest[job.name], lastCompleted: completed[job.name])
                }
                if global.json { try printJSON(rows); return }
                if rows.isEmpty { print("No jobs."); return }
                var table = TextTable([
                    .init("Job"), .init("Schedule"), .init("Catch-up"), .init("Next firing"), .init("Last slot"), .init("Outcome"),
                    .init("Tries", .right), .init("Runs"), .init("Last completed"),
                ])
                var errors: [String] = []
                for row in rows {
                    let zone = TimeZone(identifier: row.timeZone) ?? .current
                    let last = row.last
                    table.add([
                        row.job + (row.enabled ? "" : " (disabled)"), row.schedule, row.catchUp,
                        row.nextFiring.map { localTime($0, in: zone) } ?? "never",
                        last?.slot ?? "none yet", last?.state ?? "", last.map { String($0.attempts) } ?? "",
                        last?.runIds.map(String.init).joined(separator: ", ") ?? "",
                        row.lastCompleted.map { $0.slot == last?.slot ? "this slot" : $0.slot } ?? "",
                    ])
                    if let last, let error = last.lastError, last.state != "completed" { errors.append("\(row.job): \(error)") }
                }
                print(table.render(), terminator: "")
                for error in errors { print("last error of \(error)") }
            }
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fire a job now through the scheduler's path: a manual slot, claimed under a lease, fenced at commit, recorded.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The job's name, like rent-debit.") var name: String
        @Option(help: "The business date (default: today in the job's time zone).") var asOf: String?
        @Option(name: .customLong("param"), help: "A parameter for the run, name=value (repeatable); it overrides the job file's.")
        var parameters: [String] = []
        @Option(help: "The folder of job files (default: jobs in Config/scheduler.yaml, else Jobs/ beside Config/).") var jobs: String?

        func validate() throws {
            for parameter in parameters where !parameter.contains("=") {
                throw ValidationError("--param '\(parameter)' is not name=value")
            }
            if let asOf, Day(iso: asOf) == nil { throw ValidationError("--as-of '\(asOf)' is not a date YYYY-MM-DD") }
        }

        func run() throws {
            try reportingErrors {
                let setup = try SchedulerSetup.open(global, jobs: jobs)
                let job = setup.core.catalog[name]
                let zone = job?.timeZone ?? setup.environment.config.timeZone
                let now = setup.core.now()
                let businessDate = asOf.flatMap { Day(iso: $0) } ?? Day(now, in: zone)
                var merged = job?.parameters ?? [:]
                for parameter in parameters {
                    let parts = parameter.split(separator: "=", maxSplits: 1)
                    merged[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
                }
                let stamp = ISO8601DateFormatter().string(from: now)
                let key = "manual \(stamp) \(UUID().uuidString.prefix(8).lowercased())"
                guard let result = try setup.core.fire(job: name, key: key, businessDate: businessDate, parameters: merged) else {
                    throw RunError(.inProgress, "the manual slot \(key) could not be claimed: an older slot of \(name) is running or waiting; try again when it has finished")
                }
                if global.json { try printJSON(result) } else { print(describe(result)) }
                let status = exitStatus(for: [result])
                if status != 0 {
                    if !global.json, let message = result.message { FileHandle.standardError.write(Data("error: \(message)\n".utf8)) }
                    throw ExitCode(status)
                }
            }
        }
    }
}
