import Foundation
import Logging
import MadoguchiModels
import PostgresNIO
import ServiceClient
import ServiceKit

/// Member recovery in PostgreSQL (`RegistrationPostgresSchema`), shared by every host:
/// letters are claimed with `FOR UPDATE SKIP LOCKED`, so each is sent by one host.
struct PostgresRecoveryStore: RecoveryStore {
    let database: PostgresAccess
    let outbox: Outbox

    init(client: PostgresClient, schema: String, outbox: Outbox, logger: Logger) {
        database = PostgresAccess(client: client, schema: schema, logger: logger)
        self.outbox = outbox
    }

    func member(_ lookup: MemberLookup) async throws -> RecoveryMember? {
        try await database.run { [database] connection in
            let schema = database.schema
            let columns = "a.account_key, a.account_id, a.email, c.name, c.postal_code, c.address"
            let query: PostgresQuery =
                switch lookup {
                case .email(let email, let name, let birthDate):
                    """
                    SELECT \(unescaped: columns) FROM \(unescaped: schema).account a
                      JOIN \(unescaped: schema).contract c USING (customer_number)
                    WHERE a.state = 'active' AND c.birth_date = \(birthDate.description)
                      AND (lower(a.email) = \(email.value.lowercased()) OR c.email = \(email.value.lowercased()))
                      AND (c.name = \(name.value) OR c.kana = \(RecoveryMember.kana(of: name)))
                    LIMIT 1
                    """
                case .sim(let iccid, let phone, let birthDate):
                    """
                    SELECT \(unescaped: columns) FROM \(unescaped: schema).contract_sim s
                      JOIN \(unescaped: schema).contract c USING (customer_number)
                      JOIN \(unescaped: schema).contract_phone p USING (customer_number)
                      JOIN \(unescaped: schema).account a USING (customer_number)
                    WHERE s.iccid = \(iccid.digits) AND p.digits = \(phone.digits) AND c.birth_date = \(birthDate.description)
                      AND a.state = 'active'
                    LIMIT 1
                    """
                case .account(let key):
                    """
                    SELECT \(unescaped: columns) FROM \(unescaped: schema).account a
                      JOIN \(unescaped: schema).contract c USING (customer_number)
                    WHERE a.account_key = \(key) AND a.state = 'active'
                    """
                }
            for try await row in try await connection.query(query, logger: database.logger)
                .decode((String, String, String, String, String?, String?).self)
            {
                return RecoveryMember(
                    accountKey: row.0, accountId: row.1, email: row.2, name: row.3, postalCode: row.4, address: row.5)
            }
            return nil
        }
    }

    func addLink(hash: Data, accountKey: String, expiresAt: Date, mail: OutboxMessage) async throws {
        try await database.transaction { [database, outbox] connection in
            let (schema, logger) = (database.schema, database.logger)
            try await connection.query(
                """
                INSERT INTO \(unescaped: schema).recovery_link (link_hash, account_key, expires_at)
                VALUES (\(hash), \(accountKey), \(expiresAt))
                """, logger: logger)
            try await PostgresServiceTables.enqueue(mail, outbox: outbox, schema: schema, on: connection, logger: logger)
        }
    }

    func link(_ hash: Data) async throws -> (accountKey: String, accountId: String, expiresAt: Date)? {
        try await database.run { [database] connection in
            let schema = database.schema
            for try await (key, accountId, expiresAt) in try await connection.query(
                """
                SELECT r.account_key, a.account_id, r.expires_at FROM \(unescaped: schema).recovery_link r
                  JOIN \(unescaped: schema).account a USING (account_key)
                WHERE r.link_hash = \(hash) AND r.used_at IS NULL
                """, logger: database.logger
            ).decode((String, String, Date).self) { return (key, accountId, expiresAt) }
            return nil
        }
    }

    func useLink(_ hash: Data, at now: Date) async throws -> Bool {
        try await database.run { [database] connection in
            try await database.returnsRow(
                """
                UPDATE \(unescaped: database.schema).recovery_link SET used_at = \(now)
                WHERE link_hash = \(hash) AND used_at IS NULL RETURNING 1
                """, on: connection)
        }
    }

    func releaseLink(_ hash: Data) async throws {
        try await database.run { [database] connection in
            try await connection.query(
                "UPDATE \(unescaped: database.schema).recovery_link SET used_at = NULL WHERE link_hash = \(hash)", logger: database.logger)
        }
    }

    func queueLetter(accountKey: String, at now: Date, dueBy: Date) async throws {
        try await database.run { [database] connection in
            try await connection.query(
                """
                INSERT INTO \(unescaped: database.schema).letter_job (account_key, created_at, due_by)
                VALUES (\(accountKey), \(now), \(dueBy))
                """, logger: database.logger)
        }
    }

    func claimDueLetters(at now: Date, claim: TimeInterval, limit: Int) async throws -> [LetterJob] {
        try await database.run { [database] connection in
            let schema = database.schema
            var jobs: [LetterJob] = []
            for try await (id, accountKey, dueBy) in try await connection.query(
                """
                UPDATE \(unescaped: schema).letter_job SET retry_at = \(now.addingTimeInterval(claim))
                WHERE id IN (
                    SELECT id FROM \(unescaped: schema).letter_job
                    WHERE sent_at IS NULL AND (retry_at IS NULL OR retry_at <= \(now))
                    ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING id, account_key, due_by
                """, logger: database.logger
            ).decode((Int64, String, Date).self) { jobs.append(LetterJob(id: id, accountKey: accountKey, dueBy: dueBy)) }
            return jobs.sorted { $0.id < $1.id }
        }
    }

    func letterSent(_ id: Int64, at now: Date, mail: OutboxMessage?) async throws {
        try await database.transaction { [database, outbox] connection in
            let (schema, logger) = (database.schema, database.logger)
            if let mail { try await PostgresServiceTables.enqueue(mail, outbox: outbox, schema: schema, on: connection, logger: logger) }
            try await connection.query("UPDATE \(unescaped: schema).letter_job SET sent_at = \(now) WHERE id = \(id)", logger: logger)
        }
    }

    func retryLetter(_ id: Int64, at retryAt: Date) async throws {
        try await database.run { [database] connection in
            try await connection.query(
                "UPDATE \(unescaped: database.schema).letter_job SET retry_at = \(retryAt) WHERE id = \(id)", logger: database.logger)
        }
    }
}
