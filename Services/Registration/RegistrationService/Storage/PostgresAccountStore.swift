import Foundation
import JSONRPC
import Logging
import PostgresNIO
import RegistrationAPI
import ServiceClient
import ServiceKit

/// Contract records and My Page accounts in PostgreSQL (`RegistrationPostgresSchema`),
/// shared by every host. A name is claimed (a sign-up's reservation, a carrier ID
/// journey's choice) under a transaction lock on the name, so two hosts claiming one name
/// at once take turns and the second finds it taken.
struct PostgresAccountStore: AccountStore {
    let database: PostgresAccess
    let outbox: Outbox

    init(client: PostgresClient, schema: String, outbox: Outbox, logger: Logger) {
        database = PostgresAccess(client: client, schema: schema, logger: logger)
        self.outbox = outbox
    }

    func contractMatches(customerNumber: String, phone: String, kana: String) async throws -> Bool {
        try await database.run { [database] connection in
            try await database.returnsRow(
                """
                SELECT 1 FROM \(unescaped: database.schema).contract JOIN \(unescaped: database.schema).contract_phone USING (customer_number)
                WHERE customer_number = \(customerNumber) AND digits = \(phone) AND kana = \(kana)
                """, on: connection)
        }
    }

    func contractSummary(of customerNumber: String) async throws -> ContractSummary? {
        try await database.run { [database] connection in
            let (schema, logger) = (database.schema, database.logger)
            let rows = try await connection.query(
                """
                SELECT c.name, c.kana, c.birth_date, c.email, c.postal_code, c.address, c.services,
                  ARRAY(SELECT digits FROM \(unescaped: schema).contract_phone p WHERE p.customer_number = c.customer_number ORDER BY digits),
                  ARRAY(SELECT iccid FROM \(unescaped: schema).contract_sim s WHERE s.customer_number = c.customer_number ORDER BY iccid),
                  (SELECT account_id FROM \(unescaped: schema).account a WHERE a.customer_number = c.customer_number AND a.state = 'active' LIMIT 1)
                FROM \(unescaped: schema).contract c WHERE c.customer_number = \(customerNumber)
                """, logger: logger)
            for try await row in rows.decode((String, String, String, String?, String?, String?, String, [String], [String], String?).self) {
                return ContractSummary(
                    customerNumber: customerNumber, name: row.0, kana: row.1, birthDate: row.2, phoneNumbers: row.7, email: row.3,
                    postalCode: row.4, address: row.5, iccids: row.8, services: StoredServices.read(row.6), myPageAccountId: row.9)
            }
            return nil
        }
    }

    func issueTicket(hash: Data, customerNumber: String, expiresAt: Date, at now: Date) async throws {
        try await database.transaction { [database] connection in
            let (schema, logger) = (database.schema, database.logger)
            try await connection.query("DELETE FROM \(unescaped: schema).identity_ticket WHERE expires_at <= \(now)", logger: logger)
            try await connection.query(
                """
                INSERT INTO \(unescaped: schema).identity_ticket (ticket_hash, customer_number, expires_at)
                VALUES (\(hash), \(customerNumber), \(expiresAt))
                """, logger: logger)
        }
    }

    func isLoginNameTaken(_ key: String, at now: Date) async throws -> Bool {
        try await database.run { [database] connection in
            try await PostgresLoginNames.isTaken(key, at: now, database: database, on: connection)
        }
    }

    func reserve(_ account: NewAccount, ticketHash: Data, at now: Date) async throws -> String {
        try await database.transaction { [database] connection in
            let (schema, logger) = (database.schema, database.logger)
            var found: String?
            for try await customer in try await connection.query(
                """
                SELECT customer_number FROM \(unescaped: schema).identity_ticket
                WHERE ticket_hash = \(ticketHash) AND expires_at > \(now)
                """, logger: logger
            ).decode(String.self) { found = customer }
            guard let customer = found else { throw RegistrationError.ticketInvalid }
            // The customer first, then the name (always in this order): two sign-ups of one
            // customer (two tabs, two hosts) take turns, and the second replaces the first
            // or finds the account it activated meanwhile, as on SQLite.
            try await PostgresLoginNames.lockCustomer(customer, on: connection, logger: logger)
            if try await database.returnsRow(
                "SELECT 1 FROM \(unescaped: schema).account WHERE customer_number = \(customer) AND state = 'active'", on: connection)
            {
                throw RegistrationError.alreadyRegistered
            }
            try await PostgresLoginNames.lock(account.key, on: connection, logger: logger)
            // Starting again replaces this customer's earlier provisional registration.
            try await connection.query(
                """
                DELETE FROM \(unescaped: schema).account WHERE state IN ('provisional', 'reserving')
                  AND (customer_number = \(customer) OR (account_key = \(account.key) AND expires_at <= \(now)))
                """, logger: logger)
            if try await PostgresLoginNames.isTaken(account.key, at: now, database: database, on: connection) { throw LoginNames.taken }
            try await connection.query(
                """
                INSERT INTO \(unescaped: schema).account
                  (account_key, account_id, customer_number, email, nickname, state, link_hash, created_at, expires_at)
                VALUES (\(account.key), \(account.accountId), \(customer), \(account.email), \(account.nickname), 'reserving',
                        \(account.linkHash), \(now), \(account.expiresAt))
                """, logger: logger)
            return customer
        }
    }

