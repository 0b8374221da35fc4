import AuthAPI
import Crypto
import Foundation
import GRDB
import JSONRPC
import MadoguchiModels
import ServiceKit

/// Login sessions: an opaque random token with an expiry, stored only as a keyed hash.
/// Opened by a PIN (phone number, or reception number + the phone number given at
/// application) or by a login ID and password, through the same checks, lockout and
/// throttling as those secrets.
struct Sessions: Sendable {
    let database: DatabasePool
    let clock: any ServiceClock
    let hasher: SecretHasher
    let pins: PINBook
    let passwords: Passwords
    let lifetime: TimeInterval

    struct Record: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "session"
        var tokenHash: Data
        var principal: String
        var method: String
        var createdAt: Date
        var expiresAt: Date
        var closedAt: Date?
        /// The customer whose data the session may see (password logins of My Page accounts).
        var customerNumber: String?
    }

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

    func open(_ login: SessionLogin, peer: PeerCredentials, origin: String? = nil) async throws -> SessionInfo {
        let principal: String
        var customerNumber: String?
        do {
            switch login {
            case .phonePIN(let phone, let pin):
                let subject = PINSubject.line(phone)
                _ = try await pins.verify(pin, subject: subject, kind: .network, peer: peer, origin: origin)
                principal = subject.value
            case .reception(let reception, let phone, let pin):
                let subject = PINSubject.application(reception, phone)
                do {
                    _ = try await pins.verify(
                        pin, subject: subject, kind: .network, peer: peer, origin: origin, countingMissing: true)
                } catch AuthError.pinIncorrect, AuthError.pinLocked {
                    // A wrong PIN (counted towards this application's lock) and a locked
                    // one answer as a phone number that is not the application's does:
                    // attempts left or an unlock time would tell a prober that this
                    // reception number and phone number belong together.
                    throw AuthError.loginFailed
                }
                principal = subject.value
            case .password(let loginID, let password):
                customerNumber = try await passwords.verify(password, for: loginID, peer: peer, origin: origin)
                principal = PasswordRealm.login.subject(loginID)
            }
        } catch AuthError.pinNotSet {
            // Never tell an outsider whether a line or an application exists.
            throw AuthError.loginFailed
        }
        let token = RandomToken.make()
        let now = clock.now()
        let record = Record(
            tokenHash: hasher.tokenHash(token), principal: principal, method: login.method, createdAt: now,
            expiresAt: now.addingTimeInterval(lifetime), customerNumber: customerNumber)
        try await database.write { db in
            try record.insert(db)
            try AuditEvent(
                id: nil, at: now, event: "session_opened", subject: principal, kind: nil, peerUID: Int64(peer.uid),
                detail: login.method
            ).insert(db)
        }
        return SessionInfo(
            token: token, principal: principal, method: login.method, expiresAt: ISO8601.tokyo(record.expiresAt),
            customerNumber: customerNumber)
    }

    /// Who holds `token`, if it is open and unexpired.
    func check(_ token: String) async throws -> SessionInfo {
        let now = clock.now()
        let record = try await database.read { db in try Record.fetchOne(db, key: hasher.tokenHash(token)) }
        guard let record, record.closedAt == nil, record.expiresAt > now else { throw AuthError.sessionInvalid }
        return SessionInfo(
            token: nil, principal: record.principal, method: record.method, expiresAt: ISO8601.tokyo(record.expiresAt),
            customerNumber: record.customerNumber)
    }

    func close(_ token: String) async throws {
        let now = clock.now()
        let hash = hasher.tokenHash(token)
        try await database.write { db in
            try db.execute(sql: "UPDATE session SET closedAt = ? WHERE tokenHash = ? AND closedAt IS NULL", arguments: [now, hash])
        }
    }
}
