import ArgumentParser
import Foundation
import HousingFinance
import Hub
import Scheduler

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Print each job's next firing times (local time with its UTC offset), from the files in Jobs/.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "How many firings per job.") var count = 5
    @Option(help: "Start from this instant (ISO 8601, like 2026-10-24T12:00:00Z) instead of now.") var from: String?
    @Option(help: "The folder of job files (default: jobs in Config/scheduler.yaml, else Jobs/ beside Config/).") var jobs: String?

    struct JobJSON: Encodable {
        var job: String
        var schedule: String
        var timeZone: String
        var enabled: Bool
        var firings: [String]
    }

    func run() throws {
        try reportingSchedulerErrors {
            let config = try HubEnvironment.loadConfig(global)
            let (_, catalog) = try SchedulerSetup.catalog(config, jobs: jobs)
            var start = Date()
            if let from {
                guard let date = ISO8601DateFormatter().date(from: from) else { throw ValidationError("--from '\(from)' is not an ISO 8601 instant") }
                start = date
            }
            let holidays = BankHolidays()
            var out: [JobJSON] = []
            for job in catalog.jobs {
                let firings = job.schedule(isWorkingDay: { holidays.isWorkingDay($0) }).nextFirings(after: start, count: count)
                out.append(JobJSON(
                    job: job.name, schedule: job.cron.description, timeZone: job.timeZone.identifier, enabled: job.enabled,
                    firings: firings.map { localTime($0, in: job.timeZone) }))
            }
            if global.json { try printJSON(out); return }
            for job in out {
                print("\(job.job)  \"\(job.schedule)\" \(job.timeZone)\(job.enabled ? "" : "  (disabled)")")
                for firing in job.firings { print("  \(firing)") }
            }
        }
    }
}
