import Foundation
import GRDB

/// What the outbox deliverer asks of the queue, on either engine (`SQLiteOutboxQueue`,
/// `PostgresOutboxQueue`).
public protocol OutboxQueue: Sendable {
    /// Brings forward every undelivered message that waits longer than
    /// `longestWait(attempts)` from `now` (the clock has moved back); returns how many.
    func bringForward(now: Date, longestWait: @escaping @Sendable (Int) -> TimeInterval) async throws -> Int
    /// Up to `limit` messages due at `now`, oldest first, for this deliverer alone: with
    /// several hosts, a message one deliverer has taken is not given to another until it
    /// is marked, or until its claim lapses (its deliverer died while sending).
    func claimDue(at now: Date, limit: Int) async throws -> [OutboxPending]
    /// Right before `pending` is sent, and while it is being sent: the message with its
    /// claim lasting from `now` again if it is still this deliverer's; nil when the claim
    /// lapsed and another deliverer has taken it (that one sends it).
    func keepClaim(_ pending: OutboxPending, at now: Date) async throws -> OutboxPending?
    /// The message was sent: its sealed content goes.
    func markDelivered(_ id: Int64, at now: Date) async throws
    /// The message could not be sent: it is tried again at `retryAt`.
    func markFailed(_ id: Int64, attempts: Int, retryAt: Date, error: String) async throws
    /// What waits to be sent, by channel: for the operator's metrics.
    func backlog() async throws -> [OutboxBacklog]
    /// The message failed its last allowed attempt: it is set aside as dead, not tried
    /// again until an operator requeues it.
    func markDead(_ id: Int64, attempts: Int, at now: Date, error: String) async throws
    /// Undelivered messages, oldest first: those still tried, or (`dead`) those set aside.
    func list(dead: Bool, limit: Int) async throws -> [OutboxQueued]
    /// A dead message tried again from `now`, its attempts from zero, with an audit row;
    /// false when `id` is not a dead message.
    func requeue(_ id: Int64, at now: Date, peerUID: Int64) async throws -> Bool
    /// A dead message removed unsent, with an audit row; false when `id` is not one.
    func drop(_ id: Int64, at now: Date, peerUID: Int64) async throws -> Bool
    /// The requeues and drops, newest first.
    func audit(limit: Int) async throws -> [OutboxAuditRow]
}

/// An undelivered message as the queue holds it (its content still sealed).
public struct OutboxQueued: Sendable {
    public var id: Int64
    public var channel: String
    public var payload: Data?
    /// The version of the key that sealed `payload`.
    public var keyVersion: Int
    public var createdAt: Date
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var deadAt: Date?
}

/// One requeue or drop of a dead message.
public struct OutboxAuditRow: Sendable {
    public var at: Date
    public var outboxID: Int64
    public var channel: String
    /// `requeued` or `dropped`.
    public var action: String
    public var peerUID: Int64
}

/// The undelivered messages of one channel: how many, and when the oldest was written.
public struct OutboxBacklog: Sendable, Hashable {
    public var channel: String
    public var pending: Int
    public var oldestCreatedAt: Date
}

/// A message waiting in the outbox, still sealed.
public struct OutboxPending: Sendable, FetchableRecord, Decodable {
    public var id: Int64
    public var payload: Data
    /// The version of the key that sealed `payload`.
    public var keyVersion: Int
    public var createdAt: Date
    public var attempts: Int
    /// Until when this deliverer's claim on it lasts, where claims lapse (PostgreSQL's
    /// several deliverers); nil for the one deliverer of a SQLite file.
    public var claimedUntil: Date?

    public init(id: Int64, payload: Data, keyVersion: Int, createdAt: Date, attempts: Int, claimedUntil: Date? = nil) {
        self.id = id
        self.payload = payload
        self.keyVersion = keyVersion
        self.createdAt = createdAt
        self.attempts = attempts
        self.claimedUntil = claimedUntil
    }
}

/// The queue in the service's SQLite file. One process delivers from it, so a due
/// message is simply read.
public struct SQLiteOutboxQueue: OutboxQueue {
    let database: DatabasePool

    public init(database: DatabasePool) {
        self.database = database
    }


    /// One deliverer per file: its claims never pass to another.
    public func keepClaim(_ pending: OutboxPending, at now: Date) async throws -> OutboxPending? { pending }

    public func bringForward(now: Date, longestWait: @escaping @Sendable (Int) -> TimeInterval) async throws -> Int {
        try await database.write { db in try OutboxStore.bringForward(now: now, longestWait: longestWait, in: db) }
    }

    public func claimDue(at now: Date, limit: Int) async throws -> [OutboxPending] {
        try await database.read { db in try OutboxStore.due(at: now, limit: limit, in: db) }
    }

    public func markDelivered(_ id: Int64, at now: Date) async throws {
        try await database.write { db in try OutboxStore.markDelivered(id, at: now, in: db) }
    }

