import Foundation

/// One schema migration: a version number, a name and its SQL.
public struct Migration: Hashable, Sendable {
    public var version: Int
    public var name: String
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Reads migrations from `.sql` files named `NNNN_name.sql` in a folder, in version order.
    /// - Throws: when a file name has no version or two files share one.
    public static func load(directory: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
        var migrations: [Migration] = []
        for file in files {
            let base = file.deletingPathExtension().lastPathComponent
            let parts = base.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, let version = Int(parts[0]) else {
                throw PostgresError(.client, message: "migration file \(file.lastPathComponent) is not named NNNN_name.sql")
            }
            if let other = migrations.first(where: { $0.version == version }) {
                throw PostgresError(.client, message: "migrations \(other.name) and \(base) share version \(version)")
            }
            migrations.append(Migration(version: version, name: base, sql: try String(contentsOf: file, encoding: .utf8)))
        }
        return migrations.sorted { $0.version < $1.version }
    }
}

/// What a migration run did.
public struct MigrationReport: Hashable, Sendable {
    /// Migrations applied by this run, in order.
    public var applied: [String]
    /// Migrations that were already in place.
    public var alreadyApplied: [String]
}

/// Applies versioned migrations: each in its own transaction, recorded with a checksum in
/// `schema_migrations`. Running it twice does nothing the second time; an already-applied
/// migration whose text has changed is refused, because the database would no longer be what
/// the files say.
public struct Migrator {
    public let migrations: [Migration]

    public init(_ migrations: [Migration]) { self.migrations = migrations }

    /// Applies every migration not yet applied. Concurrent migrators wait for each other.
    /// - Throws: `PostgresError` naming a changed migration, or the failing statement.
    @discardableResult
    public func migrate(_ connection: Connection) throws -> MigrationReport {
        try connection.executeScript("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                applied_by text NOT NULL DEFAULT current_user
            )
            """)
        var report = MigrationReport(applied: [], alreadyApplied: [])
        for migration in migrations {
            try connection.transaction { connection in
                try connection.execute("SELECT pg_advisory_xact_lock(20261122)")
                let checksum = try connection.queryOne(
                    "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", [migration.sql])!.decode(String.self, 0)
                if let row = try connection.queryOne(
                    "SELECT name, checksum FROM schema_migrations WHERE version = $1", [migration.version])
                {
                    let recorded: String = try row.decode(String.self, 1)
                    guard recorded == checksum else {
                        throw PostgresError(
                            .client,
                            message: "migration \(migration.name) was changed after it was applied "
                                + "(recorded checksum \(recorded.prefix(12)), file \(checksum.prefix(12))). "
                                + "Applied migrations must never change: put the change in a new migration.")
                    }
                    report.alreadyApplied.append(migration.name)
                    return
                }
                try connection.executeScript(migration.sql)
                try connection.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    [migration.version, migration.name, checksum])
                report.applied.append(migration.name)
            }
        }
        return report
    }
}
