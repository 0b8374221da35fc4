import ServiceKit

/// The lines schema in PostgreSQL: the tables of the SQLite file (`LinesSchema`), with
/// typed times and the line's kind checked by the database.
enum LinesPostgresSchema {
    static func registerMigrations(in migrator: inout PostgresMigrator) {
        let schema = migrator.schema
        migrator.registerMigration(
            "lines-v1",
            [
                """
                CREATE TABLE \(schema).line (
                    phone_number text PRIMARY KEY,
                    customer_number text NOT NULL,
                    -- Checked at the end of each statement, not row by row: an import's page
                    -- may move a SIM from one number to another in either order
                    -- (LineDataset's apply checks the rule itself, row by row, in file order).
                    iccid text NOT NULL UNIQUE DEFERRABLE INITIALLY IMMEDIATE,
                    kind text NOT NULL CHECK (kind IN ('voice', 'data')),
                    -- The row as staged: an unchanged row is left as it is.
                    fingerprint text NOT NULL)
                """,
                """
                CREATE TABLE \(schema).blocked_number (
                    id bigserial,
                    phone_number text NOT NULL REFERENCES \(schema).line,
                    number text NOT NULL,
                    added_at timestamptz NOT NULL,
                    PRIMARY KEY (phone_number, number))
                """,
                // One row per line once anything is set: absent means the defaults.
                """
                CREATE TABLE \(schema).voicemail (
                    phone_number text PRIMARY KEY REFERENCES \(schema).line,
                    enabled boolean NOT NULL,
                    ring_seconds integer NOT NULL)
                """,
                """
                CREATE TABLE \(schema).voicemail_message (
                    id bigserial PRIMARY KEY,
                    phone_number text NOT NULL REFERENCES \(schema).line,
                    caller text,
                    received_at timestamptz NOT NULL,
                    seconds integer NOT NULL,
                    saved boolean NOT NULL DEFAULT false)
                """,
                "CREATE INDEX voicemail_message_line ON \(schema).voicemail_message (phone_number, received_at)",
                """
                CREATE TABLE \(schema).forwarding (
                    phone_number text PRIMARY KEY REFERENCES \(schema).line,
                    destination text NOT NULL,
                    since timestamptz NOT NULL)
                """,
                """
                CREATE TABLE \(schema).last_caller (
                    phone_number text PRIMARY KEY REFERENCES \(schema).line,
                    -- Null when the last call came with its number withheld.
                    caller text,
                    at timestamptz NOT NULL)
                """,
                """
                CREATE TABLE \(schema).line_audit (
                    id bigserial PRIMARY KEY,
                    at timestamptz NOT NULL,
                    phone_number text NOT NULL,
                    event text NOT NULL,
                    detail text,
                    via text NOT NULL,
                    peer_uid bigint NOT NULL)
                """,
                "CREATE INDEX line_audit_line ON \(schema).line_audit (phone_number, id)",
            ])
        // Retention deletes the audit by time through it (`RetentionPurge`).
        migrator.registerMigration("lines-v2-audit-at", ["CREATE INDEX IF NOT EXISTS line_audit_at ON \(schema).line_audit (at)"])
    }
}
