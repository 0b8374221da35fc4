import ServiceKit

/// The linking schema in PostgreSQL: the tables of the SQLite file (`LinkingSchema`), with
/// typed times and states checked by the database.
enum LinkingPostgresSchema {
    static func registerMigrations(in migrator: inout PostgresMigrator) {
        let schema = migrator.schema
        migrator.registerMigration("linking-v1", contractAndJourneyTables(schema) + linkTables(schema))
        // Retention deletes the audit by time through it (`RetentionPurge`).
        migrator.registerMigration("linking-v2-audit-at", ["CREATE INDEX IF NOT EXISTS link_audit_at ON \(schema).link_audit (at)"])
    }

    /// ISP contracts (imported) and linking journeys.
    private static func contractAndJourneyTables(_ schema: String) -> [String] {
        [
            """
            CREATE TABLE \(schema).isp_contract (
                customer_number text PRIMARY KEY,
                description text NOT NULL,
                -- One ISP address names one contract: the journey finds the contract by it.
                -- Checked at the end of each statement: an import's page may move an
                -- address between contracts in either order (ClaimedValues checks the
                -- rule row by row, in file order).
                email text NOT NULL UNIQUE DEFERRABLE INITIALLY IMMEDIATE,
                phone_number text NOT NULL,
                phone_kind text NOT NULL CHECK (phone_kind IN ('mobile', 'landline')),
                holder_name text NOT NULL,
                fingerprint text NOT NULL)
            """,
            """
            CREATE TABLE \(schema).link_journey (
                journey_hash bytea PRIMARY KEY,
                carrier_key text NOT NULL,
                carrier_id text NOT NULL,
                carrier_email text NOT NULL,
                entered_name text NOT NULL,
                entered_kana text NOT NULL,
                entered_birth_date text NOT NULL,
                isp_email text NOT NULL,
                -- Null when the address is no ISP contract's: the journey looks the same.
                customer_number text,
                step text NOT NULL CHECK (step IN ('email_code', 'isp_login', 'second_factor', 'linked')),
                tries integer NOT NULL DEFAULT 0,
                code_sent_at timestamptz NOT NULL,
                code_sent_by text CHECK (code_sent_by IN ('sms', 'voice')),
                link_number text,
                updated_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL)
            """,
            "CREATE INDEX link_journey_expiry ON \(schema).link_journey (expires_at)",
        ]
    }

    /// Links and their audit trail.
    private static func linkTables(_ schema: String) -> [String] {
        [
            """
            CREATE TABLE \(schema).isp_link (
                id bigserial UNIQUE,
                link_number text PRIMARY KEY,
                customer_number text NOT NULL REFERENCES \(schema).isp_contract,
                carrier_key text NOT NULL,
                carrier_id text NOT NULL,
                carrier_email text NOT NULL,
                entered_name text NOT NULL,
                entered_kana text NOT NULL,
                entered_birth_date text NOT NULL,
                holder_matches_contract boolean NOT NULL,
                linked_at timestamptz NOT NULL,
                unlinked_at timestamptz,
                unlinked_by text,
                unlink_reason text)
            """,
            // One ISP contract ↔ at most one carrier ID at a time, kept by the database
            // itself, so that two journeys finishing together (on any hosts) cannot both link.
            "CREATE UNIQUE INDEX isp_link_contract_live ON \(schema).isp_link (customer_number) WHERE unlinked_at IS NULL",
            "CREATE UNIQUE INDEX isp_link_carrier_live ON \(schema).isp_link (carrier_key) WHERE unlinked_at IS NULL",
            "CREATE INDEX isp_link_contract ON \(schema).isp_link (customer_number, linked_at)",
            """
            CREATE TABLE \(schema).link_audit (
                id bigserial PRIMARY KEY,
                at timestamptz NOT NULL,
                event text NOT NULL,
                link_number text NOT NULL,
                customer_number text NOT NULL,
                carrier_key text NOT NULL,
                peer_uid bigint NOT NULL,
                detail text)
            """,
        ]
    }
}
