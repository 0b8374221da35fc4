import Foundation
import JSONRPC
import Logging
import PostgresNIO
import ServiceClient
import ServiceContract

/// The tables every service keeps beside its own in PostgreSQL, as in its SQLite file:
/// the outbox and the answers of keyed calls. A service's store writes them on the
/// connection of its own transaction, so that a message or an answer exists exactly when
/// the change that made it commits.
public enum PostgresServiceTables {
    public static func registerMigrations(in migrator: inout PostgresMigrator) {
        let schema = migrator.schema
        migrator.registerMigration(
            "service-tables-v1",
            [
                """
                CREATE TABLE \(schema).outbox (
                    id bigserial PRIMARY KEY,
                    channel text NOT NULL,
                    payload bytea,
                    deduplication_key text UNIQUE,
                    created_at timestamptz NOT NULL,
                    attempts integer NOT NULL DEFAULT 0,
                    next_attempt_at timestamptz NOT NULL,
                    delivered_at timestamptz,
                    last_error text,
                    -- Taken by one host's deliverer until then (PostgresOutboxQueue).
                    claimed_until timestamptz)
                """,
                "CREATE INDEX outbox_due ON \(schema).outbox (next_attempt_at) WHERE delivered_at IS NULL",
                """
                CREATE TABLE \(schema).idempotent_call (
                    peer_uid bigint NOT NULL,
                    method text NOT NULL,
                    key text NOT NULL,
                    params_hash bytea NOT NULL,
                    answer bytea NOT NULL,
                    created_at timestamptz NOT NULL,
                    PRIMARY KEY (peer_uid, method, key))
                """,
                "CREATE INDEX idempotent_call_created ON \(schema).idempotent_call (created_at)",
            ])
        // The throttles' counts (PostgresAttemptStore), as every SQLite file has them.
        PostgresAttemptStore.registerMigrations(in: &migrator)
        // Staged imports (PostgresImportStaging), as in the SQLite file. A row refused as
        // it was staged has an empty key and form, and its problem; `seq` orders rows that
        // share a number.
        migrator.registerMigration(
            "service-tables-v2-imports",
            [
                """
                CREATE TABLE \(schema).import_job (
                    id text PRIMARY KEY,
                    dataset text NOT NULL,
                    created_at timestamptz NOT NULL,
                    peer_uid bigint NOT NULL,
                    staged bigint NOT NULL DEFAULT 0)
                """,
                """
                CREATE TABLE \(schema).import_row (
                    job_id text NOT NULL REFERENCES \(schema).import_job (id) ON DELETE CASCADE,
                    row bigint NOT NULL,
                    seq bigserial,
                    key text NOT NULL,
                    fields bytea NOT NULL,
                    problem bytea)
                """,
                "CREATE INDEX import_row_job ON \(schema).import_row (job_id, row, seq)",
            ])
        // Dead letters (issue 26), as in the SQLite file.
        migrator.registerMigration(
            "service-tables-v3-dead-letters",
            [
                "ALTER TABLE \(schema).outbox ADD COLUMN dead_at timestamptz",
                """
                CREATE TABLE \(schema).outbox_audit (
                    id bigserial PRIMARY KEY,
                    at timestamptz NOT NULL,
                    outbox_id bigint NOT NULL,
                    channel text NOT NULL,
                    action text NOT NULL,
                    peer_uid bigint NOT NULL)
                """,
            ])
        // Key rotation (issue 26), as in the SQLite file.
        migrator.registerMigration(
            "service-tables-v4-key-version",
            ["ALTER TABLE \(schema).outbox ADD COLUMN key_version integer NOT NULL DEFAULT 1"])
        CustomerErasure.registerPostgresMigrations(in: &migrator)
        // When an import last had a batch, so that a starting host removes abandoned ones
        // (`PostgresImportPurge`); NULL for imports begun before, which count from their start.
        migrator.registerMigration(
            "service-tables-v5-import-touched", ["ALTER TABLE \(schema).import_job ADD COLUMN touched_at timestamptz"])
        // Retention deletes by time through these, not by a scan of the table on every host
        // (`RetentionPurge`, `RetentionIndexTests`). `IF NOT EXISTS`: on a large table an
        // operator may build one beforehand, `CONCURRENTLY` (README, "Many hosts": "Upgrades").
        migrator.registerMigration(
            "service-tables-v6-retention-indexes",
            [
                "CREATE INDEX IF NOT EXISTS outbox_delivered ON \(schema).outbox (delivered_at) WHERE delivered_at IS NOT NULL",
                "CREATE INDEX IF NOT EXISTS outbox_audit_at ON \(schema).outbox_audit (at)",
            ])
    }

    /// Adds `message` to the outbox in the transaction of `connection`, once the process's
    /// claim on its key holds (a background job's pass is not a call the gate stops).
    public static func enqueue(
        _ message: OutboxMessage, outbox: Outbox, schema: String, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await outbox.ensureKeyClaimed()
        let row = try outbox.seal(message)
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).outbox (channel, payload, key_version, created_at, next_attempt_at)
            VALUES (\(row.channel), \(row.payload), \(row.keyVersion), \(row.createdAt), \(row.createdAt))
            """, logger: logger)
    }

    /// The answer recorded for `call` within `IdempotentCalls.lifetime` of `now`, or nil;
    /// the key sent with other params is refused. A first call has no row to lock until it
    /// commits: the caller holds the lock that makes a repeat on another host wait for the
    /// first call's answer (a PIN check, the PIN's row) before it asks here.
    public static func recorded<Answer: Decodable>(
        _ type: Answer.Type, for call: IdempotentCalls.Call, at now: Date, schema: String,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Answer? {
        let rows = try await connection.query(
            """
            SELECT params_hash, answer FROM \(unescaped: schema).idempotent_call
            WHERE peer_uid = \(Int64(call.peerUID)) AND method = \(call.method) AND key = \(call.key)
              AND created_at > \(now.addingTimeInterval(-IdempotentCalls.lifetime))
            """, logger: logger)
        for try await (paramsHash, answer) in rows.decode((Data, Data).self) {
            try call.requireParams(hashed: paramsHash)
            return try JSONCoding.decoder.decode(Answer.self, from: answer)
        }
        return nil
    }

    /// Records `answer` for `call` in the transaction that made its effect; answers older
    /// than `IdempotentCalls.lifetime` go at the same time.
    public static func record(
        _ answer: some Encodable, for call: IdempotentCalls.Call, at now: Date, schema: String,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            "DELETE FROM \(unescaped: schema).idempotent_call WHERE created_at <= \(now.addingTimeInterval(-IdempotentCalls.lifetime))",
            logger: logger)
        let encoded = try JSONCoding.encoder.encode(answer)
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).idempotent_call (peer_uid, method, key, params_hash, answer, created_at)
            VALUES (\(Int64(call.peerUID)), \(call.method), \(call.key), \(call.paramsHash), \(encoded), \(now))
            ON CONFLICT (peer_uid, method, key) DO UPDATE
              SET params_hash = excluded.params_hash, answer = excluded.answer, created_at = excluded.created_at
            """, logger: logger)
    }
}