    func release(accountKey: String, customerNumber: String, linkHash: Data) async throws {
        try await database.run { [database] connection in
            try await connection.query(
                """
                DELETE FROM \(unescaped: database.schema).account
                WHERE account_key = \(accountKey) AND customer_number = \(customerNumber) AND link_hash = \(linkHash)
                  AND state = 'reserving'
                """, logger: database.logger)
        }
    }

    func confirm(accountKey: String, customerNumber: String, linkHash: Data, ticketHash: Data, mail: OutboxMessage) async throws {
        try await database.transaction { [database, outbox] connection in
            let (schema, logger) = (database.schema, database.logger)
            guard
                try await database.returnsRow(
                    """
                    UPDATE \(unescaped: schema).account SET state = 'provisional'
                    WHERE account_key = \(accountKey) AND customer_number = \(customerNumber) AND link_hash = \(linkHash)
                      AND state = 'reserving' RETURNING 1
                    """, on: connection)
            else { throw RegistrationError.ticketInvalid }
            try await connection.query("DELETE FROM \(unescaped: schema).identity_ticket WHERE ticket_hash = \(ticketHash)", logger: logger)
            try await PostgresServiceTables.enqueue(mail, outbox: outbox, schema: schema, on: connection, logger: logger)
        }
    }

    func removeReservations(madeBefore cutOff: Date) async throws {
        try await database.run { [database] connection in
            try await connection.query(
                "DELETE FROM \(unescaped: database.schema).account WHERE state = 'reserving' AND created_at < \(cutOff)",
                logger: database.logger)
        }
    }

    func account(linkHash: Data) async throws -> LinkedAccount? {
        try await database.run { [database] connection in
            for try await (key, accountId, email, expiresAt) in try await connection.query(
                """
                SELECT account_key, account_id, email, expires_at FROM \(unescaped: database.schema).account
                WHERE link_hash = \(linkHash)
                """, logger: database.logger
            ).decode((String, String, String, Date?).self) {
                return LinkedAccount(key: key, accountId: accountId, email: email, expiresAt: expiresAt)
            }
            return nil
        }
    }

    func activate(accountKey: String, linkHash: Data, at now: Date, mail: OutboxMessage) async throws -> Bool {
        try await database.transaction { [database, outbox] connection in
            let (schema, logger) = (database.schema, database.logger)
            var found: String?
            for try await customer in try await connection.query(
                """
                SELECT customer_number FROM \(unescaped: schema).account WHERE account_key = \(accountKey) AND link_hash = \(linkHash)
                """, logger: logger
            ).decode(String.self) { found = customer }
            guard let customer = found else { return false }
            // A sign-up of the same customer waits, and then finds this account active.
            try await PostgresLoginNames.lockCustomer(customer, on: connection, logger: logger)
            let activated: Bool
            do {
                activated = try await database.returnsRow(
                    """
                    UPDATE \(unescaped: schema).account SET state = 'active', activated_at = \(now), link_hash = NULL, expires_at = NULL
                    WHERE account_key = \(accountKey) AND link_hash = \(linkHash) RETURNING 1
                    """, on: connection)
            } catch let error as PSQLError where error.serverInfo?[.constraintName] == "account_one_active" {
                throw RegistrationError.alreadyRegistered
            }
            guard activated else { return false }
            try await PostgresServiceTables.enqueue(mail, outbox: outbox, schema: schema, on: connection, logger: logger)
            return true
        }
    }

    func activeAccount(loginText text: String) async throws -> (key: String, accountId: String)? {
        try await database.run { [database] connection in
            for try await (key, accountId) in try await connection.query(
                """
                SELECT account_key, account_id FROM \(unescaped: database.schema).account
                WHERE state = 'active' AND (account_key = \(text) OR lower(email) = \(text))
                ORDER BY account_key = \(text) DESC, activated_at DESC LIMIT 1
                """, logger: database.logger
            ).decode((String, String).self) { return (key, accountId) }
            return nil
        }
    }

    func profile(accountKey: String) async throws -> MyPageProfile.Result? {
        try await database.run { [database] connection in
            for try await (accountId, nickname, email, customer) in try await connection.query(
                """
                SELECT account_id, nickname, email, customer_number FROM \(unescaped: database.schema).account
                WHERE account_key = \(accountKey) AND state = 'active'
                """, logger: database.logger
            ).decode((String, String, String, String).self) {
                return MyPageProfile.Result(accountId: accountId, nickname: nickname, email: email, customerNumber: customer)
            }
            return nil
        }
    }
}

/// The login-name namespace in PostgreSQL (`LoginNames`), and the customers' sign-ups.
enum PostgresLoginNames {
    /// Holds the customer's sign-up for the rest of the transaction (before any name).
    static func lockCustomer(_ customer: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\("signup-customer:" + customer), 0))", logger: logger)
    }

    /// Holds `key` for the rest of the transaction: a second claim of it, on any host,
    /// waits here and then sees the first one's row.
    static func lock(_ key: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\("login-name:" + key), 0))", logger: logger)
    }

    static func isTaken(_ key: String, at now: Date, database: PostgresAccess, on connection: PostgresConnection) async throws -> Bool {
        let schema = database.schema
        return try await database.returnsRow(
            """
            SELECT 1 WHERE EXISTS (SELECT 1 FROM \(unescaped: schema).account
                                   WHERE account_key = \(key) AND (state = 'active' OR expires_at > \(now)))
                OR EXISTS (SELECT 1 FROM \(unescaped: schema).carrier_id WHERE carrier_key = \(key))
                OR EXISTS (SELECT 1 FROM \(unescaped: schema).carrier_journey WHERE carrier_key = \(key) AND expires_at > \(now))
            """, on: connection)
    }
}
