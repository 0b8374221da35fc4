import Foundation
import JSONRPC
import ServiceContract

/// One entry of the security audit trail.
@WireObject
public struct AuditEntry: Codable, Sendable, Hashable {
    @WireSchema(.string(format: "date-time"))
    public var at: String
    public var event: String
    public var subject: String
    public var kind: String?
    /// The uid of the process that made the call.
    public var peerUID: Int64
    /// Event details (for a reset: the staff member and why).
    public var detail: String?
}

/// `audit.list`: the security events, newest first; operators only.
public enum AuditList: RPCMethod {
    public static let name = "audit.list"
    public static let access = MethodAccess.operator
    public static let summary =
        "Operators only: security events (PIN failures, locks, unlocks, resets, changes), newest first, optionally for one subject and a time range."

    @WireObject
    public struct Params: Codable, Sendable {
        public var subject: PINSubject?
        /// Only events at or after this instant.
        @WireSchema(.string(format: "date-time"))
        public var since: String?
        /// Only events before this instant.
        @WireSchema(.string(format: "date-time"))
        public var until: String?
        @WireSchema(.integer(minimum: 1, maximum: 1000))
        public var limit: Int?
    }
    public typealias Result = [AuditEntry]
}
