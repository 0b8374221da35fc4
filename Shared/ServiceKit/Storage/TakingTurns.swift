import JSONRPC
import Synchronization

/// Runs work for one key at a time, in the order it asks, while work for other keys runs
/// alongside: the checks of one PIN take turns.
///
/// A check that answers from a read (a right PIN on a line with no failures writes
/// nothing) is only as strict as the reads it races with: guesses sent all at once would
/// each read the line before any of them counted, and a right one among them would be
/// answered from that read, however many wrong ones were in flight beside it. Taking
/// turns makes each guess read what the ones before it wrote. Within a process only:
/// across hosts the rows' own compare-and-write keeps every count, and a burst split
/// over N hosts can have at most N checks of one PIN in flight.
///
/// No lock is held while a turn runs; waiters are resumed in order, and the table holds a
/// key only while it has a turn running or waiting.
public final class TakingTurns<Key: Hashable & Sendable>: Sendable {
    private let queues = Mutex<[Key: [CheckedContinuation<Void, Never>]]>([:])

    public init() {}

    /// Runs `body` once every earlier turn of `key` has ended. A call whose caller's
    /// deadline (`CallDeadline`) passed while it waited is not run: its caller has been
    /// answered `unavailable`, which must mean "not done".
    public func inTurn<T>(_ key: Key, _ body: () async throws -> T) async throws -> T {
        await waitForTurn(key)
        defer { endTurn(key) }
        if CallDeadline.current?.hasPassed == true { throw RPCError.deadlineExceeded() }
        return try await body()
    }

    /// Keys with a turn running (for tests).
    public var busyKeys: Int { queues.withLock { $0.count } }

    private func waitForTurn(_ key: Key) async {
        if queues.withLock({ Self.start(key, in: &$0) }) { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // The turn may have ended between the two locks: then this one starts at once.
            let startsNow = queues.withLock { table in
                if Self.start(key, in: &table) { return true }
                table[key]?.append(continuation)
                return false
            }
            if startsNow { continuation.resume() }
        }
    }

    /// Starts a turn of `key` when none is running (an empty queue marks one running).
    private static func start(_ key: Key, in table: inout [Key: [CheckedContinuation<Void, Never>]]) -> Bool {
        guard table[key] == nil else { return false }
        table[key] = []
        return true
    }

    private func endTurn(_ key: Key) {
        let next = queues.withLock { table -> CheckedContinuation<Void, Never>? in
            guard var waiting = table[key], !waiting.isEmpty else {
                table[key] = nil
                return nil
            }
            let next = waiting.removeFirst()
            table[key] = waiting
            return next
        }
        next?.resume()
    }
}
