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

    /// Pings each of `peers`, one after another.
    static func check(service: String, peers: [PeerService]) async -> Result {
        var dependencies: [Dependency] = []
        for peer in peers {
            let started = ContinuousClock.now
            do {
                _ = try await peer.call(ServicePing.self, NoParams())
                let elapsed = ContinuousClock.now - started
                let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
                dependencies.append(Dependency(service: peer.name, ok: true, milliseconds: milliseconds))
            } catch {
                let message = (error as? RPCError)?.message ?? "\(error)"
                dependencies.append(Dependency(service: peer.name, ok: false, error: message))
            }
        }
        return Result(service: service, ok: dependencies.allSatisfy(\.ok), dependencies: dependencies)
    }
}
