import Foundation
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

    public init(at: String, event: String, subject: String, kind: String? = nil, peerUID: Int64, detail: String? = nil) {
        self.at = at
        self.event = event
        self.subject = subject
        self.kind = kind
        self.peerUID = peerUID
        self.detail = detail
    }

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
