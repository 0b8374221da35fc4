import Foundation
import GRDB
import JSONRPC
import RegistrationAPI
import ServiceClient
import ServiceKit

/// Contract records and My Page accounts in the service's SQLite file
/// (`RegistrationSchema`). SQLite runs one write at a time, so a reservation's checks and
/// its insert cannot interleave with another's.
struct SQLiteAccountStore: AccountStore {
    let database: DatabasePool
    let outbox: Outbox

    func contractMatches(customerNumber: String, phone: String, kana: String) async throws -> Bool {
        try await database.read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT 1 FROM contract JOIN contract_phone USING (customerNumber)
                    WHERE customerNumber = ? AND digits = ? AND kana = ?
                    """,
                arguments: [customerNumber, phone, kana]) == true
        }
    }

    func contractSummary(of customerNumber: String) async throws -> ContractSummary? {
        try await database.read { db in
            guard
                let row = try Row.fetchOne(db, sql: "SELECT * FROM contract WHERE customerNumber = ?", arguments: [customerNumber])
            else { return nil }
            return try ContractSummary(
                customerNumber: row["customerNumber"], name: row["name"], kana: row["kana"], birthDate: row["birthDate"],
                phoneNumbers: String.fetchAll(
                    db, sql: "SELECT digits FROM contract_phone WHERE customerNumber = ? ORDER BY digits", arguments: [customerNumber]),
                email: row["email"], postalCode: row["postalCode"], address: row["address"],
                iccids: String.fetchAll(
                    db, sql: "SELECT iccid FROM contract_sim WHERE customerNumber = ? ORDER BY iccid", arguments: [customerNumber]),
                services: StoredServices.read(row["services"]),
                myPageAccountId: String.fetchOne(
                    db, sql: "SELECT accountId FROM account WHERE customerNumber = ? AND state = 'active'", arguments: [customerNumber]))
        }
    }

    func issueTicket(hash: Data, customerNumber: String, expiresAt: Date, at now: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM identity_ticket WHERE expiresAt <= ?", arguments: [now])
            try db.execute(
                sql: "INSERT INTO identity_ticket (ticketHash, customerNumber, expiresAt) VALUES (?, ?, ?)",
                arguments: [hash, customerNumber, expiresAt])
        }
    }

    func isLoginNameTaken(_ key: String, at now: Date) async throws -> Bool {
        try await database.read { db in try SQLiteLoginNames.isTaken(key, at: now, in: db) }
    }

    func reserve(_ account: NewAccount, ticketHash: Data, at now: Date) async throws -> String {
        try await database.write { db -> String in
            guard
                let customer = try String.fetchOne(
                    db, sql: "SELECT customerNumber FROM identity_ticket WHERE ticketHash = ? AND expiresAt > ?",
                    arguments: [ticketHash, now])
            else { throw RegistrationError.ticketInvalid }
            if try Bool.fetchOne(
                db, sql: "SELECT 1 FROM account WHERE customerNumber = ? AND state = 'active'", arguments: [customer]) == true
            {
                throw RegistrationError.alreadyRegistered
            }
            // Starting again replaces this customer's earlier provisional registration.
            try db.execute(
                sql: """
                    DELETE FROM account WHERE state IN ('provisional', 'reserving')
                        AND (customerNumber = ? OR (accountKey = ? AND expiresAt <= ?))
                    """,
                arguments: [customer, account.key, now])
            if try SQLiteLoginNames.isTaken(account.key, at: now, in: db) { throw LoginNames.taken }
            try db.execute(
                sql: """
                    INSERT INTO account (accountKey, accountId, customerNumber, email, nickname, state, linkHash, createdAt, expiresAt)
                    VALUES (?, ?, ?, ?, ?, 'reserving', ?, ?, ?)
                    """,
                arguments: [
                    account.key, account.accountId, customer, account.email, account.nickname, account.linkHash, now,
                    account.expiresAt,
                ])
            return customer
        }
    }

    func release(accountKey: String, customerNumber: String, linkHash: Data) async throws {
        try await database.write { db in
            try db.execute(
                sql: "DELETE FROM account WHERE accountKey = ? AND customerNumber = ? AND linkHash = ? AND state = 'reserving'",
                arguments: [accountKey, customerNumber, linkHash])
        }
    }

    func confirm(accountKey: String, customerNumber: String, linkHash: Data, ticketHash: Data, mail: OutboxMessage) async throws {
        try await database.write { [outbox] db in
            try db.execute(
                sql: """
                    UPDATE account SET state = 'provisional'
                    WHERE accountKey = ? AND customerNumber = ? AND linkHash = ? AND state = 'reserving'
                    """,
                arguments: [accountKey, customerNumber, linkHash])
            guard db.changesCount == 1 else { throw RegistrationError.ticketInvalid }
            try db.execute(sql: "DELETE FROM identity_ticket WHERE ticketHash = ?", arguments: [ticketHash])
            try outbox.enqueue(mail, in: db)
        }
    }

    func removeReservations(madeBefore cutOff: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM account WHERE state = 'reserving' AND createdAt < ?", arguments: [cutOff])
        }
    }

    /// Removes every reservation, at start: no sign-up of this process is under way yet,
    /// and a SQLite file has one host, so every reservation was cut off.
    func removeEveryReservation() throws {
        try database.write { db in try db.execute(sql: "DELETE FROM account WHERE state = 'reserving'") }
    }

    func account(linkHash: Data) async throws -> LinkedAccount? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT accountKey, accountId, email, expiresAt FROM account WHERE linkHash = ?", arguments: [linkHash])
                .map { LinkedAccount(key: $0["accountKey"], accountId: $0["accountId"], email: $0["email"], expiresAt: $0["expiresAt"]) }
        }
    }

    func activate(accountKey: String, linkHash: Data, at now: Date, mail: OutboxMessage) async throws -> Bool {
        try await database.write { [outbox] db in
            try db.execute(
                sql: "UPDATE account SET state = 'active', activatedAt = ?, linkHash = NULL, expiresAt = NULL WHERE accountKey = ? AND linkHash = ?",
                arguments: [now, accountKey, linkHash])
            guard db.changesCount == 1 else { return false }
            try outbox.enqueue(mail, in: db)
            return true
        }
    }

    func activeAccount(loginText text: String) async throws -> (key: String, accountId: String)? {
        try await database.read { db -> (key: String, accountId: String)? in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT accountKey, accountId FROM account WHERE state = 'active' AND (accountKey = ? OR lower(email) = ?)
                    ORDER BY accountKey = ? DESC, activatedAt DESC LIMIT 1
                    """,
                arguments: [text, text, text]
            ).map { ($0["accountKey"], $0["accountId"]) }
        }
    }

    func profile(accountKey: String) async throws -> MyPageProfile.Result? {
        try await database.read { db in
            try Row.fetchOne(
                db, sql: "SELECT accountId, nickname, email, customerNumber FROM account WHERE accountKey = ? AND state = 'active'",
                arguments: [accountKey]
            ).map { .init(accountId: $0["accountId"], nickname: $0["nickname"], email: $0["email"], customerNumber: $0["customerNumber"]) }
        }
    }
}

/// The login-name namespace in the SQLite file (`LoginNames`).
enum SQLiteLoginNames {
    static func isTaken(_ key: String, at now: Date, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT EXISTS (SELECT 1 FROM account WHERE accountKey = ? AND (state = 'active' OR expiresAt > ?))
                    OR EXISTS (SELECT 1 FROM carrier_id WHERE carrierKey = ?)
                    OR EXISTS (SELECT 1 FROM carrier_journey WHERE carrierKey = ? AND expiresAt > ?)
                """,
            arguments: [key, now, key, key, now]) ?? false
    }
}
