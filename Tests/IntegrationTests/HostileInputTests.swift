import Foundation
import JSONRPC
import ServiceKit
import Testing
import TestSupport

/// Hostile input against a running service process: each gets an error or a closed
/// connection, and the service keeps serving a well-behaved client throughout.
@Suite struct HostileInputTests {
    let ping = #"{"jsonrpc":"2.0","method":"service.ping","id":1}"#

    @Test func hostileClients_neverStopTheServiceFromServingOthers() async throws {
        let sandbox = try ServiceSandbox()
        defer { sandbox.remove() }
        let process = try await sandbox.startActivated("auth", extraArguments: ["--idle-timeout", "1"])
        let path = sandbox.socketPath("auth")
        // A fresh well-behaved client for each check: the 1 s idle timeout closes idle ones.
        func wellBehavedPing() async throws -> String {
            let client = try await sandbox.client("auth")
            defer { Task { await client.close() } }
            return try await client.call(ServicePing.self).service
        }
        let ping = self.ping

        try await blocking {
            let socket = try RawSocket(path: path)
            socket.send("{\"jsonrpc\": \"2.0\", \"method\": \"service.ping\", \"id\": 1\n")  // truncated JSON
            #expect(try socket.readLine()?.contains("-32700") == true)
            socket.send([0x7B, 0xC3, 0x28, 0xFF, 0xFE, 0x7D, 0x0A])  // invalid UTF-8
            #expect(try socket.readLine()?.contains("-32700") == true)
            socket.send(String(repeating: "[", count: 100_000) + "\n")
            #expect(try socket.readLine()?.contains("-32700") == true)
            socket.send(#"{"jsonrpc":"2.0","method":"service.ping","params":{"n":1e999999},"id":2}"# + "\n")
            #expect(try socket.readLine()?.contains("\"error\"") == true)
            socket.send(#"{"jsonrpc":"2.0","method":"service.ping","params":{"x":"# + String(repeating: "9", count: 500_000) + "},\"id\":3}\n")
            #expect(try socket.readLine()?.contains("\"error\"") == true)
            socket.send(#"{"jsonrpc":"2.0","method":"service.info","params":{"unknown":true},"id":4}"# + "\n")
            #expect(try socket.readLine()?.contains("unknown_member") == true)
            socket.send(ping + "\n")
            #expect(try socket.readLine()?.contains(#""service":"auth""#) == true)
        }
        #expect(try await wellBehavedPing() == "auth")

        // A 4 MiB line: refused with an error, then closed.
        try await blocking {
            let socket = try RawSocket(path: path)
            socket.send(String(repeating: "a", count: 4 << 20) + "\n")
            // The error line, or a reset: Linux resets a Unix socket closed with unread
            // input, which can overtake the line (see the README on message limits).
            let reply = try socket.readLine()
            #expect(reply == nil || reply?.contains("message_too_large") == true, "\(reply ?? "")")
            #expect(try socket.waitForClose())
        }
        #expect(try await wellBehavedPing() == "auth")

        // A client that stalls mid-message is closed after the idle timeout, while the
        // well-behaved client is answered as usual in the meantime.
        let stalled = try await blocking { () -> Bool in
            let socket = try RawSocket(path: path, readTimeout: .seconds(10))
            socket.send(#"{"jsonrpc":"2.0","method":"serv"#)
            return try socket.waitForClose()
        }
        #expect(stalled)
        #expect(try await wellBehavedPing() == "auth")
        #expect(process.isRunning)
        #expect(try await process.terminate() == 0)
    }

    @Test func manyConnectionsAtOnce_areAllServed() async throws {
        let sandbox = try ServiceSandbox()
        defer { sandbox.remove() }
        let process = try await sandbox.startBound("billing")
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    let client = try await sandbox.client("billing")
                    defer { Task { await client.close() } }
                    return try await client.call(ServicePing.self).service
                }
            }
            for try await name in group { #expect(name == "billing") }
        }
        #expect(try await process.terminate() == 0)
    }
}
