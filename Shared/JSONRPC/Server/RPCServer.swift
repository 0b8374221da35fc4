import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOFoundationCompat
import NIOPosix
import ServiceLifecycle

/// A JSON-RPC 2.0 server on a Unix stream socket: one JSON value per line each way,
/// pipelined requests answered in order, many connections at once.
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

    /// - Parameters:
    ///   - onReady: called once the socket accepts connections (e.g. to notify systemd).
    ///   - onStopping: called when graceful shutdown begins.
    public init(
        configuration: Configuration,
        dispatcher: Dispatcher,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
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
                            connections.addTask { await self.handle(accepted) }
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

    private typealias Accepted = (channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, peer: PeerCredentials)

    /// Connections accepted but not yet handed to a connection task. When the listener
    /// closes, NIO drops connections still on their way to the accept loop, and an unused
    /// `NIOAsyncChannel` must not be dropped (a precondition failure); holding them here
    /// lets shutdown close them properly instead.
    private let unclaimed = NIOLockedValueBox<[ObjectIdentifier: NIOAsyncChannel<ByteBuffer, ByteBuffer>]>([:])

    private func bind() async throws -> NIOAsyncChannel<Accepted, Never> {
        let logger = self.logger
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(AcceptErrorLogger(logger: logger), AcceptPauseHandler())
                }
            }
            .childChannelOption(.allowRemoteHalfClosure, value: true)
        let maximumMessageBytes = configuration.maximumMessageBytes
        let idleTimeout = configuration.idleTimeout
        let initializer: @Sendable (Channel) -> EventLoopFuture<Accepted> = { channel in
            PeerCredentials.of(channel).flatMapThrowing { peer in
                let pipeline = channel.pipeline.syncOperations
                // The buffer cap keeps a line without a newline from growing without bound.
                try pipeline.addHandler(
                    ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: maximumMessageBytes))
                // After the decoder, so only complete messages count as activity.
                try pipeline.addHandler(IdleStateHandler(readTimeout: TimeAmount(idleTimeout)))
                try pipeline.addHandler(CloseOnIdleHandler())
                let asyncChannel = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                self.unclaimed.withLockedValue { $0[ObjectIdentifier(channel)] = asyncChannel }
                return (asyncChannel, peer)
            }
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

    private func closeUnclaimed() async {
        let dropped = unclaimed.withLockedValue { channels in
            defer { channels.removeAll() }
            return Array(channels.values)
        }
        for channel in dropped {
            try? await channel.executeThenClose { _, _ in }
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

    private func handle(_ accepted: Accepted) async {
        unclaimed.withLockedValue { _ = $0.removeValue(forKey: ObjectIdentifier(accepted.channel.channel)) }
        let uid = accepted.peer.uid
        switch limiter.admit(uid: uid) {
        case .failure(let refusal):
            logger.warning("connection refused", metadata: ["reason": "\(refusal.reason ?? "")", "peer": "\(accepted.peer)"])
            try? await accepted.channel.executeThenClose { _, outbound in
                try await outbound.write(ByteBuffer(data: Response.line(for: [.error(refusal, id: .null)], asBatch: false)))
            }
        case .success:
            defer { limiter.release(uid: uid) }
            await withGracefulShutdownHandler {
                await serve(accepted.channel, peer: accepted.peer)
            } onGracefulShutdown: {
                // Stop reading: calls already received are still answered, then it closes.
                accepted.channel.channel.close(mode: .input, promise: nil)
            }
        }
    }

    /// Serves one connection until the peer closes it or an error ends it; never throws.
    private func serve(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, peer: PeerCredentials) async {
        let limit = configuration.maximumMessageBytes
        do {
            try await channel.executeThenClose { inbound, outbound in
                func answer(_ frame: ByteBuffer) async throws {
                    guard frame.readableBytes <= limit else { throw ByteToMessageDecoderError.PayloadTooLargeError() }
                    if let reply = await dispatcher.reply(to: Data(buffer: frame, byteTransferStrategy: .noCopy), peer: peer) {
                        try await outbound.write(ByteBuffer(data: reply))
                    }
                    channel.channel.triggerUserOutboundEvent(MessageAnswered(), promise: nil)
                }
                do {
                    for try await frame in inbound { try await answer(frame) }
                } catch let leftOver as NIOExtrasErrors.LeftOverBytesError {
                    // The peer closed after a last message with no newline: answer it anyway.
                    try await answer(leftOver.leftOverBytes)
                } catch is ByteToMessageDecoderError.PayloadTooLargeError {
                    let error = RPCError(
                        code: .messageTooLarge, message: "Message exceeds \(limit) bytes; closing the connection.",
                        reason: "message_too_large", details: ["limit": .int(Int64(limit))])
                    try await outbound.write(ByteBuffer(data: Response.line(for: [.error(error, id: .null)], asBatch: false)))
                }
            }
        } catch {
            logger.debug("connection ended", metadata: ["error": "\(error)", "peer": "\(peer)"])
        }
    }
}

/// Closes a connection when `IdleStateHandler` reports no read for its timeout — but not
/// while a message it sent is still being answered: a long call (a million-row import's
/// commit) is not an idle client, and closing would lose its answer. A client that stops
/// reading its replies is closed all the same once they back up (see below).
private final class CloseOnIdleHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Messages read and not yet answered (confined to the channel's event loop).
    private var inFlight = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inFlight += 1
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        if event is MessageAnswered {
            inFlight = max(0, inFlight - 1)
            promise?.succeed()
        } else {
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            // A call still being worked on keeps the connection, but not one whose reply
            // cannot leave because the client reads none: unread replies that fill the
            // socket make the channel unwritable, and then an idle timeout ends it.
            if inFlight == 0 || !context.channel.isWritable { context.close(promise: nil) }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

/// Sent down the pipeline once a message has been handled (answered, or a notification).
private struct MessageAnswered {}

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
