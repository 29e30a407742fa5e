import Foundation
import HousingFinance
import Yams

/// The operator's configuration: `Config/hub.yaml` and the files it names.
public struct HubConfig: Sendable {
    /// The database connection string; nil means the embedded demo cluster.
    public var databaseURL: String?
    /// Folders, absolute.
    public var inbox: URL
    public var archive: URL
    public var rejected: URL
    public var outbox: URL
    /// Where the embedded cluster lives when no database is configured.
    public var embeddedDirectory: URL
    /// The hub's business time zone.
    public var timeZone: TimeZone
    /// The hub's go-live Monday: nothing is charged before it.
    public var goLive: Day
    /// The rent calendar (free weeks per rent year).
    public var rentCalendar: RentCalendar
    /// The account reference scheme.
    public var accountScheme: AccountReferenceScheme
    /// The transaction code for rent adjustments (a difference found in an earlier week).
    public var adjustmentCode: String
    /// The folder holding the configuration files.
    public var directory: URL
    /// The loopback address and port of `hub serve`'s /metrics and /health endpoints.
    public var httpAddress: String
    public var httpPort: Int
    /// The landlord (council) every command and job works for: each connection is set to it, and
    /// the database shows and changes that landlord's rows only (docs/scaling.md).
    public var landlord: String

    /// Creates a configuration from its values (tests, embedding).
    public init(
        databaseURL: String?, inbox: URL, archive: URL, rejected: URL, outbox: URL, embeddedDirectory: URL, timeZone: TimeZone,
        goLive: Day, rentCalendar: RentCalendar, accountScheme: AccountReferenceScheme, adjustmentCode: String, directory: URL,
        httpAddress: String, httpPort: Int, landlord: String = HubDatabase.defaultLandlord
    ) {
        self.databaseURL = databaseURL
        self.inbox = inbox
        self.archive = archive
        self.rejected = rejected
        self.outbox = outbox
        self.embeddedDirectory = embeddedDirectory
        self.timeZone = timeZone
        self.goLive = goLive
        self.rentCalendar = rentCalendar
        self.accountScheme = accountScheme
        self.adjustmentCode = adjustmentCode
        self.directory = directory
        self.httpAddress = httpAddress
        self.httpPort = httpPort
        self.landlord = landlord
    }

