import Foundation
import Logging
import PostgresNIO
import RegistrationAPI
import ServiceClient
import ServiceKit

/// Applications in PostgreSQL (`RegistrationPostgresSchema`), shared by every host. A
/// move locks the application's row for its transaction, so moves from two hosts take
/// turns and each is checked against the state the other left; a keyed submit holds a
/// lock on its key, so two repeats on two hosts make one application.
struct PostgresApplicationStore: ApplicationStore {
    let database: PostgresAccess
    let outbox: Outbox

    init(client: PostgresClient, schema: String, outbox: Outbox, logger: Logger) {
        database = PostgresAccess(client: client, schema: schema, logger: logger)
        self.outbox = outbox
    }

    func recordedSubmit(_ call: IdempotentCalls.Call, at now: Date) async throws -> ApplicationSubmit.Result? {
        try await database.run { [database] connection in
            try await PostgresServiceTables.recorded(
                ApplicationSubmit.Result.self, for: call, at: now, schema: database.schema, on: connection, logger: database.logger)
        }
    }

    func submit(
        _ application: NewApplication, mail: OutboxMessage, keyed: IdempotentCalls.Call?, answer: ApplicationSubmit.Result,
        at now: Date
    ) async throws -> ApplicationSubmit.Result {
        try await database.transaction { [database, outbox] connection in
            let (schema, logger) = (database.schema, database.logger)
            if let keyed {
                // A repeat on another host waits here, then finds the first one's answer.
                try await connection.query(
                    """
                    SELECT pg_advisory_xact_lock(hashtextextended(\("idempotent:\(keyed.peerUID):\(keyed.method):\(keyed.key)"), 0))
                    """, logger: logger)
                if let first = try await PostgresServiceTables.recorded(
                    ApplicationSubmit.Result.self, for: keyed, at: now, schema: schema, on: connection, logger: logger)
                {
                    return first
                }
            }
            try await connection.query(
                """
                INSERT INTO \(unescaped: schema).application (
                  reception_number, phone_number, name, kana, birth_date, email, port_in_number, mnp_reservation_number,
                  mnp_last_valid_day, state, updated_at)
                VALUES (\(application.receptionNumber), \(application.phoneNumber), \(application.name), \(application.kana),
                        \(application.birthDate), \(application.email), \(application.portInNumber),
                        \(application.mnpReservationNumber), \(application.mnpLastValidDay),
                        \(ApplicationState.received.rawValue), \(now))
                """, logger: logger)
            try await Self.record(
                application.receptionNumber, .init(at: now, state: .received, note: nil), actor: application.actor,
                database: database, on: connection)
            try await PostgresServiceTables.enqueue(mail, outbox: outbox, schema: schema, on: connection, logger: logger)
            if let keyed {
                try await PostgresServiceTables.record(answer, for: keyed, at: now, schema: schema, on: connection, logger: logger)
            }
            return answer
        }
    }

    func application(_ reception: String) async throws -> StoredApplication? {
        try await database.run { [database] connection in try await Self.application(reception, database: database, on: connection) }
    }

    func move(
        _ reception: String, _ decide: @escaping @Sendable (StoredApplication) throws -> (ApplicationChange, mail: OutboxMessage)
    ) async throws -> StoredApplication {
        try await database.transaction { [database, outbox] connection in
            let (schema, logger) = (database.schema, database.logger)
            // The lock in a statement of its own: the read after it sees what the
            // transaction it waited for wrote, history included.
            try await connection.query(
                "SELECT 1 FROM \(unescaped: schema).application WHERE reception_number = \(reception) FOR UPDATE", logger: logger)
            guard let before = try await Self.application(reception, database: database, on: connection) else {
                throw RegistrationError.applicationNotFound
            }
            let (change, mail) = try decide(before)
            try await connection.query(
                """
                UPDATE \(unescaped: schema).application
                SET state = \(change.state.rawValue), note = \(change.note), updated_at = \(change.at),
                    approved_at = COALESCE(\(change.approvedAt), approved_at),
                    tracking_number = COALESCE(\(change.trackingNumber), tracking_number),
                    line_number = COALESCE(\(change.lineNumber), line_number),
                    ported_out_at = COALESCE(\(change.portedOutAt), ported_out_at)
                WHERE reception_number = \(reception)
                """, logger: logger)
            if let document = change.document {
                try await connection.query(
                    """
                    INSERT INTO \(unescaped: schema).application_document (reception_number, document_type, content_type, bytes, uploaded_at)
                    VALUES (\(reception), \(document.type), \(document.contentType), \(document.bytes), \(change.at))
                    """, logger: logger)
            }
            try await Self.record(reception, change.event, actor: change.actor, database: database, on: connection)
            try await PostgresServiceTables.enqueue(mail, outbox: outbox, schema: schema, on: connection, logger: logger)
            guard let after = try await Self.application(reception, database: database, on: connection) else {
                throw RegistrationError.applicationNotFound
            }
            return after
        }
    }

    private static func record(
        _ reception: String, _ event: StoredApplication.Event, actor: String, database: PostgresAccess, on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: database.schema).application_event (reception_number, at, state, actor, note)
            VALUES (\(reception), \(event.at), \(event.state.rawValue), \(actor), \(event.note))
            """, logger: database.logger)
    }

    private static func application(_ reception: String, database: PostgresAccess, on connection: PostgresConnection) async throws
        -> StoredApplication?
    {
        let (schema, logger) = (database.schema, database.logger)
        var history: [StoredApplication.Event] = []
        for try await (at, state, note) in try await connection.query(
            """
            SELECT at, state, note FROM \(unescaped: schema).application_event WHERE reception_number = \(reception) ORDER BY id
            """, logger: logger
        ).decode((Date, String, String?).self) {
            history.append(.init(at: at, state: try StoredChoice.read(state, field: "application_event.state"), note: note))
        }
        let rows = try await connection.query(
            """
            SELECT phone_number, email, port_in_number, mnp_last_valid_day, state, note, approved_at, tracking_number, line_number,
              ported_out_at
            FROM \(unescaped: schema).application WHERE reception_number = \(reception)
            """, logger: logger)
        for try await row in rows.decode((String, String, String?, String?, String, String?, Date?, String?, String?, Date?).self) {
            return StoredApplication(
                receptionNumber: reception, phoneNumber: row.0, email: row.1, portInNumber: row.2, mnpLastValidDay: row.3,
                state: try StoredChoice.read(row.4, field: "application.state"), note: row.5, approvedAt: row.6,
                trackingNumber: row.7, lineNumber: row.8, portedOutAt: row.9, history: history)
        }
        return nil
    }
}
