import Foundation
import Postgres

/// The hub's database: where to connect, and its schema.
///
/// Least privilege (docs/security.md): the schema is owned by the NOLOGIN role `hub_owner`;
/// migrations run as it (the administrator's connection does `SET ROLE hub_owner`); the hub
/// service logs in as `hub_service`, each person as their own login role in one of the hub_*
/// roles.
public struct HubDatabase: Sendable {
    /// The libpq connection string the hub works with (the service's or a person's login).
    public let connectionString: String
    /// The administrator's connection string for migrations (a superuser, or a login with
    /// CREATEROLE that may become `hub_owner`); nil: `connectionString` is the administrator's.
    public let adminConnectionString: String?
    /// The person every connection works for (the web console's), or nil for the connected role.
    public let person: ActingPerson?
    /// The landlord every connection works for (`landlord:` in hub.yaml): each connection sets
    /// `hub.landlord`, and row-level security shows and changes that landlord's rows only
    /// (migration 0030, docs/scaling.md).
    public let landlord: String

    /// The landlord of a single-council installation (hub.yaml without `landlord:`).
    public static let defaultLandlord = "council"

    /// The role that owns the schema; nobody logs in as it.
    public static let ownerRole = "hub_owner"
    /// The login role of the hub service (`hub serve`) and of the embedded cluster's commands.
    public static let serviceRole = "hub_service"

    public init(
        connectionString: String, adminConnectionString: String? = nil, person: ActingPerson? = nil, landlord: String = HubDatabase.defaultLandlord
    ) {
        self.connectionString = connectionString
        self.adminConnectionString = adminConnectionString
        self.person = person
        self.landlord = landlord
    }

    /// The same database, every connection working under a person's role and name.
    public func acting(as person: ActingPerson) -> HubDatabase {
        HubDatabase(connectionString: connectionString, adminConnectionString: adminConnectionString, person: person, landlord: landlord)
    }

    /// The same database, every connection working for another landlord.
    public func forLandlord(_ landlord: String) -> HubDatabase {
        HubDatabase(connectionString: connectionString, adminConnectionString: adminConnectionString, person: person, landlord: landlord)
    }

    /// Opens a new connection for the landlord (under the person's role and name when acting for one).
    /// - Parameter applicationName: how the session shows in `pg_stat_activity`.
    public func connect(applicationName: String = "hub") throws -> Connection {
        let connection = try Connection(connectionString, applicationName: applicationName)
        try HubDatabase.setLandlord(landlord, on: connection)
        if let person { try person.apply(to: connection) }
        return connection
    }

    /// Opens a connection as the administrator (for migrations and set-up), for the landlord.
    public func connectAdmin() throws -> Connection {
        let connection = try Connection(adminConnectionString ?? connectionString, applicationName: "hub admin")
        try HubDatabase.setLandlord(landlord, on: connection)
        return connection
    }

    /// Sets the landlord a connection works for, for the whole session.
    public static func setLandlord(_ landlord: String, on connection: Connection) throws {
        try connection.execute("SELECT set_config('hub.landlord', $1, false)", [landlord])
    }

    /// What a person is told when a command that writes meets a read-only database (a replica).
    public static let readOnlyMessage = """
        the database is read-only (a read replica, or a read-only transaction), and this command writes. \
        Runs, imports, loads, migrations and `hub serve` need the primary: point HUB_DATABASE_URL (or database.url in \
        hub.yaml) at it. On a replica only reading works: statements, balances, reports, `hub runs list` and `show`, \
        `hub db verify` (docs/scaling.md).
        """

