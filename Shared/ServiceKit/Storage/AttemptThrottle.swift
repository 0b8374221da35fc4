import Foundation
import GRDB
import JSONRPC

/// Counts failed attempts per key (a customer number, a caller) in a fixed window, in the
/// database, so a restart forgets nothing. Once a key reaches its limit, attempts are
/// refused until its window ends.
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

    let database: DatabasePool
    let clock: any ServiceClock
    let storageFaults: StorageFaults
    /// Failures the disk refused to count, held until they are written: while a key has
    /// one, its checks answer `storage_unavailable` (a full disk must not let guesses go
    /// uncounted).
    let unrecorded = PendingFailures()

    public init(database: DatabasePool, clock: any ServiceClock, storageFaults: StorageFaults) {
        self.database = database
        self.clock = clock
        self.storageFaults = storageFaults
    }

    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("attempt-v1") { db in
            try db.create(table: "attempt") { table in
                table.primaryKey("key", .text)
                table.column("failures", .integer).notNull()
                table.column("windowStart", .datetime).notNull()
            }
        }
    }

    /// Throws `tooManyAttempts` when any of `keys` has used up its failures.
    public func check(_ keys: [String: Rule]) async throws {
        try await writeUnrecorded(keys)
        let now = clock.now()
        let blockedUntil = try await database.read { db in
            try keys.compactMap { key, rule -> Date? in
                guard let row = try Row.fetchOne(db, sql: "SELECT failures, windowStart FROM attempt WHERE key = ?", arguments: [key])
                else { return nil }
                let end = (row["windowStart"] as Date).addingTimeInterval(rule.window)
                return end > now && (row["failures"] as Int) >= rule.limit ? end : nil
            }.max()
        }
        if let blockedUntil { throw RPCError.tooManyAttempts(retryAfter: blockedUntil) }
    }

    /// Counts one failure against each of `keys`. When the disk refuses, the failure is
    /// held (and written before the next check of these keys) and the call answered
    /// `storage_unavailable`.
    public func recordFailure(_ keys: [String: Rule]) async throws {
        do {
            try await write(keys.mapValues { (rule: $0, count: 1) })
        } catch {
            guard let answer = storageFaults.record(error) else { throw error }
            for key in keys.keys { unrecorded.add(key) }
            throw answer
        }
    }

    private func writeUnrecorded(_ keys: [String: Rule]) async throws {
        var held: [String: (rule: Rule, count: Int)] = [:]
        for (key, rule) in keys where unrecorded.count(key) > 0 { held[key] = (rule, unrecorded.count(key)) }
        guard !held.isEmpty else { return }
        do {
            try await write(held)
        } catch {
            throw storageFaults.record(error) ?? error
        }
        for (key, (_, count)) in held { unrecorded.remove(key, written: count) }
        storageFaults.recordSuccess()
    }

    private func write(_ failures: [String: (rule: Rule, count: Int)]) async throws {
        let now = clock.now()
        try await database.write { db in
            for (key, (rule, count)) in failures {
                try db.execute(
                    sql: """
                        INSERT INTO attempt (key, failures, windowStart) VALUES (?, ?, ?)
                        ON CONFLICT (key) DO UPDATE SET
                          failures = CASE WHEN windowStart <= ? THEN excluded.failures ELSE failures + excluded.failures END,
                          windowStart = CASE WHEN windowStart <= ? THEN excluded.windowStart ELSE windowStart END
                        """,
                    arguments: [
                        key, count, now, now.addingTimeInterval(-rule.window), now.addingTimeInterval(-rule.window),
                    ])
            }
        }
    }

    /// Forgets the failures of `key` (after a success).
    public func reset(_ key: String) async throws {
        try await database.write { db in try db.execute(sql: "DELETE FROM attempt WHERE key = ?", arguments: [key]) }
    }
}

extension RPCError {
    /// Too many failed attempts; `retryAfter` says when to try again.
    public static func tooManyAttempts(retryAfter: Date) -> RPCError {
        RPCError(
            code: ErrorCode(1006), message: "Too many failed attempts; try again after \(ISO8601.tokyo(retryAfter)).",
            reason: "too_many_attempts", details: ["retryAfter": .string(ISO8601.tokyo(retryAfter))])
    }
}
