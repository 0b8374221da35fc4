import CoreMetrics
import Foundation
import JSONRPC
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOFoundationCompat
import NIOPosix
import ServiceLifecycle

/// A JSON-RPC 2.0 server on a Unix stream socket: one JSON value per line each way, many
/// connections at once, and many calls at once on each: a connection's messages are read
/// while earlier ones are still being answered, and answers leave as they complete,
/// matched by `id` (`RPCConnectionHandler`). A batch's entries still run in order.
///
/// It is a swift-service-lifecycle `Service`: on graceful shutdown it stops accepting,
/// lets every connection finish the calls it has sent, and returns.
public final class RPCServer: Service, Sendable {
    /// Limits and timeouts, with the defaults a production service runs with.
    public struct Configuration: Sendable {
        /// Where to listen.
        public var address: ListenAddress
        /// The longest message, in bytes; a longer one is refused and its connection closed.
        public var maximumMessageBytes: Int = 1 << 20
        /// Open connections in all (systemd's Varlink: 4096).
        public var maximumConnections: Int = 4096
        /// Open connections from one uid (systemd's Varlink: 1024).
        public var maximumConnectionsPerUID: Int = 1024
        /// A connection that completes no message for this long is closed. This also ends
        /// a client that stalls in the middle of a message.
        public var idleTimeout: Duration = .seconds(300)
        /// When set, the server stops once it has had no connection for this long, so that
        /// the service manager starts it again on the next connection.
        public var idleExit: Duration? = nil
        /// Messages of one connection answered at once; past it the server stops reading
        /// that connection until one is answered.
        public var maximumCallsInFlightPerConnection: Int = 128

        public init(address: ListenAddress) {
            self.address = address
        }
    }

    private let configuration: Configuration
    private let dispatcher: Dispatcher
    private let logger: Logger
    private let group: any EventLoopGroup
    private let limiter: ConnectionLimiter
    private let onReady: @Sendable () -> Void
    private let onStopping: @Sendable () -> Void
    /// Calls being answered, across connections.
    public let gauge: CallGauge

    /// - Parameters:
    ///   - onReady: called once the socket accepts connections (e.g. to notify systemd).
    ///   - onStopping: called when graceful shutdown begins.
    public init(
        configuration: Configuration,
        dispatcher: Dispatcher,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        gauge: CallGauge = CallGauge(),
        onReady: @escaping @Sendable () -> Void = {},
        onStopping: @escaping @Sendable () -> Void = {}
    ) {
        self.configuration = configuration
        self.dispatcher = dispatcher
        self.logger = logger
        self.group = eventLoopGroup
        self.limiter = ConnectionLimiter(
            maximumTotal: configuration.maximumConnections,
            maximumPerUID: configuration.maximumConnectionsPerUID)
        self.onReady = onReady
        self.onStopping = onStopping
        self.gauge = gauge
    }

    /// Open connections right now.
    public var openConnections: Int { limiter.openConnections }

