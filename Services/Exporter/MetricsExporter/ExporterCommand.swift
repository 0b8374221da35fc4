import ArgumentParser
import Logging
import ServiceContract
import Systemd

/// `madoguchi-exporter`: serves every Madoguchi service's metrics to Prometheus over HTTP
/// (`GET /metrics`). Under systemd it takes its listening socket from
/// `madoguchi-exporter.socket` (127.0.0.1:9464) and itself opens only Unix sockets;
/// without one it binds `--listen`.
public struct ExporterCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "madoguchi-exporter",
        abstract: "Serve every Madoguchi service's metrics to Prometheus (GET /metrics).",
        version: MadoguchiVersion.current)

    @Option(help: "Where the services' sockets are.") var runtimeDir = "/run/madoguchi"
    @Option(help: "Address to listen on when not socket-activated, HOST:PORT.") var listen = "127.0.0.1:9464"
    @Option(help: "Seconds one service may take to answer.") var serviceTimeout: Double = 2
    @Option(help: "Scrape connections open at once; one more is answered 503.") var maxConnections = 8
    @Option(help: "Seconds a scrape connection may stay without a request before it is closed.") var idleTimeout: Double = 120

    public init() {}

    public func run() async throws {
        let logger = Logger(label: "madoguchi-exporter")
        let inherited = SocketActivation.inheritedSockets().first?.fileDescriptor
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw ValidationError("--listen is HOST:PORT, e.g. 127.0.0.1:9464.")
        }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections is at least 1.") }
        guard idleTimeout > 0 else { throw ValidationError("--idle-timeout must be positive.") }
        let limits = MetricsHTTPServer.Limits(maximumConnections: maxConnections, idleTimeout: .milliseconds(Int(idleTimeout * 1000)))
        let listener = try await MetricsHTTPServer.listen(
            host: String(listen[..<colon]), port: port, inherited: inherited, limits: limits, logger: logger)
        let gatherer = MetricsGatherer(runtimeDirectory: runtimeDir, timeout: .milliseconds(Int(serviceTimeout * 1000)))
        logger.info("serving metrics", metadata: ["listen": "\(inherited.map { "fd \($0)" } ?? listen)", "runtime-dir": "\(runtimeDir)"])
        ServiceNotifier().ready(status: "Serving metrics")
        try await MetricsHTTPServer(gatherer: gatherer, logger: logger).serve(listener)
    }
}
