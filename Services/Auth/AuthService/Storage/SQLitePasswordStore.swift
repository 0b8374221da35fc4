import AuthAPI
import Foundation
import GRDB

/// Passwords in the service's SQLite file (table `password`).
struct SQLitePasswordStore: PasswordStore {
    let database: DatabasePool

    private static func key(_ loginID: LoginID, _ realm: PasswordRealm) -> [String: String] {
        ["realm": realm.rawValue, "loginID": loginID.value]
    }

    func find(_ loginID: LoginID, realm: PasswordRealm) async throws -> PasswordRecord? {
        try await database.read { db in try PasswordRecord.fetchOne(db, key: Self.key(loginID, realm)) }
    }

    func save(_ record: PasswordRecord, audit: AuditEvent) async throws {
        try await database.write { db in
            var record = record
            // A pending password is a new login's (a sign-up, a carrier ID): it takes
            // nothing from what an earlier, abandoned login of the same ID left behind.
            if record.customerNumber == nil, !record.pending {
                record.customerNumber = try PasswordRecord.fetchOne(
                    db, key: ["realm": record.realm, "loginID": record.loginID])?.customerNumber
            }
            try record.save(db)
            try audit.insert(db)
        }
    }

    func rehash(_ record: PasswordRecord, replacing: String) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE password SET encoded = ?, updatedAt = ? WHERE realm = ? AND loginID = ? AND encoded = ?",
                arguments: [record.encoded, record.updatedAt, record.realm, record.loginID, replacing])
        }
    }

    func activate(_ loginID: LoginID, at now: Date, audit: AuditEvent) async throws -> Bool {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE password SET pending = 0, updatedAt = ? WHERE realm = 'login' AND loginID = ? AND pending = 1",
                arguments: [now, loginID.value])
            guard db.changesCount == 1 else { return false }
            try audit.insert(db)
            return true
        }
    }

    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("auth-v4-passwords") { db in
            try db.create(table: "password") { table in
                table.primaryKey("loginID", .text)
                table.column("encoded", .text).notNull()
                table.column("updatedAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("auth-v7-pending-passwords") { db in
            try db.alter(table: "password") { table in
                table.add(column: "pending", .boolean).notNull().defaults(to: false)
            }
        }
        migrator.registerMigration("auth-v8-password-customer") { db in
            try db.alter(table: "password") { table in table.add(column: "customerNumber", .text) }
        }
        // The realm joins the key, so that the table is rebuilt (SQLite cannot change a
        // primary key in place); every existing password is a `login` one.
        migrator.registerMigration("auth-v10-password-realm") { db in
            try db.create(table: "password_by_realm") { table in
                table.column("realm", .text).notNull()
                table.column("loginID", .text).notNull()
                table.column("encoded", .text).notNull()
                table.column("updatedAt", .datetime).notNull()
                table.column("pending", .boolean).notNull().defaults(to: false)
                table.column("customerNumber", .text)
                table.primaryKey(["realm", "loginID"])
            }
            try db.execute(
                sql: """
                    INSERT INTO password_by_realm (realm, loginID, encoded, updatedAt, pending, customerNumber)
                    SELECT 'login', loginID, encoded, updatedAt, pending, customerNumber FROM password
                    """)
            try db.drop(table: "password")
            try db.rename(table: "password_by_realm", to: "password")
        }
    }
}

extension PasswordRecord: FetchableRecord, PersistableRecord {
    static let databaseTableName = "password"
}

/// The audit trail in the service's SQLite file (table `audit`).
struct SQLiteAuditTrail: AuditTrail {
    let database: DatabasePool

    func append(_ entries: [AuditEvent]) async throws {
        try await database.write { db in
            for entry in entries { try entry.insert(db) }
        }
    }

    func newest(subject: String?, in range: AuditRange, limit: Int) async throws -> [AuditEvent] {
        try await database.read { db in
            var request = AuditEvent.order(Column("id").desc).limit(limit)
            if let subject { request = request.filter(Column("subject") == subject) }
            if let since = range.since { request = request.filter(Column("at") >= since) }
            if let until = range.until { request = request.filter(Column("at") < until) }
            return try request.fetchAll(db)
        }
    }
}
