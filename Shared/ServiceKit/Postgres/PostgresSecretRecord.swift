import Foundation
import Logging
import PostgresNIO

/// The key's fingerprint in PostgreSQL, as `ServerSecretRecord` keeps it in a SQLite file:
/// a service's schema is sealed with one key, and every host must start with that key —
/// a host with another would answer every customer's PIN "incorrect". The first start
/// records the fingerprint; a start with a different key is refused before it serves.
enum PostgresSecretRecord {
    static func registerMigrations(in migrator: inout PostgresMigrator) {
        migrator.registerMigration(
            "server-secret-v1",
            [
                """
                CREATE TABLE \(migrator.schema).server_secret (
                    id integer PRIMARY KEY CHECK (id = 1), fingerprint bytea NOT NULL)
                """
            ])
    }

    /// Records `secret`'s fingerprint if none is; throws `StartupRefusal` when the one
    /// recorded is another key's.
    static func check(_ secret: ServerSecret, client: PostgresClient, schema: String, logger: Logger) async throws {
        try await client.query(
            """
            INSERT INTO \(unescaped: schema).server_secret (id, fingerprint) VALUES (1, \(secret.fingerprint))
            ON CONFLICT (id) DO NOTHING
            """, logger: logger)
        for try await recorded in try await client.query(
            "SELECT fingerprint FROM \(unescaped: schema).server_secret WHERE id = 1", logger: logger
        ).decode(Data.self) where recorded != secret.fingerprint {
            throw StartupRefusal(
                "the server secret is not the key the PostgreSQL schema \(schema) was sealed with (its fingerprint "
                    + "differs): every stored PIN, password, session and queued message would be unusable. Nothing was "
                    + "changed. Every host must start with the same key file (--secret-file, or LoadCredential=pepper:…)")
        }
    }
}
