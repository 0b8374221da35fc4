import Foundation
import TestSupport
import Testing

/// A secret typed at a terminal is asked for and never shown; from a pipe it is read
/// without a prompt (the other tests).
@Suite(.sandboxed) struct SecretPromptTests {
    @Test func madoctlLogin_onATerminal_promptsForThePIN_withEchoOff_andRestoresEcho() async throws {
        let sandbox = try ServiceSandbox()
        _ = try await sandbox.startActivated("auth")
        #expect(try await sandbox.madoctl(["pin", "set", "line:09012345678"], input: "4821\n").status == 0)

        let terminal = try PseudoTerminal()
        #expect(terminal.echoes)
        let madoctl = try ChildProcess(
            Executables.path("madoctl"), ["login", "--phone", "09012345678"], terminal: terminal.path,
            environment: ["MADOGUCHI_RUNTIME_DIR": sandbox.runtimeDirectory])
        let prompt = try await terminal.read { $0.contains("Network PIN: ") }
        #expect(prompt.hasSuffix("Network PIN: "), "\(prompt)")
        try await waitUntil("echo to be off") { !terminal.echoes }
        terminal.type("4821\n")
        let shown = try await terminal.read { $0.contains("until 2026-11-21T12:30:00+09:00") }
        #expect(try await madoctl.waitForExit() == 0, "\(shown)")
        #expect(shown.contains("line:09012345678 until 2026-11-21T12:30:00+09:00"), "\(shown)")
        #expect(!shown.contains("4821"), "the PIN was shown: \(shown)")
        #expect(terminal.echoes)
    }
}
