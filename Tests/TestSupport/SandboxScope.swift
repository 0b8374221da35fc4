import Foundation
import NIOConcurrencyHelpers
import Testing

/// What one test started and made: its processes and its sandboxes, released when the test
/// ends however it ends — a thrown error or a failed `#require` included — so no failing
/// test leaves a service running, a secret unscanned or a folder behind.
///
/// Given to a test by the `.sandboxed` trait (on the test or its suite), which makes it
/// the task's `SandboxScope.current`; a `ServiceSandbox` cannot be made outside one.
public final class SandboxScope: Sendable {
    /// The scope of the running test, if its trait gives one.
    @TaskLocal public static var current: SandboxScope?

    private let processes = NIOLockedValueBox<[ChildProcess]>([])
    private let sandboxes = NIOLockedValueBox<[ServiceSandbox]>([])

    init() {}

    func adopt(_ process: ChildProcess) { processes.withLockedValue { $0.append(process) } }
    func adopt(_ sandbox: ServiceSandbox) { sandboxes.withLockedValue { $0.append(sandbox) } }

    /// Stops every process still running, the last started first (a service before the
    /// peers it calls), each with SIGTERM (and SIGCONT, in case a test left it stopped),
    /// SIGKILL after 10 s; then scans and removes each sandbox, the last made first.
    func release() async {
        for process in processes.withLockedValue({ $0 }).reversed() where process.isRunning {
            process.signal(SIGCONT)
            _ = try? await process.terminate()
        }
        for sandbox in sandboxes.withLockedValue({ $0 }).reversed() {
            sandbox.remove()
        }
    }
}

/// The trait that gives each test (each case of a parameterised one) its own
/// `SandboxScope`: `@Suite(.sandboxed)` or `@Test(.sandboxed)`.
public struct SandboxedTrait: SuiteTrait, TestTrait, TestScoping {
    public init() {}

    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let scope = SandboxScope()
        do {
            try await SandboxScope.$current.withValue(scope) { try await function() }
        } catch {
            await scope.release()
            throw error
        }
        await scope.release()
    }
}

extension Trait where Self == SandboxedTrait {
    /// Every process and sandbox the test makes is stopped, scanned for secrets and
    /// removed when it ends, pass or fail.
    public static var sandboxed: Self { SandboxedTrait() }
}

/// A `ServiceSandbox` was made by a test without the `.sandboxed` trait, which would leave
/// its processes and folder behind when it fails.
public struct NotSandboxed: Error, CustomStringConvertible {
    public var description: String { "a ServiceSandbox needs the .sandboxed trait on its test or suite" }
}
