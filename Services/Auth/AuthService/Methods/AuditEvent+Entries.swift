import AuthAPI
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
