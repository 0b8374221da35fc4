import AuthAPI
import Foundation
import GRDB

/// An issued one-time code: its keyed hash, never the digits.
struct OneTimeCodeRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    static let databaseTableName = "oneTimeCode"

    var id: String
    var purpose: String
    var channel: String
    var destination: String
    var hash: Data
    var salt: Data
    var createdAt: Date
    var expiresAt: Date
    var tries: Int
    var usedAt: Date?
    var voidedAt: Date?

    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("auth-v3-one-time-codes") { db in
            try db.create(table: "oneTimeCode") { table in
                table.primaryKey("id", .text)
                table.column("purpose", .text).notNull()
                table.column("channel", .text).notNull()
                table.column("destination", .text).notNull()
                table.column("hash", .blob).notNull()
                table.column("salt", .blob).notNull()
                table.column("createdAt", .datetime).notNull()
                table.column("expiresAt", .datetime).notNull()
                table.column("tries", .integer).notNull().defaults(to: 0)
                table.column("usedAt", .datetime)
                table.column("voidedAt", .datetime)
            }
            try db.create(index: "oneTimeCode_destination", on: "oneTimeCode", columns: ["purpose", "channel", "destination"])
        }
    }
}
