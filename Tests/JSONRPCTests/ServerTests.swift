import Foundation
import JSONRPC
import JSONRPCTransport
import ServiceLifecycle
import TestSupport
import Testing

/// The server over real Unix sockets: framing, pipelining, half-close, limits, hostile
/// input and shutdown.
@Suite struct ServerTests {
    let ping = #"{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1}"#

    @Test func pipelinedRequests_areEachAnsweredOnce_matchedByID() async throws {
        try await withTestServer { path, _ in
            try await blocking {
                let socket = try RawSocket(path: path)
                let batch = (1...50).map { #"{"jsonrpc":"2.0","method":"sum","params":[\#($0),1],"id":\#($0)}"# + "\n" }
                socket.send(batch.joined())
                // Answers leave as their calls complete, so they are matched by id.
                var answers: [Int: String] = [:]
                for _ in 1...50 {
                    let line = try #require(try socket.readLine())
                    let id = try #require(JSONValue.parse(Data(line.utf8))["id"].flatMap { if case .int(let id) = $0 { Int(id) } else { nil } })
                    answers[id] = line
                }
                for index in 1...50 {
                    #expect(GoldenJSON.matches(answers[index], #"{"jsonrpc":"2.0","id":\#(index),"result":\#(index + 1)}"#))
                }
            }
        }
    }

    @Test func byteAtATimeInput_isFramedIntoWholeMessages() async throws {
        try await withTestServer { path, _ in
            try await blocking {
                let socket = try RawSocket(path: path)
                for byte in Array((ping + "\n" + ping + "\r\n").utf8) { socket.send([byte]) }
                #expect(GoldenJSON.matches(try socket.readLine(), #"{"jsonrpc":"2.0","id":1,"result":3}"#))
                #expect(GoldenJSON.matches(try socket.readLine(), #"{"jsonrpc":"2.0","id":1,"result":3}"#))
            }
        }
    }

    @Test func halfClosedClient_stillGetsEveryAnswer_evenForALastLineWithoutNewline() async throws {
        try await withTestServer { path, _ in
            try await blocking {
                let socket = try RawSocket(path: path)
                socket.send(ping + "\n" + #"{"jsonrpc":"2.0","method":"sum","params":[5],"id":2}"#)
                socket.shutdownWrite()
                // In either order: each answer leaves when its call completes.
                let answers = [try socket.readLine(), try socket.readLine()].compactMap { $0 }.sorted()
                #expect(answers.count == 2)
                #expect(GoldenJSON.matches(answers.first, #"{"jsonrpc":"2.0","id":1,"result":3}"#))
                #expect(GoldenJSON.matches(answers.last, #"{"jsonrpc":"2.0","id":2,"result":5}"#))
                #expect(try socket.readLine() == nil)
            }
        }
    }

    @Test func peerCredentials_areTheCallingProcesses() async throws {
        try await withTestServer { path, _ in
            let client = try await RPCClient.connect(socketPath: path)
            let peer = try await client.call(WhoAmI.self)
            #expect(peer.pid == getpid())
            #expect(peer.uid == getuid())
            #expect(peer.gid == getgid())
            await client.close()
        }
    }

    @Test func fourMebibyteLine_isRefusedAndClosed_whileOthersAreServed() async throws {
        try await withTestServer { path, _ in
            try await blocking {
                let other = try RawSocket(path: path)
                let hostile = try RawSocket(path: path)
                let huge = #"{"jsonrpc":"2.0","method":"greet","params":{"name":""# + String(repeating: "x", count: 4 << 20)
                hostile.send(huge + #""},"id":1}"# + "\n")
                // The error line, or a reset that overtook it (Linux resets a Unix socket
                // closed with unread input).
                let refusal = try hostile.readLine()
                #expect(refusal == nil || refusal?.contains(#""code":-32001"#) == true, "\(refusal ?? "")")
                #expect(refusal == nil || refusal?.contains("message_too_large") == true)
                #expect(try hostile.waitForClose())
                other.send(ping + "\n")
                #expect(GoldenJSON.matches(try other.readLine(), #"{"jsonrpc":"2.0","id":1,"result":3}"#))
            }
        }
    }

    @Test func messageJustUnderTheLimit_isServed() async throws {
        try await withTestServer(configure: { $0.maximumMessageBytes = 64 * 1024 }) { path, _ in
            try await blocking {
                let socket = try RawSocket(path: path)
                let prefix = #"{"jsonrpc":"2.0","method":"greet","params":{"name":""#
                let suffix = #""},"id":1}"#
                let name = String(repeating: "y", count: 64 * 1024 - prefix.utf8.count - suffix.utf8.count)
                socket.send(prefix + name + suffix + "\n")
                #expect(try socket.readLine()?.contains("Hello, yyy") == true)
            }
        }
    }

    @Test func garbage_getsErrorsAndTheConnectionKeepsWorking() async throws {
        try await withTestServer { path, _ in
            try await blocking {
                let socket = try RawSocket(path: path)
                socket.send("{not json\n")
                #expect(try socket.readLine()?.contains("-32700") == true)
                socket.send([0xFF, 0xFE, 0x00, 0x80, 0x0A])
                #expect(try socket.readLine()?.contains("-32700") == true)
                socket.send(String(repeating: "[", count: 100_000) + "\n")
                #expect(try socket.readLine()?.contains("-32700") == true)
                socket.send(String(repeating: "{\"a\":", count: 50_000) + "\n")
                #expect(try socket.readLine()?.contains("-32700") == true)
                socket.send(ping + "\n")
                #expect(GoldenJSON.matches(try socket.readLine(), #"{"jsonrpc":"2.0","id":1,"result":3}"#))
            }
        }
    }

    @Test func stalledMidMessage_isClosedAfterTheIdleTimeout_othersUnaffected() async throws {
        // One second: short enough to wait for, long enough that a loaded machine still
        // answers the well-behaved client inside it. The close is waited for up to 30 s:
        // twice in a full run on this 2-core machine (four multi-process tests at once) it
        // had not come within 10 s; why is not known (see the note of 2026-12-02).
        try await withTestServer(configure: { $0.idleTimeout = .seconds(1) }) { path, _ in
            try await blocking {
                let stalled = try RawSocket(path: path, readTimeout: .seconds(30))
                stalled.send(#"{"jsonrpc":"2.0","meth"#)
                let other = try RawSocket(path: path)
                other.send(ping + "\n")
                #expect(GoldenJSON.matches(try other.readLine(), #"{"jsonrpc":"2.0","id":1,"result":3}"#))
                #expect(try stalled.waitForClose())
            }
        }
    }

    /// Idle means no message and none being answered: a call that takes longer than the
    /// idle timeout (a large import's commit) still gets its answer.
    @Test func callLongerThanTheIdleTimeout_isStillAnswered() async throws {
        let gate = Gate()
        // One second, as above: a loaded machine still delivers the call well inside it.
        try await withTestServer(gate: gate, configure: { $0.idleTimeout = .seconds(1) }) { path, _ in
            let client = try await RPCClient.connect(socketPath: path, defaultTimeout: .seconds(30))
            async let answer = client.call(Hold.self)
            try await waitUntil("the call to arrive") { await gate.arrivals == 1 }
            // Two idle periods pass while the call is in flight.
            try await Task.sleep(for: .milliseconds(2_500))
            await gate.open()
            #expect(try await answer == "released")
            await client.close()
        }
    }

    @Test func connectionsBeyondThePerUIDCap_areRefusedWithAReason() async throws {
        try await withTestServer(configure: { $0.maximumConnectionsPerUID = 2 }) { path, server in
            try await blocking {
                let first = try RawSocket(path: path)
                let second = try RawSocket(path: path)
                first.send(ping + "\n")
                second.send(ping + "\n")
                _ = try first.readLine()
                _ = try second.readLine()
                let third = try RawSocket(path: path)
                let refusal = try third.readLine()
                #expect(refusal?.contains("-32002") == true)
                #expect(refusal?.contains("connection_limit_per_user") == true)
                #expect(try third.waitForClose())
                first.send(ping + "\n")
                #expect(try first.readLine() != nil)
            }
            #expect(server.openConnections <= 2)
        }
    }

    @Test func connectionsBeyondTheTotalCap_areRefused_andASlotFreesOnClose() async throws {
        try await withTestServer(configure: { $0.maximumConnections = 1 }) { path, server in
            try await blocking {
                var first: RawSocket? = try RawSocket(path: path)
                first?.send(ping + "\n")
                _ = try first?.readLine()
                let second = try RawSocket(path: path)
                #expect(try second.readLine()?.contains("\"connection_limit\"") == true)
                first = nil  // closes
            }
            try await waitUntil("the slot to free") { server.openConnections == 0 }
            try await blocking {
                let third = try RawSocket(path: path)
                third.send(ping + "\n")
                #expect(GoldenJSON.matches(try third.readLine(), #"{"jsonrpc":"2.0","id":1,"result":3}"#))
            }
        }
    }

    @Test func gracefulShutdown_finishesTheCallInFlight_thenStops() async throws {
        let gate = Gate()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("shutdown.sock")
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        let server = RPCServer(
            configuration: .init(address: .path(path)),
            dispatcher: Dispatcher(registry: testRegistry(gate: gate), logger: .init(label: "shutdown")),
            logger: .init(label: "shutdown"), onReady: { readyContinuation.yield() })
        let group = ServiceGroup(services: [server], logger: .init(label: "shutdown"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for await _ in ready { break }
            let client = try await RPCClient.connect(socketPath: path)
            async let answer = client.call(Hold.self)
            try await waitUntil("the call to arrive") { await gate.arrivals == 1 }
            await group.triggerGracefulShutdown()
            try await waitUntil("the server to stop accepting") { (try? RawSocket(path: path)) == nil }
            await gate.open()
            #expect(try await answer == "released")
            try await tasks.waitForAll()
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func idleExit_stopsTheServerWhenNoConnectionIsOpen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("idle.sock")
        var configuration = RPCServer.Configuration(address: .path(path))
        configuration.idleExit = .milliseconds(200)
        let server = RPCServer(
            configuration: configuration,
            dispatcher: Dispatcher(registry: testRegistry(), logger: .init(label: "idle")), logger: .init(label: "idle"))
        try await server.run()  // returns by itself
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
