import JSONRPC
import NIOConcurrencyHelpers
import ServiceContract

/// The services of one installation and where their sockets are: `<runtime-dir>/<name>.sock`.
public struct ServiceDirectory: Sendable {
    public let runtimeDirectory: String
    /// The pool every peer made here gets.
    public let pool: PeerService.Pool
    /// How long a call to a peer made here may take, unless the peer is asked for with
    /// a time of its own.
    public let timeout: Duration
    /// The peers made so far, shared by copies of this directory.
    private let made = NIOLockedValueBox<[PeerKey: PeerService]>([:])

    public init(runtimeDirectory: String, pool: PeerService.Pool = PeerService.Pool(), timeout: Duration = .seconds(2)) {
        self.runtimeDirectory = runtimeDirectory
        self.pool = pool
        self.timeout = timeout
    }

    /// The socket of `service`.
    public func socketPath(of service: ServiceName) -> String {
        runtimeDirectory + "/" + service.socketFile
    }

    /// A client for the service `name` that connects on first use and again after a drop.
    /// Every caller asking this directory (or a copy) for the same peer and timeout gets
    /// the same one, so a process holds one pool per peer (its methods' calls and
    /// `service.health`'s pings alike) and the bound is the bound.
    public func peer(_ service: ServiceName, timeout: Duration? = nil) -> PeerService {
        let timeout = timeout ?? self.timeout
        return made.withLockedValue { made in
            let key = PeerKey(service: service, timeout: timeout)
            if let peer = made[key] { return peer }
            let peer = PeerService(name: service.rawValue, socketPath: socketPath(of: service), timeout: timeout, pool: pool)
            made[key] = peer
            return peer
        }
    }

    private struct PeerKey: Hashable {
        var service: ServiceName
        var timeout: Duration
    }
}
