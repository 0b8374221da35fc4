import ServiceKit

/// The registration schema in PostgreSQL: the tables of the SQLite file
/// (`RegistrationSchema`, all its migrations), with typed times and states checked by the
/// database.
enum RegistrationPostgresSchema {
    static func registerMigrations(in migrator: inout PostgresMigrator) {
        let schema = migrator.schema
        migrator.registerMigration(
            "registration-v1",
            contractTables(schema) + accountTables(schema) + applicationTables(schema) + recoveryTables(schema)
                + carrierIDTables(schema))
        // What expires is deleted by its time through these, as in the SQLite file.
        migrator.registerMigration(
            "registration-v2-expiry-indexes",
            [
                "CREATE INDEX IF NOT EXISTS recovery_link_expires ON \(schema).recovery_link (expires_at)",
                "CREATE INDEX IF NOT EXISTS identity_ticket_expires ON \(schema).identity_ticket (expires_at)",
                "CREATE INDEX IF NOT EXISTS carrier_journey_expires ON \(schema).carrier_journey (expires_at)",
            ])
    }

    /// Contract records (imported) and the identity check's tickets.
    private static func contractTables(_ schema: String) -> [String] {
        [
            """
            CREATE TABLE \(schema).contract (
                customer_number text PRIMARY KEY,
                name text NOT NULL,
                kana text NOT NULL,
                birth_date text NOT NULL,
                email text,
                postal_code text,
                address text,
                -- A JSON list of service names.
                services text NOT NULL,
                -- The row as staged: an unchanged row is left as it is.
                fingerprint text NOT NULL)
            """,
            "CREATE INDEX contract_email ON \(schema).contract (email)",
            """
            CREATE TABLE \(schema).contract_phone (
                customer_number text NOT NULL REFERENCES \(schema).contract ON DELETE CASCADE,
                digits text NOT NULL,
                PRIMARY KEY (customer_number, digits))
            """,
            "CREATE INDEX contract_phone_digits ON \(schema).contract_phone (digits)",
            """
            CREATE TABLE \(schema).contract_sim (
                iccid text PRIMARY KEY,
                customer_number text NOT NULL REFERENCES \(schema).contract ON DELETE CASCADE)
            """,
            "CREATE INDEX contract_sim_customer ON \(schema).contract_sim (customer_number)",
            """
            CREATE TABLE \(schema).identity_ticket (
                ticket_hash bytea PRIMARY KEY,
                customer_number text NOT NULL,
                expires_at timestamptz NOT NULL)
            """,
        ]
    }

    /// My Page accounts: reserved, provisional until the mailed link is used, then active.
    private static func accountTables(_ schema: String) -> [String] {
        [
            """
            CREATE TABLE \(schema).account (
                account_key text PRIMARY KEY,
                account_id text NOT NULL,
                customer_number text NOT NULL,
                email text NOT NULL,
                nickname text NOT NULL,
                state text NOT NULL CHECK (state IN ('reserving', 'provisional', 'active')),
                link_hash bytea UNIQUE,
                created_at timestamptz NOT NULL,
                expires_at timestamptz,
                activated_at timestamptz)
            """,
            "CREATE INDEX account_customer ON \(schema).account (customer_number)",
            // One active account per customer, whatever hosts sign them up at once.
            "CREATE UNIQUE INDEX account_one_active ON \(schema).account (customer_number) WHERE state = 'active'",
            "CREATE INDEX account_email ON \(schema).account (lower(email))",
        ]
    }

    /// Online applications, their history and identity documents.
    private static func applicationTables(_ schema: String) -> [String] {
        [
            """
            CREATE TABLE \(schema).application (
                reception_number text PRIMARY KEY,
                phone_number text NOT NULL,
                name text NOT NULL,
                kana text NOT NULL,
                birth_date text NOT NULL,
                email text NOT NULL,
                port_in_number text,
                mnp_reservation_number text,
                mnp_last_valid_day text,
                state text NOT NULL,
                note text,
                approved_at timestamptz,
                tracking_number text,
                line_number text,
                ported_out_at timestamptz,
                updated_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE \(schema).application_event (
                id bigserial PRIMARY KEY,
                reception_number text NOT NULL REFERENCES \(schema).application,
                at timestamptz NOT NULL,
                state text NOT NULL,
                actor text NOT NULL,
                note text)
            """,
            "CREATE INDEX application_event_by ON \(schema).application_event (reception_number, id)",
            """
            CREATE TABLE \(schema).application_document (
                id bigserial PRIMARY KEY,
                reception_number text NOT NULL REFERENCES \(schema).application,
                document_type text NOT NULL,
                content_type text NOT NULL,
                bytes bytea NOT NULL,
                uploaded_at timestamptz NOT NULL)
            """,
        ]
    }

    /// Member recovery: mailed links and queued letters.
    private static func recoveryTables(_ schema: String) -> [String] {
        [
            """
            CREATE TABLE \(schema).recovery_link (
                link_hash bytea PRIMARY KEY,
                account_key text NOT NULL,
                expires_at timestamptz NOT NULL,
                used_at timestamptz)
            """,
            """
            CREATE TABLE \(schema).letter_job (
                id bigserial PRIMARY KEY,
                account_key text NOT NULL,
                created_at timestamptz NOT NULL,
                due_by timestamptz NOT NULL,
                sent_at timestamptz,
                -- Not before then: a retry, or another host's claim (RecoveryLetters).
                retry_at timestamptz)
            """,
            "CREATE INDEX letter_job_unsent ON \(schema).letter_job (retry_at) WHERE sent_at IS NULL",
        ]
    }

    /// Carrier ID journeys and the IDs issued.
    private static func carrierIDTables(_ schema: String) -> [String] {
        [
            """
            CREATE TABLE \(schema).carrier_journey (
                journey_hash bytea PRIMARY KEY,
                email text NOT NULL,
                step text NOT NULL,
                carrier_key text,
                carrier_id text,
                details text,
                updated_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL)
            """,
            "CREATE INDEX carrier_journey_id ON \(schema).carrier_journey (carrier_key)",
            """
            CREATE TABLE \(schema).carrier_id (
                carrier_key text PRIMARY KEY,
                carrier_id text NOT NULL,
                email text NOT NULL,
                details text NOT NULL,
                share_with_linking boolean NOT NULL,
                dont_ask_again boolean NOT NULL,
                issued_at timestamptz NOT NULL)
            """,
        ]
    }
}
