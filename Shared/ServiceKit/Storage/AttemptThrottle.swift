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

    public init(database: DatabasePool, clock: any ServiceClock) {
        self.database = database
        self.clock = clock
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

    /// Counts one failure against each of `keys`.
    public func recordFailure(_ keys: [String: Rule]) async throws {
        let now = clock.now()
        try await database.write { db in
            for (key, rule) in keys {
                try db.execute(
                    sql: """
                        INSERT INTO attempt (key, failures, windowStart) VALUES (?, 1, ?)
                        ON CONFLICT (key) DO UPDATE SET
                          failures = CASE WHEN windowStart <= ? THEN 1 ELSE failures + 1 END,
                          windowStart = CASE WHEN windowStart <= ? THEN excluded.windowStart ELSE windowStart END
                        """,
                    arguments: [key, now, now.addingTimeInterval(-rule.window), now.addingTimeInterval(-rule.window)])
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