    /// The hub's migrations, shipped as SQL resources.
    public static func migrations() throws -> [Migration] {
        guard let folder = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw PostgresError(.client, message: "the hub's migrations are missing from its resources")
        }
        return try Migration.load(directory: folder)
    }

    /// Brings the schema up to date (`hub db migrate`): makes sure `hub_owner` exists and owns the
    /// schema and everything in it, then applies the migrations as `hub_owner`.
    @discardableResult
    public func migrate() throws -> MigrationReport {
        let connection = try connectAdmin()
        if try connection.queryOne("SELECT pg_is_in_recovery()")!.decode(Bool.self, 0) {
            throw PostgresError(.server, message: "the database is a read replica (a hot standby)", sqlState: "25006")
        }
        try HubDatabase.prepareOwner(connection)
        try connection.execute("SET ROLE \(unescaped: HubDatabase.ownerRole)")
        defer { _ = try? connection.execute("RESET ROLE") }
        // Roles belong to the server, not to a database: a migration that creates one (0001's
        // staff roles...) can meet another database's migration creating it at the same moment on
        // the same server, and fail (each migration is its own transaction, so nothing is left
        // half done). Then it runs again, and finds the role made.
        var attempts = 0
        let report: MigrationReport
        while true {
            do {
                report = try Migrator(try HubDatabase.migrations()).migrate(connection)
                break
            } catch let error as PostgresError where attempts < 5 && Self.isRoleMadeMeanwhile(error) {
                attempts += 1
                Thread.sleep(forTimeInterval: 0.05 * Double(attempts))
            }
        }
        // What the landlord needs before its first run (its seal chain's head...): how a landlord
        // is added (docs/scaling.md).
        try connection.execute("SELECT hub_landlord_init()")
        return report
    }

    /// A role created by another session between a migration's look for it and its CREATE ROLE.
    static func isRoleMadeMeanwhile(_ error: PostgresError) -> Bool {
        error.sqlState == "42710" || (error.isUniqueViolation && error.message.contains("pg_authid_rolname_index"))
    }

    /// Creates `hub_owner` (NOLOGIN, CREATEROLE so that migrations may create the hub's NOLOGIN
    /// roles), lets the administrator act as it, and gives it the schema `public` and every object
    /// in it (a database migrated before the owner existed is handed over once).
    static func prepareOwner(_ connection: Connection) throws {
        let owner = ownerRole
        let me = try connection.queryOne("SELECT current_user::text, rolsuper FROM pg_roles WHERE rolname = current_user")!
        let superuser = try me.decode(Bool.self, 1)
        if try connection.queryOne("SELECT 1 FROM pg_roles WHERE rolname = $1", [owner]) == nil {
            do {
                try connection.execute("CREATE ROLE \(unescaped: owner) NOLOGIN CREATEROLE")
            } catch let error as PostgresError where error.isUniqueViolation || error.sqlState == "42710" {
                // Another migrator created it at the same moment.
            }
        }
        if !superuser, try connection.queryOne("SELECT pg_has_role(current_user, $1, 'MEMBER')", [owner])!.decode(Bool.self, 0) == false {
            do {
                try connection.execute("GRANT \(unescaped: owner) TO CURRENT_USER")
            } catch let error as PostgresError {
                throw PostgresError(
                    .client,
                    message: "\(try me.decode(String.self, 0)) may not act as \(owner), which owns the hub's schema (\(error.message)). "
                        + "Migrate as a superuser, or as a login with CREATEROLE, or ask one to GRANT \(owner) TO you (docs/security.md).")
            }
        }
        guard try connection.queryOne(
            "SELECT 1 FROM pg_namespace WHERE nspname = 'public' AND nspowner = (SELECT oid FROM pg_roles WHERE rolname = $1)", [owner]) == nil
        else { return }
        // Hand the schema and what it holds to the owner (a no-op on a new database but the schema).
        try connection.executeScript(
            """
            DO $$
            DECLARE o record;
            BEGIN
                EXECUTE 'ALTER SCHEMA public OWNER TO \(owner)';
                FOR o IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
                         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
                           AND c.relowner <> '\(owner)'::regrole
                           AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
                LOOP
                    EXECUTE format('ALTER %s %s OWNER TO \(owner)',
                        CASE o.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                                       WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, o.name);
                END LOOP;
                FOR o IN SELECT p.oid::regprocedure AS name FROM pg_proc p
                         WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> '\(owner)'::regrole
                LOOP
                    EXECUTE format('ALTER ROUTINE %s OWNER TO \(owner)', o.name);
                END LOOP;
            END $$
            """)
    }

    /// Makes sure a person's login role exists and is a member of the given hub roles (used by the
    /// embedded cluster for the person at the terminal; on a real server the DBA adds people,
    /// docs/security.md).
    public func ensurePerson(_ name: String, roles: [String]) throws {
        let connection = try connectAdmin()
        if try connection.queryOne("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]) == nil {
            do {
                try connection.execute("CREATE ROLE \(unescaped: connection.quoteIdentifier(name)) LOGIN")
            } catch let error as PostgresError where error.isUniqueViolation || error.sqlState == "42710" {}
        }
        for role in roles {
            try connection.execute("GRANT \(unescaped: connection.quoteIdentifier(role)) TO \(unescaped: connection.quoteIdentifier(name))")
        }
    }

    /// A connection string for the same server and database as another, as a given login role.
    public static func connectionString(_ base: String, user: String) -> String {
        if base.contains("://"), var components = URLComponents(string: base) {
            components.user = user
            components.password = nil
            return components.string ?? base
        }
        // A keyword/value string: the user replaced where one is named, added where not (with a
        // quoted value in it, appended: libpq keeps the last value of a repeated keyword).
        if base.contains("'") { return base + " user=\(user)" }
        let kept = base.split(separator: " ").filter { !$0.hasPrefix("user=") && !$0.hasPrefix("password=") }
        return (kept + ["user=\(user)"]).joined(separator: " ")
    }
}
