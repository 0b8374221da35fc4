import JSONRPC

/// The services of one installation and where their sockets are: `<runtime-dir>/<name>.sock`.
public struct ServiceDirectory: Sendable {
    /// Every Madoguchi service, by short name.
    public static let serviceNames = ["auth", "registration", "billing", "linking", "lines"]

    public let runtimeDirectory: String
    /// The pool every peer made here gets.
    public let pool: PeerService.Pool

    public init(runtimeDirectory: String, pool: PeerService.Pool = PeerService.Pool()) {
        self.runtimeDirectory = runtimeDirectory
        self.pool = pool
    }

    /// The socket of the service `name`.
    public func socketPath(of name: String) -> String {
        runtimeDirectory + "/" + name + ".sock"
    }

    /// A client for the service `name` that connects on first use and again after a drop,
    /// with a pool of its own.
    public func peer(_ name: String, timeout: Duration = .seconds(2)) -> PeerService {
        PeerService(name: name, socketPath: socketPath(of: name), timeout: timeout, pool: pool)
    }
}
