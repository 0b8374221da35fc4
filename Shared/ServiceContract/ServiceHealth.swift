import Foundation
import JSONRPC

/// `service.health`: this service and the services it depends on, each pinged over its
/// socket (so under systemd the call starts any that are not running).
public enum ServiceHealth: RPCMethod {
    public static let name = "service.health"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Pings every service this one depends on over its socket, starting it if it is socket-activated; says which answer and how fast."

    /// One dependency's answer.
    @WireObject
    public struct Dependency: Codable, Sendable, Hashable {
        public var service: String
        public var ok: Bool
        public var milliseconds: Double?
        public var error: String?
    }

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        public var service: String
        /// Whether every dependency answered.
        public var ok: Bool
        public var dependencies: [Dependency]
    }
}
