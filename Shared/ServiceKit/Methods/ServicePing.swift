import JSONRPC

/// `service.ping`: answers at once; for liveness checks and latency.
public enum ServicePing: RPCMethod {
    public static let name = "service.ping"
    public static let summary = "Answers at once with the service's name."

    public struct Result: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var service: String
        public static var jsonSchema: JSONSchema { .object(["service": .string()], required: ["service"]) }
    }
}
