import Console
import Foundation
import HousingFinance
import Hub
import HubDemo
import HubTesting
import Hummingbird
import HummingbirdTesting
import Logging
import Postgres
import Testing

/// A demo council of 60 properties with a day of every job (runs, payment files, suspense, held
/// sales orders, exports) and a console user per role, migrated and seeded once per test
/// process into a template database; each test gets its own copy.
enum ConsoleFixture {
    static let password = "correct horse battery"
    /// Users: name, role, approval limit.
    static let users: [(String, ActingPerson.Role, Money?)] = [
        ("fiona", .finance, nil), ("pat", .payments, nil), ("ravi", .repairs, Money(pence: 500_000)), ("rita", .repairs, Money(pence: 100)),
        ("audrey", .auditor, nil), ("ivan", .income, nil), ("mona", .incomeManager, nil), ("hana", .headOfFinance, nil),
    ]
    /// The write-offs the fixture proposes (besides the demo's): one within the income officer's
    /// band (£50.00), one only a manager's covers.
    static let smallWriteOff = Money(pence: 3_000)
    static let largeWriteOff = Money(pence: 80_000)

    /// Confined to `lock`.
    nonisolated(unsafe) private static var template: (name: String, config: HubConfig)?
    private static let lock = NSLock()

    static var logger: Logger {
        var logger = Logger(label: "console-test")
        logger.logLevel = .critical
        return logger
    }

    /// The shipped configuration in a folder of its own, with the folders under it.
    static func config() throws -> HubConfig {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-console-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Config")
        for name in try FileManager.default.contentsOfDirectory(atPath: shipped.path) where name != "hub.yaml" {
            try FileManager.default.copyItem(at: shipped.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        try """
            go-live: 2026-04-06
            rent-calendar: rent-calendar.yaml
            directories:
              inbox: inbox
              archive: archive
              rejected: rejected
              outbox: outbox
            http:
              address: 127.0.0.1
              port: 0
            """.write(to: folder.appendingPathComponent("hub.yaml"), atomically: true, encoding: .utf8)
        return try HubConfig.load(file: folder.appendingPathComponent("hub.yaml"))
    }

    /// A new database copied from the seeded template, and its configuration.
    static func database() throws -> (HubDatabase, HubConfig) {
        let server = try TestServer.shared(url: ProcessInfo.processInfo.environment["HUB_TEST_DATABASE_URL"])
        lock.lock()
        defer { lock.unlock() }
        if template == nil {
            let url = try server.createDatabase()
            let database = HubDatabase(connectionString: url)
            try database.migrate()
            let config = try config()
            let runner = Runner(database: database, host: "test-host", logger: logger)
            let today = config.today()
            let directory = config.directory.appendingPathComponent("demo")
            _ = try DemoCouncil(properties: 60, goLive: config.goLive, scheme: config.accountScheme).seed(runner: runner, businessDate: today, directory: directory)
            _ = try RentDebitRuns(runner: runner, config: config).postThrough(RentWeek(containing: today), businessDate: today)
            _ = try PaymentsDemo.run(runner: runner, config: config, businessDate: today, directory: directory)
            _ = try RepairsDemo.run(runner: runner, config: config, businessDate: today, directory: directory)
            _ = try DirectDebitDemo.run(runner: runner, config: config, businessDate: today, directory: directory)
            _ = try ArrearsDemo.run(runner: runner, config: config, businessDate: today)
            _ = try ExportsDemo.run(runner: runner, config: config, businessDate: today)
            let db = try database.connect()
            for amount in [smallWriteOff, largeWriteOff] {
                try db.execute(
                    """
                    INSERT INTO writeoffs (account_id, kind, amount_pence, reason)
                    SELECT id, 'arrears', $1, 'former tenant not traced (console test)' FROM rent_accounts
                    WHERE id NOT IN (SELECT account_id FROM writeoffs) ORDER BY id DESC LIMIT 1
                    """, [amount.pence])
            }
            for (name, role, limit) in users { try ConsoleUsers.add(name: name, role: role, limit: limit, password: password, on: db) }
            template = (try db.queryOne("SELECT current_database()")!.decode(String.self, 0), config)
        }
        let config = try config()
        return (HubDatabase(connectionString: try server.createDatabase(template: template!.name)), config)
    }

    /// A console on a new copy of the seeded database (without the scheduler).
    static func console(settings: ConsoleSettings = ConsoleSettings()) throws -> Console {
        let (database, config) = try database()
        return try Console(config: config, settings: settings, database: database, scheduler: nil, metrics: ConsoleMetrics(), logger: logger)
    }
}

/// A browser of the router: keeps the session cookie, reads CSRF tokens from pages.
struct Browser {
    let client: any TestClientProtocol
    var cookie: String?

    struct Page {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var text: String

        /// The CSRF token of the page's forms.
        var csrf: String? {
            guard let range = text.range(of: "name=\"csrf\" value=\"") else { return nil }
            return String(text[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    mutating func get(_ uri: String) async throws -> Page {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = "hub_session=\(cookie)" }
        return try await client.execute(uri: uri, method: .get, headers: headers) { response in
            Page(status: response.status, headers: response.headers, text: String(buffer: response.body))
        }
    }

    mutating func post(_ uri: String, _ fields: [String: String]) async throws -> Page {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let cookie { headers[.cookie] = "hub_session=\(cookie)" }
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        let page = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
            Page(status: response.status, headers: response.headers, text: String(buffer: response.body))
        }
        if let set = page.headers[.setCookie], let range = set.range(of: "hub_session=") {
            let value = String(set[range.upperBound...].prefix { $0 != ";" })
            cookie = value.isEmpty ? nil : value
        }
        return page
    }

    /// Signs in; the session cookie is kept.
    mutating func signIn(_ name: String, password: String = ConsoleFixture.password) async throws -> Page {
        try await post("/signin", ["name": name, "password": password, "next": "/"])
    }

    /// Posts a form with the CSRF token of the page it is on.
    mutating func submit(from page: String, to action: String, _ fields: [String: String]) async throws -> Page {
        let form = try await get(page)
        var fields = fields
        let token: String = try #require(form.csrf, "no form on \(page)")
        fields["csrf"] = token
        return try await post(action, fields)
    }
}

extension Connection {
    func int(_ sql: SQLQuery, _ parameters: [any PostgresEncodable] = []) throws -> Int64 {
        try queryOne(sql, parameters)!.decode(Int64.self, 0)
    }
}
