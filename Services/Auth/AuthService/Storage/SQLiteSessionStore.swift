import Foundation
import GRDB

/// Sessions in the service's SQLite file (table `session`).
struct SQLiteSessionStore: SessionStore {
    let database: DatabasePool

    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("auth-v5-sessions") { db in
            try db.create(table: "session") { table in
                table.primaryKey("tokenHash", .blob)
                table.column("principal", .text).notNull()
                table.column("method", .text).notNull()
                table.column("createdAt", .datetime).notNull()
                table.column("expiresAt", .datetime).notNull()
                table.column("closedAt", .datetime)
            }
        }
        migrator.registerMigration("auth-v9-session-customer") { db in
            try db.alter(table: "session") { table in table.add(column: "customerNumber", .text) }
        }
    }

    func open(_ record: SessionRecord, audit: AuditEvent) async throws {
        try await database.write { db in
            try record.insert(db)
            try audit.insert(db)
        }
    }

    func find(tokenHash: Data) async throws -> SessionRecord? {
        try await database.read { db in try SessionRecord.fetchOne(db, key: tokenHash) }
    }

    func close(tokenHash: Data, at now: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE session SET closedAt = ? WHERE tokenHash = ? AND closedAt IS NULL", arguments: [now, tokenHash])
        }
    }
}

extension SessionRecord: FetchableRecord, PersistableRecord {
    static let databaseTableName = "session"
}
