import Foundation

/// Where sessions are kept, on either engine (`SQLiteSessionStore`, `PostgresSessionStore`).
/// With PostgreSQL every host reads and writes the same rows: a session opened on one
/// host is valid on all, and closed on one it is closed on all.
protocol SessionStore: Sendable {
    /// Adds the session, with its audit entry, in one transaction.
    func open(_ record: SessionRecord, audit: AuditEvent) async throws
    /// The session whose token hashes to `tokenHash`, open or not.
    func find(tokenHash: Data) async throws -> SessionRecord?
    /// Closes the session (a closed or unknown one stays as it is).
    func close(tokenHash: Data, at now: Date) async throws
}

/// A session as stored: the keyed hash of its token, never the token.
struct SessionRecord: Codable, Sendable, Equatable {
    var tokenHash: Data
    var principal: String
    var method: String
    var createdAt: Date
    var expiresAt: Date
    var closedAt: Date?
    /// The customer whose data the session may see (password logins of My Page accounts).
    var customerNumber: String?
}
