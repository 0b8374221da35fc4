import Foundation
import Logging
import PostgresNIO

/// The server keys' record in PostgreSQL, as `ServerSecretRecord` keeps it in a SQLite
/// file: a service's schema is sealed with its key versions, and every host must start
/// with them all — a host with another key would answer every customer's PIN "incorrect".
/// The rule is `ServerKeyRule`'s; the first host to start with a new version records it.
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
        // Key rotation (issue 26), as in the SQLite file.
        migrator.registerMigration(
            "server-keys-v1",
            [
                """
                CREATE TABLE \(migrator.schema).server_key (
                    version integer PRIMARY KEY, fingerprint bytea NOT NULL, retired_at timestamptz, retired_by bigint)
                """,
                "INSERT INTO \(migrator.schema).server_key (version, fingerprint) SELECT 1, fingerprint FROM \(migrator.schema).server_secret",
            ])
        // Each running host's claim on the version it makes records with (`ServerKeyLease`).
        migrator.registerMigration(
            "server-key-leases-v1",
            [
                """
                CREATE TABLE \(migrator.schema).server_key_lease (
                    holder text PRIMARY KEY, version integer NOT NULL, host text NOT NULL, pid integer NOT NULL,
                    until timestamptz NOT NULL)
                """,
                "CREATE INDEX server_key_lease_version ON \(migrator.schema).server_key_lease (version, until)",
            ])
    }

    /// The keys to serve with, recording the held versions not recorded yet; throws
    /// `StartupRefusal` when the rule refuses them. The rule is applied again after the
    /// record, so that two hosts starting at once with different keys of one version
    /// cannot both go on.
    static func keys(
        _ held: [Int: ServerSecret], files: [ServerKeyFiles.File], client: PostgresClient, schema: String, logger: Logger
    ) async throws -> ServerKeys {
        let database = "the PostgreSQL schema \(schema)"
        let (_, toRecord) = try ServerKeyRule.keys(
            held: held, recorded: try await recorded(client: client, schema: schema, logger: logger), files: files,
            database: database)
        for version in toRecord {
            try await client.query(
                """
                INSERT INTO \(unescaped: schema).server_key (version, fingerprint) VALUES (\(version), \(held[version]!.fingerprint))
                ON CONFLICT (version) DO NOTHING
                """, logger: logger)
        }
        return try ServerKeyRule.keys(
            held: held, recorded: try await recorded(client: client, schema: schema, logger: logger), files: files,
            database: database
        ).keys
    }

    static func recorded(client: PostgresClient, schema: String, logger: Logger) async throws -> [RecordedServerKey] {
        var recorded: [RecordedServerKey] = []
        for try await (version, fingerprint, retiredAt) in try await client.query(
            "SELECT version, fingerprint, retired_at FROM \(unescaped: schema).server_key ORDER BY version", logger: logger
        ).decode((Int, Data, Date?).self) {
            recorded.append(RecordedServerKey(version: version, fingerprint: fingerprint, retiredAt: retiredAt))
        }
        return recorded
    }
}
