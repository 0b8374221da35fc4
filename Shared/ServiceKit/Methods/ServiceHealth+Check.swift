import JSONRPC
import ServiceClient
import ServiceContract

extension ServiceHealth {
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
