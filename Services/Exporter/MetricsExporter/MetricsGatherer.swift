import JSONRPC
import JSONRPCTransport
import ServiceClient
import ServiceContract

/// Gathers every service's `service.metrics` over its socket into one exposition, with
/// `madoguchi_up{service}`: 1 for a service that answered, 0 for one that is not running
/// or did not answer in time.
///
/// A stopped socket-activated service is not started to be counted: the exporter
/// connects only to a service whose running marker is held (`RunningMarker`), and
/// otherwise reports it down.
public struct MetricsGatherer: Sendable {
    public let runtimeDirectory: String
    /// How long one service may take to answer.
    public let timeout: Duration

    public init(runtimeDirectory: String, timeout: Duration = .seconds(2)) {
        self.runtimeDirectory = runtimeDirectory
        self.timeout = timeout
    }

    /// The merged exposition of every service, asked all at once.
    public func gather() async -> String {
        let answers = await withTaskGroup(of: (ServiceName, String?).self) { group in
            for service in ServiceName.allCases {
                group.addTask { (service, await metrics(of: service)) }
            }
            var answers: [ServiceName: String?] = [:]
            for await (service, text) in group { answers[service] = text }
            return answers
        }
        var exposition = Exposition()
        var up = "# HELP madoguchi_up Whether the service is running and answered service.metrics.\n# TYPE madoguchi_up gauge\n"
        for service in ServiceName.allCases {
            let text = answers[service] ?? nil
            up += "madoguchi_up{service=\"\(service.rawValue)\"} \(text == nil ? 0 : 1)\n"
        }
        exposition.add(up)
        for service in ServiceName.allCases {
            if let text = answers[service] ?? nil { exposition.add(text) }
        }
        return exposition.text
    }

    /// `service`'s exposition, or `nil` when it is not running or did not answer.
    func metrics(of service: ServiceName) async -> String? {
        let marker = RunningMarker.path(runtimeDirectory: runtimeDirectory, service: service.rawValue)
        guard RunningMarker.isHeld(at: marker) else { return nil }
        let socket = "\(runtimeDirectory)/\(service.rawValue).sock"
        guard let client = try? await RPCClient.connect(socketPath: socket, defaultTimeout: timeout) else { return nil }
        let text = try? await client.call(ServiceMetrics.self).text
        await client.close()
        return text
    }
}
