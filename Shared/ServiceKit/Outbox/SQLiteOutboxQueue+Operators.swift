import Foundation
import GRDB

/// What an operator does with the outbox of a service on SQLite: dead letters, requeue,
/// drop, their audit.
extension SQLiteOutboxQueue {
    public func markDead(_ id: Int64, attempts: Int, at now: Date, error: String) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE outbox SET attempts = ?, deadAt = ?, lastError = ? WHERE id = ?",
                arguments: [attempts, now, String(error.prefix(500)), id])
        }
    }

    public func list(dead: Bool, limit: Int) async throws -> [OutboxQueued] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, channel, payload, keyVersion, createdAt, attempts, nextAttemptAt, lastError, deadAt FROM outbox
                    WHERE deliveredAt IS NULL AND (deadAt IS NOT NULL) = ? ORDER BY id LIMIT ?
                    """,
                arguments: [dead, limit]
            ).map { row in
                OutboxQueued(
                    id: row["id"], channel: row["channel"], payload: row["payload"], keyVersion: row["keyVersion"],
                    createdAt: row["createdAt"],
                    attempts: row["attempts"], nextAttemptAt: row["nextAttemptAt"], lastError: row["lastError"],
                    deadAt: row["deadAt"])
            }
        }
    }

    public func requeue(_ id: Int64, at now: Date, peerUID: Int64) async throws -> Bool {
        try await database.write { db in
            guard let channel = try Self.deadChannel(id, in: db) else { return false }
            try db.execute(
                sql: "UPDATE outbox SET deadAt = NULL, attempts = 0, nextAttemptAt = ? WHERE id = ?", arguments: [now, id])
            try Self.audit(id, channel: channel, action: "requeued", at: now, peerUID: peerUID, in: db)
            return true
        }
    }

    public func drop(_ id: Int64, at now: Date, peerUID: Int64) async throws -> Bool {
        try await database.write { db in
            guard let channel = try Self.deadChannel(id, in: db) else { return false }
            // secure_delete (ServiceDatabase) overwrites the sealed content's pages.
            try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
            try Self.audit(id, channel: channel, action: "dropped", at: now, peerUID: peerUID, in: db)
            return true
        }
    }

    public func audit(limit: Int) async throws -> [OutboxAuditRow] {
        try await database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT at, outboxId, channel, action, peerUID FROM outbox_audit ORDER BY id DESC LIMIT ?",
                arguments: [limit]
            ).map { OutboxAuditRow(at: $0["at"], outboxID: $0["outboxId"], channel: $0["channel"], action: $0["action"], peerUID: $0["peerUID"]) }
        }
    }

    private static func deadChannel(_ id: Int64, in db: Database) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT channel FROM outbox WHERE id = ? AND deliveredAt IS NULL AND deadAt IS NOT NULL", arguments: [id])
    }

    private static func audit(_ id: Int64, channel: String, action: String, at now: Date, peerUID: Int64, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO outbox_audit (at, outboxId, channel, action, peerUID) VALUES (?, ?, ?, ?, ?)",
            arguments: [now, id, channel, action, peerUID])
    }
}
