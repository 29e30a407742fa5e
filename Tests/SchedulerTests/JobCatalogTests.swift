import Foundation
import Hub
import HousingFinance
import Hub
import Scheduler
import Testing

@Suite struct JobCatalogTests {
    /// A fresh folder named Jobs (inside a unique temporary folder) holding the given files.
    func jobsFolder(_ files: [String: String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("scheduler-tests-\(UUID().uuidString)").appendingPathComponent("Jobs")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return folder
    }

    func jobFile(_ name: String, schedule: String = "0 2 * * MON") -> String {
        """
        job: \(name)
        schedule: "\(schedule)"
        catch-up: all
        retry:
          attempts: 1
          backoff-seconds: 0
          max-backoff-seconds: 0
        grace-minutes: 60

        """
    }

    @Test func loadsEveryYAMLFileAndIgnoresOthers() throws {
        let folder = try jobsFolder([
            "rent-debit.yaml": jobFile("rent-debit"),
            "gl-export.yaml": jobFile("gl-export", schedule: "0 5 1 * *"),
            "README.md": "# not a job",
        ])
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let catalog = try JobCatalog.load(directory: folder)
        #expect(catalog.jobs.map(\.name) == ["gl-export", "rent-debit"])
        #expect(catalog["gl-export"]?.file == "Jobs/gl-export.yaml")
        #expect(catalog["gl-export"]?.cron == (try CronExpression("0 5 1 * *")))
        #expect(catalog["payment-import"] == nil)
    }

    @Test func duplicateJobNamesAreRefusedNamingBothFiles() throws {
        let folder = try jobsFolder([
            "rent-debit.yaml": jobFile("rent-debit"),
            "rent-debit-copy.yaml": jobFile("rent-debit", schedule: "0 3 * * MON"),
        ])
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let error = try #require(throws: ConfigError.self) { try JobCatalog.load(directory: folder) }
        #expect(error.code == .duplicateJob)
        #expect(error.description
            == "Jobs/rent-debit.yaml: job: 'rent-debit' is already defined in Jobs/rent-debit-copy.yaml; each job needs exactly one file")
    }

    @Test func aBadFileStopsTheLoadNamingTheFile() throws {
        let folder = try jobsFolder([
            "rent-debit.yaml": jobFile("rent-debit", schedule: "61 2 * * MON"),
            "gl-export.yaml": jobFile("gl-export"),
        ])
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let error = try #require(throws: ConfigError.self) { try JobCatalog.load(directory: folder) }
        #expect(error.description == "Jobs/rent-debit.yaml: schedule: minute field '61': values must be 0-59")
    }

    @Test func ymlFilesAreRefused() throws {
        let folder = try jobsFolder(["gl-export.yml": jobFile("gl-export")])
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let error = try #require(throws: ConfigError.self) { try JobCatalog.load(directory: folder) }
        #expect(error.description == "Jobs/gl-export.yml: job files must end in .yaml; rename it")
    }

    @Test func aMissingFolderIsReported() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-folder-\(UUID().uuidString)")
        let error = try #require(throws: ConfigError.self) { try JobCatalog.load(directory: folder) }
        #expect(error.code == .unreadable)
        #expect(error.description.contains(folder.path))
    }

    // MARK: The job files shipped in Jobs/

    static let shippedJobs = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Jobs")

    @Test func shippedJobFilesLoad() throws {
        let catalog = try JobCatalog.load(directory: Self.shippedJobs)
        #expect(catalog.jobs.map(\.name) == ["arrears-review", "council-tax-export", "dd-collection", "dd-notices", "gl-export", "payment-import", "rent-debit", "sales-order-review"])
    }

    @Test func theDirectDebitCollectionRunsEveryWorkingDayAndCatchesUpEachDay() throws {
        let job = try #require(try JobCatalog.load(directory: Self.shippedJobs)["dd-collection"])
        #expect(job.catchUp == .all)
        #expect(job.workingDaysOnly)
        #expect(JobLauncher.jobNames.contains("dd-collection") && JobLauncher.jobNames.contains("dd-notices"))
    }

    @Test func rentDebitRunsEveryMondayAt2AndCatchesUpEveryWeek() throws {
        let job = try #require(try JobCatalog.load(directory: Self.shippedJobs)["rent-debit"])
        #expect(job.catchUp == .all)
        #expect(!job.workingDaysOnly)
        #expect(job.enabled)
        // Easter Monday 2026 is a bank holiday; the rent week still starts.
        let schedule = job.schedule(isWorkingDay: isWorkingDay2026)
        #expect(schedule.nextFirings(after: instant("2026-03-25T12:00Z"), count: 3)
            == ["2026-03-30T02:00+01:00", "2026-04-06T02:00+01:00", "2026-04-13T02:00+01:00"].map(instant))
        #expect(schedule.slotKey(for: instant("2026-11-23T02:00Z")) == "2026-11-23T02:00+00:00")
    }

    @Test func paymentImportRunsQuarterHourlyOnWorkingDaysAndWatchesTheInbox() throws {
        let job = try #require(try JobCatalog.load(directory: Self.shippedJobs)["payment-import"])
        #expect(job.catchUp == .latest)
        #expect(job.workingDaysOnly)
        #expect(job.watchInbox)
        let schedule = job.schedule(isWorkingDay: isWorkingDay2026)
        let maundyThursday = try #require(Day(iso: "2026-04-02"))
        let day = schedule.firings(after: maundyThursday.start(in: .london), through: (maundyThursday + 1).start(in: .london))
        #expect(day.count == 56)  // 06:00 to 19:45, every 15 minutes
        #expect(day.first == instant("2026-04-02T06:00+01:00"))
        #expect(day.last == instant("2026-04-02T19:45+01:00"))
        #expect(schedule.nextFiring(after: instant("2026-04-02T19:45+01:00")) == instant("2026-04-07T06:00+01:00"))
    }
}
