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
        var firings: [Date]
    }

    func run() throws {
        try reportingErrors {
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
                    firings: firings))
            }
            if global.json { try printJSON(out); return }
            var table = TextTable([.init("Job"), .init("Schedule"), .init("Time zone"), .init("Next firings (local time and UTC offset)")])
            for job in out {
                let zone = TimeZone(identifier: job.timeZone) ?? .current
                let firings = job.firings.map { localTime($0, in: zone) }
                table.add([job.job + (job.enabled ? "" : " (disabled)"), job.schedule, job.timeZone, firings.first ?? "never"])
                for firing in firings.dropFirst() { table.add(["", "", "", firing]) }
            }
            print(table.render(), terminator: "")
        }
    }
}
