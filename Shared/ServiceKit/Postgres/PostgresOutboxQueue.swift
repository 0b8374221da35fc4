import Foundation
import Logging
import PostgresNIO

/// The outbox in PostgreSQL (`<schema>.outbox`), delivered from by every host's
/// deliverer at once. A deliverer claims the due messages it will send in one statement
/// (`FOR UPDATE SKIP LOCKED`: rows another deliverer is claiming are passed over, not
/// waited for), stamping each with a claim that lasts `claim`: no other deliverer takes
/// them until they are marked delivered or failed, or until the claim lapses because
/// their deliverer died while sending — then another sends them (the spool's file names
/// come from the outbox id, so a message sent twice that way is still one file).
/// Times are the service clock's.
public struct PostgresOutboxQueue: OutboxQueue {
    let client: PostgresClient
    let schema: String
    let logger: Logger
    /// How long a claimed message is this deliverer's alone: a minute is long enough for a
    /// batch through a slow sendmail, and short enough that the codes a dead host had
    /// taken still arrive well within their 10 minutes.
    let claim: TimeInterval
    let timeLimit: Duration

    public init(client: PostgresClient, schema: String, logger: Logger, claim: TimeInterval = 60, timeLimit: Duration = .seconds(5)) {
        self.client = client
        self.schema = schema
        self.logger = logger
        self.claim = claim
        self.timeLimit = timeLimit
    }

    public func bringForward(now: Date, longestWait: @escaping @Sendable (Int) -> TimeInterval) async throws -> Int {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.withTransaction(logger: logger) { connection in
                var moved = 0
                let rows = try await connection.query(
                    """
                    SELECT id, attempts, next_attempt_at FROM \(unescaped: schema).outbox
                    WHERE delivered_at IS NULL AND dead_at IS NULL AND next_attempt_at > \(now) FOR UPDATE SKIP LOCKED
                    """, logger: logger)
                var late: [(Int64, Date)] = []
                for try await (id, attempts, next) in rows.decode((Int64, Int, Date).self) {
                    let latest = now.addingTimeInterval(longestWait(attempts))
                    if next > latest { late.append((id, latest)) }
                }
                for (id, latest) in late {
                    try await connection.query(
                        "UPDATE \(unescaped: schema).outbox SET next_attempt_at = \(latest) WHERE id = \(id)", logger: logger)
                    moved += 1
                }
                return moved
            }
        }
    }

    public func claimDue(at now: Date, limit: Int) async throws -> [OutboxPending] {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger, claim] in
            let rows = try await client.query(
                """
                UPDATE \(unescaped: schema).outbox SET claimed_until = \(now.addingTimeInterval(claim))
                WHERE id IN (
                    SELECT id FROM \(unescaped: schema).outbox
                    WHERE delivered_at IS NULL AND dead_at IS NULL AND next_attempt_at <= \(now)
                      AND (claimed_until IS NULL OR claimed_until <= \(now))
                    ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING id, payload, key_version, created_at, attempts, claimed_until
                """, logger: logger)
            var claimed: [OutboxPending] = []
            for try await (id, payload, keyVersion, createdAt, attempts, until) in rows.decode((Int64, Data, Int, Date, Int, Date).self) {
                claimed.append(
                    OutboxPending(
                        id: id, payload: payload, keyVersion: keyVersion, createdAt: createdAt, attempts: attempts, claimedUntil: until))
            }
            return claimed.sorted { $0.id < $1.id }
        }
    }

    /// Extends the claim only where it is still the one this deliverer stamped (by
    /// `claimDue` or the last `keepClaim`): a claim that lapsed and was taken by another
    /// deliverer has another stamp, or none once that one marked the message.
    public func keepClaim(_ pending: OutboxPending, at now: Date) async throws -> OutboxPending? {
        guard let ours = pending.claimedUntil else { return nil }
        let renewed = now.addingTimeInterval(claim)
        return try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            var kept: OutboxPending?
            for try await _ in try await client.query(
                """
                UPDATE \(unescaped: schema).outbox SET claimed_until = \(renewed)
                WHERE id = \(pending.id) AND claimed_until = \(ours) AND delivered_at IS NULL AND dead_at IS NULL
                RETURNING 1
                """, logger: logger)
            {
                kept = pending
                kept?.claimedUntil = renewed
            }
            return kept
        }
    }

    public func backlog() async throws -> [OutboxBacklog] {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            let rows = try await client.query(
                """
                SELECT channel, count(*)::bigint, min(created_at) FROM \(unescaped: schema).outbox
                WHERE delivered_at IS NULL AND dead_at IS NULL GROUP BY channel
                """, logger: logger)
            var backlog: [OutboxBacklog] = []
            for try await (channel, pending, oldest) in rows.decode((String, Int64, Date).self) {
                backlog.append(OutboxBacklog(channel: channel, pending: Int(pending), oldestCreatedAt: oldest))
            }
            return backlog
        }
    }

    public func markDelivered(_ id: Int64, at now: Date) async throws {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.query(
                """
                UPDATE \(unescaped: schema).outbox SET delivered_at = \(now), payload = NULL, last_error = NULL, claimed_until = NULL
                WHERE id = \(id)
                """, logger: logger)
        }
    }

    public func markFailed(_ id: Int64, attempts: Int, retryAt: Date, error: String) async throws {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.query(
                """
                UPDATE \(unescaped: schema).outbox
                SET attempts = \(attempts), next_attempt_at = \(retryAt), last_error = \(String(error.prefix(500))), claimed_until = NULL
                WHERE id = \(id)
                """, logger: logger)
        }
    }
}
