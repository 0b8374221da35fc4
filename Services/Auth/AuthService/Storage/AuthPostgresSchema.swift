import AuthAPI
import ServiceKit

/// The auth service's tables in PostgreSQL, in its own schema (beside those every service
/// keeps, `PostgresServiceTables`): PINs, audit trail, codes, sessions, passwords and the
/// callers' shared failure counts. Versioned as the SQLite ones
/// are, and applied once however many hosts start together (`PostgresMigrator`).
enum AuthPostgresSchema {
    static func registerMigrations(in migrator: inout PostgresMigrator) {
        let schema = migrator.schema
        let kinds = PINKind.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        migrator.registerMigration(
            "auth-pins-v1",
            [
                """
                CREATE TABLE \(schema).pin (
                    subject text NOT NULL,
                    kind text NOT NULL CHECK (kind IN (\(kinds))),
                    hash bytea NOT NULL,
                    salt bytea NOT NULL,
                    must_change boolean NOT NULL DEFAULT false,
                    failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
                    locked_until timestamptz,
                    updated_at timestamptz NOT NULL,
                    pending_hash bytea,
                    pending_salt bytea,
                    pending_due_at timestamptz,
                    pending_email text,
                    holder_birth_date text,
                    holder_phones text,
                    PRIMARY KEY (subject, kind))
                """,
                "CREATE INDEX pin_pending_due ON \(schema).pin (pending_due_at) WHERE pending_due_at IS NOT NULL",
                """
                CREATE TABLE \(schema).audit (
                    id bigserial PRIMARY KEY,
                    at timestamptz NOT NULL,
                    event text NOT NULL,
                    subject text NOT NULL,
                    kind text,
                    peer_uid bigint NOT NULL,
                    detail text)
                """,
                "CREATE INDEX audit_subject ON \(schema).audit (subject, at)",
            ])
        registerCodeMigrations(in: &migrator)
        registerSessionMigrations(in: &migrator)
        registerPasswordMigrations(in: &migrator)
        // The times retention deletes by (`AuthService.retentionRules`), as in the SQLite file.
        migrator.registerMigration(
            "auth-retention-indexes-v1",
            [
                "CREATE INDEX IF NOT EXISTS audit_at ON \(schema).audit (at)",
                "CREATE INDEX IF NOT EXISTS session_expires ON \(schema).session (expires_at)",
                "CREATE INDEX IF NOT EXISTS session_closed ON \(schema).session (closed_at) WHERE closed_at IS NOT NULL",
                "CREATE INDEX IF NOT EXISTS one_time_code_expires ON \(schema).one_time_code (expires_at)",
            ])
    }
}
