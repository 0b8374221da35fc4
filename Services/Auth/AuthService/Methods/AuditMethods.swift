import Foundation
import GRDB
import JSONRPC
import ServiceKit

/// One entry of the security audit trail.
public struct AuditEntry: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var at: String
    public var event: String
    public var subject: String
    public var kind: String?
    /// The uid of the process that made the call.
    public var peerUID: Int64
    /// Event details (for a reset: the staff member and why).
    public var detail: String?

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "at": .string(format: "date-time"), "event": .string(), "subject": .string(), "kind": .string(),
                "peerUID": .integer(), "detail": .string(),
            ],
            required: ["at", "event", "subject", "peerUID"])
    }
}

/// `audit.list`: the security events, newest first; operators only.
public enum AuditList: RPCMethod {
    public static let name = "audit.list"
    public static let summary =
        "Operators only: security events (PIN failures, locks, unlocks, resets, changes), newest first, optionally for one subject."

    public struct Params: Codable, Sendable, JSONSchemaDescribing {
        public var subject: PINSubject?
        public var limit: Int?

        public init(subject: PINSubject? = nil, limit: Int? = nil) {
            self.subject = subject
            self.limit = limit
        }

        public static var jsonSchema: JSONSchema {
            .object(["subject": PINSubject.jsonSchema, "limit": .integer(minimum: 1, maximum: 1000)])
        }
    }
    public typealias Result = [AuditEntry]
    public static var errors: [RPCError] { [.operatorOnly] }
}

extension AuditEvent {
    /// The newest `limit` events, for one subject or all.
    static func newest(subject: String?, limit: Int, in db: Database) throws -> [AuditEntry] {
        var request = AuditEvent.order(Column("id").desc).limit(limit)
        if let subject { request = request.filter(Column("subject") == subject) }
        return try request.fetchAll(db).map { event in
            AuditEntry(
                at: ISO8601.tokyo(event.at), event: event.event, subject: event.subject, kind: event.kind,
                peerUID: event.peerUID, detail: event.detail)
        }
    }
}
