import CoreMetrics
import JSONRPC
import NIOConcurrencyHelpers
import Prometheus

/// The metrics of this process: swift-metrics' backend is a Prometheus registry (once
/// `bootstrap(service:)` has run), and `service.metrics` answers its exposition.
///
/// Process-wide, as swift-metrics itself is: the counters are incremented where things
/// happen (the server, the peers, the outbox, storage faults, auth's PIN checks) with
/// plain `Counter(label:dimensions:)`, and a process that never bootstraps (an in-process
/// test, the fuzzer) counts into swift-metrics' no-op backend.
public enum ProcessMetrics {
    private static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped = NIOLockedValueBox(false)
    private static let refreshers = NIOLockedValueBox<[@Sendable () async -> Void]>([])

    /// Latency buckets for calls, in seconds: a ping takes tens of microseconds, a scrypt
    /// login a few hundred milliseconds, a large import's commit seconds.
    static let callBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// Makes the registry swift-metrics' backend, every series labelled
    /// `service="<service>"` (the exporter merges five services' expositions into one).
    /// Once per process; later calls do nothing.
    public static func bootstrap(service: String) {
        let first = bootstrapped.withLockedValue { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = callBuckets
        factory.nameAndLabelSanitizer = { name, labels in (name, labels + [("service", service)]) }
        MetricsSystem.bootstrap(factory)
    }

    /// Runs `refresh` before each exposition: for gauges read at scrape time (the outbox's
    /// backlog, open connections) rather than kept up to date on every change.
    public static func beforeEachScrape(_ refresh: @escaping @Sendable () async -> Void) {
        refreshers.withLockedValue { $0.append(refresh) }
    }

    /// The text exposition of everything counted so far.
    public static func exposition() async -> String {
        for refresh in refreshers.withLockedValue({ $0 }) { await refresh() }
        return registry.emitToString()
    }

    /// The dispatcher's observer: `madoguchi_calls_total{method, outcome}` (`ok` or the
    /// refusal's reason) and `madoguchi_call_duration_seconds{method}`. A method the
    /// service does not have is counted as `unknown`, so a caller cannot grow the series.
    public static let observeCalls: Dispatcher.CallObserver = { method, refusal, duration in
        let meters = CallMeters.of(method ?? "unknown")
        if let refusal {
            let outcome = refusal.reason ?? "code_\(refusal.code.rawValue)"
            CoreMetrics.Counter(label: "madoguchi_calls_total", dimensions: [("method", meters.method), ("outcome", outcome)]).increment()
        } else {
            meters.ok.increment()
        }
        meters.duration.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// A method's success counter and latency histogram, made once: every call counts, and
    /// making them means a registry lookup under its lock with the labels rebuilt. A
    /// refusal's counter is made when it happens (refusals are the rarer path, and their
    /// reasons many).
    struct CallMeters: Sendable {
        let method: String
        let ok: CoreMetrics.Counter
        let duration: CoreMetrics.Timer

        private static let made = NIOLockedValueBox<[String: CallMeters]>([:])

        static func of(_ method: String) -> CallMeters {
            if let meters = made.withLockedValue({ $0[method] }) { return meters }
            let meters = CallMeters(
                method: method, ok: CoreMetrics.Counter(label: "madoguchi_calls_total", dimensions: [("method", method), ("outcome", "ok")]),
                duration: CoreMetrics.Timer(label: "madoguchi_call_duration_seconds", dimensions: [("method", method)]))
            return made.withLockedValue { made in
                if let first = made[method] { return first }
                made[method] = meters
                return meters
            }
        }
    }
}
