import Foundation
import JSONRPC
import ServiceKit
import TestSupport
import Testing

/// What a service tells systemd (sd_notify) and how it logs to the journal, checked with
/// the real libsystemd calls against sockets and files the test holds.
@Suite(.sandboxed) struct SystemdProtocolTests {
    @Test func notifiesReadyWatchdogAndStopping() async throws {
        let sandbox = try ServiceSandbox()
        let notify = try NotifySocket(path: sandbox.root.file("notify"))
        let process = try await sandbox.startBound(
            "linking", environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "200000"], waitForSocket: false)
        let ready = try await blocking { try notify.receive(until: "READY=1") }
        #expect(ready.last?.contains("STATUS=Serving on") == true)
        _ = try await blocking { try notify.receive(until: "WATCHDOG=1") }
        _ = try await blocking { try notify.receive(until: "WATCHDOG=1") }
        process.signal(SIGTERM)
        _ = try await blocking { try notify.receive(until: "STOPPING=1") }
        #expect(try await process.waitForExit() == 0)
    }

    @Test func logsCarryJournalPriorities_whenStderrIsTheJournal() async throws {
        let sandbox = try ServiceSandbox()
        let logPath = sandbox.root.file("journal.log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        var status = stat()
        stat(logPath, &status)
        let process = try ChildProcess(
            Executables.path("madoguchi-auth"),
            sandbox.serviceArguments("auth") + ["--socket", sandbox.socketPath("auth")],
            logPath: logPath, environment: ["JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino)"])
        try await waitUntil("the socket") { (try? RawSocket(path: sandbox.socketPath("auth"))) != nil }
        #expect(try await process.terminate() == 0)
        let lines = process.log.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix("<") && $0.dropFirst(2).hasPrefix(">") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("<4>using the TEST clock") })
        #expect(lines.contains { $0.hasPrefix("<6>listening") })
    }

    @Test func logsAreReadableText_whenStderrIsNotTheJournal() async throws {
        let sandbox = try ServiceSandbox()
        let process = try await sandbox.startBound("auth", environment: ["JOURNAL_STREAM": "1:1"])
        #expect(try await process.terminate() == 0)
        #expect(process.log.contains(" info madoguchi-auth: listening"))
        #expect(!process.log.contains("<6>"))
    }
}
