import Foundation
import GRDB
import Synchronization

/// Read-only connections to a service's SQLite file for its hottest point reads (a PIN
/// check's), read on the calling thread.
///
/// `DatabasePool.read` hands each read to a reader's own thread and back: for a read of
/// one row, two of the four thread switches of a whole PIN check and GRDB's async
/// scheduling besides (BENCHMARKS.md). Here a read takes one of these connections in
/// turn and runs where it is called. A connection is held for one synchronous read only,
/// never across an `await`, so a caller waits at most for another caller's read of the
/// same connection — never for the cooperative pool, the deadlock a synchronous read
/// through the pool risks (its readers are released by async reads, on that pool).
///
/// Each read is one statement, its own snapshot of what the pool's writer has committed
/// (WAL). Meant for reads of a few pages of an index: a page not in memory is read from
/// disk on the calling thread, which the service's few such reads can afford.
public final class InlineReaders: Sendable {
    private let path: String
    /// One connection per slot, opened at its first read: a failure to open is that
    /// read's error (the check fails closed), not the service's start.
    private let slots: [Slot]
    private let next = Atomic<Int>(0)

    /// Connections to the database at `path` (opened and migrated by the service's pool),
    /// one per core by default — as many as the cooperative pool has threads to read — and
    /// at most four, which `ProcessLimits.reservedDescriptors` counts (two descriptors each).
    public init(path: String, count: Int = min(ProcessInfo.processInfo.activeProcessorCount, 4)) {
        self.path = path
        slots = (0..<max(1, count)).map { _ in Slot() }
    }

    /// Runs `body` on this thread, now, on the first connection not reading from this
    /// caller's turn on (or, when every one is, on its turn's once free), outside a
    /// transaction: for one statement, which is its own snapshot.
    public func read<T: Sendable>(_ body: (Database) throws -> T) throws -> T {
        let turn = Int(UInt(bitPattern: next.wrappingAdd(1, ordering: .relaxed).oldValue) % UInt(slots.count))
        for offset in 0..<slots.count {
            let slot = slots[(turn + offset) % slots.count]
            if let done = slot.connection.withLockIfAvailable({ connection in Result { try read(on: &connection, body) } }) {
                return try done.get()
            }
        }
        return try slots[turn].connection.withLock { connection in try read(on: &connection, body) }
    }

    /// Opens the slot's connection if it is not yet, and reads.
    private func read<T: Sendable>(on connection: inout DatabaseQueue?, _ body: (Database) throws -> T) throws -> T {
        let open = try connection ?? DatabaseQueue(path: path, configuration: Self.configuration)
        connection = open
        return try open.unsafeRead(body)
    }

    private final class Slot: Sendable {
        let connection = Mutex<DatabaseQueue?>(nil)
    }

    private static var configuration: Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        // A read in WAL mode waits only while another connection recovers the log after a
        // crash; this thread is one the whole service shares, so not for long.
        configuration.busyMode = .timeout(1)
        return configuration
    }
}
