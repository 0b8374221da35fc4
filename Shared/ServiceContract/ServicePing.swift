import JSONRPC

/// `service.ping`: answers at once; for liveness checks and latency.
public enum ServicePing: RPCMethod {
    public static let name = "service.ping"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Answers at once with the service's name."

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        public var service: String
    }
}
