import HousingFinance
import Postgres

/// The PostgreSQL server's settings that the day's work depends on, read from a connection and
/// checked against the measured rules of docs/scaling.md ("Memory for the day's work", "WAL for
/// the day's work"): what `hub db status` reports for a configured database.
public struct ServerSettings: Sendable, Encodable {
    /// `shared_buffers`, in bytes.
    public var sharedBuffersBytes: Int64
    /// `wal_compression` as the server says it (`off`, `pglz`, `lz4`, `zstd`, `on`).
    public var walCompression: String
    /// Whether the server's `wal_compression` accepts `lz4`.
    public var lz4Available: Bool
    public var fsync: Bool
    public var fullPageWrites: Bool
    /// `synchronous_commit` as the server says it.
    public var synchronousCommit: String
    /// The rent accounts the session sees (the configured landlord's, under row-level security);
    /// nil when its login may not read them.
    public var rentAccounts: Int?

    public init(sharedBuffersBytes: Int64, walCompression: String, lz4Available: Bool, fsync: Bool, fullPageWrites: Bool,
                synchronousCommit: String, rentAccounts: Int?) {
        self.sharedBuffersBytes = sharedBuffersBytes
        self.walCompression = walCompression
        self.lz4Available = lz4Available
        self.fsync = fsync
        self.fullPageWrites = fullPageWrites
        self.synchronousCommit = synchronousCommit
        self.rentAccounts = rentAccounts
    }

    /// Reads the settings (pg_settings is readable by every role) and counts the rent accounts.
    public static func read(from db: Connection) throws -> ServerSettings {
        let row = try db.queryOne(
            """
            SELECT (SELECT setting::bigint * current_setting('block_size')::bigint FROM pg_settings WHERE name = 'shared_buffers'),
                   current_setting('wal_compression'),
                   (SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'wal_compression'),
                   current_setting('fsync') = 'on', current_setting('full_page_writes') = 'on',
                   current_setting('synchronous_commit')
            """)!
        // An auditor's or another login without the accounts still gets the settings.
        let accounts = try? db.queryOne("SELECT count(*) FROM rent_accounts").map { Int($0.int64(0)) }
        return ServerSettings(
            sharedBuffersBytes: row.int64(0), walCompression: row.text(1) ?? "off", lz4Available: row.text(2) == "t",
            fsync: row.text(3) == "t", fullPageWrites: row.text(4) == "t", synchronousCommit: row.text(5) ?? "on",
            rentAccounts: accounts ?? nil)
    }

    /// The measured rule: 1 GB of shared buffers per 100,000 rent accounts holds the leaves of the
    /// ledger's by-account index that a week's rent debit writes (one per account), so that the
    /// debit does not read them again from disk each week.
    public static let bytesPerAccount: Int64 = (1 << 30) / 100_000

    /// The shared buffers the rule asks for the accounts (at least PostgreSQL's default, 128 MB);
    /// nil when they could not be counted.
    public var sharedBuffersWanted: Int64? { rentAccounts.map { max(Int64($0) * Self.bytesPerAccount, 128 << 20) } }

    /// One finding: a setting, whether it is as the hub's work wants it, and what to do.
    public struct Finding: Sendable, Encodable, Equatable {
        public enum Level: String, Sendable, Encodable { case ok, advice, warning }
        public var setting: String
        public var level: Level
        public var message: String
    }