    public func run() async throws {
        let listener = try await bind()
        logger.info("listening", metadata: ["socket": "\(configuration.address)"])
        onReady()
        defer { removeSocketFileIfOwned() }
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { connections in
                try await withThrowingTaskGroup(of: Void.self) { background in
                    if let idleExit = configuration.idleExit {
                        background.addTask { try await self.closeWhenIdle(listener.channel, after: idleExit) }
                    }
                    try await listener.executeThenClose { inbound in
                        for try await accepted in inbound {
                            guard let accepted else { continue }
                            connections.addTask { await self.serve(accepted) }
                        }
                    }
                    background.cancelAll()
                }
            }
            await closeUnclaimed()
        } onGracefulShutdown: {
            self.onStopping()
            listener.channel.close(promise: nil)
        }
        logger.info("stopped accepting; all connections finished")
    }

    // MARK: Listening

    /// An admitted connection: its channel, and the calls its handler passes on to be run
    /// in a task.
    private struct Accepted: Sendable {
        var channel: Channel
        var peer: PeerCredentials
        var jobs: AsyncStream<RPCConnectionHandler.Job>
    }

    /// Connections accepted but not yet handed to a connection task. When the listener
    /// closes, NIO drops connections still on their way to the accept loop; with no task
    /// to run their calls they would wait for the idle timeout, so shutdown closes them.
    private let unclaimed = NIOLockedValueBox<[ObjectIdentifier: Channel]>([:])

    private func bind() async throws -> NIOAsyncChannel<Accepted?, Never> {
        let logger = self.logger
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(AcceptErrorLogger(logger: logger), AcceptPauseHandler())
                }
            }
            .childChannelOption(.allowRemoteHalfClosure, value: true)
        let initializer: @Sendable (Channel) -> EventLoopFuture<Accepted?> = { channel in
            PeerCredentials.of(channel).flatMapThrowing { peer in try self.admit(channel, peer: peer) }
        }
        switch configuration.address.kind {
        case .inherited(let fileDescriptor, _):
            return try await bootstrap.bind(fileDescriptor, childChannelInitializer: initializer)
        case .path(let path):
            try SocketFile.prepare(path)
            // Bind under a staging name and rename into place once the mode is 0660, so no
            // client ever finds the socket with the umask's mode.
            let staging = SocketFile.stagingPath(for: path)
            unlink(staging)
            let listener = try await bootstrap.bind(unixDomainSocketPath: staging, childChannelInitializer: initializer)
            guard chmod(staging, 0o660) == 0, rename(staging, path) == 0 else {
                try? await listener.channel.close()
                unlink(staging)
                throw IOError(errnoCode: errno, reason: "cannot put the socket in place at \(path)")
            }
            return listener
        }
    }

    /// Sets up a new connection on its event loop: within the connection caps, the
    /// pipeline that serves it; past them, the refusal's reason and a close (`nil`).
    private func admit(_ channel: Channel, peer: PeerCredentials) throws -> Accepted? {
        let pipeline = channel.pipeline.syncOperations
        if case .failure(let refusal) = limiter.admit(uid: peer.uid) {
            logger.warning("connection refused", metadata: ["reason": "\(refusal.reason ?? "")", "peer": "\(peer)"])
            Counter(label: "madoguchi_connections_refused_total", dimensions: [("reason", refusal.reason ?? "")]).increment()
            var line = channel.allocator.buffer(capacity: 256)
            Response.writeLine([.error(refusal, id: .null)], asBatch: false, into: &line)
            channel.writeAndFlush(line).whenComplete { _ in channel.close(promise: nil) }
            return nil
        }
        channel.closeFuture.whenComplete { [limiter] _ in limiter.release(uid: peer.uid) }
        let (jobs, continuation) = AsyncStream.makeStream(of: RPCConnectionHandler.Job.self)
        // The buffer cap keeps a line without a newline from growing without bound.
        try pipeline.addHandler(
            ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: configuration.maximumMessageBytes))
        // After the decoder, so only complete messages count as activity.
        try pipeline.addHandler(IdleStateHandler(readTimeout: TimeAmount(configuration.idleTimeout)))
        try pipeline.addHandler(
            RPCConnectionHandler(
                dispatcher: dispatcher, peer: peer, maximumMessageBytes: configuration.maximumMessageBytes,
                maximumInFlight: configuration.maximumCallsInFlightPerConnection, jobs: continuation, gauge: gauge))
        unclaimed.withLockedValue { $0[ObjectIdentifier(channel)] = channel }
        return Accepted(channel: channel, peer: peer, jobs: jobs)
    }

    private func closeUnclaimed() async {
        let dropped = unclaimed.withLockedValue { channels in
            defer { channels.removeAll() }
            return Array(channels.values)
        }
        for channel in dropped {
            try? await channel.close()
        }
    }

    private func removeSocketFileIfOwned() {
        if case .path(let path) = configuration.address.kind { unlink(path) }
    }

    private func closeWhenIdle(_ listener: Channel, after idleExit: Duration) async throws {
        let check = min(idleExit / 4, .milliseconds(250))
        while true {
            try await Task.sleep(for: check)
            if let idleSince = limiter.idleSince, ContinuousClock.now - idleSince >= idleExit {
                logger.info("idle; exiting until the next connection", metadata: ["idle-exit": "\(idleExit)"])
                listener.close(promise: nil)
                return
            }
        }
    }

    // MARK: Connections

    /// Runs the calls of one connection that could not be answered on its event loop,
    /// concurrently, until the connection closes; never throws.
    private func serve(_ accepted: Accepted) async {
        unclaimed.withLockedValue { _ = $0.removeValue(forKey: ObjectIdentifier(accepted.channel)) }
        let (dispatcher, peer) = (dispatcher, accepted.peer)
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { calls in
                // Ends when the channel closes; the group then waits for the calls running.
                for await job in accepted.jobs {
                    calls.addTask { job.answer(await dispatcher.finish(job.message, peer: peer)) }
                }
            }
        } onGracefulShutdown: {
            // Stop reading: calls already received are still answered, then it closes.
            accepted.channel.close(mode: .input, promise: nil)
        }
        logger.debug("connection ended", metadata: ["peer": "\(peer)"])
    }
}

extension PeerCredentials {
    /// The credentials of the process at the other end of `channel`, from `SO_PEERCRED`
    /// and `SO_PEERGROUPS`.
    static func of(_ channel: Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        let credentials: EventLoopFuture<KernelUcred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        // NIO zero-fills the buffer and drops the length, so 0 marks the end; a peer in
        // more groups than fit gets ERANGE and is taken with none (it gains nothing).
        let groups: EventLoopFuture<[UInt32]> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(Self.soPeerGroups)
        ).map { (list: KernelGroups) in list.nonZero }.recover { _ in [] }
        return credentials.and(groups).map { ucred, groups in
            PeerCredentials(pid: ucred.pid, uid: ucred.uid, gid: ucred.gid, groups: groups)
        }
    }

    /// `SO_PEERGROUPS` (Linux 4.13), which Glibc's Swift module does not name.
    private static let soPeerGroups: Int32 = 59

    /// Room for 256 group ids, as `SO_PEERGROUPS` writes them.
    private struct KernelGroups: Sendable {
        var ids = InlineArray<256, UInt32>(repeating: 0)

        var nonZero: [UInt32] { ids.indices.map { ids[$0] }.filter { $0 != 0 } }
    }

    /// The layout of Linux's `struct ucred`, which Glibc's Swift module hides behind
    /// `_GNU_SOURCE`.
    private struct KernelUcred: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
