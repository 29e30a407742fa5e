import Foundation
import HousingFinance
import Yams

/// `migration.yaml`: a migration extract described for a rehearsal (layout:
/// Interfaces/inbound/loader/README.md, "Migration manifest").
public struct MigrationManifest: Sendable, Hashable {
    /// One file of the extract, in load order.
    public struct File: Sendable, Hashable {
        /// The loader kind: properties, tenancies, accounts, charges, opening-balances.
        public var kind: String
        public var url: URL
        /// The old system's row count for the file.
        public var rows: Int?
        /// The old system's total of the file's money column (charges, opening balances).
        public var total: Money?
    }

    public var name: String
    public var file: URL
    public var goLive: Day
    public var files: [File]
    /// The old system's closing balance of every account at go-live (CSV `account_ref,balance`).
    public var closingBalances: URL?
    /// The old system's last weekly debit, all accounts together (compared with the first rent debit).
    public var lastWeeklyDebit: Money?
    public var sha256: String

    /// The kinds a manifest may list, in the order they must be loaded.
    public static let kinds = ["properties", "tenancies", "accounts", "charges", "opening-balances"]

    /// Reads a manifest; file paths are relative to the manifest's folder.
    /// - Throws: `ConfigError` naming the manifest and the key.
    public static func load(_ url: URL) throws -> MigrationManifest {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: url.path, key: nil, message: "cannot read the file: check its name and permissions")
        }
        let reader = try ConfigReader(yaml: text, file: url.path)
        try reader.refuseUnknownKeys(reader.root, ["name", "go-live", "files", "closing-balances", "last-weekly-debit"], prefix: nil)
        let folder = url.deletingLastPathComponent()
        func path(_ text: String) -> URL { text.hasPrefix("/") ? URL(fileURLWithPath: text) : folder.appendingPathComponent(text) }
        func money(_ text: String?, key: String) throws -> Money? {
            guard let text else { return nil }
            do { return try Money(parsing: text) } catch {
                throw ConfigError(file: url.path, key: key, message: "'\(text.prefix(40))' is not an amount in pounds, like 412345.67")
            }
        }
        guard let goLiveText = try reader.string("go-live") else { throw ConfigError(file: url.path, key: "go-live", message: "needs the go-live Monday, YYYY-MM-DD") }
        guard let goLive = Day(iso: goLiveText), goLive.weekday == .monday else {
            throw ConfigError(file: url.path, key: "go-live", message: "'\(goLiveText.prefix(40))' is not a Monday YYYY-MM-DD")
        }
        guard let list = reader.node("files")?.sequence, !list.isEmpty else {
            throw ConfigError(file: url.path, key: "files", message: "needs the extract's files in load order, each with kind and file")
        }
        var files: [File] = []
        for (index, node) in list.enumerated() {
            let key = "files[\(index + 1)]"
            let item = ConfigReader(file: url.path, root: node)
            try item.refuseUnknownKeys(node, ["kind", "file", "rows", "total"], prefix: key)
            guard let kind = try item.string("kind"), kinds.contains(kind) else {
                throw ConfigError(file: url.path, key: "\(key).kind", message: "needs one of \(kinds.joined(separator: ", "))")
            }
            guard let name = try item.string("file") else { throw ConfigError(file: url.path, key: "\(key).file", message: "needs the file's path") }
            let rows = try item.int("rows")
            files.append(File(kind: kind, url: path(name), rows: rows, total: try money(try item.string("total"), key: "\(key).total")))
        }
        let order = files.map { kinds.firstIndex(of: $0.kind)! }
        guard order == order.sorted() else {
            throw ConfigError(file: url.path, key: "files", message: "list the files in load order: \(kinds.joined(separator: ", "))")
        }
        return MigrationManifest(
            name: try reader.string("name") ?? url.lastPathComponent, file: url, goLive: goLive, files: files,
            closingBalances: try reader.string("closing-balances").map(path),
            lastWeeklyDebit: try money(try reader.string("last-weekly-debit"), key: "last-weekly-debit"),
            sha256: SHA256.hex(SHA256.hash([UInt8](data))))
    }
}
