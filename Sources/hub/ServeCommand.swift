import ArgumentParser
import Foundation
import Hub
import Logging
import Scheduler

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the scheduler: fire the jobs in Jobs/ on their schedules, exactly once across every hub serve on the database.",
        discussion: """
            Settings in Config/scheduler.yaml (lease, heartbeat, poll, shutdown grace). SIGHUP reloads the job files;
            SIGTERM or SIGINT stops: no new runs, a run in progress finishes within shutdown-grace-seconds or is rolled back.
            Serves /metrics (Prometheus) and /health on http.address:http.port of Config/hub.yaml.
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
            let prometheus = PrometheusMetrics()
            prometheus.bootstrap()
            let setup = try SchedulerSetup.open(global, jobs: jobs, metrics: prometheus)
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
            let health = HealthCheck(core: core)
            let config = setup.environment.config
            let endpoint = try HTTPEndpoint(address: config.httpAddress, port: config.httpPort, logger: setup.logger) { path in
                switch path {
                case "/metrics":
                    return .init(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: prometheus.render())
                case "/health":
                    let verdict = health.evaluate()
                    let body = (try? HubJSON.text(verdict)) ?? "{}"
                    return .init(status: verdict.healthy ? 200 : 503, contentType: "application/json", body: body + "\n")
                default:
                    return .init(status: 404, body: "not found: try /metrics or /health\n")
                }
            }
            endpoint.start()
            setup.logger.info("metrics and health served", metadata: ["address": "\(config.httpAddress)", "port": "\(endpoint.port)"])
            let service = SchedulerService(
                core: core, settings: setup.settings, inbox: config.inbox, clock: setup.clock, logger: setup.logger,
                onExit: { clean in
                    endpoint.stop()
                    fflush(nil)
                    _exit(clean ? 0 : 75)
                })
            service.start()
            dispatchMain()
        }
    }
}
