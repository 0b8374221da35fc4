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
