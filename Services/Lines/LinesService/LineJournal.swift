import Foundation
import GRDB
import JSONRPC
import LinesAPI
import ServiceKit

/// Every change to a line's options leaves an audit line and an SMS to the line, written
/// in the change's own transaction: no change without both, and the SMS leaves through
/// the outbox even if the service stops right after.
struct LineJournal: Sendable {
    let outbox: Outbox

    func record(
        _ event: String, detail: String?, sms: String, on line: OpenedLine, peer: PeerCredentials, at now: Date,
        in db: Database
    ) throws {
        try db.execute(
            sql: "INSERT INTO line_audit (at, phoneNumber, event, detail, via, peerUID) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [now, line.phone.digits, event, detail, line.via, Int64(peer.uid)])
        try outbox.enqueue(OutboxMessage(channel: .sms, to: line.phone.digits, body: LinesSMS.signed(sms)), in: db)
    }

    /// The audit trail, newest first.
    static func entries(phoneNumber: String?, limit: Int, in db: Database) throws -> [LineAuditEntry] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT at, phoneNumber, event, detail, via, peerUID FROM line_audit
                WHERE ? IS NULL OR phoneNumber = ? ORDER BY id DESC LIMIT ?
                """,
            arguments: [phoneNumber, phoneNumber, limit])
        return rows.map { row in
            LineAuditEntry(
                at: ISO8601.tokyo(row["at"]), phoneNumber: row["phoneNumber"], event: row["event"], detail: row["detail"],
                via: row["via"], peerUID: row["peerUID"])
        }
    }
}
