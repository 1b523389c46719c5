import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// The host's metrics: swift-metrics objects made by an injected Prometheus factory
/// (no global bootstrap), exposed in Prometheus text format on /metrics.
public final class HostMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let counters = Locked<[String: CoreMetrics.Counter]>([:])
    private let timers = Locked<[String: Metrics.Timer]>([:])
    private let recorders = Locked<[String: CoreMetrics.Recorder]>([:])

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(50), .microseconds(250), .milliseconds(1), .milliseconds(5), .milliseconds(25),
            .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(30),
        ]
        factory.defaultValueHistogramBuckets = [
            0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 50, 100, 500, 1000, 5000, 10000,
        ]
        self.factory = factory
    }

    /// Add to a counter identified by name and labels.
    public func increment(_ name: String, by delta: Int64 = 1, labels: [(String, String)]) {
        let key = Self.key(name, labels)
        let counter = counters.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = CoreMetrics.Counter(label: name, dimensions: labels, factory: factory)
            cache[key] = counter
            return counter
        }
        counter.increment(by: delta)
    }

    /// Record a duration in a histogram identified by name and labels.
    public func recordDuration(_ name: String, nanoseconds: Int64, labels: [(String, String)]) {
        let key = Self.key(name, labels)
        let timer = timers.withLock { cache in
            if let timer = cache[key] { return timer }
            let timer = Metrics.Timer(label: name, dimensions: labels, factory: factory)
            cache[key] = timer
            return timer
        }
        timer.recordNanoseconds(nanoseconds)
    }

    /// Record a plain value in a histogram identified by name and labels.
    public func recordValue(_ name: String, _ value: Double, labels: [(String, String)]) {
        let key = Self.key(name, labels)
        let recorder = recorders.withLock { cache in
            if let recorder = cache[key] { return recorder }
            let recorder = CoreMetrics.Recorder(label: name, dimensions: labels, aggregate: true, factory: factory)
            cache[key] = recorder
            return recorder
        }
        recorder.record(value)
    }

    /// Everything in Prometheus text exposition format.
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }

    private static func key(_ name: String, _ labels: [(String, String)]) -> String {
        var key = name
        for (label, value) in labels {
            key += "\u{1}" + label + "=" + value
        }
        return key
    }
}
