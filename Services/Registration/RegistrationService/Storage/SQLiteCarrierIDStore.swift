import Foundation
import GRDB
import RegistrationAPI
import ServiceClient
import ServiceKit

/// Carrier ID journeys and issued IDs in the service's SQLite file (`RegistrationSchema`).
struct SQLiteCarrierIDStore: CarrierIDStore {
    let database: DatabasePool
    let outbox: Outbox

    func startJourney(hash: Data, email: String, at now: Date, expiresAt: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM carrier_journey WHERE expiresAt <= ?", arguments: [now])
            try db.execute(
                sql: "INSERT INTO carrier_journey (journeyHash, email, step, updatedAt, expiresAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [hash, email, CarrierIDStep.key.rawValue, now, expiresAt])
        }
    }

    func journey(_ hash: Data, at now: Date) async throws -> CarrierJourney? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM carrier_journey WHERE journeyHash = ? AND expiresAt > ?", arguments: [hash, now])
                .map { row in
                    CarrierJourney(
                        hash: hash, email: row["email"], step: try StoredChoice.read(row["step"], field: "carrier_journey.step"),
                        carrierKey: row["carrierKey"], carrierId: row["carrierId"], details: row["details"], expiresAt: row["expiresAt"])
                }
        }
    }

    func choose(key: String, display: String, for hash: Data, at now: Date) async throws {
        try await database.write { db in
            if try SQLiteLoginNames.isTaken(key, at: now, in: db) { throw LoginNames.taken }
            try db.execute(
                sql: "UPDATE carrier_journey SET carrierKey = ?, carrierId = ? WHERE journeyHash = ?", arguments: [key, display, hash])
        }
    }

    func setDetails(_ details: String, for hash: Data) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE carrier_journey SET details = ? WHERE journeyHash = ?", arguments: [details, hash])
        }
    }

    func advance(_ hash: Data, to step: CarrierIDStep, at now: Date, expiresAt: Date) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE carrier_journey SET step = ?, updatedAt = ?, expiresAt = ? WHERE journeyHash = ?",
                arguments: [step.rawValue, now, expiresAt, hash])
        }
    }

    func issue(_ issued: IssuedCarrierID, mail: OutboxMessage) async throws {
        try await database.write { [outbox] db in
            try db.execute(
                sql: """
                    INSERT INTO carrier_id (carrierKey, carrierId, email, details, shareWithLinking, dontAskAgain, issuedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (carrierKey) DO NOTHING
                    """,
                arguments: [
                    issued.key, issued.carrierId, issued.email, issued.details, issued.shareWithLinking, issued.dontAskAgain,
                    issued.issuedAt,
                ])
            if db.changesCount == 1 { try outbox.enqueue(mail, in: db) }
        }
    }

    func carrierID(_ key: String) async throws -> IssuedCarrierID? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM carrier_id WHERE carrierKey = ?", arguments: [key]).map { row in
                IssuedCarrierID(
                    key: key, carrierId: row["carrierId"], email: row["email"], details: row["details"],
                    shareWithLinking: row["shareWithLinking"], dontAskAgain: row["dontAskAgain"], issuedAt: row["issuedAt"])
            }
        }
    }
}
