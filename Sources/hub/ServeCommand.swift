import ArgumentParser
import Console
import Foundation
import Hub
import Logging
import Scheduler

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the scheduler (fire the jobs in Jobs/ on their schedules, exactly once across every hub serve on the database) and the web console.",
        discussion: """
            Settings in Config/scheduler.yaml (lease, heartbeat, poll, shutdown grace). SIGHUP reloads the job files;
            SIGTERM or SIGINT stops: no new runs, a run in progress finishes within shutdown-grace-seconds or is rolled back.
            Serves the web console, /metrics (Prometheus) and /health on http.address:http.port of Config/hub.yaml (docs/console.md).
            Exit: 0 after a clean shutdown; 75 when a run had to be abandoned at shutdown (rolled back);
            with --once 0 when every slot completed, 5 when one was refused, 1 when one failed.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Run every slot that is due (and retries and takeovers that may run now), then exit: for hosts that run the hub from cron.")
    var once = false
    @Option(help: "The folder of job files (default: jobs in Config/scheduler.yaml, else Jobs/ beside Config/).")
    var jobs: String?

    func run() throws {
        try reportingErrors {
            let metrics = ConsoleMetrics()
            metrics.bootstrap()
            let setup = try SchedulerSetup.open(global, jobs: jobs, metrics: metrics.scheduler)
            let core = setup.core
            if once {
                let results = try core.tick()
                if global.json { try printJSON(results) } else {
                    if results.isEmpty { print("Nothing was due.") }
                    for result in results { print(describe(result)) }
                }
                let status = exitStatus(for: results)
                if status != 0 { throw ExitCode(status) }
                return
            }
            // A client that hangs up must never kill the process (writes to it fail instead).
            signal(SIGPIPE, SIG_IGN)
            let config = setup.environment.config
            let console = try Console(
                config: config, settings: try ConsoleSettings.load(for: config), database: setup.environment.database, scheduler: core,
                metrics: metrics, logger: setup.logger)
            let logger = setup.logger
            if setup.environment.embedded == nil { checkServerSettings(setup.environment, metrics: metrics, logger: logger) }
            let application = console.application { port in
                logger.info("console, metrics and health served", metadata: ["url": "http://\(config.httpAddress):\(port)/", "port": "\(port)"])
            }
            Task {
                do {
                    // The scheduler below handles SIGTERM, SIGINT and SIGHUP; the server stops with the process.
                    try await application.runService(gracefulShutdownSignals: [])
                } catch {
                    logger.critical("the HTTP server stopped", metadata: ["error": "\(error)"])
                    fflush(nil)
                    _exit(1)
                }
            }
            let service = SchedulerService(
                core: core, settings: setup.settings, inbox: config.inbox, clock: setup.clock, logger: setup.logger,
                onExit: { clean in
                    fflush(nil)
                    _exit(clean ? 0 : 75)
                })
            service.start()
            dispatchMain()
        }
    }

    /// A configured server's settings, checked as `hub db status` checks them, in the service's
    /// log (a warning for each that puts the ledger at risk, a notice for each advice) and in
    /// /metrics (`hub_server_setting_as_advised`).
    func checkServerSettings(_ environment: HubEnvironment, metrics: ConsoleMetrics, logger: Logger) {
        do {
            let settings = try ServerSettings.read(from: try environment.database.connect())
            metrics.serverSettings(settings.asAdvised)
            for finding in settings.findings where finding.level != .ok {
                logger.log(level: finding.level == .warning ? .warning : .notice,
                           "server setting \(finding.setting): \(finding.message) (hub db status)")
            }
        } catch {
            logger.warning("could not read the server's settings", metadata: ["error": "\(error)"])
        }
    }
}
