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
            /// The job's latest completed run, whether the scheduler fired it or a person ran it
            /// (`hub run`, `hub import`, `hub demo`).
            var lastRun: LastRun?
        }

        struct LastRun: Encodable {
            var runId: Int64
            var finishedAt: Date?
            var bySchedulerSlot: String?
        }

        func run() throws {
            try reportingErrors {
                let setup = try SchedulerSetup.open(global, jobs: jobs)
                let connection = try setup.environment.database.connect()
                let latest = try setup.core.store.latest(on: connection)
                let completed = try setup.core.store.lastCompleted(on: connection)
                let now = setup.core.now()
                var lastRuns: [String: LastRun] = [:]
                for row in try connection.query(
                    "SELECT DISTINCT ON (job) job, id, finished_at, slot FROM runs WHERE status = 'completed' AND job = ANY($1::text[]) ORDER BY job, id DESC",
                    ["{" + setup.core.catalog.jobs.map(\.name).joined(separator: ",") + "}"])
                {
                    lastRuns[row.text(0) ?? ""] = LastRun(runId: try row.decode(Int64.self, 1), finishedAt: try row.decode(Date?.self, 2), bySchedulerSlot: row.text(3))
                }
                let rows = setup.core.catalog.jobs.map { job in
                    JobJSON(
                        job: job.name, schedule: job.cron.description, enabled: job.enabled, catchUp: job.catchUp.rawValue,
                        timeZone: job.timeZone.identifier, nextFiring: setup.core.schedule(of: job).nextFiring(after: now),
                        last: latest[job.name], lastCompleted: completed[job.name], lastRun: lastRuns[job.name])
                }
                if global.json { try printJSON(rows); return }
                if rows.isEmpty { print("No jobs."); return }
                var table = TextTable([
                    .init("Job"), .init("Schedule"), .init("Catch-up"), .init("Next firing"), .init("Last slot"), .init("Outcome"),
                    .init("Tries", .right), .init("Runs"), .init("Last completed"), .init("Last run"),
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
                        row.lastRun.map { "run \($0.runId) \($0.finishedAt.map(Timestamp.text) ?? "")" + ($0.bySchedulerSlot == nil ? " (by hand)" : "") } ?? "none yet",
                    ])
                    if let last, let error = last.lastError, last.state != "completed" { errors.append("\(row.job): \(error)") }
                }
                print(table.render(), terminator: "")
                if rows.contains(where: { $0.last == nil && $0.lastRun != nil }) {
                    print("A slot is the scheduler's (hub serve, hub jobs run); runs made by hand (hub run, hub import, hub demo) show under Last run.")
                }
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
                // A job that does not exist is bad input (exit 2), as a run or account that does not.
                guard job != nil || JobLauncher.jobNames.contains(name) else {
                    throw RunError(.notFound, "there is no job '\(name)' (jobs: \(setup.core.catalog.jobs.map(\.name).joined(separator: ", ")))")
                }
                let zone = job?.timeZone ?? setup.environment.config.timeZone
                let now = setup.core.now()
                let businessDate = asOf.flatMap { Day(iso: $0) } ?? Day(now, in: zone)
                var merged = job?.parameters ?? [:]
                for parameter in parameters {
                    let parts = parameter.split(separator: "=", maxSplits: 1)
                    merged[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
                }
                // Refused by name before anything is fired (exit 2).
                if let problem = JobParameters.problems(job: name, parameters: merged).first { throw RunError(.badInput, "--param: " + problem) }
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
