import CoreMetrics
import Foundation
import Prometheus
import Scheduler

/// `/metrics`: every swift-metrics metric of the process (the scheduler's, the console's), in the
/// Prometheus text format, through swift-prometheus. Counters are `counter`, gauges `gauge`,
/// timers and aggregating recorders `histogram` (`_bucket`, `_sum`, `_count`; timers in seconds).
///
/// - `hub_console_requests_total{route, status}` and `hub_console_request_duration_seconds{route}`:
///   the console's requests.
/// - `hub_server_setting_as_advised{setting}`: 1 where a configured server's setting is as
///   `hub db status` advises, 0 where it is not (set when `hub serve` starts; docs/operations.md).
public struct ConsoleMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
        ]
        self.factory = factory
    }

    /// Makes this the process's swift-metrics backend (once per process, at start).
    public func bootstrap() { MetricsSystem.bootstrap(factory) }

    /// The scheduler's metrics kept here.
    public var scheduler: SchedulerMetrics { SchedulerMetrics(factory: factory) }

    /// Every metric in the Prometheus text format.
    public func render() -> String { registry.emitToString() }

    /// Records whether each of a configured server's settings is as advised (`hub db status`).
    public func serverSettings(_ settings: [(name: String, asAdvised: Bool)]) {
        for setting in settings {
            Gauge(label: "hub_server_setting_as_advised", dimensions: [("setting", setting.name)], factory: factory)
                .record(setting.asAdvised ? 1 : 0)
        }
    }

    func request(route: String, status: Int, seconds: Double) {
        Counter(label: "hub_console_requests_total", dimensions: [("route", route), ("status", String(status))], factory: factory).increment()
        Timer(label: "hub_console_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }
}
