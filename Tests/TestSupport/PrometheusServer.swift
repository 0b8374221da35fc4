import Foundation

/// Debian's Prometheus, started for one test: it scrapes the given targets every second,
/// loads the given rule files, keeps its data in the sandbox and listens on a loopback
/// port; asked through its HTTP API (`query`).
public struct PrometheusServer: Sendable {
    public let port: Int
    public let process: ChildProcess

    /// Starts `/usr/bin/prometheus` in `folder` scraping `targets` (HOST:PORT) as job
    /// `job`, and waits until it answers (`/-/ready`).
    public static func start(in folder: String, job: String, targets: [String], ruleFiles: [String] = []) async throws -> PrometheusServer {
        let port = try LoopbackHTTP.freePort()
        let config = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: [\(ruleFiles.map { "\"\($0)\"" }.joined(separator: ", "))]
            scrape_configs:
              - job_name: \(job)
                static_configs:
                  - targets: [\(targets.map { "\"\($0)\"" }.joined(separator: ", "))]
            """
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try config.write(toFile: folder + "/prometheus.yml", atomically: true, encoding: .utf8)
        let process = try ChildProcess(
            "/usr/bin/prometheus",
            [
                "--config.file=\(folder)/prometheus.yml", "--storage.tsdb.path=\(folder)/data",
                "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
            ],
            logPath: folder + "/prometheus.log")
        try await waitUntil("Prometheus to be ready") {
            guard process.isRunning else { throw ChildExited(log: process.log) }
            return (try? await LoopbackHTTP.get(port: port, "/-/ready"))?.status == 200
        }
        return PrometheusServer(port: port, process: process)
    }

    /// The samples of an instant query: each series' labels and value.
    public func query(_ expression: String) async throws -> [(labels: [String: String], value: String)] {
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? expression
        let answer = try await LoopbackHTTP.get(port: port, "/api/v1/query?query=\(encoded)")
        guard answer.status == 200,
            let json = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
            let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { throw QueryFailed(answer: answer.body) }
        return result.map { series in
            let labels = series["metric"] as? [String: String] ?? [:]
            let value = (series["value"] as? [Any])?.last as? String ?? ""
            return (labels, value)
        }
    }

    /// Prometheus did not answer a query as its API says.
    public struct QueryFailed: Error, CustomStringConvertible {
        public let answer: String
        public var description: String { "Prometheus answered: \(answer)" }
    }
}
