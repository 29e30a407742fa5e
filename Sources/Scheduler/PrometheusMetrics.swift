import CoreMetrics
import Foundation

/// A swift-metrics backend that keeps every metric in memory and renders them in the Prometheus
/// text exposition format (version 0.0.4) for `/metrics`: counters as `counter`, gauges (recorders
/// that do not aggregate) and meters as `gauge`, aggregating recorders and timers as `summary`
/// (`_sum` and `_count`; timers in seconds).
///
/// Thread-safety: every handler and the registry are guarded by the one `lock`.
public final class PrometheusMetrics: MetricsFactory, @unchecked Sendable {
    private let lock = NSLock()
    private var series: [SeriesKey: Series] = [:]

    public init() {}

    struct SeriesKey: Hashable {
        var name: String
        var labels: [Pair]
        struct Pair: Hashable {
            var key: String
            var value: String
        }
    }

    enum Kind: String {
        case counter, gauge, summary
    }

    final class Series: CounterHandler, FloatingPointCounterHandler, RecorderHandler, MeterHandler, TimerHandler, @unchecked Sendable {
        let kind: Kind
        let scale: Double
        let lock: NSLock
        // Guarded by `lock`.
        var value: Double = 0
        var sum: Double = 0
        var count: Int64 = 0

        init(kind: Kind, scale: Double, lock: NSLock) {
            self.kind = kind
            self.scale = scale
            self.lock = lock
        }

        func increment(by amount: Int64) { lock.withLock { value += Double(amount) } }
        func increment(by amount: Double) { lock.withLock { value += amount } }
        func decrement(by amount: Double) { lock.withLock { value -= amount } }
        func reset() { lock.withLock { value = 0; sum = 0; count = 0 } }
        func record(_ value: Int64) { record(Double(value)) }
        func record(_ value: Double) {
            lock.withLock {
                if kind == .summary {
                    sum += value * scale
                    count += 1
                } else {
                    self.value = value
                }
            }
        }
        func set(_ value: Int64) { lock.withLock { self.value = Double(value) } }
        func set(_ value: Double) { lock.withLock { self.value = value } }
        func recordNanoseconds(_ duration: Int64) { record(Double(duration)) }
    }

    private func series(_ label: String, _ dimensions: [(String, String)], _ kind: Kind, scale: Double = 1) -> Series {
        let key = SeriesKey(name: Self.sanitize(label), labels: dimensions.map { .init(key: Self.sanitize($0.0), value: $0.1) })
        return lock.withLock {
            if let existing = series[key] { return existing }
            let made = Series(kind: kind, scale: scale, lock: lock)
            series[key] = made
            return made
        }
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { series(label, dimensions, .counter) }
    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        series(label, dimensions, .counter)
    }
    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { series(label, dimensions, .gauge) }
    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        series(label, dimensions, aggregate ? .summary : .gauge)
    }
    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { series(label, dimensions, .summary, scale: 1e-9) }
    public func destroyCounter(_ handler: any CounterHandler) {}
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    public func destroyMeter(_ handler: any MeterHandler) {}
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    public func destroyTimer(_ handler: any TimerHandler) {}

    /// Every metric in the Prometheus text format, metrics by name, series by labels.
    public func render() -> String {
        lock.withLock {
            var text = ""
            let byName = Dictionary(grouping: series, by: { $0.key.name })
            for name in byName.keys.sorted() {
                let entries = byName[name]!.sorted { Self.labelText($0.key.labels) < Self.labelText($1.key.labels) }
                let kind = entries[0].value.kind
                text += "# TYPE \(name) \(kind.rawValue)\n"
                for (key, series) in entries {
                    let labels = Self.labelText(key.labels)
                    switch series.kind {
                    case .counter, .gauge:
                        text += "\(name)\(labels) \(Self.number(series.value))\n"
                    case .summary:
                        text += "\(name)_sum\(labels) \(Self.number(series.sum))\n"
                        text += "\(name)_count\(labels) \(series.count)\n"
                    }
                }
            }
            return text
        }
    }

    static func labelText(_ labels: [SeriesKey.Pair]) -> String {
        guard !labels.isEmpty else { return "" }
        let escaped = labels.map { pair in
            let value = pair.value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(pair.key)=\"\(value)\""
        }
        return "{" + escaped.joined(separator: ",") + "}"
    }

    static func sanitize(_ name: String) -> String {
        String(name.unicodeScalars.map { scalar -> Character in
            let c = Character(scalar)
            return (c.isASCII && (c.isLetter || c.isNumber)) || c == "_" || c == ":" ? c : "_"
        })
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

extension PrometheusMetrics {
    /// Makes this the process's swift-metrics backend (once per process, at start).
    public func bootstrap() { MetricsSystem.bootstrap(self) }
}

extension SchedulerMetrics {
    /// Metrics kept by a Prometheus backend.
    public init(prometheus: PrometheusMetrics) { self.init(factory: prometheus) }
}
