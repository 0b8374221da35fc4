import Foundation
import GRDB
import MadoguchiModels
import ServiceClient
import ServiceKit

/// Member recovery in the service's SQLite file (`RegistrationSchema`).
struct SQLiteRecoveryStore: RecoveryStore {
    let database: DatabasePool
    let outbox: Outbox

    private static let memberColumns = "a.accountKey, a.accountId, a.email, c.name, c.postalCode, c.address"

    func member(_ lookup: MemberLookup) async throws -> RecoveryMember? {
        try await database.read { db in
            let row: Row? =
                switch lookup {
                case .email(let email, let name, let birthDate):
                    try Row.fetchOne(
                        db,
                        sql: """
                            SELECT \(Self.memberColumns) FROM account a JOIN contract c USING (customerNumber)
                            WHERE a.state = 'active' AND c.birthDate = ? AND (lower(a.email) = ? OR c.email = ?)
                              AND (c.name = ? OR c.kana = ?)
                            LIMIT 1
                            """,
                        arguments: [
                            birthDate.description, email.value.lowercased(), email.value.lowercased(), name.value,
                            RecoveryMember.kana(of: name),
                        ])
                case .sim(let iccid, let phone, let birthDate):
                    try Row.fetchOne(
                        db,
                        sql: """
                            SELECT \(Self.memberColumns) FROM contract_sim s
                            JOIN contract c USING (customerNumber) JOIN contract_phone p USING (customerNumber)
                            JOIN account a USING (customerNumber)
                            WHERE s.iccid = ? AND p.digits = ? AND c.birthDate = ? AND a.state = 'active' LIMIT 1
                            """,
                        arguments: [iccid.digits, phone.digits, birthDate.description])
                case .account(let key):
                    try Row.fetchOne(
                        db,
                        sql: """
                            SELECT \(Self.memberColumns) FROM account a JOIN contract c USING (customerNumber)
                            WHERE a.accountKey = ? AND a.state = 'active'
                            """,
                        arguments: [key])
                }
            return row.map {
                RecoveryMember(
                    accountKey: $0["accountKey"], accountId: $0["accountId"], email: $0["email"], name: $0["name"],
                    postalCode: $0["postalCode"], address: $0["address"])
            }
        }
    }

    func addLink(hash: Data, accountKey: String, expiresAt: Date, mail: OutboxMessage) async throws {
        try await database.write { [outbox] db in
            try db.execute(
                sql: "INSERT INTO recovery_link (linkHash, accountKey, expiresAt) VALUES (?, ?, ?)", arguments: [hash, accountKey, expiresAt])
            try outbox.enqueue(mail, in: db)
        }
    }

    func link(_ hash: Data) async throws -> (accountKey: String, accountId: String, expiresAt: Date)? {
        try await database.read { db -> (accountKey: String, accountId: String, expiresAt: Date)? in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT r.accountKey, r.expiresAt, a.accountId FROM recovery_link r
                    JOIN account a USING (accountKey) WHERE r.linkHash = ? AND r.usedAt IS NULL
                    """,
                arguments: [hash]
            ).map { ($0["accountKey"], $0["accountId"], $0["expiresAt"]) }
        }
    }

    func useLink(_ hash: Data, at now: Date) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "UPDATE recovery_link SET usedAt = ? WHERE linkHash = ? AND usedAt IS NULL", arguments: [now, hash])
            return db.changesCount == 1
        }
    }

    func releaseLink(_ hash: Data) async throws {
        try await database.write { db in try db.execute(sql: "UPDATE recovery_link SET usedAt = NULL WHERE linkHash = ?", arguments: [hash]) }
    }

    func queueLetter(accountKey: String, at now: Date, dueBy: Date) async throws {
        try await database.write { db in
            try db.execute(
                sql: "INSERT INTO letter_job (accountKey, createdAt, dueBy) VALUES (?, ?, ?)", arguments: [accountKey, now, dueBy])
        }
    }

    func claimDueLetters(at now: Date, claim: TimeInterval, limit: Int) async throws -> [LetterJob] {
        try await database.write { db in
            let jobs = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, accountKey, dueBy FROM letter_job
                    WHERE sentAt IS NULL AND (retryAt IS NULL OR retryAt <= ?) ORDER BY id LIMIT ?
                    """,
                arguments: [now, limit]
            ).map { LetterJob(id: $0["id"], accountKey: $0["accountKey"], dueBy: $0["dueBy"]) }
            for job in jobs {
                try db.execute(sql: "UPDATE letter_job SET retryAt = ? WHERE id = ?", arguments: [now.addingTimeInterval(claim), job.id])
            }
            return jobs
        }
    }

    func letterSent(_ id: Int64, at now: Date, mail: OutboxMessage?) async throws {
        try await database.write { [outbox] db in
            if let mail { try outbox.enqueue(mail, in: db) }
            try db.execute(sql: "UPDATE letter_job SET sentAt = ? WHERE id = ?", arguments: [now, id])
        }
    }

    func retryLetter(_ id: Int64, at retryAt: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE letter_job SET retryAt = ? WHERE id = ?", arguments: [retryAt, id])
        }
    }
}
