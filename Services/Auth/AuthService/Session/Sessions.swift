import AuthAPI
import Crypto
import Foundation
import JSONRPC
import MadoguchiModels
import ServiceContract
import ServiceKit

/// Login sessions: an opaque random token with an expiry, stored only as a keyed hash.
/// Opened by a PIN (phone number, or reception number + the phone number given at
/// application) or by a login ID and password, through the same checks, lockout and
/// throttling as those secrets.
struct Sessions: Sendable {
    let store: any SessionStore
    let clock: any ServiceClock
    let hasher: SecretHasher
    let pins: PINBook
    let passwords: Passwords
    let lifetime: TimeInterval

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
        let record = SessionRecord(
            tokenHash: hasher.tokenHash(token), principal: principal, method: login.method, createdAt: now,
            expiresAt: now.addingTimeInterval(lifetime), customerNumber: customerNumber)
        try await store.open(
            record,
            audit: AuditEvent(
                id: nil, at: now, event: "session_opened", subject: principal, kind: nil, peerUID: Int64(peer.uid),
                detail: login.method))
        return SessionInfo(
            token: token, principal: principal, method: login.method, expiresAt: ISO8601.tokyo(record.expiresAt),
            customerNumber: customerNumber)
    }

    /// Who holds `token`, if it is open and unexpired. A session opened before a new key
    /// is found under the key it was opened with, until it expires.
    func check(_ token: String) async throws -> SessionInfo {
        let now = clock.now()
        let record = try await hasher.lookUp(token) { try await store.find(tokenHash: $0) }?.0
        guard let record, record.closedAt == nil, record.expiresAt > now else { throw AuthError.sessionInvalid }
        return SessionInfo(
            token: nil, principal: record.principal, method: record.method, expiresAt: ISO8601.tokyo(record.expiresAt),
            customerNumber: record.customerNumber)
    }

    func close(_ token: String) async throws {
        let now = clock.now()
        guard let (_, hash) = try await hasher.lookUp(token, { try await store.find(tokenHash: $0) }) else { return }
        try await store.close(tokenHash: hash, at: now)
    }
}
