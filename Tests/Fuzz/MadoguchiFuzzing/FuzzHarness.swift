import Dispatch
import Foundation
import JSONRPC
import Logging
import ServiceKit

/// What the fuzzer runs on each input: one line through the real parse and dispatch path
/// of every service's method table, with each method stopping once its params decode
/// (`MethodRegistry.checkingParamsOnly`), and a check that the reply keeps the protocol.
///
/// The tables are the ones the services serve (`ServiceApplication.prepare`), so a method
/// added to a service is fuzzed without listing it here. Nothing behind the params runs:
/// no database, clock or peer, so every input costs the same and a finding replays alike.
public struct FuzzHarness: Sendable {
    private let dispatcher: Dispatcher
    /// An ordinary caller: neither root, operator nor service.
    private static let caller = PeerCredentials(pid: 1, uid: 65534, gid: 65534)

    /// Builds every service's method table (`ServiceTables`), merged into one.
    public static func make() throws -> FuzzHarness {
        let logger = Logger(label: "madoguchi-fuzz") { _ in SwiftLogNoOpLogHandler() }
        let registry = try ServiceTables.all().map(\.registry).reduce(MethodRegistry()) { $0.merging($1) }
        return FuzzHarness(dispatcher: Dispatcher(registry: registry.checkingParamsOnly(), logger: logger))
    }

    /// Dispatches `line` as a server would and says what is wrong with the reply (nothing,
    /// when the protocol was kept).
    public func problems(answering line: Data) async -> [String] {
        let reply = await dispatcher.reply(to: line, peer: Self.caller)
        return ReplyCheck.problems(in: reply)
    }

    /// `problems(answering:)` for a synchronous caller (libFuzzer's callback): waits for
    /// the dispatch on the concurrency pool.
    public func problemsWaiting(answering line: Data) -> [String] {
        let box = ProblemsBox()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            box.problems = await problems(answering: line)
            done.signal()
        }
        done.wait()
        return box.problems
    }
}

/// Carries the answer out of the detached task; the semaphore orders the two accesses.
private final class ProblemsBox: @unchecked Sendable {
    var problems: [String] = []
}
