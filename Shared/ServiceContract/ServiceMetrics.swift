import JSONRPC

/// `service.metrics`: what the service has counted since it started, in Prometheus' text
/// exposition format, for `madoguchi-exporter` to gather. Counts only — no customer, no
/// secret — so, like `service.info`, any caller that can open the socket may read it.
public enum ServiceMetrics: RPCMethod {
    public static let name = "service.metrics"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "The service's counters, gauges and latency histograms since it started, in Prometheus' text exposition format (version 0.0.4); every series is labelled with the service."

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        /// The exposition: `# TYPE` lines and samples, one a line.
        public var text: String
    }
}
