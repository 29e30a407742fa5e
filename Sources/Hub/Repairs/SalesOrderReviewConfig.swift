import Foundation
import HousingFinance
import Yams

/// `Config/sales-order-review.yaml`: the review's tolerances, the automatic approval limit, the
/// authorisation limit of each database role, and the council's identity in ODS's files.
public struct SalesOrderReviewConfig: Sendable, Hashable {
    /// The file's name under the hub's configuration folder.
    public static let fileName = "sales-order-review.yaml"

    /// Tolerances and the automatic approval limit.
    public var settings: SalesOrderReview.Settings
    /// The highest value each database role may approve, by role name. A login role's limit is
    /// the highest among its own entry and those of the roles it is a member of (directly or
    /// through other roles).
    public var authorisationLimits: [String: Money]
    /// The council's identity as ODS knows it (`CouncilId` in the sales-order file).
    public var councilId: String
    /// The inbox folder (under `directories.inbox`) the scheduled review takes files from.
    public var inboxFolder: String

    public init(settings: SalesOrderReview.Settings, authorisationLimits: [String: Money], councilId: String, inboxFolder: String = "ods") {
        self.settings = settings
        self.authorisationLimits = authorisationLimits
        self.councilId = councilId
        self.inboxFolder = inboxFolder
    }

    /// Reads `sales-order-review.yaml` from the hub's configuration folder.
    /// - Throws: `ConfigError` naming the file and the key.
    public static func load(for config: HubConfig) throws -> SalesOrderReviewConfig {
        try load(file: config.directory.appendingPathComponent(fileName))
    }

    /// Reads a review configuration file.
    /// - Throws: `ConfigError` naming the file and the key.
    public static func load(file: URL) throws -> SalesOrderReviewConfig {
        try read(ConfigReader.load(file, unreadable: "cannot read the file (the sales-order review's tolerances and authorisation limits)"))
    }

    /// Reads review configuration text.
    /// - Throws: `ConfigError` naming the file and the key.
    public static func parse(_ text: String, file: String) throws -> SalesOrderReviewConfig {
        try read(ConfigReader(yaml: text, file: file))
    }

    /// Reads the review configuration from its parsed file.
    static func read(_ reader: ConfigReader) throws -> SalesOrderReviewConfig {
        let file = reader.file
        let root = reader.root
        try reader.refuseUnknownKeys(root, ["council-id", "tolerance", "automatic-approval-limit", "authorisation-limits", "inbox-folder"], prefix: nil)
        if let tolerance = reader.node("tolerance") { try reader.refuseUnknownKeys(tolerance, ["percent", "absolute"], prefix: "tolerance") }
        func pounds(_ key: String) throws -> Money {
            guard let text = try reader.string(key) else { throw ConfigError(file: file, key: key, message: "missing: an amount in pounds, like 50.00") }
            guard let money = try? Money(parsing: text), money >= .zero else {
                throw ConfigError(file: file, key: key, message: "\(Wording.shortQuote(text)) is not an amount in pounds of 0 or more, like 50.00")
            }
            return money
        }
        guard let percentText = try reader.string("tolerance.percent") else {
            throw ConfigError(file: file, key: "tolerance.percent", message: "missing: a percentage of the estimate, like 10 or 12.5")
        }
        guard let percent = try? Money(parsing: percentText), percent >= .zero, !percentText.contains("£") else {
            throw ConfigError(file: file, key: "tolerance.percent", message: "\(Wording.shortQuote(percentText)) is not a percentage of 0 or more with at most two decimals")
        }
        var limits: [String: Money] = [:]
        if let node = reader.node("authorisation-limits") {
            guard let mapping = node.mapping else {
                throw ConfigError(file: file, key: "authorisation-limits", message: "expected database role names and amounts in pounds")
            }
            for (key, _) in mapping {
                guard let role = key.string, !role.isEmpty else { continue }
                limits[role] = try pounds("authorisation-limits.\(role)")
            }
        }
        let councilId = try reader.string("council-id") ?? ""
        guard !councilId.isEmpty, councilId.count <= 30, councilId.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw ConfigError(file: file, key: "council-id", message: "missing or not 1-30 characters without spaces: the council's identity as ODS knows it")
        }
        let folder = try reader.string("inbox-folder") ?? "ods"
        guard !folder.isEmpty, !folder.contains("/"), !folder.hasPrefix(".") else {
            throw ConfigError(file: file, key: "inbox-folder", message: "\(Wording.shortQuote(folder)) must be a folder name under the inbox, like ods")
        }
        return SalesOrderReviewConfig(
            settings: SalesOrderReview.Settings(
                tolerancePercentBasisPoints: percent.pence, toleranceAbsolute: try pounds("tolerance.absolute"),
                automaticApprovalLimit: try pounds("automatic-approval-limit")),
            authorisationLimits: limits, councilId: councilId, inboxFolder: folder)
    }
}
