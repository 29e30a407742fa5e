import Foundation
import HousingFinance
import Yams

/// `Config/direct-debit.yaml`: the council as a Bacs service user, the files' names, the monthly
/// collection days, the amount basis, advance notice and re-presentation rules.
public struct DirectDebitConfig: Sendable {
    public var serviceUserNumber = "123456"
    public var serviceUserName = "EXAMPLE COUNCIL"
    public var sortCode = "200000"
    public var accountNumber = "12345678"
    public var accountName = "EXAMPLE COUNCIL RENTS"
    public var interface = "bacs-direct-debit"
    public var fileNamePattern = "DD_{sequence}_{entry}.txt"
    public var noticesInterface = "dd-notices"
    public var noticesFileNamePattern = "DDNOTICES_{sequence}_{date}.csv"
    public var monthlyDays: [Int] = [1, 8, 15, 22, 28]
    public var basis = DDAmountBasis.debitWeeks
    public var noticeWorkingDays = 10
    public var noticeHorizonDays = 42
    public var representation = true
    public var representAfterWorkingDays = 5
    public var representWithinDays = 30
    /// The rent calendar (free weeks) of hub.yaml.
    public var rentCalendar: RentCalendar
    public var calendar = BacsCalendar()

    public init(rentCalendar: RentCalendar) { self.rentCalendar = rentCalendar }

    /// The amount rule of the configuration.
    public var amountRule: DDAmountRule { DDAmountRule(basis: basis, calendar: rentCalendar) }

    public static let fileName = "direct-debit.yaml"

    /// Reads `direct-debit.yaml` beside hub.yaml (defaults when it is missing).
    /// - Throws: `ConfigError` naming the file and key.
    public static func load(_ hub: HubConfig) throws -> DirectDebitConfig {
        let file = hub.directory.appendingPathComponent(fileName)
        var config = DirectDebitConfig(rentCalendar: hub.rentCalendar)
        guard FileManager.default.fileExists(atPath: file.path) else { return config }
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw ConfigError(file: file.path, key: nil, message: "cannot read the file")
        }
        let reader = try ConfigReader(yaml: text, file: file.path)
        let name = file.path
        try reader.refuseUnknownKeys(
            reader.root,
            ["service-user-number", "service-user-name", "collection-account", "interface", "file-name", "notices-interface",
             "notices-file-name", "monthly-days", "monthly-basis", "advance-notice-working-days", "notice-horizon-days", "re-presentation"],
            prefix: nil)
        if let node = reader.node("collection-account") {
            try reader.refuseUnknownKeys(node, ["sort-code", "account-number", "name"], prefix: "collection-account")
        }
        if let node = reader.node("re-presentation") {
            try reader.refuseUnknownKeys(node, ["enabled", "after-working-days", "within-days"], prefix: "re-presentation")
        }
        func digits(_ key: String, _ count: Int) throws -> String? {
            guard let value = try reader.string(key) else { return nil }
            guard value.count == count, value.allSatisfy(\.isASCIIDigit) else {
                throw ConfigError(file: name, key: key, message: "'\(value.prefix(20))' must be \(count) digits (quote it: \"012345\")")
            }
            return value
        }
        func nonNegative(_ key: String) throws -> Int? {
            guard let value = try reader.int(key) else { return nil }
            guard value >= 0 else { throw ConfigError(file: name, key: key, message: "\(value) must be 0 or more") }
            return value
        }
        config.serviceUserNumber = try digits("service-user-number", 6) ?? config.serviceUserNumber
        config.sortCode = try digits("collection-account.sort-code", 6) ?? config.sortCode
        config.accountNumber = try digits("collection-account.account-number", 8) ?? config.accountNumber
        config.serviceUserName = try reader.string("service-user-name") ?? config.serviceUserName
        config.accountName = try reader.string("collection-account.name") ?? config.accountName
        for (key, path) in [("interface", \DirectDebitConfig.interface), ("notices-interface", \.noticesInterface)] {
            if let value = try reader.string(key) {
                guard !value.isEmpty, !value.contains("/"), !value.contains(" ") else {
                    throw ConfigError(file: name, key: key, message: "'\(value)' must be a folder name without spaces or '/'")
                }
                config[keyPath: path] = value
            }
        }
        if config.interface == config.noticesInterface {
            throw ConfigError(file: name, key: "notices-interface", message: "must differ from interface")
        }
        if let pattern = try reader.string("file-name") {
            try ExportsConfig.checkPattern(pattern, allowed: ["sequence", "entry", "date"], file: name, key: "file-name")
            config.fileNamePattern = pattern
        }
        if let pattern = try reader.string("notices-file-name") {
            try ExportsConfig.checkPattern(pattern, allowed: ["sequence", "date"], file: name, key: "notices-file-name")
            config.noticesFileNamePattern = pattern
        }
        if let node = reader.node("monthly-days") {
            guard let items = node.sequence?.map({ $0.string ?? "" }) else {
                throw ConfigError(file: name, key: "monthly-days", message: "expected a list of days of the month, like [1, 15]")
            }
            var days: [Int] = []
            for item in items {
                guard let day = Int(item), (1...28).contains(day) else {
                    throw ConfigError(file: name, key: "monthly-days", message: "'\(item.prefix(10))' is not a day of the month from 1 to 28 (every month has it)")
                }
                days.append(day)
            }
            guard !days.isEmpty else { throw ConfigError(file: name, key: "monthly-days", message: "give at least one day") }
            config.monthlyDays = days.sorted()
        }
        if let text = try reader.string("monthly-basis") {
            guard let basis = DDAmountBasis(rawValue: text) else {
                throw ConfigError(file: name, key: "monthly-basis", message: "'\(text.prefix(20))' must be debit-weeks, 52 or 48")
            }
            config.basis = basis
        }
        config.noticeWorkingDays = try nonNegative("advance-notice-working-days") ?? config.noticeWorkingDays
        config.noticeHorizonDays = try nonNegative("notice-horizon-days") ?? config.noticeHorizonDays
        config.representAfterWorkingDays = try nonNegative("re-presentation.after-working-days") ?? config.representAfterWorkingDays
        config.representWithinDays = try nonNegative("re-presentation.within-days") ?? config.representWithinDays
        if let text = try reader.string("re-presentation.enabled") {
            switch text.lowercased() {
            case "true", "yes": config.representation = true
            case "false", "no": config.representation = false
            default: throw ConfigError(file: name, key: "re-presentation.enabled", message: "'\(text.prefix(10))' must be true or false")
            }
        }
        return config
    }
}