    public func markFailed(_ id: Int64, attempts: Int, retryAt: Date, error: String) async throws {
        try await database.write { db in try OutboxStore.markFailed(id, attempts: attempts, retryAt: retryAt, error: error, in: db) }
    }

    public func backlog() async throws -> [OutboxBacklog] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT channel, COUNT(*) AS pending, MIN(createdAt) AS oldest FROM outbox
                    WHERE deliveredAt IS NULL AND deadAt IS NULL GROUP BY channel
                    """
            ).map { OutboxBacklog(channel: $0["channel"], pending: $0["pending"], oldestCreatedAt: $0["oldest"]) }
        }
    }
}

/// The outbox table: pending messages (sealed), their attempts and delivery.
enum OutboxStore {

    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("outbox-v1") { db in
            try db.create(table: "outbox") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("channel", .text).notNull()
                // AES-GCM sealed JSON of the message; emptied once delivered.
                table.column("payload", .blob)
                table.column("deduplicationKey", .text).unique()
                table.column("createdAt", .datetime).notNull()
                table.column("attempts", .integer).notNull().defaults(to: 0)
                table.column("nextAttemptAt", .datetime).notNull()
                table.column("deliveredAt", .datetime)
                table.column("lastError", .text)
            }
            try db.create(
                index: "outbox_due", on: "outbox", columns: ["nextAttemptAt"], condition: Column("deliveredAt") == nil)
        }
        // Dead letters (issue 26): a message past its last allowed attempt is set aside,
        // and an operator's requeue or drop of it is audited.
        migrator.registerMigration("outbox-v2-dead-letters") { db in
            try db.alter(table: "outbox") { table in table.add(column: "deadAt", .datetime) }
            try db.create(table: "outbox_audit") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("at", .datetime).notNull()
                table.column("outboxId", .integer).notNull()
                table.column("channel", .text).notNull()
                table.column("action", .text).notNull()
                table.column("peerUID", .integer).notNull()
            }
        }
        // Key rotation (issue 26): the key version that sealed each message; those queued
        // before were sealed with the only key there was, version 1.
        migrator.registerMigration("outbox-v3-key-version") { db in
            try db.alter(table: "outbox") { table in table.add(column: "keyVersion", .integer).notNull().defaults(to: 1) }
        }
        // Retention deletes by time through these, not by a scan of the table under the
        // writer (`RetentionPurge`, `RetentionIndexTests`).
        migrator.registerMigration("outbox-v4-retention-indexes") { db in
            try db.create(index: "outbox_delivered", on: "outbox", columns: ["deliveredAt"], condition: Column("deliveredAt") != nil)
            try db.create(index: "outbox_audit_at", on: "outbox_audit", columns: ["at"])
        }
    }

    static func due(at now: Date, limit: Int, in db: Database) throws -> [OutboxPending] {
        try OutboxPending.fetchAll(
            db,
            sql: """
                SELECT id, payload, keyVersion, createdAt, attempts FROM outbox
                WHERE deliveredAt IS NULL AND deadAt IS NULL AND nextAttemptAt <= ? ORDER BY id LIMIT ?
                """,
            arguments: [now, limit])
    }

    /// Brings forward every undelivered message that waits longer than `longestWait(attempts)`
    /// from `now`: it is then due that long from now. A message is scheduled at most its
    /// back-off ahead (a new one at once), so a longer wait means the clock has moved back
    /// since; returns how many were moved.
    static func bringForward(now: Date, longestWait: (Int) -> TimeInterval, in db: Database) throws -> Int {
        let waiting = try Row.fetchAll(
            db,
            sql: "SELECT id, attempts, nextAttemptAt FROM outbox WHERE deliveredAt IS NULL AND deadAt IS NULL AND nextAttemptAt > ?",
            arguments: [now])
        var moved = 0
        for row in waiting {
            let id: Int64 = row["id"]
            let attempts: Int = row["attempts"]
            let next: Date = row["nextAttemptAt"]
            let latest = now.addingTimeInterval(longestWait(attempts))
            guard next > latest else { continue }
            try db.execute(sql: "UPDATE outbox SET nextAttemptAt = ? WHERE id = ?", arguments: [latest, id])
            moved += 1
        }
        return moved
    }

    static func markDelivered(_ id: Int64, at now: Date, in db: Database) throws {
        try db.execute(
            sql: "UPDATE outbox SET deliveredAt = ?, payload = NULL, lastError = NULL WHERE id = ?", arguments: [now, id])
    }

    static func markFailed(_ id: Int64, attempts: Int, retryAt: Date, error: String, in db: Database) throws {
        try db.execute(
            sql: "UPDATE outbox SET attempts = ?, nextAttemptAt = ?, lastError = ? WHERE id = ?",
            arguments: [attempts, retryAt, String(error.prefix(500)), id])
    }
}
