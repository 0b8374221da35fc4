import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// The exporter's HTTP side: `GET /metrics` answers the gathered exposition; anything
/// else 404 (or 405 for another method). HTTP/1.1 with keep-alive, as Prometheus scrapes.
///
/// Anyone on the host can connect to 127.0.0.1, and each scrape asks every service: so at
/// most `limits.maximumConnections` are open at once (one more is answered 503 and
/// closed), and a connection that sends no request for `limits.idleTimeout` is closed, so
/// that idle or half-sent connections cannot keep Prometheus out.
struct MetricsHTTPServer: Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    /// How many scrape connections, and how long an idle one is kept.
    struct Limits: Sendable {
        var maximumConnections = 8
        var idleTimeout: Duration = .seconds(120)
    }

    let gatherer: MetricsGatherer
    let logger: Logger

    /// Serves on `listener` until the task is cancelled; each connection in a child task.
    func serve(_ listener: NIOAsyncChannel<Connection?, Never>) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await listener.executeThenClose { connections in
                for try await connection in connections {
                    guard let connection else { continue }  // refused past the cap
                    group.addTask { await serve(connection) }
                }
            }
        }
    }

    /// Binds `host:port`, or takes the socket systemd passed (`fileDescriptor`).
    static func listen(
        host: String, port: Int, inherited fileDescriptor: Int32?, limits: Limits, logger: Logger
    ) async throws -> NIOAsyncChannel<Connection?, Never> {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        // Open connections, and whether the cap has refused one since a slot last freed
        // (logged once per such incident, not per refused connection).
        let state = NIOLockedValueBox((open: 0, refusing: false))
        let initializer: @Sendable (Channel) -> EventLoopFuture<Connection?> = { channel in
            channel.eventLoop.makeCompletedFuture {
                let (admitted, firstRefusal) = state.withLockedValue { state -> (Bool, Bool) in
                    guard state.open < limits.maximumConnections else {
                        defer { state.refusing = true }
                        return (false, !state.refusing)
                    }
                    state.open += 1
                    return (true, false)
                }
                guard admitted else {
                    if firstRefusal {
                        logger.warning(
                            "scrape connections refused: too many open", metadata: ["limit": "\(limits.maximumConnections)"])
                    }
                    refuse(channel)
                    return nil
                }
                channel.closeFuture.whenComplete { _ in
                    state.withLockedValue { state in
                        state.open -= 1
                        state.refusing = false
                    }
                }
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                // After the decoder: only whole request parts count as activity.
                try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: TimeAmount(limits.idleTimeout)))
                try channel.pipeline.syncOperations.addHandler(IdleConnectionCloser())
                return try Connection(wrappingChannelSynchronously: channel)
            }
        }
        if let fileDescriptor {
            return try await bootstrap.bind(fileDescriptor, childChannelInitializer: initializer)
        }
        return try await bootstrap.bind(host: host, port: port, childChannelInitializer: initializer)
    }

    /// A connection past the cap: 503, then closed.
    private static func refuse(_ channel: Channel) {
        let text = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"
        channel.writeAndFlush(channel.allocator.buffer(string: text)).whenComplete { _ in channel.close(promise: nil) }
    }

    private func serve(_ connection: Connection) async {
        do {
            try await connection.executeThenClose { requests, responses in
                var head: HTTPRequestHead?
                for try await part in requests {
                    switch part {
                    case .head(let request): head = request
                    case .body: continue
                    case .end:
                        guard let request = head else { continue }
                        let (status, body) = await answer(request)
                        var headers = HTTPHeaders()
                        headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
                        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
                        try await responses.write(.head(HTTPResponseHead(version: request.version, status: status, headers: headers)))
                        // HEAD: the headers a GET would get, no body.
                        if request.method != .HEAD { try await responses.write(.body(.byteBuffer(ByteBuffer(string: body)))) }
                        try await responses.write(.end(nil))
                        if !request.isKeepAlive { return }
                    }
                }
            }
        } catch {
            logger.debug("scrape connection ended", metadata: ["error": "\(error)"])
        }
    }

    private func answer(_ request: HTTPRequestHead) async -> (HTTPResponseStatus, String) {
        guard request.uri == "/metrics" || request.uri.hasPrefix("/metrics?") else { return (.notFound, "Only /metrics is here.\n") }
        guard request.method == .GET || request.method == .HEAD else { return (.methodNotAllowed, "GET /metrics.\n") }
        return (.ok, await gatherer.gather())
    }
}

/// Closes a connection when its `IdleStateHandler` reports no read for its timeout.
private final class IdleConnectionCloser: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
