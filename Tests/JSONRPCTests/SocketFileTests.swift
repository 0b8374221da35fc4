import Foundation
import JSONRPC
import JSONRPCTransport
import Logging
import ServiceLifecycle
import TestSupport
import Testing

/// Binding a socket path: a stale file is replaced, a live socket is never stolen, and a
/// file that is not a socket is never removed.
@Suite struct SocketFileTests {
    func server(at path: String) -> RPCServer {
        RPCServer(
            configuration: .init(address: .path(path)),
            dispatcher: Dispatcher(registry: testRegistry(), logger: .init(label: "bind")), logger: .init(label: "bind"))
    }

    @Test func staleSocketFile_isReplaced() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("stale.sock")
        try makeStaleSocket(at: path)
        try await withTestServer(configure: { $0.address = .path(path) }) { path, _ in
            let client = try await RPCClient.connect(socketPath: path)
            #expect(try await client.call(Sum.self, [2, 3]) == 5)
            await client.close()
        }
    }

    @Test func liveSocket_isNotTakenOver() async throws {
        try await withTestServer { path, _ in
            await #expect(throws: (any Error).self) { try await server(at: path).run() }
            // The first server still answers on its socket.
            let client = try await RPCClient.connect(socketPath: path)
            #expect(try await client.call(Sum.self, [1, 1]) == 2)
            await client.close()
        }
    }

    @Test func regularFile_isNeverRemoved() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("precious.sock")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: path))
        await #expect(throws: (any Error).self) { try await server(at: path).run() }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
    }

    /// Binds a socket and closes it without unlinking: what a killed process leaves.
    private func makeStaleSocket(at path: String) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let bound = withUnixSocketAddress(path) { bind(descriptor, $0, $1) }
        close(descriptor)
        #expect(bound == 0)
        #expect(FileManager.default.fileExists(atPath: path))
    }
}
