import AuthAPI
import Foundation
import JSONRPC
import ServiceContract
import ServiceKit

extension AuditEntry {
    /// A stored event as `audit.list` answers it.
    init(_ event: AuditEvent) {
        self.init(
            at: ISO8601.tokyo(event.at), event: event.event, subject: event.subject, kind: event.kind,
            peerUID: event.peerUID, detail: event.detail)
    }
}

/// The time range `audit.list` is asked for: `since` inclusive, `until` exclusive.
struct AuditRange: Sendable {
    var since: Date?
    var until: Date?

    /// The range from the params' ISO 8601 instants; one that does not read as an
    /// instant is refused naming its member.
    init(since: String?, until: String?) throws {
        self.since = try since.map { try Self.instant($0, field: "since") }
        self.until = try until.map { try Self.instant($0, field: "until") }
    }

    private static func instant(_ text: String, field: String) throws -> Date {
        guard let date = ISO8601.parse(text) else {
            throw RPCError.invalidParams("\(field) is an ISO 8601 instant, e.g. 2026-11-21T00:00:00+09:00.", field: field)
        }
        return date
    }
}
