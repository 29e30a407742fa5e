import Foundation
import HousingFinance

/// One scheduled job as its file in Jobs/ describes it: what runs, when, with which parameters, and
/// what to do about missed slots and failures. Jobs/README.md documents the file format.
public struct JobDefinition: Hashable, Sendable {
    /// The job's name (`job`), like `rent-debit` or `payment-import`.
    public var name: String
    /// When it runs (`schedule`).
    public var cron: CronExpression
    /// The zone of the schedule's wall clock (`time-zone`, default Europe/London).
    public var timeZone: TimeZone
    /// Whether days that are not working days are skipped (`working-days-only`, default false).
    public var workingDaysOnly: Bool
    /// Parameters handed to the job (`parameters`, default none).
    public var parameters: [String: String]
    /// What to do about slots missed while the scheduler was down (`catch-up`).
    public var catchUp: CatchUpPolicy
    /// How failed runs are retried (`retry`).
    public var retry: RetryPolicy
    /// How many minutes late a slot may still be unrun before the health check complains (`grace-minutes`).
    public var graceMinutes: Int
    /// Whether the scheduler runs the job at all (`enabled`, default true).
    public var enabled: Bool
    /// Whether a file landing in the job's inbox also starts a run (`watch-inbox`, default false).
    public var watchInbox: Bool
    /// Where the definition was read from, as error messages name it (like `Jobs/rent-debit.yaml`).
    public var file: String

    /// Creates a definition directly; job files are read with `init(yaml:file:)`.
    public init(
        name: String, cron: CronExpression, timeZone: TimeZone = .london, workingDaysOnly: Bool = false,
        parameters: [String: String] = [:], catchUp: CatchUpPolicy, retry: RetryPolicy, graceMinutes: Int,
        enabled: Bool = true, watchInbox: Bool = false, file: String
    ) {
        self.name = name
        self.cron = cron
        self.timeZone = timeZone
        self.workingDaysOnly = workingDaysOnly
        self.parameters = parameters
        self.catchUp = catchUp
        self.retry = retry
        self.graceMinutes = graceMinutes
        self.enabled = enabled
        self.watchInbox = watchInbox
        self.file = file
    }

    /// The job's schedule.
    ///
    /// - Parameter isWorkingDay: the working-day test (the bank-holiday calendar's), used only when
    ///   the job runs on working days only; it must refuse weekends as well as bank holidays.
    public func schedule(isWorkingDay: @escaping @Sendable (Day) -> Bool) -> Schedule {
        Schedule(cron: cron, timeZone: timeZone, isWorkingDay: workingDaysOnly ? isWorkingDay : nil)
    }
}
