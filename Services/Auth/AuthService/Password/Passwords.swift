import AuthAPI
import Foundation
import JSONRPC
import ServiceKit

/// Passwords by realm and login ID: My Page accounts and carrier IDs (`login`), and ISP
/// contracts (`isp`, by ISP customer number). Set by the services that create accounts,
/// verified, changed with the current one. Wrong passwords count against the caller like
/// wrong PINs.
struct Passwords: Sendable {
    let store: any PasswordStore
    let audit: any AuditTrail
    let clock: any ServiceClock
    let hasher: PasswordHasher
    let policy: PasswordPolicy
    let throttle: CallerThrottle
    let frontEnds: FrontEndPolicy
    let storageFaults: StorageFaults
    /// Wrong passwords whose audit the disk refused, by subject: until they are written,
    /// that login answers `storage_unavailable` without a hash being checked.
    let unrecorded: PendingFailures

    /// Sets the password; `customerNumber` names the login's contract (kept as it was
    /// when `nil`). A pending password is a new login's, and replaces the whole record: a
    /// carrier ID must not inherit the customer number an abandoned sign-up of the same ID
    /// left in auth, nor the statements that number opens.
    func set(
        _ password: String, for loginID: LoginID, realm: PasswordRealm = .login, pending: Bool = false,
        customerNumber: String? = nil, peer: PeerCredentials, event: String = "password_set"
    ) async throws {
        if let problem = policy.problem(with: password, loginID: loginID) { throw AuthError.passwordRejected(problem) }
        let record = PasswordRecord(
            realm: realm.rawValue, loginID: loginID.value, encoded: try await hasher.hash(password), updatedAt: clock.now(),
            pending: pending, customerNumber: customerNumber)
        try await store.save(
            record,
            audit: AuditEvent(
                id: nil, at: record.updatedAt, event: event, subject: realm.subject(loginID), kind: nil,
                peerUID: Int64(peer.uid), detail: nil))
    }

    /// Checks a password; an unknown login ID answers exactly like a wrong password, so
    /// the answer never tells whether an account exists. Returns the login's customer
    /// number, if it has one.
    @discardableResult
    func verify(
        _ password: String, for loginID: LoginID, realm: PasswordRealm = .login, pending: Bool = false,
        peer: PeerCredentials, origin: String? = nil
    ) async throws -> String? {
        let caller = try Caller(peer: peer, origin: origin, frontEnds: frontEnds)
        // The caller's checks in flight count against its limit with its failures, so
        // passwords sent all at once cannot each find it under the limit.
        return try await throttle.admitting(caller, now: clock.now()) {
            try await verifyAdmitted(password, for: loginID, realm: realm, pending: pending, peer: peer, caller: caller)
        }
    }

    private func verifyAdmitted(
        _ password: String, for loginID: LoginID, realm: PasswordRealm, pending: Bool, peer: PeerCredentials, caller: Caller
    ) async throws -> String? {
        let now = clock.now()
        try await throttle.checkFleet(caller, now: now)
        let subject = realm.subject(loginID)
        try await writeUnrecordedFailures(subject: subject, peer: peer, at: now)
        // A pending password logs nobody in; only activation checks it.
        let record = try await store.find(loginID, realm: realm).flatMap { $0.pending == pending ? $0 : nil }
        // Hash even for an unknown ID, so the time taken does not tell either.
        let (matches, needsRehash) = try await hasher.verify(password, against: record?.encoded)
        guard matches, var record else {
            await throttle.recordFailure(caller, at: now)
            do {
                try await audit.append([
                    AuditEvent(
                        id: nil, at: now, event: "password_failure", subject: subject, kind: nil, peerUID: Int64(peer.uid),
                        detail: nil)
                ])
            } catch {
                let answer = storageFaults.record(error)
                if StorageFaults.mustHoldFailure(after: error) { unrecorded.add(subject) }
                throw answer ?? error
            }
            throw AuthError.passwordIncorrect
        }
        if needsRehash {
            let checked = record.encoded
            record.encoded = try await hasher.hash(password)
            record.updatedAt = now
            try await store.rehash(record, replacing: checked)
        }
        return record.customerNumber
    }

    /// Writes the failures held for `subject`, if any; throws `storage_unavailable` while
    /// the disk still refuses them.
    private func writeUnrecordedFailures(subject: String, peer: PeerCredentials, at now: Date) async throws {
        let held = unrecorded.count(subject)
        guard held > 0 else { return }
        do {
            try await audit.append(
                Array(
                    repeating: AuditEvent(
                        id: nil, at: now, event: "password_failure", subject: subject, kind: nil, peerUID: Int64(peer.uid),
                        detail: #"{"recordedLate":true}"#),
                    count: held))
        } catch {
            throw storageFaults.record(error) ?? error
        }
        unrecorded.remove(subject, written: held)
        storageFaults.recordSuccess()
    }

    /// Makes a pending password usable; with `password`, only if it matches.
    func activate(_ loginID: LoginID, password: String?, peer: PeerCredentials, origin: String? = nil) async throws {
        if let password {
            try await verify(password, for: loginID, pending: true, peer: peer, origin: origin)
        }
        let now = clock.now()
        let activated = try await store.activate(
            loginID, at: now,
            audit: AuditEvent(
                id: nil, at: now, event: "password_activated", subject: PasswordRealm.login.subject(loginID), kind: nil,
                peerUID: Int64(peer.uid), detail: nil))
        guard activated else { throw AuthError.passwordIncorrect }
    }

    func change(from current: String, to new: String, for loginID: LoginID, peer: PeerCredentials, origin: String? = nil) async throws {
        try await verify(current, for: loginID, peer: peer, origin: origin)
        try await set(new, for: loginID, peer: peer, event: "password_changed")
    }
}
