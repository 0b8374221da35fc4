import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// Sessions in PostgreSQL (`<schema>.session`), shared by every host.
struct PostgresSessionStore: SessionStore {
    let client: PostgresClient
    let schema: String
    let logger: Logger
    var timeLimit: Duration = .seconds(5)

    func open(_ record: SessionRecord, audit: AuditEvent) async throws {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO \(unescaped: schema).session
                      (token_hash, principal, method, created_at, expires_at, closed_at, customer_number)
                    VALUES (\(record.tokenHash), \(record.principal), \(record.method), \(record.createdAt),
                            \(record.expiresAt), \(record.closedAt), \(record.customerNumber))
                    """, logger: logger)
                try await AuthPostgresSchema.insert(audit, schema: schema, on: connection, logger: logger)
            }
        }
    }

    func find(tokenHash: Data) async throws -> SessionRecord? {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            let rows = try await client.query(
                """
                SELECT token_hash, principal, method, created_at, expires_at, closed_at, customer_number
                FROM \(unescaped: schema).session WHERE token_hash = \(tokenHash)
                """, logger: logger)
            for try await row in rows.decode((Data, String, String, Date, Date, Date?, String?).self) {
                return SessionRecord(
                    tokenHash: row.0, principal: row.1, method: row.2, createdAt: row.3, expiresAt: row.4, closedAt: row.5,
                    customerNumber: row.6)
            }
            return nil
        }
    }

    func close(tokenHash: Data, at now: Date) async throws {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.query(
                "UPDATE \(unescaped: schema).session SET closed_at = \(now) WHERE token_hash = \(tokenHash) AND closed_at IS NULL",
                logger: logger)
        }
    }
}

extension AuthPostgresSchema {
    /// The sessions' table.
    static func registerSessionMigrations(in migrator: inout PostgresMigrator) {
        let schema = migrator.schema
        migrator.registerMigration(
            "auth-sessions-v1",
            [
                """
                CREATE TABLE \(schema).session (
                    token_hash bytea PRIMARY KEY,
                    principal text NOT NULL,
                    method text NOT NULL,
                    created_at timestamptz NOT NULL,
                    expires_at timestamptz NOT NULL,
                    closed_at timestamptz,
                    customer_number text)
                """
            ])
    }

    /// Adds an audit entry in the transaction of `connection`.
    static func insert(_ entry: AuditEvent, schema: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).audit (at, event, subject, kind, peer_uid, detail)
            VALUES (\(entry.at), \(entry.event), \(entry.subject), \(entry.kind), \(entry.peerUID), \(entry.detail))
            """, logger: logger)
    }
}
