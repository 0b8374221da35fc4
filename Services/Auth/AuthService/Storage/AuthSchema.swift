import AuthAPI
import Foundation
import GRDB
import ServiceKit

/// A stored PIN: its keyed hash and lockout state. Never the digits.
struct PINRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    static let databaseTableName = "pin"

    /// The record of one subject's PIN of one kind, through a statement prepared once
    /// per connection and read by position: PIN checks are the hottest read
    /// (BENCHMARKS.md), and building the query, decoding the row by column names, or
    /// GRDB making a row object for it were each a visible share of a check's time.
    static func find(_ key: PINKey, in db: Database) throws -> PINRecord? {
        try db.cachedStatement(sql: "SELECT \(selection) FROM pin WHERE subject = ? AND kind = ?")
            .readFirstRow(arguments: [key.subject, key.kind.rawValue], PINRecord.init(selected:))
    }

    /// The columns `find` selects, in the order `init(selected:)` reads them.
    static let selection = """
        subject, kind, hash, salt, mustChange, failures, lockedUntil, updatedAt, \
        pendingHash, pendingSalt, pendingDueAt, pendingEmail, holderBirthDate, holderPhones
        """

    var subject: String
    /// Stored as its raw value; a row holding any other text fails to read rather than
    /// passing for another kind.
    var kind: PINKind
    var hash: Data
    var salt: Data
    var mustChange: Bool
    var failures: Int
    var lockedUntil: Date?
    var updatedAt: Date
    /// A change accepted but not yet applied (MVNO profile): the new PIN's hash, when
    /// it is due, and where to mail the completion notice.
    var pendingHash: Data?
    var pendingSalt: Data?
    var pendingDueAt: Date?
    var pendingEmail: String?
    /// What was known of the holder when the PIN was set (birth date `YYYY-MM-DD`, phone
    /// numbers comma-separated), to refuse PINs derived from them at the next change.
    var holderBirthDate: String?
    var holderPhones: String?
}

extension PINRecord {
    /// A row of `selection`, read by position, each value by its own type's conversion
    /// (not `Decodable`, which looked each column up by name and went through generic
    /// decoding on every check). A value its type cannot hold throws `UnreadableColumn`,
    /// where GRDB's decoding could coerce text into a number: only a hand-edited file
    /// holds either.
    init(selected row: SelectedColumns) throws {
        let kindName: String = try row.value(1)
        // A kind this build does not know (a newer build's) is refused, not read as another.
        guard let kind = PINKind(rawValue: kindName) else { throw UnknownPINKind(stored: kindName) }
        self.init(
            subject: try row.value(0), kind: kind, hash: try row.value(2), salt: try row.value(3),
            mustChange: try row.value(4), failures: try row.value(5), lockedUntil: try row.optional(6),
            updatedAt: try row.value(7), pendingHash: try row.optional(8), pendingSalt: try row.optional(9),
            pendingDueAt: try row.optional(10), pendingEmail: try row.optional(11),
            holderBirthDate: try row.optional(12), holderPhones: try row.optional(13))
    }
}

/// A security event, kept for operators.
struct AuditEvent: Codable, FetchableRecord, PersistableRecord, TableRecord, Sendable {
    static let databaseTableName = "audit"

    var id: Int64?
    var at: Date
    var event: String
    var subject: String
    var kind: String?
    var peerUID: Int64
    var detail: String?
}

/// The auth service's tables.
enum AuthSchema {
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("auth-v1") { db in
            try db.create(table: "pin") { table in
                table.column("subject", .text).notNull()
                table.column("kind", .text).notNull()
                table.column("hash", .blob).notNull()
                table.column("salt", .blob).notNull()
                table.column("mustChange", .boolean).notNull().defaults(to: false)
                table.column("failures", .integer).notNull().defaults(to: 0)
                table.column("lockedUntil", .datetime)
                table.column("updatedAt", .datetime).notNull()
                table.primaryKey(["subject", "kind"])
            }
            try db.create(table: "audit") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("at", .datetime).notNull()
                table.column("event", .text).notNull()
                table.column("subject", .text).notNull()
                table.column("kind", .text)
                table.column("peerUID", .integer).notNull()
                table.column("detail", .text)
            }
            try db.create(index: "audit_subject", on: "audit", columns: ["subject", "at"])
        }
        migrator.registerMigration("auth-v2-pending-pin-change") { db in
            try db.alter(table: "pin") { table in
                table.add(column: "pendingHash", .blob)
                table.add(column: "pendingSalt", .blob)
                table.add(column: "pendingDueAt", .datetime)
                table.add(column: "pendingEmail", .text)
            }
            try db.create(index: "pin_pending_due", on: "pin", columns: ["pendingDueAt"], condition: Column("pendingDueAt") != nil)
        }
        migrator.registerMigration("auth-v6-holder-facts") { db in
            try db.alter(table: "pin") { table in
                table.add(column: "holderBirthDate", .text)
                table.add(column: "holderPhones", .text)
            }
        }
    }

    /// The times retention deletes by (`AuthService.retentionRules`), indexed so that an
    /// hourly pass does not scan a million audit rows under the writer. After every table
    /// they index exists.
    static func registerRetentionIndexes(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("auth-v11-retention-indexes") { db in
            try db.create(index: "audit_at", on: "audit", columns: ["at"])
            try db.create(index: "session_expires", on: "session", columns: ["expiresAt"])
            try db.create(index: "session_closed", on: "session", columns: ["closedAt"], condition: Column("closedAt") != nil)
            try db.create(index: "one_time_code_expires", on: "oneTimeCode", columns: ["expiresAt"])
        }
    }
}
