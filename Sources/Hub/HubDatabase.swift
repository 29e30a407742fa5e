import Foundation
import Postgres

/// The hub's database: where to connect, and its schema.
public struct HubDatabase: Sendable {
    /// The libpq connection string.
    public let connectionString: String

    public init(connectionString: String) { self.connectionString = connectionString }

    /// Opens a new connection.
    public func connect() throws -> Connection { try Connection(connectionString, applicationName: "hub") }

    /// The hub's migrations, shipped as SQL resources.
    public static func migrations() throws -> [Migration] {
        guard let folder = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw PostgresError(.client, message: "the hub's migrations are missing from its resources")
        }
        return try Migration.load(directory: folder)
    }

    /// Brings the schema up to date (`hub db migrate`).
    @discardableResult
    public func migrate() throws -> MigrationReport {
        let connection = try connect()
        return try Migrator(try HubDatabase.migrations()).migrate(connection)
    }
}
