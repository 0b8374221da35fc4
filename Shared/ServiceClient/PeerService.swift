import CoreMetrics
import Foundation
import JSONRPC
import JSONRPCTransport
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceContract

/// Another Madoguchi service as a caller sees it: calls go over its socket (so under
/// systemd the first call starts it) on a small pool of connections, and a peer that is
/// down or slow answers `unavailable` within the call's timeout instead of hanging.
///
/// The pool (`Pool`) opens a connection only when every open one is busy with a call,
/// up to its bound; each slot is connected once, however many calls arrive while its
/// connect is in progress (they wait for it); a connection that fails or that the peer
/// closed is replaced on the next use; one unused for `Pool.idleTimeout` is closed, so a
/// socket-activated peer can still go idle and exit.
///
/// The bookkeeping is a few lines under a lock (`PeerConnections`); connects, calls and
/// closes run outside it, so no call waits for another's answer to get its connection.
public final class PeerService: Sendable {
    /// How many connections a peer gets and how long an unused one stays open.
    public struct Pool: Sendable, Hashable {
        /// The most connections open to the peer at once. Past it calls share the
        /// least-loaded connection, pipelined.
        public var maximumConnections: Int
        /// A connection that carries no call for this long is closed. It is kept below
        /// the peer's own `--idle-timeout` (300 s), so this side closes first and a call is
        /// never sent on a connection the peer is just closing.
        public var idleTimeout: Duration

        /// Twice the cores (enough to keep a callee's cores busy with calls that hash or
        /// wait on a disk), 30 s.
        public init(
            maximumConnections: Int = ProcessInfo.processInfo.activeProcessorCount * 2, idleTimeout: Duration = .seconds(30)
        ) {
            self.maximumConnections = max(1, maximumConnections)
            self.idleTimeout = idleTimeout
        }
    }

    public let name: String
    public let socketPath: String
    /// The pool's bound and idle time.
    public let pool: Pool
    private let timeout: Duration
    private let connections: NIOLockedValueBox<PeerConnections>
    /// Where connect promises and idle checks live.
    private let eventLoop: any EventLoop

    init(name: String, socketPath: String, timeout: Duration, pool: Pool = Pool()) {
        self.name = name
        self.socketPath = socketPath
        self.timeout = timeout
        self.pool = pool
        self.connections = NIOLockedValueBox(PeerConnections(maximumConnections: pool.maximumConnections))
        self.eventLoop = MultiThreadedEventLoopGroup.singleton.any()
    }

    /// How a call to the peer ended, as `madoguchi_peer_calls_total` counts it.
    private enum CallOutcome: String {
        /// The peer answered with a result.
        case answered
        /// The peer answered with an error of its own (a wrong PIN is not a fault).
        case refused
        /// The peer could not be reached or answered too late.
        case unavailable
    }

    private func count(_ outcome: CallOutcome, detail: String = "") {
        Counter(label: "madoguchi_peer_calls_total", dimensions: [("peer", name), ("outcome", outcome.rawValue)]).increment()
        // One line when the peer goes down and one when it answers again, not one per call.
        let wasDown = down.withLockedValue { down in
            defer { down = outcome == .unavailable }
            return down
        }
        if outcome == .unavailable, !wasDown {
            Self.logger.error("peer unavailable: its callers are answered unavailable", metadata: ["peer": "\(name)", "why": "\(detail)"])
        } else if outcome != .unavailable, wasDown {
            Self.logger.notice("peer answers again", metadata: ["peer": "\(name)"])
        }
    }

    /// Whether the last call found the peer unavailable.
    private let down = NIOLockedValueBox(false)
    private static let logger = Logger(label: "madoguchi-peers")

