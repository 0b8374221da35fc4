import Foundation
import JSONRPC
import LinesAPI
import ServiceClient
import ServiceKit

/// What a change to a line's options leaves behind: an audit line and an SMS to the line.
/// The store writes both in the change's own transaction: no change without both, and
/// the SMS leaves through the outbox even if the service stops right after.
struct LineJournalEntry: Sendable {
    var event: String
    var detail: String?
    /// The SMS's text, before its signature.
    var sms: String
    /// `pin` or `session`.
    var via: String
    var peerUID: Int64
    var at: Date

    init(_ event: String, detail: String?, sms: String, on line: OpenedLine, peer: PeerCredentials, at now: Date) {
        self.event = event
        self.detail = detail
        self.sms = sms
        via = line.via
        peerUID = Int64(peer.uid)
        at = now
    }

    /// The SMS as it goes to `phone`.
    func message(to phone: String) -> OutboxMessage {
        OutboxMessage(channel: .sms, to: phone, body: LinesSMS.signed(sms))
    }

}
