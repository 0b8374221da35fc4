import Foundation
import JSONRPC
import JSONRPCTransport
import TestSupport
import Testing

/// The Swift client: typed calls, error answers, timeouts, concurrent calls, and failing
/// pending calls when the connection drops.
@Suite struct ClientTests {
    @Test func typedCalls_decodeResults_andErrorAnswersThrowRPCError() async throws {
        try await withTestServer { path, _ in
            let client = try await RPCClient.connect(socketPath: path)
            #expect(try await client.call(Subtract.self, JSONValue.array([10, 4]).decode(as: Subtract.Params.self)) == 6)
            #expect(try await client.call(Greet.self, .init(name: "Hanako", title: "Dr.")) == "Hello, Dr. Hanako")
            do {
                _ = try await client.call(FailDomain.self)
                Issue.record("expected an error")
            } catch let error as RPCError {
                #expect(error.code == ErrorCode(2001))
                #expect(error.reason == "locked")
            }
            let untyped = try await client.call(method: "sum", params: [1, 2, 3])
            #expect(untyped == 6)
            await client.close()
        }
    }

    @Test func concurrentCalls_onOneConnection_areMatchedById() async throws {
        try await withTestServer { path, _ in
            let client = try await RPCClient.connect(socketPath: path)
            try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for index in 0..<200 {
                    group.addTask { (index, try await client.call(Sum.self, [index, 1000])) }
                }
                for try await (index, sum) in group { #expect(sum == index + 1000) }
            }
            await client.close()
        }
    }

    @Test func callWithNoAnswer_timesOut_andTheConnectionStaysUsable() async throws {
        let gate = Gate()
        try await withTestServer(gate: gate) { path, _ in
            let client = try await RPCClient.connect(socketPath: path)
            do {
                _ = try await client.call(Hold.self, timeout: .milliseconds(100))
                Issue.record("expected a timeout")
            } catch let error as RPCClientError {
                #expect(error.code == .timedOut)
            }
            await gate.open()
            #expect(try await client.call(Sum.self, [4]) == 4)
            await client.close()
        }
    }

    @Test func droppedConnection_failsEveryPendingCall() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("drop.sock")
        // A peer that reads one request and hangs up without answering.
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        _ = withUnixSocketAddress(path) { bind(listener, $0, $1) }
        listen(listener, 1)
        defer { close(listener) }
        let client = try await RPCClient.connect(socketPath: path, defaultTimeout: .seconds(30))
        let hangUp = Thread {
            let connection = accept(listener, nil, nil)
            var buffer = [UInt8](repeating: 0, count: 4096)
            _ = read(connection, &buffer, buffer.count)
            close(connection)
        }
        hangUp.start()
        let started = ContinuousClock.now
        do {
            _ = try await client.call(Sum.self, [1])
            Issue.record("expected the call to fail")
        } catch let error as RPCClientError {
            #expect(error.code == .connectionClosed)
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        do {
            _ = try await client.call(Sum.self, [1])
            Issue.record("expected the call to fail")
        } catch let error as RPCClientError {
            #expect(error.code == .connectionClosed)
        }
    }

    @Test func connectingToNothing_failsAtOnceWithAReason() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            _ = try await RPCClient.connect(socketPath: directory.file("none.sock"))
            Issue.record("expected a failure")
        } catch let error as RPCClientError {
            #expect(error.code == .connectFailed)
            #expect(error.message.contains("no socket there"))
        }
    }
}
