import Foundation
import PostgresNIO

/// What an operator does with the outbox of a service on PostgreSQL: dead letters,
/// requeue, drop, their audit. A requeue or drop locks the row, so two operators (or
/// hosts) acting on one message at once act once.
extension PostgresOutboxQueue {
    public func markDead(_ id: Int64, attempts: Int, at now: Date, error: String) async throws {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.query(
                """
                UPDATE \(unescaped: schema).outbox
                SET attempts = \(attempts), dead_at = \(now), last_error = \(String(error.prefix(500))), claimed_until = NULL
                WHERE id = \(id)
                """, logger: logger)
        }
    }

    public func list(dead: Bool, limit: Int) async throws -> [OutboxQueued] {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            let rows = try await client.query(
                """
                SELECT id, channel, payload, key_version, created_at, attempts, next_attempt_at, last_error, dead_at
                FROM \(unescaped: schema).outbox
                WHERE delivered_at IS NULL AND (dead_at IS NOT NULL) = \(dead) ORDER BY id LIMIT \(limit)
                """, logger: logger)
            var queued: [OutboxQueued] = []
            for try await (id, channel, payload, keyVersion, createdAt, attempts, next, lastError, deadAt)
                in rows.decode((Int64, String, Data?, Int, Date, Int, Date, String?, Date?).self)
            {
                queued.append(
                    OutboxQueued(
                        id: id, channel: channel, payload: payload, keyVersion: keyVersion, createdAt: createdAt,
                        attempts: attempts,
                        nextAttemptAt: next, lastError: lastError, deadAt: deadAt))
            }
            return queued
        }
    }

    public func requeue(_ id: Int64, at now: Date, peerUID: Int64) async throws -> Bool {
        try await act(on: id, action: "requeued", at: now, peerUID: peerUID) { connection in
            try await connection.query(
                "UPDATE \(unescaped: schema).outbox SET dead_at = NULL, attempts = 0, next_attempt_at = \(now) WHERE id = \(id)",
                logger: logger)
        }
    }

    public func drop(_ id: Int64, at now: Date, peerUID: Int64) async throws -> Bool {
        try await act(on: id, action: "dropped", at: now, peerUID: peerUID) { connection in
            try await connection.query("DELETE FROM \(unescaped: schema).outbox WHERE id = \(id)", logger: logger)
        }
    }

    public func audit(limit: Int) async throws -> [OutboxAuditRow] {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            let rows = try await client.query(
                """
                SELECT at, outbox_id, channel, action, peer_uid FROM \(unescaped: schema).outbox_audit
                ORDER BY id DESC LIMIT \(limit)
                """, logger: logger)
            var entries: [OutboxAuditRow] = []
            for try await (at, outboxID, channel, action, peerUID) in rows.decode((Date, Int64, String, String, Int64).self) {
                entries.append(OutboxAuditRow(at: at, outboxID: outboxID, channel: channel, action: action, peerUID: peerUID))
            }
            return entries
        }
    }

    /// Runs `change` on the dead message `id`, locked, and audits it; false when `id` is
    /// not a dead message.
    private func act(
        on id: Int64, action: String, at now: Date, peerUID: Int64,
        _ change: @escaping @Sendable (PostgresConnection) async throws -> Void
    ) async throws -> Bool {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.withTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    SELECT channel FROM \(unescaped: schema).outbox
                    WHERE id = \(id) AND delivered_at IS NULL AND dead_at IS NOT NULL FOR UPDATE
                    """, logger: logger)
                var channel: String?
                for try await (found) in rows.decode(String.self) { channel = found }
                guard let channel else { return false }
                try await change(connection)
                try await connection.query(
                    """
                    INSERT INTO \(unescaped: schema).outbox_audit (at, outbox_id, channel, action, peer_uid)
                    VALUES (\(now), \(id), \(channel), \(action), \(peerUID))
                    """, logger: logger)
                return true
            }
        }
    }
}
