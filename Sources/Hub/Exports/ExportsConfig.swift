import Foundation
import HousingFinance
import Yams

/// The exports' settings: `Config/exports.yaml` (beside hub.yaml) and the financial map it names.
/// Every key has a default, so a missing file means the defaults; a key present with a bad value
/// is refused naming the file and the key.
public struct ExportsConfig: Sendable {
    /// The general-ledger journal format.
    public enum GLFormat: String, Sendable, Codable {
        case unit4, oracle
    }

    /// The general-ledger journal's settings.
    public struct GL: Sendable {
        /// The interface name: the outbox folder and the sequence counter (`gl-journal`).
        public var interface = "gl-journal"
        /// Unit4 batch input or Oracle GL interface.
        public var format = GLFormat.unit4
        /// The financial map.
        public var map: FinancialMap
        /// The file name: `{sequence}` (6 digits), `{through}` (YYYYMMDD), `{period}` (YYYYMM), `{date}` (business date YYYYMMDD).
        public var fileNamePattern = "HF_GL_{sequence}_{through}.csv"
        /// Whether an export with no postings still sends a file (header and trailer only).
        public var sendEmpty = false
        /// Unit4: client (company), interface code, batch id prefix, voucher type, transaction type, tax code.
        public var unit4Client = "10"
        public var unit4Interface = "HF"
        public var unit4BatchPrefix = "HFH"
        public var unit4VoucherType = "HF"
        public var unit4TransactionType = "GL"
        public var unit4TaxCode = "0"
        /// Oracle: ledger name, journal source and category, entity (segment 1) per fund.
        public var oracleLedger = "Council Primary Ledger"
        public var oracleSource = "Housing Finance"
        public var oracleCategory = "Housing Rents"
        public var oracleEntities: [Fund: String] = [.hra: "20", .generalFund: "10"]

        public init(map: FinancialMap) { self.map = map }
    }

    /// The council tax change file's settings.
    public struct CouncilTax: Sendable {
        /// The interface name (`council-tax`).
        public var interface = "council-tax"
        /// The file name: `{sequence}` (6 digits), `{date}` (business date YYYYMMDD).
        public var fileNamePattern = "CTAX_{sequence}_{date}.csv"
        /// Events that take effect before this day and were never sent are history, never sent
        /// (default: the hub's go-live).
        public var eventsFrom: Day
        /// An event sent more than this many days after it took effect is reported as late.
        public var lateAfterDays = 21
        /// A new event more than this many days ahead is held back until it is due.
        public var aheadDays = 14
        /// A void longer than this many months is reported (empty-homes premium).
        public var longVoidMonths = 12
        /// Whether a run with no events still sends a file (header and trailer only).
        public var sendEmpty = false

        public init(eventsFrom: Day) { self.eventsFrom = eventsFrom }
    }

    public var gl: GL
    public var councilTax: CouncilTax

    public init(gl: GL, councilTax: CouncilTax) {
        self.gl = gl
        self.councilTax = councilTax
    }

    /// The file's name beside hub.yaml.
    public static let fileName = "exports.yaml"

