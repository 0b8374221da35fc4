import Foundation
import JSONRPC

/// A benchmark's figures: calls, calls/s, errors and latency percentiles (µs), as a
/// readable table or as JSON for scripts (BENCHMARKS.md's tables are made from it).
struct BenchReport: Codable {
    var service: String
    var method: String
    var connections: Int
    var pipeline: Int
    var seconds: Double
    var calls: Int
    var errors: Int
    var callsPerSecond: Double
    var latencyMicroseconds: [String: UInt64]

    static let percentiles: [(String, Double)] = [("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9)]

    init(service: String, method: String, connections: Int, pipeline: Int, result: LoadDriver.Result) {
        self.service = service
        self.method = method
        self.connections = connections
        self.pipeline = pipeline
        seconds = result.seconds
        calls = result.calls
        errors = result.errors
        callsPerSecond = result.seconds > 0 ? Double(result.calls) / result.seconds : 0
        var latency: [String: UInt64] = ["max": result.latencies.max]
        for (name, percentile) in Self.percentiles { latency[name] = result.latencies.valueAtPercentile(percentile) }
        latencyMicroseconds = latency
    }

    var json: String { (try? JSONValue(encoding: self).jsonText) ?? "{}" }

    var table: String {
        func ms(_ name: String) -> String { String(format: "%.3f", Double(latencyMicroseconds[name] ?? 0) / 1000) }
        let columns = ["calls", "calls/s", "errors", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"]
        let values = [
            String(calls), String(format: "%.0f", callsPerSecond), String(errors), ms("p50"), ms("p90"), ms("p99"), ms("p99.9"),
            ms("max"),
        ]
        let widths = zip(columns, values).map { max($0.count, $1.count) }
        func row(_ cells: [String]) -> String {
            zip(cells, widths).map { String(repeating: " ", count: $1 - $0.count) + $0 }.joined(separator: "  ")
        }
        return """
            \(service) \(method): \(connections) connection(s) × \(pipeline) in flight, \(String(format: "%.2f", seconds)) s
            \(row(columns))
            \(row(values))
            """
    }
}
