import Foundation
import GRDB
import JSONRPC
import ServiceContract

/// Counts attempts per key (a customer number, a caller) in a fixed window, in the
/// database, so a restart forgets nothing. Each attempt is counted **before** it is made
/// (`take`), and taken back only if it succeeds (`succeeded`): a key that has reached its
/// limit is refused until its window ends, however many attempts arrive at once. (A
/// check made first and a failure written after would let every attempt sent together
/// find room under the limit.) The counts live in an `AttemptStore`: the service's SQLite
/// file, or PostgreSQL, where every host of the fleet counts into the same rows.
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

    /// An attempt counted against its keys, to be taken back if it succeeds.
    public struct Attempt: Sendable {
        let keys: [String: Rule]
        let takenAt: Date
    }

    let store: any AttemptStore
    let clock: any ServiceClock
    let storageFaults: StorageFaults

    public init(store: any AttemptStore, clock: any ServiceClock, storageFaults: StorageFaults) {
        self.store = store
        self.clock = clock
        self.storageFaults = storageFaults
    }

    /// Counts in the service's SQLite database.
    public init(database: DatabasePool, clock: any ServiceClock, storageFaults: StorageFaults) {
        self.init(store: SQLiteAttemptStore(database: database), clock: clock, storageFaults: storageFaults)
    }

    /// Counts an attempt against each of `keys` before it is made; throws
    /// `tooManyAttempts` (counting nothing) when any has used up its limit. A count the
    /// storage refuses is answered `storage_unavailable` and the attempt is not made, so no
    /// attempt ever goes uncounted; one that fails stays counted.
    public func take(_ keys: [String: Rule]) async throws -> Attempt {
        let now = clock.now()
        let blockedUntil: Date?
        do {
            blockedUntil = try await store.take(keys, at: now)
        } catch {
            throw storageFaults.record(error) ?? error
        }
        if let blockedUntil { throw RPCError.tooManyAttempts(retryAfter: blockedUntil) }
        return Attempt(keys: keys, takenAt: now)
    }

    /// `attempt` succeeded: `forgetting` loses every failure it had (a customer who got
    /// the details right), and the other keys take the attempt back.
    public func succeeded(_ attempt: Attempt, forgetting: String? = nil) async throws {
        if let forgetting { try await reset(forgetting) }
        let others = attempt.keys.keys.filter { $0 != forgetting }
        guard !others.isEmpty else { return }
        try await store.giveBack(Array(others), takenAt: attempt.takenAt)
    }

    /// Takes `attempt` back from every key: it turned out not to be one (a repeated call
    /// answered as the first was).
    public func giveBack(_ attempt: Attempt) async throws {
        try await store.giveBack(Array(attempt.keys.keys), takenAt: attempt.takenAt)
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

