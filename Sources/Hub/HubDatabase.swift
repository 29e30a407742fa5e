import Foundation
import Postgres

/// The hub's database: where to connect, and its schema.
public struct HubDatabase: Sendable {
    /// The libpq connection string.
    public let connectionString: String
    /// The person every connection works for (the web console's), or nil for the connected role.
    public let person: ActingPerson?

    public init(connectionString: String, person: ActingPerson? = nil) {
        self.connectionString = connectionString
        self.person = person
    }

    /// The same database, every connection working under a person's role and name.
    public func acting(as person: ActingPerson) -> HubDatabase { HubDatabase(connectionString: connectionString, person: person) }

    /// Opens a new connection (under the person's role and name when acting for one).
    public func connect() throws -> Connection {
        let connection = try Connection(connectionString, applicationName: "hub")
        if let person { try person.apply(to: connection) }
        return connection
    }

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
