import Foundation
import JSONRPC
import ServiceKit
import Testing
import TestSupport

/// The real service under a low open-file hard limit (`prlimit`): it says so at start,
/// logs when it cannot accept for want of descriptors, and serves again once they free.
@Suite struct OpenFileLimitTests {
    struct Exited: Error { let log: String }

    @Test func lowOpenFileLimit_warnsAtStart_logsFailedAccepts_andServesAgainOnceConnectionsClose() async throws {
        let sandbox = try ServiceSandbox()
        defer { sandbox.remove() }
        let socket = sandbox.socketPath("auth")
        // Through a shell that first closes what the test process would pass on (other
        // tests' sockets and files, not close-on-exec), which would count against the limit.
        let closeInherited = #"cd /proc/self/fd && for fd in *; do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; cd / && exec "$@""#
        let service = try ChildProcess(
            "/bin/bash",
            ["-c", closeInherited, "close-inherited", "/usr/bin/prlimit", "--nofile=64:64", "--", Executables.path("madoguchi-auth")]
                + sandbox.serviceArguments("auth") + ["--socket", socket],
            logPath: sandbox.root.file("auth.log"))
        try await waitUntil("\(socket) to accept connections") {
            guard service.isRunning else { throw Exited(log: service.log) }
            return (try? RawSocket(path: socket)) != nil
        }
        #expect(
            service.log.contains("the open-file limit is below what --max-connections needs")
                && service.log.contains("max-connections=4096 needed=4160 open-file-limit=64"), "\(service.log)")
        #expect(!service.log.contains("cannot accept"))

        // More connections than descriptors: the kernel queues them, the service cannot
        // take them all.
        var crowd: [RawSocket] = []
        for _ in 0..<100 { crowd.append(try RawSocket(path: socket)) }
        try await waitUntil("a failed accept in the log", timeout: .seconds(10)) {
            service.log.contains("cannot accept connections: out of file descriptors")
        }
        #expect(service.log.contains("errno=EMFILE failed-accepts=1"), "\(service.log)")
        // Ten seconds on (real time: the rate limit is not a service time rule), the
        // failures since then in one line: a try a second, not a spinning event loop.
        do {
            try await waitUntil("the failed accepts' second line", timeout: .seconds(30)) {
                service.log.components(separatedBy: "cannot accept connections").count == 3
            }
        } catch {
            Issue.record("\(error) in:\n\(service.log)")
            throw error
        }
        let counted = service.log.matches(of: /errno=EMFILE failed-accepts=([0-9]+)/).last.flatMap { Int($0.1) }
        #expect(counted.map { (5...30).contains($0) } == true, "\(service.log)")

        crowd.removeAll()
        let client = try await sandbox.client("auth")
        #expect(try await client.call(ServicePing.self, timeout: .seconds(10)).service == "auth")
        await client.close()
        #expect(try await service.terminate() == 0)
    }
}
