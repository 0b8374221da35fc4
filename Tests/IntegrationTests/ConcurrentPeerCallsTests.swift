import AuthAPI
import Foundation
import JSONRPC
import LinesAPI
import ServiceContract
import ServiceKit
import TestSupport
import Testing

/// Calls between real service processes run concurrently: a call waiting on a peer does
/// not hold back a fast one sent after it on the same connection, and calls that reach
/// the peer together are worked on together there.
@Suite(.sandboxed) struct ConcurrentPeerCallsTests {
    @Test func aCallWaitingOnAHungPeer_doesNotDelayAPingBehindIt() async throws {
        let fixture = try await LinesFixture(linesArguments: ["--peer-timeout", "2"], authBound: true)
        let params = String(decoding: try JSONCoding.encoder.encode(LineStatus.Params(access: LinesFixture.byPIN())), as: UTF8.self)
        let socket = try RawSocket(path: fixture.sandbox.socketPath("lines"), readTimeout: .seconds(20))
        // Lines and its connection to auth are up before auth stops.
        socket.send(#"{"jsonrpc":"2.0","id":1,"method":"line.status","params":\#(params)}"# + "\n")
        #expect(try await blocking { try socket.readLine() }?.contains(#""result""#) == true)

        try await fixture.auth.stop()
        socket.send(#"{"jsonrpc":"2.0","id":2,"method":"line.status","params":\#(params)}"# + "\n")
        socket.send(#"{"jsonrpc":"2.0","id":3,"method":"service.ping"}"# + "\n")
        // The status cannot be answered while auth is stopped (until lines gives up on
        // it): the ping's answer comes first.
        let first = try await blocking { try socket.readLine() }
        #expect(first?.hasPrefix(#"{"jsonrpc":"2.0","id":3,"result":"#) == true, "\(first ?? "nothing")")
        let second = try await blocking { try socket.readLine() }
        #expect(
            second?.hasPrefix(#"{"jsonrpc":"2.0","id":2,"error":"#) == true && second?.contains("unavailable") == true,
            "\(second ?? "nothing") with auth's threads in states \(fixture.auth.threadStates)")
        fixture.auth.resume()
        try await fixture.stop()
    }

    @Test func callsThatReachAPeerTogether_areWorkedOnTogetherThere() async throws {
        // One connection from lines to auth: the eight calls share it, as they would
        // share any one connection of a pool, and auth still works on them together.
        let fixture = try await LinesFixture(linesArguments: ["--peer-connections", "1", "--peer-timeout", "2"], authBound: true)
        let lines = try await fixture.sandbox.client("lines", timeout: .seconds(30))
        let auth = try await fixture.sandbox.client("auth")
        _ = try await lines.call(LineStatus.self, .init(access: LinesFixture.byPIN()))

        // Eight PIN checks wait in auth's socket while it is stopped, then reach it at once.
        try await fixture.auth.stop()
        let checks = Task {
            try await withThrowingTaskGroup(of: String.self) { group in
                for line in Array(repeating: [LinesFixture.voice, LinesFixture.otherVoice], count: 4).joined() {
                    group.addTask { try await lines.call(LineStatus.self, .init(access: LinesFixture.byPIN(line))).phoneNumber }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        // Nine with the question itself.
        try await waitUntil("eight calls to wait on auth") {
            let watcher = try await fixture.sandbox.client("lines")
            defer { Task { await watcher.close() } }
            return try await watcher.call(ServiceInfo.self).callsInFlight >= 9
        }
        fixture.auth.resume()
        let answered = try await checks.value
        #expect(answered.sorted() == Array(repeating: [LinesFixture.voice, LinesFixture.otherVoice], count: 4).joined().sorted())
        let peak = try await auth.call(ServiceInfo.self).peakCallsInFlight
        // Served one at a time, as before, the peak would be 1; how many of the eight
        // arrive in one read depends on when lines wrote them.
        #expect(peak >= 2, "auth had at most \(peak) calls in flight at once")
        await lines.close()
        await auth.close()
        try await fixture.stop()
    }
}
