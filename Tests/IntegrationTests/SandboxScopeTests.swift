import Foundation
import JSONRPC
import ServiceContract
import Synchronization
import TestSupport
import Testing

/// The `.sandboxed` trait cleans up after a test that fails: its services stop and its
/// folder goes, though the test never reached its own clean-up.
@Suite struct SandboxScopeTests {
    struct TestFailed: Error {}

    @Test func aTestThatThrows_stillStopsItsServices_andRemovesItsSandbox() async throws {
        let test = try #require(Test.current)
        let started = Mutex<(pids: [pid_t], folder: String)?>(nil)
        await #expect(throws: TestFailed.self) {
            try await SandboxedTrait().provideScope(for: test, testCase: Test.Case.current) {
                let sandbox = try ServiceSandbox()
                let activator = try await sandbox.startActivated("auth")
                let bound = try await sandbox.startBound("lines")
                // A connection starts the activated service: its own process, under the
                // activator's pid.
                let auth = try await sandbox.client("auth")
                _ = try await auth.call(ServicePing.self, .init())
                // One left stopped, as a test of a hung peer would leave it.
                try await bound.stop()
                started.withLock { $0 = ([activator.pid, bound.pid], sandbox.root.path) }
                throw TestFailed()
            }
        }
        let (pids, folder) = try #require(started.withLock { $0 })
        for pid in pids {
            #expect(kill(pid, 0) == -1 && errno == ESRCH, "process \(pid) still exists")
        }
        #expect(!FileManager.default.fileExists(atPath: folder))
    }

    @Test func aSandboxOutsideTheTrait_isRefused() {
        #expect(throws: NotSandboxed.self) { try ServiceSandbox() }
    }

}