    /// Reads `exports.yaml` from the configuration folder (defaults when it is missing) and the
    /// financial map it names (`financial-map.csv` by default).
    /// - Throws: `ConfigError` naming the file and key, or the map's file, line and column.
    public static func load(_ hub: HubConfig) throws -> ExportsConfig {
        let file = hub.directory.appendingPathComponent(fileName)
        let name = file.path
        // A missing or empty file means every setting at its default.
        let reader =
            FileManager.default.fileExists(atPath: file.path)
            ? try ConfigReader.load(file, allowEmpty: true) : ConfigReader(file: name, root: .mapping(Node.Mapping([])))
        let root = reader.root
        try reader.refuseUnknownKeys(root, ["gl-journal", "council-tax"], prefix: nil)
        if let node = reader.node("gl-journal") {
            try reader.refuseUnknownKeys(
                node, ["interface", "format", "financial-map", "debtors-control-account", "file-name", "send-empty", "unit4", "oracle"],
                prefix: "gl-journal")
        }
        if let node = reader.node("gl-journal.unit4") {
            try reader.refuseUnknownKeys(
                node, ["client", "interface", "batch-prefix", "voucher-type", "transaction-type", "tax-code"], prefix: "gl-journal.unit4")
        }
        if let node = reader.node("gl-journal.oracle") {
            try reader.refuseUnknownKeys(node, ["ledger", "source", "category", "entities"], prefix: "gl-journal.oracle")
        }
        if let node = reader.node("council-tax") {
            try reader.refuseUnknownKeys(
                node, ["interface", "file-name", "events-from", "late-after-days", "ahead-days", "long-void-months", "send-empty"],
                prefix: "council-tax")
        }

        let mapPath = try reader.string("gl-journal.financial-map") ?? "financial-map.csv"
        let mapFile = mapPath.hasPrefix("/") ? URL(fileURLWithPath: mapPath) : hub.directory.appendingPathComponent(mapPath)
        let mapText: String
        do { mapText = try ConfigLimits.text(of: mapFile) } catch {
            throw ConfigError(.unreadable, file: name, key: "gl-journal.financial-map", message: "the financial map \(mapFile.path): \(error.message)")
        }
        let control = try reader.string("gl-journal.debtors-control-account") ?? FinancialMap.defaultDebtorsControlAccount
        let map: FinancialMap
        do { map = try FinancialMap(csv: mapText, file: mapFile.path, debtorsControlAccount: control) } catch {
            throw ConfigError(file: error.file, key: nil, message: error.description.dropPrefix(error.file + ": "))
        }

        var gl = GL(map: map)
        func set(_ value: inout String, _ key: String, code: Bool = false) throws {
            guard let text = try reader.string(key) else { return }
            if text.isEmpty || (code && text.contains(where: { $0 == " " || $0 == "/" })) {
                throw ConfigError(file: name, key: key, message: "\(Wording.shortQuote(text)) must be \(code ? "a code without spaces or '/'" : "not empty")")
            }
            value = text
        }
        func flag(_ key: String) throws -> Bool? {
            guard let text = try reader.string(key) else { return nil }
            switch text.lowercased() {
            case "true", "yes": return true
            case "false", "no": return false
            default: throw ConfigError(file: name, key: key, message: "\(Wording.shortQuote(text)) must be true or false")
            }
        }
        try set(&gl.interface, "gl-journal.interface", code: true)
        if let format = try reader.string("gl-journal.format") {
            guard let value = GLFormat(rawValue: format) else {
                throw ConfigError(file: name, key: "gl-journal.format", message: "\(Wording.shortQuote(format)) is not a format: use unit4 or oracle")
            }
            gl.format = value
        }
        try set(&gl.fileNamePattern, "gl-journal.file-name")
        try checkPattern(gl.fileNamePattern, allowed: ["sequence", "through", "period", "date"], file: name, key: "gl-journal.file-name")
        gl.sendEmpty = try flag("gl-journal.send-empty") ?? gl.sendEmpty
        try set(&gl.unit4Client, "gl-journal.unit4.client", code: true)
        try set(&gl.unit4Interface, "gl-journal.unit4.interface", code: true)
        try set(&gl.unit4BatchPrefix, "gl-journal.unit4.batch-prefix", code: true)
        try set(&gl.unit4VoucherType, "gl-journal.unit4.voucher-type", code: true)
        try set(&gl.unit4TransactionType, "gl-journal.unit4.transaction-type", code: true)
        try set(&gl.unit4TaxCode, "gl-journal.unit4.tax-code", code: true)
        try set(&gl.oracleLedger, "gl-journal.oracle.ledger")
        try set(&gl.oracleSource, "gl-journal.oracle.source")
        try set(&gl.oracleCategory, "gl-journal.oracle.category")
        if let node = reader.node("gl-journal.oracle.entities") {
            try reader.refuseUnknownKeys(node, Set(Fund.allCases.map(\.rawValue)), prefix: "gl-journal.oracle.entities")
            for fund in Fund.allCases { try set(&gl.oracleEntities[fund, default: ""], "gl-journal.oracle.entities.\(fund.rawValue)", code: true) }
        }

        var tax = CouncilTax(eventsFrom: hub.goLive)
        try set(&tax.interface, "council-tax.interface", code: true)
        try set(&tax.fileNamePattern, "council-tax.file-name")
        try checkPattern(tax.fileNamePattern, allowed: ["sequence", "date"], file: name, key: "council-tax.file-name")
        if let text = try reader.string("council-tax.events-from") {
            guard let day = Day(iso: text) else {
                throw ConfigError(file: name, key: "council-tax.events-from", message: "\(Wording.shortQuote(text)) is not a date YYYY-MM-DD")
            }
            tax.eventsFrom = day
        }
        for (key, path) in [("late-after-days", \CouncilTax.lateAfterDays), ("ahead-days", \.aheadDays), ("long-void-months", \.longVoidMonths)] {
            if let value = try reader.int("council-tax.\(key)") {
                guard value >= 0 else { throw ConfigError(file: name, key: "council-tax.\(key)", message: "\(value) must be 0 or more") }
                tax[keyPath: path] = value
            }
        }
        tax.sendEmpty = try flag("council-tax.send-empty") ?? tax.sendEmpty
        if tax.interface == gl.interface {
            throw ConfigError(file: name, key: "council-tax.interface", message: "\(Wording.shortQuote(tax.interface)) is also the general-ledger journal's interface; give each its own")
        }
        return ExportsConfig(gl: gl, councilTax: tax)
    }

    /// Refuses a file-name pattern with an unknown `{placeholder}`, a '/' or a leading '.', or without `{sequence}`.
    static func checkPattern(_ pattern: String, allowed: Set<String>, file: String, key: String) throws {
        if pattern.contains("/") || pattern.hasPrefix(".") {
            throw ConfigError(file: file, key: key, message: "\(Wording.shortQuote(pattern)) may not contain '/' or start with '.'")
        }
        var rest = Substring(pattern)
        var names: Set<String> = []
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw ConfigError(file: file, key: key, message: "\(Wording.shortQuote(pattern)) has a '{' without its '}'")
            }
            names.insert(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        if let unknown = names.subtracting(allowed).sorted().first {
            throw ConfigError(
                file: file, key: key, message: "'{\(unknown)}' is not a placeholder (use \(allowed.sorted().map { "{\($0)}" }.joined(separator: ", ")))")
        }
        if !names.contains("sequence") {
            throw ConfigError(file: file, key: key, message: "\(Wording.shortQuote(pattern)) must contain {sequence}, so that every file has its own name")
        }
    }

    /// Fills a file-name pattern.
    static func fileName(_ pattern: String, _ values: [String: String]) -> String {
        var name = pattern
        for (key, value) in values { name = name.replacingOccurrences(of: "{\(key)}", with: value) }
        return name
    }
}

extension String {
    func dropPrefix(_ prefix: String) -> String { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self }
}

extension Day {
    /// `YYYYMMDD`.
    var compactISO: String { iso.replacingOccurrences(of: "-", with: "") }
    /// The last day of the day's month.
    var endOfMonth: Day { Day(year: year, month: month, day: Day.daysInMonth(year: year, month: month))! }
}

/// A sequence number as six digits (`000042`).
func sixDigits(_ n: Int64) -> String { zeroPadded(n, 6) }

