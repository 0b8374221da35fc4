import Foundation
import JSONRPC
import JSONRPCTransport
import Logging
import ServiceLifecycle
import TestSupport

/// Runs an `RPCServer` in-process on a fresh socket for the duration of `body`, then shuts
/// it down gracefully and waits for it to finish.
func withTestServer<T: Sendable>(
    gate: Gate = Gate(),
    bigCount: BigCount = BigCount(),
    configure: (inout RPCServer.Configuration) -> Void = { _ in },
    _ body: @Sendable (_ socketPath: String, _ server: RPCServer) async throws -> T
) async throws -> T {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let path = directory.file("test.sock")
    var configuration = RPCServer.Configuration(address: .path(path))
    configure(&configuration)
    let boundPath = configuration.address.path ?? path
    let logger = Logger(label: "test-server")
    let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
    let server = RPCServer(
        configuration: configuration, dispatcher: Dispatcher(registry: testRegistry(gate: gate, bigCount: bigCount), logger: logger),
        logger: logger, onReady: { readyContinuation.yield() })
    let group = ServiceGroup(services: [server], logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ready.makeAsyncIterator()
        _ = await iterator.next()
        do {
            let result = try await body(boundPath, server)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}
