import Foundation
import HousingFinance
import Hub
import Hummingbird
import Logging
import Mustache
import Postgres
import Scheduler

/// The request context of the console's router.
public struct ConsoleContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
    /// Uploads (a payment file) up to 64 MiB.
    public var maxUploadSize: Int { 64 * 1024 * 1024 }
}

/// What a role may do in the console. The database enforces the same through the role's grants;
/// the console hides what a person may not use and refuses it (403, logged) if posted anyway.
public enum ConsoleAction: String, CaseIterable, Sendable {
    case previewJob, runJob, reverseRun
    case importPayments, clearSuspense
    case decideSalesOrders
    /// Cancel a Direct Debit mandate (`hub dd mandate cancel`): finance and payments keep mandates.
    case cancelMandates
    /// Add or amend a Direct Debit mandate (`hub dd mandate add`, `amend`): finance and payments,
    /// the roles 0020 grants INSERT on `dd_mandates`.
    case changeMandates
    /// Take a stage or pause a case (`hub arrears act`, `pause`), decide a write-off within the
    /// person's band (`hub writeoffs approve`, `reject`): the income team.
    case workArrears, decideWriteOffs
    /// Make or cancel an arrears agreement (`hub arrears agree`, `cancel-agreement`), propose a
    /// write-off (`hub writeoffs propose`): the income team, the roles 0021 grants INSERT on
    /// `arrears_agreements` and `writeoffs`.
    case makeAgreements, proposeWriteOffs

    public func allowed(for role: ActingPerson.Role) -> Bool {
        switch self {
        case .previewJob, .runJob, .reverseRun: return role == .finance
        case .importPayments, .clearSuspense: return role == .payments
        case .decideSalesOrders: return role == .repairs
        case .cancelMandates, .changeMandates: return role == .finance || role == .payments
        case .workArrears, .decideWriteOffs, .makeAgreements, .proposeWriteOffs: return role.isIncome
        }
    }
}

/// The web console and the HTTP side of `hub serve`: `/health`, `/metrics` and the pages. Every
/// database call runs on a Dispatch queue (libpq blocks), never on the event loop: pages read on
/// a bounded pool of connections inside a transaction under the person's role (`SET LOCAL
/// ROLE`); actions run through the same code as the commands, on connections that act as the
/// person (`HubDatabase.acting(as:)`), at most `connections` at once.
public struct Console: Sendable {
    public let config: HubConfig
    public let settings: ConsoleSettings
    /// The server's own database (its login role).
    public let database: HubDatabase
    public let logger: Logger
    let pool: ConnectionPool
    let sessions: SessionStore
    let scheduler: SchedulerCore?
    let metrics: ConsoleMetrics
    let templates: MustacheLibrary
    let actionGate: DispatchSemaphore
    let host: String

    /// Opens the console: the signing key from the database, the templates from the product's resources.
    public init(
        config: HubConfig, settings: ConsoleSettings, database: HubDatabase, scheduler: SchedulerCore?, metrics: ConsoleMetrics, logger: Logger
    ) throws {
        self.config = config
        self.settings = settings
        self.database = database
        self.scheduler = scheduler
        self.metrics = metrics
        self.logger = logger
        let landlord = database.landlord
        self.pool = ConnectionPool(database.connectionString, capacity: settings.connections, applicationName: "hub console") {
            try HubDatabase.setLandlord(landlord, on: $0)
        }
        self.sessions = try SessionStore.open(settings: settings, on: try database.connect())
        self.templates = try ConsoleTemplates.load()
        self.actionGate = DispatchSemaphore(value: settings.connections)
        self.host = ProcessInfo.processInfo.hostName
    }

    // MARK: Database work off the event loop

    /// Reads on a pooled connection in a transaction under the person's role and name.
    func read<T: Sendable>(_ person: ActingPerson?, _ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await pool.withConnection { db in
            try db.execute("BEGIN")
            do {
                if let person { try person.applyLocally(to: db) }
                let value = try body(db)
                try db.execute("COMMIT")
                return value
            } catch {
                if db.isHealthy { _ = try? db.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// Runs an action as the person, through a runner whose every connection acts as them.
    func act<T: Sendable>(_ person: ActingPerson, _ body: @escaping @Sendable (Runner) throws -> T) async throws -> T {
        let runner = Runner(database: database.acting(as: person), host: host, logger: logger)
        let gate = actionGate
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                gate.wait()
                defer { gate.signal() }
                continuation.resume(with: Result { try body(runner) })
            }
        }
    }

    /// Work on the server's own connection (sessions, sign-in), off the event loop.
    func server<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await pool.withConnection(body)
    }

    // MARK: The server

    /// The router of every page.
    public func router() -> Router<ConsoleContext> {
        let router = Router(context: ConsoleContext.self)
        router.add(middleware: RequestLogMiddleware(logger: logger, metrics: metrics))
        addServiceRoutes(router)
        addSignInRoutes(router)
        addPages(router)
        return router
    }

    /// The application serving the router on the configured address and port.
    /// - Parameter onRunning: told the port bound (the system's choice for port 0).
    public func application(address: String? = nil, port: Int? = nil, onRunning: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(),
            configuration: .init(address: .hostname(address ?? config.httpAddress, port: port ?? config.httpPort), serverName: "hub"),
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    func addServiceRoutes(_ router: Router<ConsoleContext>) {
        let metrics = self.metrics
        let scheduler = self.scheduler
        let database = self.database
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        router.get("/health") { _, _ -> Response in
            let verdict: Health = try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    if let scheduler {
                        let verdict = HealthCheck(core: scheduler).evaluate()
                        continuation.resume(returning: Health(healthy: verdict.healthy, problems: verdict.problems))
                    } else {
                        let ok = (try? database.connect().queryOne("SELECT 1")) != nil
                        continuation.resume(returning: Health(healthy: ok, problems: ok ? [] : ["the database does not answer"]))
                    }
                }
            }
            let body = ((try? HubJSON.text(verdict)) ?? "{}") + "\n"
            return Response(
                status: verdict.healthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/assets/console.css") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: ConsoleTemplates.stylesheet)))
        }
    }
}

/// `/health`'s answer: the scheduler's verdict (`HealthCheck`), or the database's alone.
struct Health: Encodable, Sendable {
    var healthy: Bool
    var problems: [String]
}

/// Logs each request and counts it by route and status (`hub_console_requests_total`).
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = ConsoleContext
    let logger: Logger
    let metrics: ConsoleMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics.request(route: context.endpointPath ?? "unmatched", status: Int(response.status.code), seconds: (ContinuousClock.now - started).seconds)
            return response
        } catch let error as HTTPError {
            metrics.request(route: context.endpointPath ?? "unmatched", status: Int(error.status.code), seconds: (ContinuousClock.now - started).seconds)
            throw error
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
