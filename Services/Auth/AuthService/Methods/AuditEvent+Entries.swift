import AuthAPI
import GRDB
import ServiceKit

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
