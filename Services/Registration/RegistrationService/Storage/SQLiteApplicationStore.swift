import Foundation
import GRDB
import RegistrationAPI
import ServiceClient
import ServiceKit

/// Applications in the service's SQLite file (`RegistrationSchema`); a move is one write
/// transaction, so it holds its application.
struct SQLiteApplicationStore: ApplicationStore {
    let database: DatabasePool
    let outbox: Outbox
    let idempotentCalls: IdempotentCalls

    func recordedSubmit(_ call: IdempotentCalls.Call, at now: Date) async throws -> ApplicationSubmit.Result? {
        try await database.read { db in try idempotentCalls.recorded(ApplicationSubmit.Result.self, for: call, in: db) }
    }

    func submit(
        _ application: NewApplication, mail: OutboxMessage, keyed: IdempotentCalls.Call?, answer: ApplicationSubmit.Result,
        at now: Date
    ) async throws -> ApplicationSubmit.Result {
        try await database.write { [outbox, idempotentCalls] db in
            // Two repeats racing: the first to get here made the application.
            if let keyed, let first = try idempotentCalls.recorded(ApplicationSubmit.Result.self, for: keyed, in: db) {
                return first
            }
            try db.execute(
                sql: """
                    INSERT INTO application (
                      receptionNumber, phoneNumber, name, kana, birthDate, email, portInNumber, mnpReservationNumber,
                      mnpLastValidDay, state, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?)
                    """,
                arguments: [
                    application.receptionNumber, application.phoneNumber, application.name, application.kana,
                    application.birthDate, application.email, application.portInNumber, application.mnpReservationNumber,
                    application.mnpLastValidDay, now,
                ])
            try Self.record(
                application.receptionNumber, .init(at: now, state: .received, note: nil), actor: application.actor, in: db)
            try outbox.enqueue(mail, in: db)
            if let keyed { try idempotentCalls.record(answer, for: keyed, in: db) }
            return answer
        }
    }

    func application(_ reception: String) async throws -> StoredApplication? {
        try await database.read { db in try Self.application(reception, in: db) }
    }

    func move(
        _ reception: String, _ decide: @escaping @Sendable (StoredApplication) throws -> (ApplicationChange, mail: OutboxMessage)
    ) async throws -> StoredApplication {
        try await database.write { [outbox] db in
            guard let before = try Self.application(reception, in: db) else { throw RegistrationError.applicationNotFound }
            let (change, mail) = try decide(before)
            try db.execute(
                sql: """
                    UPDATE application SET state = ?, note = ?, updatedAt = ?, approvedAt = COALESCE(?, approvedAt),
                      trackingNumber = COALESCE(?, trackingNumber), lineNumber = COALESCE(?, lineNumber),
                      portedOutAt = COALESCE(?, portedOutAt)
                    WHERE receptionNumber = ?
                    """,
                arguments: [
                    change.state.rawValue, change.note, change.at, change.approvedAt, change.trackingNumber, change.lineNumber,
                    change.portedOutAt, reception,
                ])
            if let document = change.document {
                try db.execute(
                    sql: "INSERT INTO application_document (receptionNumber, documentType, contentType, bytes, uploadedAt) VALUES (?, ?, ?, ?, ?)",
                    arguments: [reception, document.type, document.contentType, document.bytes, change.at])
            }
            try Self.record(reception, change.event, actor: change.actor, in: db)
            try outbox.enqueue(mail, in: db)
            return try Self.application(reception, in: db)!
        }
    }

    private static func record(_ reception: String, _ event: StoredApplication.Event, actor: String, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO application_event (receptionNumber, at, state, actor, note) VALUES (?, ?, ?, ?, ?)",
            arguments: [reception, event.at, event.state.rawValue, actor, event.note])
    }

    private static func application(_ reception: String, in db: Database) throws -> StoredApplication? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM application WHERE receptionNumber = ?", arguments: [reception])
        else { return nil }
        let history = try Row.fetchAll(
            db, sql: "SELECT at, state, note FROM application_event WHERE receptionNumber = ? ORDER BY id", arguments: [reception]
        ).map { StoredApplication.Event(at: $0["at"], state: try StoredChoice.read($0["state"], field: "application_event.state"), note: $0["note"]) }
        return StoredApplication(
            receptionNumber: reception, phoneNumber: row["phoneNumber"], email: row["email"], portInNumber: row["portInNumber"],
            mnpLastValidDay: row["mnpLastValidDay"], state: try StoredChoice.read(row["state"], field: "application.state"),
            note: row["note"], approvedAt: row["approvedAt"], trackingNumber: row["trackingNumber"], lineNumber: row["lineNumber"],
            portedOutAt: row["portedOutAt"], history: history)
    }
}