    /// Calls `method` on the peer; transport failures, and calls the peer reached too late
    /// to start, become `RPCError.unavailable`, while the peer's own error answers are
    /// passed on unchanged.
    public func call<M: RPCMethod>(_ method: M.Type, _ params: M.Params) async throws -> M.Result {
        // Waiting for a connection counts against the call's time, like the call itself:
        // the deadline the peer is sent is this one, less what the connect took.
        let ownDeadline = CallDeadline.after(timeout)
        let deadline = CallDeadline.current.map { min($0, ownDeadline) } ?? ownDeadline
        return try await CallDeadline.$current.withValue(deadline) {
            do {
                let (slot, client) = try await connection()
                let result = try await use(slot, client) { try await $0.call(method, params, timeout: timeout) }
                count(.answered)
                return result
            } catch let failure as RPCClientError {
                count(.unavailable, detail: failure.message)
                throw RPCError.unavailable(service: name, detail: failure.message)
            } catch let refusal as RPCError where refusal.code == .deadlineExceeded {
                // The peer reached the call only after its deadline (a backlog), and did
                // not start it, or the deadline passed before it was sent: to this
                // service's caller, that peer was too slow.
                count(.unavailable, detail: refusal.message)
                throw RPCError.unavailable(service: name, detail: refusal.message)
            } catch {
                count(.refused)
                throw error
            }
        }
    }

    /// Closes every connection; calls on them fail (`unavailable`). A later call connects
    /// again.
    public func close() async {
        let open = connections.withLockedValue { state in
            state.idleCheck?.cancel()
            state.idleCheck = nil
            return state.removeAll()
        }
        for client in open { await client.close() }
    }

    // MARK: Leasing

    /// A connection for one call, counted on its slot until `use` returns.
    private func connection() async throws -> (slot: Int, client: RPCClient) {
        let eventLoop = self.eventLoop
        let lease = connections.withLockedValue { state in
            state.lease(now: .now) { eventLoop.makePromise(of: RPCClient.self) }
        }
        switch lease {
        case .ready(let slot, let client):
            return (slot, client)
        case .waitForConnect(let slot, let connected):
            // The call that started the connect removes the slot if it fails.
            return (slot, try await connected.get())
        case .connect(let slot, let promise):
            let client: RPCClient
            do {
                client = try await RPCClient.connect(socketPath: socketPath, defaultTimeout: timeout)
            } catch {
                connections.withLockedValue { $0.connectFailed(slot) }
                promise.fail(error)
                throw error
            }
            guard connections.withLockedValue({ $0.connected(slot, client) }) else {
                // `close()` ran meanwhile: this connection belongs to no pool.
                await client.close()
                let closed = RPCClientError(.connectionClosed, "The connection to the service was closed.")
                promise.fail(closed)
                throw closed
            }
            promise.succeed(client)
            return (slot, client)
        }
    }

    /// Runs `call` on `client`, then gives its slot back, or drops it when the connection
    /// failed under it.
    private func use<T>(_ slot: Int, _ client: RPCClient, _ call: (RPCClient) async throws -> T) async throws -> T {
        do {
            let result = try await call(client)
            release(slot)
            return result
        } catch let failure as RPCClientError where failure.code == .connectionClosed || !client.isConnected {
            // This connection is done (closed, or closed for sending garbage). A timeout
            // is not a broken connection: the peer is slow, and the connection may carry
            // other calls that will be answered; nor is one answer this side cannot read.
            await drop(slot)
            throw failure
        } catch {
            release(slot)
            throw error
        }
    }

    private func release(_ slot: Int) {
        connections.withLockedValue { state in
            guard state.release(slot, now: .now), state.idleCheck == nil else { return }
            state.idleCheck = scheduleIdleCheck(in: pool.idleTimeout)
        }
    }

    /// Closes the connection of `slot`, and only it: if the slot is gone (a failure
    /// another call saw first, or `close()`), a newer connection is not touched.
    private func drop(_ slot: Int) async {
        let failed = connections.withLockedValue { $0.drop(slot) }
        await failed?.close()
    }

    // MARK: Idle connections

    private func scheduleIdleCheck(in delay: Duration) -> Scheduled<Void> {
        eventLoop.scheduleTask(in: TimeAmount(delay)) { self.closeIdle() }
    }

    /// Closes the connections idle for the idle time, and arms the next check while any
    /// connection is idle. Busy ones arm it again when they go idle.
    private func closeIdle() {
        let now = ContinuousClock.now
        let idleTimeout = pool.idleTimeout
        let expired = connections.withLockedValue { state in
            state.idleCheck = nil
            let expired = state.removeIdle(now: now, idleTimeout: idleTimeout)
            if let next = state.nextIdleExpiry(idleTimeout: idleTimeout) {
                state.idleCheck = scheduleIdleCheck(in: max(next - now, .milliseconds(1)))
            }
            return expired
        }
        for client in expired { client.closeWithoutWaiting() }
    }
}