    /// The settings checked, one finding each, in the order printed.
    public var findings: [Finding] {
        var findings: [Finding] = []
        let have = Self.size(sharedBuffersBytes)
        if let wanted = sharedBuffersWanted, let rentAccounts {
            let want = Self.size(wanted)
            let accounts = "\(Wording.count(rentAccounts, "rent account")) (this landlord's; a server shared by several landlords needs their sum)"
            if sharedBuffersBytes >= wanted {
                findings.append(Finding(setting: "shared_buffers", level: .ok,
                                        message: "\(have), at least the \(want) the rule asks for \(accounts)"))
            } else {
                findings.append(Finding(setting: "shared_buffers", level: .advice,
                                        message: "\(have), below the \(want) the rule asks for \(accounts): 1 GB per 100,000 accounts keeps in memory the page of the ledger's by-account index that a week's rent debit writes for each account; with less the debit reads them from disk again each week (up to 14x its time at ten years of history) (docs/scaling.md, \"Memory for the day's work\")"))
            }
        } else {
            findings.append(Finding(setting: "shared_buffers", level: .advice,
                                    message: "\(have); this login may not count the rent accounts: the rule is 1 GB per 100,000 accounts (docs/scaling.md, \"Memory for the day's work\")"))
        }
        if walCompression == "off" {
            let value = lz4Available ? "lz4" : "pglz"
            findings.append(Finding(setting: "wal_compression", level: .advice,
                                    message: "off: set it to \(value) (ALTER SYSTEM SET wal_compression = \(value); SELECT pg_reload_conf()): after each checkpoint a week's rent debit writes a whole page of the ledger's by-account index per account into the WAL; \(value == "lz4" ? "lz4 made that WAL 2.4x smaller" : "compressed, it is about half as large") (docs/scaling.md, \"WAL for the day's work\")"))
        } else {
            findings.append(Finding(setting: "wal_compression", level: .ok, message: walCompression))
        }
        for (name, on) in [("fsync", fsync), ("full_page_writes", fullPageWrites)] {
            findings.append(on
                ? Finding(setting: name, level: .ok, message: "on")
                : Finding(setting: name, level: .warning,
                          message: "off: a crash of the server's machine can lose or corrupt the ledger; keep it on for a council's data (it is off only in throwaway clusters for tests and benchmarks)"))
        }
        if synchronousCommit == "off" {
            findings.append(Finding(setting: "synchronous_commit", level: .warning,
                                    message: "off: a crash of the server can lose runs already reported as completed (their files sent, their totals printed); keep it on"))
        } else {
            findings.append(Finding(setting: "synchronous_commit", level: .ok, message: synchronousCommit))
        }
        return findings
    }

    /// Each setting checked, by its PostgreSQL name, and whether it is as advised (the metric
    /// `hub_server_setting_as_advised` of `hub serve`): its finding is `ok`.
    public var asAdvised: [(name: String, asAdvised: Bool)] {
        findings.map { ($0.setting, $0.level == .ok) }
    }

    /// The lines `hub db status` prints.
    public func render() -> String {
        var text = "Server settings for the day's work (docs/scaling.md):\n"
        for finding in findings {
            let mark = switch finding.level {
            case .ok: "ok"
            case .advice: "advice"
            case .warning: "WARNING"
            }
            text += "  \(finding.setting): \(mark): \(finding.message)\n"
        }
        return text
    }

    /// A size in GB with one decimal, or in MB below 1 GB, rounded to the nearest.
    static func size(_ bytes: Int64) -> String {
        if bytes >= 1 << 30 {
            let tenths = (bytes * 10 + (1 << 29)) >> 30
            return "\(tenths / 10).\(tenths % 10) GB"
        }
        return "\((bytes + (1 << 19)) >> 20) MB"
    }

    enum CodingKeys: String, CodingKey {
        case sharedBuffersBytes, sharedBuffersWantedBytes, walCompression, lz4Available, fsync, fullPageWrites, synchronousCommit
        case rentAccounts, findings
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sharedBuffersBytes, forKey: .sharedBuffersBytes)
        try container.encodeIfPresent(sharedBuffersWanted, forKey: .sharedBuffersWantedBytes)
        try container.encode(walCompression, forKey: .walCompression)
        try container.encode(lz4Available, forKey: .lz4Available)
        try container.encode(fsync, forKey: .fsync)
        try container.encode(fullPageWrites, forKey: .fullPageWrites)
        try container.encode(synchronousCommit, forKey: .synchronousCommit)
        try container.encodeIfPresent(rentAccounts, forKey: .rentAccounts)
        try container.encode(findings, forKey: .findings)
    }
}
