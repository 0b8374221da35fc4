import Foundation
import GRDB

/// Where `AttemptThrottle` keeps its counts, in the throttle's words. Every count is
/// changed by one atomic statement (an upsert that restarts an ended window), never read,
/// changed and written back, so hosts counting the same key at once lose nothing.
public protocol AttemptStore: Sendable {
    /// The latest end of a window among `keys` that has reached its rule's limit at `now`,
    /// or nil when none has.
    func blockedUntil(_ keys: [String: AttemptThrottle.Rule], at now: Date) async throws -> Date?
    /// Counts one attempt against every key of `keys` at once, unless one of them has
    /// reached its rule's limit at `now`: then nothing is counted and the answer is the
    /// latest end of such a window. Atomic across processes and hosts, so concurrent
    /// attempts cannot all find room under the limit before any of them is counted.
    func take(_ keys: [String: AttemptThrottle.Rule], at now: Date) async throws -> Date?
    /// Takes back the attempt counted against each of `keys` at `takenAt` (one that
    /// succeeded), unless its window has started again since.
    func giveBack(_ keys: [String], takenAt: Date) async throws
    /// Adds failures to each key; a key whose window ended by `now` starts a new one at `now`.
    func add(_ failures: [String: AttemptStoreFailures], at now: Date) async throws
    /// Forgets the failures of `key`.
    func reset(_ key: String) async throws
    /// Forgets every count whose window ended by `now`, and returns how many: such a
    /// count refuses nothing (the key's next failure starts a new window), and keys made
    /// per caller and origin would otherwise pile up for ever (`AttemptPurge`).
    func purge(endedBy now: Date) async throws -> Int
}

/// One key's count as stored: its failures in the window that started at `windowStart`.
public struct AttemptCount: Sendable, Hashable {
    public var failures: Int
    public var windowStart: Date

    public init(failures: Int, windowStart: Date) {
        self.failures = failures
        self.windowStart = windowStart
    }

    /// When the window ends, if the count has reached `rule`'s limit and the window has
    /// not ended by `now`; nil when the key may try.
    public func blockedUntil(_ rule: AttemptThrottle.Rule, at now: Date) -> Date? {
        let end = windowStart.addingTimeInterval(rule.window)
        return end > now && failures >= rule.limit ? end : nil
    }
}

/// Failures to add to one key, under its rule.
public struct AttemptStoreFailures: Sendable {
    public var rule: AttemptThrottle.Rule
    public var count: Int

    public init(rule: AttemptThrottle.Rule, count: Int) {
        self.rule = rule
        self.count = count
    }
}

/// The counts in the service's SQLite database (table `attempt`).
public struct SQLiteAttemptStore: AttemptStore {
    let database: DatabasePool

    public init(database: DatabasePool) {
        self.database = database
    }

    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("attempt-v1") { db in
            try db.create(table: "attempt") { table in
                table.primaryKey("key", .text)
                table.column("failures", .integer).notNull()
                table.column("windowStart", .datetime).notNull()
            }
        }
        // When the window ends, so that ended counts can be purged without knowing each
        // key's rule. Counts from before it get a day, longer than any rule's window.
        migrator.registerMigration("attempt-v2-window-end") { db in
            try db.alter(table: "attempt") { table in table.add(column: "windowEnd", .datetime) }
            try db.execute(sql: "UPDATE attempt SET windowEnd = strftime('%Y-%m-%d %H:%M:%f', windowStart, '+1 day')")
            try db.create(index: "attempt_window_end", on: "attempt", columns: ["windowEnd"])
        }
    }

    public func blockedUntil(_ keys: [String: AttemptThrottle.Rule], at now: Date) async throws -> Date? {
        try await database.read { db in try Self.blockedUntil(keys, at: now, in: db) }
    }

    private static func blockedUntil(_ keys: [String: AttemptThrottle.Rule], at now: Date, in db: Database) throws -> Date? {
        try keys.compactMap { key, rule -> Date? in try count(of: key, in: db)?.blockedUntil(rule, at: now) }.max()
    }

    public func take(_ keys: [String: AttemptThrottle.Rule], at now: Date) async throws -> Date? {
        // One write transaction: SQLite's one writer makes the read and the count one step.
        try await database.write { db in
            if let blocked = try Self.blockedUntil(keys, at: now, in: db) { return blocked }
            for (key, rule) in keys { try Self.add(AttemptStoreFailures(rule: rule, count: 1), to: key, at: now, in: db) }
            return nil
        }
    }

    public func giveBack(_ keys: [String], takenAt: Date) async throws {
        try await database.write { db in
            for key in keys {
                try db.execute(
                    sql: "UPDATE attempt SET failures = failures - 1 WHERE key = ? AND windowStart <= ? AND failures > 0",
                    arguments: [key, takenAt])
            }
        }
    }

    /// `key`'s count, read in `db` (also beside another read, in its transaction).
    public static func count(of key: String, in db: Database) throws -> AttemptCount? {
        guard let row = try Row.fetchOne(db, sql: "SELECT failures, windowStart FROM attempt WHERE key = ?", arguments: [key])
        else { return nil }
        return AttemptCount(failures: row["failures"], windowStart: row["windowStart"])
    }

    public func add(_ failures: [String: AttemptStoreFailures], at now: Date) async throws {
        try await database.write { db in
            for (key, failure) in failures { try Self.add(failure, to: key, at: now, in: db) }
        }
    }

    /// Adds `failure` to `key`'s count in `db`, starting a new window when its window has ended.
    private static func add(_ failure: AttemptStoreFailures, to key: String, at now: Date, in db: Database) throws {
        let windowEnded = now.addingTimeInterval(-failure.rule.window)
        try db.execute(
            sql: """
                INSERT INTO attempt (key, failures, windowStart, windowEnd) VALUES (?, ?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET
                  failures = CASE WHEN windowStart <= ? THEN excluded.failures ELSE failures + excluded.failures END,
                  windowEnd = CASE WHEN windowStart <= ? THEN excluded.windowEnd ELSE windowEnd END,
                  windowStart = CASE WHEN windowStart <= ? THEN excluded.windowStart ELSE windowStart END
                """,
            arguments: [
                key, failure.count, now, now.addingTimeInterval(failure.rule.window), windowEnded, windowEnded, windowEnded,
            ])
    }

    public func reset(_ key: String) async throws {
        try await database.write { db in try db.execute(sql: "DELETE FROM attempt WHERE key = ?", arguments: [key]) }
    }

    public func purge(endedBy now: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM attempt WHERE windowEnd <= ?", arguments: [now])
            return db.changesCount
        }
    }
}
