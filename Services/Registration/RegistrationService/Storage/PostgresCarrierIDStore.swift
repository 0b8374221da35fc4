import Foundation
import Logging
import PostgresNIO
import RegistrationAPI
import ServiceClient
import ServiceKit

/// Carrier ID journeys and issued IDs in PostgreSQL (`RegistrationPostgresSchema`), shared
/// by every host: a journey started on one continues on another, and a name is chosen
/// under the same lock as a sign-up's reservation of it (`PostgresLoginNames`).
struct PostgresCarrierIDStore: CarrierIDStore {
    let database: PostgresAccess
    let outbox: Outbox

    init(client: PostgresClient, schema: String, outbox: Outbox, logger: Logger) {
        database = PostgresAccess(client: client, schema: schema, logger: logger)
        self.outbox = outbox
    }

    func startJourney(hash: Data, email: String, at now: Date, expiresAt: Date) async throws {
        try await database.transaction { [database] connection in
            let (schema, logger) = (database.schema, database.logger)
            try await connection.query("DELETE FROM \(unescaped: schema).carrier_journey WHERE expires_at <= \(now)", logger: logger)
            try await connection.query(
                """
                INSERT INTO \(unescaped: schema).carrier_journey (journey_hash, email, step, updated_at, expires_at)
                VALUES (\(hash), \(email), \(CarrierIDStep.key.rawValue), \(now), \(expiresAt))
                """, logger: logger)
        }
    }

    func journey(_ hash: Data, at now: Date) async throws -> CarrierJourney? {
        try await database.run { [database] connection in
            for try await row in try await connection.query(
                """
                SELECT email, step, carrier_key, carrier_id, details, expires_at FROM \(unescaped: database.schema).carrier_journey
                WHERE journey_hash = \(hash) AND expires_at > \(now)
                """, logger: database.logger
            ).decode((String, String, String?, String?, String?, Date).self) {
                return CarrierJourney(
                    hash: hash, email: row.0, step: try StoredChoice.read(row.1, field: "carrier_journey.step"), carrierKey: row.2,
                    carrierId: row.3, details: row.4, expiresAt: row.5)
            }
            return nil
        }
    }

    func choose(key: String, display: String, for hash: Data, at now: Date) async throws {
        try await database.transaction { [database] connection in
            try await PostgresLoginNames.lock(key, on: connection, logger: database.logger)
            if try await PostgresLoginNames.isTaken(key, at: now, database: database, on: connection) { throw LoginNames.taken }
            try await connection.query(
                """
                UPDATE \(unescaped: database.schema).carrier_journey SET carrier_key = \(key), carrier_id = \(display)
                WHERE journey_hash = \(hash)
                """, logger: database.logger)
        }
    }

    func setDetails(_ details: String, for hash: Data) async throws {
        try await database.run { [database] connection in
            try await connection.query(
                "UPDATE \(unescaped: database.schema).carrier_journey SET details = \(details) WHERE journey_hash = \(hash)",
                logger: database.logger)
        }
    }

    func advance(_ hash: Data, to step: CarrierIDStep, at now: Date, expiresAt: Date) async throws {
        try await database.run { [database] connection in
            try await connection.query(
                """
                UPDATE \(unescaped: database.schema).carrier_journey
                SET step = \(step.rawValue), updated_at = \(now), expires_at = \(expiresAt) WHERE journey_hash = \(hash)
                """, logger: database.logger)
        }
    }

    func issue(_ issued: IssuedCarrierID, mail: OutboxMessage) async throws {
        try await database.transaction { [database, outbox] connection in
            let (schema, logger) = (database.schema, database.logger)
            guard
                try await database.returnsRow(
                    """
                    INSERT INTO \(unescaped: schema).carrier_id
                      (carrier_key, carrier_id, email, details, share_with_linking, dont_ask_again, issued_at)
                    VALUES (\(issued.key), \(issued.carrierId), \(issued.email), \(issued.details), \(issued.shareWithLinking),
                            \(issued.dontAskAgain), \(issued.issuedAt))
                    ON CONFLICT (carrier_key) DO NOTHING RETURNING 1
                    """, on: connection)
            else { return }
            try await PostgresServiceTables.enqueue(mail, outbox: outbox, schema: schema, on: connection, logger: logger)
        }
    }

    func carrierID(_ key: String) async throws -> IssuedCarrierID? {
        try await database.run { [database] connection in
            for try await row in try await connection.query(
                """
                SELECT carrier_id, email, details, share_with_linking, dont_ask_again, issued_at
                FROM \(unescaped: database.schema).carrier_id WHERE carrier_key = \(key)
                """, logger: database.logger
            ).decode((String, String, String, Bool, Bool, Date).self) {
                return IssuedCarrierID(
                    key: key, carrierId: row.0, email: row.1, details: row.2, shareWithLinking: row.3, dontAskAgain: row.4,
                    issuedAt: row.5)
            }
            return nil
        }
    }
}
