import AuthAPI
import Foundation

/// Where passwords are kept, on either engine (`SQLitePasswordStore`,
/// `PostgresPasswordStore`). Each method is one transaction; the audit entry of a change
/// is written in the change's.
protocol PasswordStore: Sendable {
    /// The password of `loginID` in `realm`, pending or not.
    func find(_ loginID: LoginID, realm: PasswordRealm) async throws -> PasswordRecord?
    /// Stores `record`, keeping the customer number already stored when `record` has none.
    func save(_ record: PasswordRecord, audit: AuditEvent) async throws
    /// Replaces the stored hash of a password that was just checked (a stronger cost).

    /// Replaces the hash of `record`'s login with `record.encoded`, only while it is still
    /// `replacing` (the hash just checked): a password changed or reset meanwhile is never
    /// overwritten by the re-hash of the old one.
    func rehash(_ record: PasswordRecord, replacing: String) async throws
    /// Makes the pending login password of `loginID` usable; false when none is pending.
    func activate(_ loginID: LoginID, at now: Date, audit: AuditEvent) async throws -> Bool
}

/// A password as stored: its scrypt encoding, never the password.
struct PasswordRecord: Codable, Sendable, Equatable {
    var realm: String
    var loginID: String
    var encoded: String
    var updatedAt: Date
    /// Set but not usable until activated (an account still being created).
    var pending: Bool
    /// The contract the login belongs to (a My Page account), carried by its sessions
    /// so that other services know whose data a session may see.
    var customerNumber: String?
}

/// The security events kept for operators (`audit.list`), on either engine.
protocol AuditTrail: Sendable {
    /// Adds `entries` in one transaction.
    func append(_ entries: [AuditEvent]) async throws
    /// The newest `limit` entries, for one subject or all, newest first.
    func newest(subject: String?, in range: AuditRange, limit: Int) async throws -> [AuditEvent]
}
