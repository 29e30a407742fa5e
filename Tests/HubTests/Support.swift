import Foundation
import HousingFinance
import Hub
import HubTesting
import Logging
import Postgres
import Testing

/// A migrated hub database of its own for each test, copied from a template migrated once per
/// test process, on the test server (embedded, or `HUB_TEST_DATABASE_URL`).
enum TestHub {
    /// Confined to `lock`.
    nonisolated(unsafe) private static var template: String?
    private static let lock = NSLock()

    static func server() throws -> TestServer {
        try TestServer.shared(url: ProcessInfo.processInfo.environment["HUB_TEST_DATABASE_URL"])
    }

    /// A new, migrated database, as the hub uses one (docs/security.md): migrated by the
    /// administrator as hub_owner, worked on as the hub service's login role (`connectionString`);
    /// `adminConnectionString` is the superuser's, for what no staff role may do.
    static func database() throws -> HubDatabase {
        let server = try server()
        lock.lock()
        defer { lock.unlock() }
        if template == nil {
            let url = try server.createDatabase()
            try HubDatabase(connectionString: url).migrate()
            let name = try Connection(url).queryOne("SELECT current_database()")!.decode(String.self, 0)
            template = name
        }
        let admin = try server.createDatabase(template: template)
        return HubDatabase(connectionString: HubDatabase.connectionString(admin, user: HubDatabase.serviceRole), adminConnectionString: admin)
    }

    /// A runner on a new database, logging only errors.
    static func runner() throws -> Runner {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return Runner(database: try database(), host: "test-host", logger: logger)
    }

    /// A configuration for tests: go-live and calendar as given, folders in a temporary directory.
    static func config(goLive: Day, calendar: RentCalendar = .none, directory: URL? = nil) -> HubConfig {
        let base = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("hub-test-\(UUID().uuidString)")
        return HubConfig(
            databaseURL: nil, inbox: base.appendingPathComponent("inbox"), archive: base.appendingPathComponent("archive"),
            rejected: base.appendingPathComponent("rejected"), outbox: base.appendingPathComponent("outbox"),
            embeddedDirectory: base.appendingPathComponent("pg"), timeZone: .london, goLive: goLive, rentCalendar: calendar,
            accountScheme: .standard, adjustmentCode: "ADJ", directory: base, httpAddress: "127.0.0.1", httpPort: 0)
    }
}

extension HubDatabase {
    /// A connection as the test server's superuser, for what no hub role may do (creating roles,
    /// acting as another role, tampering).
    func admin() throws -> Connection { try Connection.hub(adminConnectionString ?? connectionString, landlord: landlord) }
}

extension Connection {
    /// A connection set to a landlord, as the hub sets each of its own (migration 0030).
    static func hub(_ url: String, landlord: String = HubDatabase.defaultLandlord) throws -> Connection {
        let connection = try Connection(url)
        try HubDatabase.setLandlord(landlord, on: connection)
        return connection
    }
}

/// `YYYY-MM-DD` as a Day, for readable tests.
func d(_ iso: String) -> Day { Day(iso: iso)! }

extension Connection {
    /// Inserts a property with a tenancy and a rent account, and returns the account id.
    @discardableResult
    func addTenancy(
        account: String, property: String, start: String, end: String? = nil, charges: [(code: String, pence: Int64, from: String, to: String?)],
        ownedFrom: String = "1900-01-01", ownedTo: String? = nil, tenants: [String] = ["A Tenant"]
    ) throws -> Int64 {
        let propertyId = try queryOne(
            """
            INSERT INTO properties (property_ref, uprn, address, postcode, bedrooms, owned_from, owned_to)
            VALUES ($1, $2, $3, 'AB1 2CD', 2, $4, $5)
            ON CONFLICT ON CONSTRAINT properties_property_ref_key DO UPDATE SET address = EXCLUDED.address RETURNING id
            """, [property, "1000" + property, "1 \(property) Street", ownedFrom, ownedTo])!.decode(Int64.self, 0)
        for charge in charges {
            try execute(
                "INSERT INTO weekly_charges (property_id, charge_code, weekly_pence, effective_from, effective_to) VALUES ($1, $2, $3, $4, $5)",
                [propertyId, charge.code, charge.pence, charge.from, charge.to])
        }
        let tenancyId = try queryOne(
            "INSERT INTO tenancies (tenancy_ref, property_id, start_date, end_date, tenants) VALUES ($1, $2, $3, $4, $5::text[]) RETURNING id",
            [account + "-T", propertyId, start, end, "{" + tenants.map { "\"\($0)\"" }.joined(separator: ",") + "}"])!.decode(Int64.self, 0)
        return try queryOne("INSERT INTO rent_accounts (account_ref, tenancy_id) VALUES ($1, $2) RETURNING id", [account, tenancyId])!
            .decode(Int64.self, 0)
    }

    /// The sum posted for an account, optionally for one rent week and charge code.
    func posted(account: String, week: String? = nil, chargeCode: String? = nil, code: String? = nil) throws -> Int64 {
        try queryOne(
            """
            SELECT COALESCE(sum(l.amount_pence), 0) FROM ledger_entries l JOIN rent_accounts a ON a.id = l.account_id
            WHERE a.account_ref = $1 AND ($2::date IS NULL OR l.rent_week = $2) AND ($3::text IS NULL OR l.charge_code = $3)
              AND ($4::text IS NULL OR l.code = $4)
            """, [account, week, chargeCode, code])!.decode(Int64.self, 0)
    }
}
