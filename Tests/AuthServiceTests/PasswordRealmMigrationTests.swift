import Foundation
import GRDB
import Testing

@testable import AuthService
import ServiceKit

/// The password table gains the realm in its key: existing passwords become `login` ones,
/// and the same login ID may then exist once per realm.
@Suite struct PasswordRealmMigrationTests {
    @Test func existingPasswords_becomeLoginRealm_andAnISPPasswordOfTheSameIDLivesBeside() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("auth-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try DatabaseQueue(path: path)
        var migrator = DatabaseMigrator()
        AuthService.registerMigrations(in: &migrator)
        try migrator.migrate(database, upTo: "auth-v8-password-customer")
        try database.write { db in
            try db.execute(
                sql: "INSERT INTO password (loginID, encoded, updatedAt, pending, customerNumber) VALUES ('n100000001', 'h1', ?, 1, '12345')",
                arguments: [Date()])
        }
        try migrator.migrate(database)
        try database.write { db in
            try db.execute(
                sql: "INSERT INTO password (realm, loginID, encoded, updatedAt) VALUES ('isp', 'n100000001', 'h2', ?)", arguments: [Date()])
            let rows = try Row.fetchAll(db, sql: "SELECT realm, encoded, pending, customerNumber FROM password ORDER BY realm")
            #expect(rows.map { "\($0["realm"] as String) \($0["encoded"] as String) \($0["pending"] as Bool) \($0["customerNumber"] as String? ?? "-")" }
                == ["isp h2 false -", "login h1 true 12345"])
            #expect(throws: DatabaseError.self) {
                try db.execute(
                    sql: "INSERT INTO password (realm, loginID, encoded, updatedAt) VALUES ('login', 'n100000001', 'h3', ?)",
                    arguments: [Date()])
            }
        }
    }
}
