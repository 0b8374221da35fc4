import AuthAPI
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// Passwords in PostgreSQL (`<schema>.password`), shared by every host.
struct PostgresPasswordStore: PasswordStore {
    let client: PostgresClient
    let schema: String
    let logger: Logger
    var timeLimit: Duration = .seconds(5)

    func find(_ loginID: LoginID, realm: PasswordRealm) async throws -> PasswordRecord? {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            let rows = try await client.query(
                """
                SELECT realm, login_id, encoded, updated_at, pending, customer_number FROM \(unescaped: schema).password
                WHERE realm = \(realm.rawValue) AND login_id = \(loginID.value)
                """, logger: logger)
            for try await row in rows.decode((String, String, String, Date, Bool, String?).self) {
                return PasswordRecord(
                    realm: row.0, loginID: row.1, encoded: row.2, updatedAt: row.3, pending: row.4, customerNumber: row.5)
            }
            return nil
        }
    }

    func save(_ record: PasswordRecord, audit: AuditEvent) async throws {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO \(unescaped: schema).password AS p (realm, login_id, encoded, updated_at, pending, customer_number)
                    VALUES (\(record.realm), \(record.loginID), \(record.encoded), \(record.updatedAt), \(record.pending),
                            \(record.customerNumber))
                    ON CONFLICT (realm, login_id) DO UPDATE SET
                      encoded = excluded.encoded, updated_at = excluded.updated_at, pending = excluded.pending,
                      customer_number = CASE WHEN excluded.pending THEN excluded.customer_number
                                             ELSE coalesce(excluded.customer_number, p.customer_number) END
                    """, logger: logger)
                try await AuthPostgresSchema.insert(audit, schema: schema, on: connection, logger: logger)
            }
        }
    }

    func rehash(_ record: PasswordRecord, replacing: String) async throws {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.query(
                """
                UPDATE \(unescaped: schema).password SET encoded = \(record.encoded), updated_at = \(record.updatedAt)
                WHERE realm = \(record.realm) AND login_id = \(record.loginID) AND encoded = \(replacing)
                """, logger: logger)
        }
    }

    func activate(_ loginID: LoginID, at now: Date, audit: AuditEvent) async throws -> Bool {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.withTransaction(logger: logger) { connection in
                let activated = try await connection.returnsRow(
                    """
                    UPDATE \(unescaped: schema).password SET pending = false, updated_at = \(now)
                    WHERE realm = 'login' AND login_id = \(loginID.value) AND pending RETURNING login_id
                    """, logger: logger)
                if activated { try await AuthPostgresSchema.insert(audit, schema: schema, on: connection, logger: logger) }
                return activated
            }
        }
    }
}

/// The audit trail in PostgreSQL (`<schema>.audit`).
struct PostgresAuditTrail: AuditTrail {
    let client: PostgresClient
    let schema: String
    let logger: Logger
    var timeLimit: Duration = .seconds(5)

    func append(_ entries: [AuditEvent]) async throws {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.withTransaction(logger: logger) { connection in
                for entry in entries { try await AuthPostgresSchema.insert(entry, schema: schema, on: connection, logger: logger) }
            }
        }
    }

    func newest(subject: String?, in range: AuditRange, limit: Int) async throws -> [AuditEvent] {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            let columns = "id, at, event, subject, kind, peer_uid, detail"
            // Each filter is a bound value or NULL (no filter): one prepared statement.
            let rows = try await client.query(
                """
                SELECT \(unescaped: columns) FROM \(unescaped: schema).audit
                WHERE (\(subject)::text IS NULL OR subject = \(subject))
                  AND (\(range.since)::timestamptz IS NULL OR at >= \(range.since))
                  AND (\(range.until)::timestamptz IS NULL OR at < \(range.until))
                ORDER BY id DESC LIMIT \(limit)
                """, logger: logger)
            var entries: [AuditEvent] = []
            for try await row in rows.decode((Int64, Date, String, String, String?, Int64, String?).self) {
                entries.append(
                    AuditEvent(id: row.0, at: row.1, event: row.2, subject: row.3, kind: row.4, peerUID: row.5, detail: row.6))
            }
            return entries
        }
    }
}

extension AuthPostgresSchema {
    /// The passwords' table.
    static func registerPasswordMigrations(in migrator: inout PostgresMigrator) {
        let schema = migrator.schema
        let realms = PasswordRealm.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        migrator.registerMigration(
            "auth-passwords-v1",
            [
                """
                CREATE TABLE \(schema).password (
                    realm text NOT NULL CHECK (realm IN (\(realms))),
                    login_id text NOT NULL,
                    encoded text NOT NULL,
                    updated_at timestamptz NOT NULL,
                    pending boolean NOT NULL DEFAULT false,
                    customer_number text,
                    PRIMARY KEY (realm, login_id))
                """
            ])
    }
}
