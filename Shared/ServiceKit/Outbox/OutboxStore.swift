import Foundation
import GRDB

/// The outbox table: pending messages (sealed), their attempts and delivery.
enum OutboxStore {
    struct Pending: FetchableRecord, Decodable {
        var id: Int64
        var payload: Data
        var createdAt: Date
        var attempts: Int
    }

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
    }

    static func due(at now: Date, limit: Int, in db: Database) throws -> [Pending] {
        try Pending.fetchAll(
            db,
            sql: """
                SELECT id, payload, createdAt, attempts FROM outbox
                WHERE deliveredAt IS NULL AND nextAttemptAt <= ? ORDER BY id LIMIT ?
                """,
            arguments: [now, limit])
    }

    /// Brings forward every undelivered message that waits longer than `longestWait(attempts)`
    /// from `now`: it is then due that long from now. A message is scheduled at most its
    /// back-off ahead (a new one at once), so a longer wait means the clock has moved back
    /// since; returns how many were moved.
    static func bringForward(now: Date, longestWait: (Int) -> TimeInterval, in db: Database) throws -> Int {
        let waiting = try Row.fetchAll(
            db, sql: "SELECT id, attempts, nextAttemptAt FROM outbox WHERE deliveredAt IS NULL AND nextAttemptAt > ?",
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
