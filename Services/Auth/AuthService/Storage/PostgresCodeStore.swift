import AuthAPI
import Foundation
import Logging
import PostgresNIO
import ServiceClient
import ServiceKit

/// One-time codes in PostgreSQL (`<schema>.one_time_code`), shared by every host. Each
/// transaction first takes an advisory lock on the destination
/// (`pg_advisory_xact_lock`), so an issue and a check, or two checks, of the same
/// destination on two hosts run one after the other: a code is used once, and a new code
/// voids the old one before anyone can try either.
struct PostgresCodeStore: CodeStore {
    let client: PostgresClient
    let schema: String
    let outbox: Outbox
    let clock: any ServiceClock
    let logger: Logger
    var timeLimit: Duration = .seconds(5)

    static let columns = "id, purpose, channel, destination, hash, salt, created_at, expires_at, tries, used_at, voided_at"

    func issue(
        _ record: OneTimeCodeRecord, message: OutboxMessage, answer: IssuedCode, keyed: IdempotentCalls.Call?
    ) async throws -> IssuedCode {
        try await classifyingFaults(within: timeLimit) { [self] in
            try await client.withTransaction(logger: logger) { connection in
                try await lock(CodeKey(record), on: connection)
                if let keyed,
                    let first = try await PostgresServiceTables.recorded(
                        IssuedCode.self, for: keyed, at: clock.now(), schema: schema, on: connection, logger: logger)
                {
                    return first
                }
                try await connection.query(
                    """
                    UPDATE \(unescaped: schema).one_time_code SET voided_at = \(record.createdAt)
                    WHERE purpose = \(record.purpose) AND channel = \(record.channel) AND destination = \(record.destination)
                      AND used_at IS NULL AND voided_at IS NULL
                    """, logger: logger)
                try await connection.query(
                    """
                    INSERT INTO \(unescaped: schema).one_time_code (\(unescaped: Self.columns))
                    VALUES (\(record.id), \(record.purpose), \(record.channel), \(record.destination), \(record.hash),
                            \(record.salt), \(record.createdAt), \(record.expiresAt), \(record.tries), \(record.usedAt),
                            \(record.voidedAt))
                    """, logger: logger)
                try await PostgresServiceTables.enqueue(message, outbox: outbox, schema: schema, on: connection, logger: logger)
                if let keyed {
                    try await PostgresServiceTables.record(
                        answer, for: keyed, at: clock.now(), schema: schema, on: connection, logger: logger)
                }
                return answer
            }
        }
    }

    func recordedIssue(_ keyed: IdempotentCalls.Call) async throws -> IssuedCode? {
        try await classifyingFaults(within: timeLimit) { [self] in
            try await client.withConnection { connection in
                try await PostgresServiceTables.recorded(
                    IssuedCode.self, for: keyed, at: clock.now(), schema: schema, on: connection, logger: logger)
            }
        }
    }

    func checkLiveCode<Outcome: Sendable>(
        _ key: CodeKey, _ check: @escaping @Sendable (inout OneTimeCodeRecord?) throws -> Outcome
    ) async throws -> Outcome {
        try await classifyingFaults(within: timeLimit) { [self] in
            try await client.withTransaction(logger: logger) { connection in
                try await lock(key, on: connection)
                var before: OneTimeCodeRecord?
                let rows = try await connection.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).one_time_code
                    WHERE purpose = \(key.purpose) AND channel = \(key.channel) AND destination = \(key.destination)
                      AND used_at IS NULL AND voided_at IS NULL
                    ORDER BY created_at DESC LIMIT 1
                    """, logger: logger)
                for try await row in rows.decode((String, String, String, String, Data, Data, Date, Date, Int, Date?, Date?).self) {
                    before = OneTimeCodeRecord(
                        id: row.0, purpose: row.1, channel: row.2, destination: row.3, hash: row.4, salt: row.5,
                        createdAt: row.6, expiresAt: row.7, tries: row.8, usedAt: row.9, voidedAt: row.10)
                }
                var record = before
                let outcome = try check(&record)
                if let record, record != before {
                    try await connection.query(
                        """
                        UPDATE \(unescaped: schema).one_time_code
                        SET tries = \(record.tries), used_at = \(record.usedAt), voided_at = \(record.voidedAt)
                        WHERE id = \(record.id)
                        """, logger: logger)
                }
                return outcome
            }
        }
    }

    /// Holds the destination's codes until the transaction ends. The lock's number is a
    /// hash of the key: two keys sharing one only wait for each other.
    private func lock(_ key: CodeKey, on connection: PostgresConnection) async throws {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(hashtextextended(\("one_time_code/" + key.text), 0))", logger: logger)
    }
}

extension AuthPostgresSchema {
    /// The one-time codes' table.
    static func registerCodeMigrations(in migrator: inout PostgresMigrator) {
        let schema = migrator.schema
        migrator.registerMigration(
            "auth-one-time-codes-v1",
            [
                """
                CREATE TABLE \(schema).one_time_code (
                    id text PRIMARY KEY,
                    purpose text NOT NULL,
                    channel text NOT NULL,
                    destination text NOT NULL,
                    hash bytea NOT NULL,
                    salt bytea NOT NULL,
                    created_at timestamptz NOT NULL,
                    expires_at timestamptz NOT NULL,
                    tries integer NOT NULL DEFAULT 0,
                    used_at timestamptz,
                    voided_at timestamptz)
                """,
                "CREATE INDEX one_time_code_destination ON \(schema).one_time_code (purpose, channel, destination, created_at)",
            ])
    }
}
