import Foundation
import Hub
import HousingFinance
import Scheduler
import Testing

/// Which slots are due, with an injected "now": catch-up after downtime, working days, daylight saving.
@Suite struct SlotPlannerTests {
    func job(_ cron: String, catchUp: CatchUpPolicy, grace: Int = 30, workingDays: Bool = false) throws -> JobDefinition {
        JobDefinition(
            name: "test-job", cron: try CronExpression(cron), workingDaysOnly: workingDays, catchUp: catchUp,
            retry: RetryPolicy(attempts: 3, backoffSeconds: 1, maxBackoffSeconds: 4), graceMinutes: grace, file: "Jobs/test-job.yaml")
    }

    func plan(_ job: JobDefinition, checked: String?, now: String) -> SlotPlanner.Plan {
        SlotPlanner.plan(job: job, schedule: job.schedule(isWorkingDay: isWorkingDay2026), checkedThrough: checked.map(instant), now: instant(now))
    }

    @Test func theFirstStartCatchesNothingUp() throws {
        let plan = plan(try job("0 2 * * MON", catchUp: .all), checked: nil, now: "2026-11-23T09:00Z")
        #expect(plan.due.isEmpty)
        #expect(plan.checkedThrough == instant("2026-11-23T09:00Z"))
    }

    @Test func aSlotOnTimeIsDueWithItsKeyAndBusinessDate() throws {
        let plan = plan(try job("0 2 * * MON", catchUp: .none), checked: "2026-11-23T01:59Z", now: "2026-11-23T02:00Z")
        #expect(plan.due.map(\.key) == ["2026-11-23T02:00+00:00"])
        #expect(plan.due.first?.businessDate == Day(iso: "2026-11-23"))
        #expect(plan.due.first?.instant == instant("2026-11-23T02:00Z"))
    }

    @Test func nothingIsDueBetweenFirings() throws {
        let plan = plan(try job("0 2 * * MON", catchUp: .all), checked: "2026-11-23T02:00Z", now: "2026-11-29T23:59Z")
        #expect(plan.due.isEmpty)
        #expect(plan.skipped.isEmpty)
    }

    @Test func catchUpAllRunsEveryMissedWeekOldestFirst() throws {
        // Down from Sunday 1 November to Wednesday 25 November: four Mondays missed.
        let plan = plan(try job("0 2 * * MON", catchUp: .all, grace: 120), checked: "2026-11-01T12:00Z", now: "2026-11-25T10:00Z")
        #expect(plan.due.map(\.key) == ["2026-11-02T02:00+00:00", "2026-11-09T02:00+00:00", "2026-11-16T02:00+00:00", "2026-11-23T02:00+00:00"])
        #expect(plan.due.map(\.businessDate.iso) == ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"])
        #expect(plan.skipped.isEmpty)
    }

    @Test func catchUpLatestRunsOnlyTheMostRecentMissedSlot() throws {
        let plan = plan(try job("*/15 6-19 * * MON-FRI", catchUp: .latest, workingDays: true), checked: "2026-11-24T07:00Z", now: "2026-11-24T09:20Z")
        #expect(plan.due.map(\.key) == ["2026-11-24T09:15+00:00"])
        #expect(plan.skipped.count == 8)
    }

    @Test func catchUpNoneRunsAnOnTimeSlotButNoMissedOne() throws {
        let job = try job("*/15 6-19 * * MON-FRI", catchUp: .none, grace: 10)
        let late = plan(job, checked: "2026-11-24T07:00Z", now: "2026-11-24T09:41Z")
        #expect(late.due.isEmpty, "09:30 is eleven minutes old: more than the grace of ten, so it was missed")
        #expect(late.skipped.count == 10)
        let onTime = plan(job, checked: "2026-11-24T07:00Z", now: "2026-11-24T09:31Z")
        #expect(onTime.due.map(\.key) == ["2026-11-24T09:30+00:00"])
    }

    @Test func workingDaysOnlySkipsBankHolidaysAndWeekends() throws {
        // Christmas 2026: Friday 25 and Monday 28 December are bank holidays.
        let plan = plan(try job("0 7 * * *", catchUp: .all, workingDays: true), checked: "2026-12-23T12:00Z", now: "2026-12-30T12:00Z")
        #expect(plan.due.map(\.businessDate.iso) == ["2026-12-24", "2026-12-29", "2026-12-30"])
    }

    @Test func theSpringForwardSlotRunsOnceAtTheEndOfTheGap() throws {
        // 29 March 2026: 01:00 GMT becomes 02:00 BST; a 01:30 job runs once, at 02:00 BST.
        let plan = plan(try job("30 1 * * *", catchUp: .all), checked: "2026-03-28T12:00Z", now: "2026-03-30T12:00Z")
        #expect(plan.due.map(\.key) == ["2026-03-29T02:00+01:00", "2026-03-30T01:30+01:00"])
        #expect(plan.due.first?.instant == instant("2026-03-29T01:00Z"))
    }

    @Test func theFallBackSlotRunsOnceAtTheFirstOccurrence() throws {
        // 25 October 2026: 02:00 BST becomes 01:00 GMT; 01:30 happens twice and runs at the first.
        let plan = plan(try job("30 1 * * *", catchUp: .all), checked: "2026-10-24T12:00Z", now: "2026-10-25T12:00Z")
        #expect(plan.due.map(\.key) == ["2026-10-25T01:30+01:00"])
        #expect(plan.due.first?.instant == instant("2026-10-25T00:30Z"))
    }

    @Test func aClockThatWentBackwardsPlansNothing() throws {
        let plan = plan(try job("0 2 * * MON", catchUp: .all), checked: "2026-11-23T09:00Z", now: "2026-11-23T08:00Z")
        #expect(plan.due.isEmpty)
        #expect(plan.checkedThrough == instant("2026-11-23T09:00Z"))
    }
}

@Suite struct SchedulerSettingsTests {
    func makeFolder(_ yaml: String?) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scheduler-settings-\(UUID().uuidString)/Config")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if let yaml { try yaml.write(to: folder.appendingPathComponent("scheduler.yaml"), atomically: true, encoding: .utf8) }
        return folder
    }

    @Test func aMissingFileGivesTheDefaults() throws {
        let folder = try makeFolder(nil)
        let settings = try SchedulerSettings.load(configDirectory: folder)
        #expect(settings.leaseSeconds == 60)
        #expect(settings.takeoverSeconds == 75)
        #expect(settings.jobsDirectory.path == folder.deletingLastPathComponent().appendingPathComponent("Jobs").path)
    }

    @Test func theShippedFileReads() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Config").standardizedFileURL
        let settings = try SchedulerSettings.load(configDirectory: shipped)
        #expect(settings.heartbeatSeconds < settings.leaseSeconds)
        #expect(FileManager.default.fileExists(atPath: settings.jobsDirectory.appendingPathComponent("rent-debit.yaml").path))
    }

    @Test func badValuesNameTheFileAndKey() throws {
        let folder = try makeFolder("lease-seconds: 10\nheartbeat-seconds: 20\n")
        #expect(throws: ConfigError.self) { try SchedulerSettings.load(configDirectory: folder) }
        do {
            _ = try SchedulerSettings.load(configDirectory: folder)
        } catch let error as ConfigError {
            #expect(error.key == "heartbeat-seconds")
            #expect(error.description.contains("scheduler.yaml: heartbeat-seconds: "))
        }
        let unknown = try makeFolder("lease: 10\n")
        #expect { try SchedulerSettings.load(configDirectory: unknown) } throws: { ($0 as? ConfigError)?.key == "lease" }
    }
}
