import JSONRPC

/// Another Madoguchi service as a caller sees it: calls go over its socket (so under
/// systemd the first call starts it), the connection is made on first use and made again
/// after it drops, and a peer that is down or slow answers `unavailable` within the call's
/// timeout instead of hanging.
public actor PeerService {
    public let name: String
    public let socketPath: String
    private let timeout: Duration
    private var client: RPCClient?

    init(name: String, socketPath: String, timeout: Duration) {
        self.name = name
        self.socketPath = socketPath
        self.timeout = timeout
    }

    /// Calls `method` on the peer; transport failures, and calls the peer reached too late
    /// to start, become `RPCError.unavailable`, while the peer's own error answers are
    /// passed on unchanged.
    public func call<M: RPCMethod>(_ method: M.Type, _ params: M.Params) async throws -> M.Result {
        do {
            return try await connectedClient().call(method, params, timeout: timeout)
        } catch let failure as RPCClientError {
            if failure.code != .timedOut { await dropClient() }
            throw RPCError.unavailable(service: name, detail: failure.message)
        } catch let refusal as RPCError where refusal.code == .deadlineExceeded {
            // The peer reached the call only after its deadline (a backlog), and did not
            // start it: to this service's caller, that peer was too slow.
            throw RPCError.unavailable(service: name, detail: refusal.message)
        }
    }

    /// Closes the connection, if any.
    public func close() async { await dropClient() }

    private func connectedClient() async throws -> RPCClient {
        if let client, client.isConnected { return client }
        let fresh = try await RPCClient.connect(socketPath: socketPath, defaultTimeout: timeout)
        client = fresh
        return fresh
    }

    private func dropClient() async {
        await client?.close()
        client = nil
    }
}
