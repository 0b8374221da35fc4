import Foundation
import GRDB
import JSONRPC
import ServiceContract

/// Counts failed attempts per key (a customer number, a caller) in a fixed window, in the
/// database, so a restart forgets nothing. Once a key reaches its limit, attempts are
/// refused until its window ends. The counts live in an `AttemptStore`: the service's
/// SQLite file, or PostgreSQL, where every host of the fleet counts into the same rows.
public struct AttemptThrottle: Sendable {
    /// How many failures a key may have within `window`.
    public struct Rule: Sendable, Hashable {
        public var limit: Int
        public var window: TimeInterval
        public init(limit: Int, window: TimeInterval) {
            self.limit = limit
            self.window = window
        }
    }

    let store: any AttemptStore
    let clock: any ServiceClock
    let storageFaults: StorageFaults
    /// Failures the disk refused to count, held until they are written: while a key has
    /// one, its checks answer `storage_unavailable` (a full disk must not let guesses go
    /// uncounted).
    let unrecorded = PendingFailures()

    public init(store: any AttemptStore, clock: any ServiceClock, storageFaults: StorageFaults) {
        self.store = store
        self.clock = clock
        self.storageFaults = storageFaults
    }

    /// Counts in the service's SQLite database.
    public init(database: DatabasePool, clock: any ServiceClock, storageFaults: StorageFaults) {
        self.init(store: SQLiteAttemptStore(database: database), clock: clock, storageFaults: storageFaults)
    }

    /// Throws `tooManyAttempts` when any of `keys` has used up its failures.
    public func check(_ keys: [String: Rule]) async throws {
        try await writeUnrecorded(keys)
        if let blockedUntil = try await store.blockedUntil(keys, at: clock.now()) {
            throw RPCError.tooManyAttempts(retryAfter: blockedUntil)
        }
    }

    /// Counts one failure against each of `keys`. When the disk refuses, the failure is
    /// held (and written before the next check of these keys) and the call answered
    /// `storage_unavailable`.
    public func recordFailure(_ keys: [String: Rule]) async throws {
        do {
            try await store.add(keys.mapValues { AttemptStoreFailures(rule: $0, count: 1) }, at: clock.now())
        } catch {
            let answer = storageFaults.record(error)
            if StorageFaults.mustHoldFailure(after: error) { for key in keys.keys { unrecorded.add(key) } }
            throw answer ?? error
        }
    }

    private func writeUnrecorded(_ keys: [String: Rule]) async throws {
        var held: [String: AttemptStoreFailures] = [:]
        for (key, rule) in keys where unrecorded.count(key) > 0 {
            held[key] = AttemptStoreFailures(rule: rule, count: unrecorded.count(key))
        }
        guard !held.isEmpty else { return }
        do {
            try await store.add(held, at: clock.now())
        } catch {
            throw storageFaults.record(error) ?? error
        }
        for (key, failures) in held { unrecorded.remove(key, written: failures.count) }
        storageFaults.recordSuccess()
    }

    /// Forgets the failures of `key` (after a success).
    public func reset(_ key: String) async throws {
        try await store.reset(key)
    }

    /// Forgets every count whose window has ended by the clock (`AttemptPurge` does this
    /// for the service's store), and returns how many.
    public func purgeEnded() async throws -> Int {
        try await store.purge(endedBy: clock.now())
    }
}

