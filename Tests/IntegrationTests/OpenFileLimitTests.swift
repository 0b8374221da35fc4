import Foundation
import JSONRPC
import ServiceContract
import ServiceKit
import TestSupport
import Testing

/// The real service under a low open-file hard limit (`prlimit`): it serves no more
/// connections than the limit has room for, so that it never runs out of descriptors —
/// a Swift process that does can be stopped by libdispatch, which needs a descriptor to
/// watch its threads (`ProcessLimits.connectionsAffordable`).
@Suite(.sandboxed) struct OpenFileLimitTests {
    struct Exited: Error { let log: String }

    @Test func lowOpenFileLimit_capsConnectionsToWhatItHasRoomFor_refusesThePastThem_andNeverRunsOut() async throws {
        let sandbox = try ServiceSandbox()
        let socket = sandbox.socketPath("auth")
        let service = try Self.start(sandbox, openFileLimit: 128)
        try await waitUntil("\(socket) to accept connections") {
            guard service.isRunning else { throw Exited(log: service.log) }
            return (try? RawSocket(path: socket)) != nil
        }
        // Auth calls no peer and keeps SQLite: 128 less the reserve of 64.
        #expect(
            service.log.contains("the open-file limit leaves room for fewer connections than --max-connections")
                && service.log.contains("max-connections=4096 needed=4160 open-file-limit=128 serving-at-most=64"),
            "\(service.log)")

        // More connections than that: the first 64 are served, the rest get the cap's
        // answer and are closed; no accept ever fails for want of a descriptor.
        var crowd: [RawSocket] = []
        for _ in 0..<100 { crowd.append(try RawSocket(path: socket)) }
        var served = 0
        var refused = 0
        for connection in crowd {
            // A refused connection may be closed already: its answer is still there to read.
            _ = connection.send(#"{"jsonrpc":"2.0","id":1,"method":"service.ping"}"# + "\n")
            let answer = try connection.readLine() ?? "(closed)"
            if answer.contains(#""service":"auth""#) {
                served += 1
            } else if answer.contains(#""reason":"connection_limit""#) {
                refused += 1
                #expect(try connection.waitForClose())
            } else {
                Issue.record("neither served nor refused: \(answer)")
            }
        }
        // 63 when the probe's connection above was not yet seen closed.
        #expect((63...64).contains(served) && served + refused == 100, "served \(served), refused \(refused)")
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(service.pid)/fd").count
        #expect(descriptors < 128, "\(descriptors) descriptors open")
        #expect(!service.log.contains("cannot accept"), "\(service.log)")

        crowd.removeAll()
        let client = try await sandbox.client("auth")
        #expect(try await client.call(ServicePing.self, timeout: .seconds(10)).service == "auth")
        await client.close()
        #expect(try await service.terminate() == 0)
    }

    @Test func anOpenFileLimitWithNoRoomForAConnection_refusesToStart_havingWrittenNothing() async throws {
        let sandbox = try ServiceSandbox()
        let service = try Self.start(sandbox, openFileLimit: 64)
        #expect(try await service.waitForExit() == StartupRefusal.exitCode)
        #expect(
            service.log.contains("the open-file limit (64) leaves no room for a connection beside the service's own 64 descriptors: raise LimitNOFILE="),
            "\(service.log)")
        // Refused before any state was opened: no database, no development key.
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.root.file("auth")).isEmpty)
    }

    /// Auth under `prlimit --nofile=limit:limit`, through a shell that first closes what
    /// the test process would pass on (other tests' sockets and files, not close-on-exec),
    /// which would count against the limit.
    private static func start(_ sandbox: ServiceSandbox, openFileLimit: Int) throws -> ChildProcess {
        let closeInherited = #"cd /proc/self/fd && for fd in *; do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; cd / && exec "$@""#
        return try ChildProcess(
            "/bin/bash",
            ["-c", closeInherited, "close-inherited", "/usr/bin/prlimit", "--nofile=\(openFileLimit):\(openFileLimit)", "--",
             Executables.path("madoguchi-auth")]
                + sandbox.serviceArguments("auth") + ["--socket", sandbox.socketPath("auth")],
            logPath: sandbox.root.file("auth.log"))
    }
}
