import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The exporter's HTTP side: `GET /metrics` answers the gathered exposition; anything
/// else 404 (or 405 for another method). HTTP/1.1 with keep-alive, as Prometheus scrapes.
struct MetricsHTTPServer: Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    let gatherer: MetricsGatherer
    let logger: Logger

    /// Serves on `listener` until the task is cancelled; each connection in a child task.
    func serve(_ listener: NIOAsyncChannel<Connection, Never>) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await listener.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { await serve(connection) }
                }
            }
        }
    }

    /// Binds `host:port`, or takes the socket systemd passed (`fileDescriptor`).
    static func listen(host: String, port: Int, inherited fileDescriptor: Int32?) async throws -> NIOAsyncChannel<Connection, Never> {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        let initializer: @Sendable (Channel) -> EventLoopFuture<Connection> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                return try Connection(wrappingChannelSynchronously: channel)
            }
        }
        if let fileDescriptor {
            return try await bootstrap.bind(fileDescriptor, childChannelInitializer: initializer)
        }
        return try await bootstrap.bind(host: host, port: port, childChannelInitializer: initializer)
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