    /// Whether a landlord's name is one the hub accepts: lower-case letters, digits, `-` and `_`,
    /// starting with a letter, at most 40 characters.
    public static func isLandlordName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.unicodeScalars.count <= 40 else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }

    /// Reads the configuration.
    /// - Parameters:
    ///   - file: the hub.yaml to read.
    ///   - databaseURLOverride: `HUB_DATABASE_URL`, which wins over the file.
    /// - Throws: `ConfigError` naming the file and the key.
    public static func load(file: URL, databaseURLOverride: String? = nil) throws -> HubConfig {
        let name = file.path
        let reader = try ConfigReader(yaml: ConfigLimits.text(of: file, name: name), file: name)
        let root = reader.root
        let known: Set<String> = ["database", "directories", "time-zone", "go-live", "rent-calendar", "account-reference", "adjustment-code", "http", "landlord"]
        try reader.refuseUnknownKeys(root, known, prefix: nil)
        // Folders are named absolutely, without `.` or `..`: the same file reaches the same
        // folders (and the same embedded cluster) however it was named on the command line.
        let absoluteFile = file.path.hasPrefix("/") ? file : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(file.path)
        let base = absoluteFile.standardizedFileURL.deletingLastPathComponent()
        func folder(_ key: String, _ fallback: String) throws -> URL {
            let value = try reader.string("directories.\(key)") ?? fallback
            return (value.hasPrefix("/") ? URL(fileURLWithPath: value) : base.appendingPathComponent(value)).standardizedFileURL
        }
        let zoneName = try reader.string("time-zone") ?? "Europe/London"
        guard let zone = TimeZone(identifier: zoneName) else {
            throw ConfigError(file: name, key: "time-zone", message: "\(Wording.shortQuote(zoneName)) is not a time zone (for example Europe/London)")
        }
        guard let goLiveText = try reader.string("go-live") else {
            throw ConfigError(file: name, key: "go-live", message: "missing: the hub's go-live Monday, YYYY-MM-DD")
        }
        guard let goLive = Day(iso: goLiveText), goLive.weekday == .monday else {
            throw ConfigError(file: name, key: "go-live", message: "\(Wording.shortQuote(goLiveText)) is not a Monday written YYYY-MM-DD")
        }
        let calendarPath = try reader.string("rent-calendar") ?? "rent-calendar.yaml"
        let calendarFile = calendarPath.hasPrefix("/") ? URL(fileURLWithPath: calendarPath) : base.appendingPathComponent(calendarPath)
        let calendar = try RentCalendarFile.load(calendarFile)
        var scheme = AccountReferenceScheme.standard
        if let kind = try reader.string("account-reference.check-digit") {
            let length = try reader.int("account-reference.number-length") ?? 8
            switch kind {
            case "modulus11": scheme = try AccountReferenceScheme(checkDigit: .modulus11, numberLength: length)
            case "none": scheme = try AccountReferenceScheme(checkDigit: .none, numberLength: length)
            default:
                throw ConfigError(file: name, key: "account-reference.check-digit", message: "\(Wording.shortQuote(kind)) is not a scheme: use modulus11 or none")
            }
        }
        let landlord = try reader.string("landlord") ?? HubDatabase.defaultLandlord
        guard isLandlordName(landlord) else {
            throw ConfigError(
                file: name, key: "landlord",
                message: "\(Wording.shortQuote(landlord)) is not a landlord's name: lower-case letters, digits, - and _, starting with a letter, at most 40")
        }
        let database = try reader.string("database.url")
        let override = databaseURLOverride.flatMap { $0.isEmpty ? nil : $0 }
        return HubConfig(
            databaseURL: override ?? (database?.isEmpty == false ? database : nil),
            inbox: try folder("inbox", "../var/inbox"), archive: try folder("archive", "../var/archive"),
            rejected: try folder("rejected", "../var/rejected"), outbox: try folder("outbox", "../var/outbox"),
            embeddedDirectory: try folder("embedded-database", "../var/embedded-postgres"),
            timeZone: zone, goLive: goLive, rentCalendar: calendar, accountScheme: scheme,
            adjustmentCode: try reader.string("adjustment-code") ?? "ADJ", directory: base,
            httpAddress: try reader.string("http.address") ?? "127.0.0.1", httpPort: try reader.int("http.port") ?? 9464, landlord: landlord)
    }

    /// Today in the hub's time zone.
    public func today(now: Date = Date()) -> Day { Day(now, in: timeZone) }
}

/// `Config/rent-calendar.yaml`: for each rent year (`2026/27`), the Mondays of its free weeks.
public enum RentCalendarFile {
    /// Reads a rent calendar file.
    /// - Throws: `ConfigError` naming the file and the rent year.
    public static func load(_ file: URL) throws -> RentCalendar {
        try parse(ConfigLimits.text(of: file, unreadable: "cannot read the rent calendar"), file: file.path)
    }

    /// Reads rent calendar text.
    public static func parse(_ text: String, file: String) throws -> RentCalendar {
        // An empty file is a calendar without free weeks.
        guard let mapping = try ConfigReader(yaml: text, file: file, allowEmpty: true).root.mapping else { return .none }
        var weeks: [RentYear: Set<Day>] = [:]
        for (key, value) in mapping {
            let label = key.string ?? ""
            guard let year = RentYear(label: label) else {
                throw ConfigError(file: file, key: label, message: "not a rent year: write it as 2026/27")
            }
            guard let list = value.sequence else {
                throw ConfigError(file: file, key: label, message: "expected a list of Mondays (YYYY-MM-DD)")
            }
            var mondays: Set<Day> = []
            for item in list {
                guard let text = item.string, let day = Day(iso: text) else {
                    throw ConfigError(file: file, key: label, message: "\(Wording.shortQuote(item.string ?? "?")) is not a date YYYY-MM-DD")
                }
                mondays.insert(day)
            }
            weeks[year] = mondays
        }
        do { return try RentCalendar(freeWeeks: weeks) } catch let error as RentCalendarError {
            throw ConfigError(file: file, key: error.year, message: error.message)
        }
    }
}
