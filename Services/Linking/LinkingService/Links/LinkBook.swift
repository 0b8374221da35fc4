import Foundation
import GRDB
import JSONRPC
import LinkingAPI
import ServiceKit

/// Links made and ended, each in one transaction with its audit line and its e-mails, so
/// that no link exists without both.
struct LinkBook: Sendable {
    let outbox: Outbox

    /// Links the journey's ISP contract to its carrier ID. The database's unique indexes
    /// refuse a second live link of either side, even from two journeys at once.
    func link(_ journey: JourneyRow, contract: ISPContract, at now: Date, peer: PeerCredentials, in db: Database) throws
        -> LinkRow
    {
        if try LinkRow.live(customerNumber: contract.customerNumber, in: db) != nil {
            throw LinkingError.ispContractAlreadyLinked
        }
        if try LinkRow.live(carrierKey: journey.carrierKey, in: db) != nil { throw LinkingError.carrierIDAlreadyLinked }
        let holderMatches = journey.enteredName == contract.holderName || journey.enteredKana == contract.holderName
        var link = LinkRow(
            linkNumber: LinkRow.newNumber(), customerNumber: contract.customerNumber, carrierKey: journey.carrierKey,
            carrierId: journey.carrierId, carrierEmail: journey.carrierEmail, enteredName: journey.enteredName,
            enteredKana: journey.enteredKana, enteredBirthDate: journey.enteredBirthDate,
            holderMatchesContract: holderMatches, linkedAt: now)
        while try LinkRow.exists(db, key: link.linkNumber) { link.linkNumber = LinkRow.newNumber() }
        try link.insert(db)
        try LinkAudit(
            at: now, event: "linked", linkNumber: link.linkNumber, customerNumber: link.customerNumber,
            carrierKey: link.carrierKey, peerUID: Int64(peer.uid), detail: holderMatches ? "holder" : "holder_differs"
        ).insert(db)
        for message in LinkingMail.linked(link, contract: contract) { try outbox.enqueue(message, in: db) }
        return link
    }

    /// Ends a live link; `by` is `customer` or the operator's staff name.
    func unlink(_ link: LinkRow, by: String, reason: String?, at now: Date, peer: PeerCredentials, in db: Database) throws
        -> LinkRow
    {
        var ended = link
        ended.unlinkedAt = now
        ended.unlinkedBy = by
        ended.unlinkReason = reason
        try ended.update(db)
        try LinkAudit(
            at: now, event: "unlinked", linkNumber: link.linkNumber, customerNumber: link.customerNumber,
            carrierKey: link.carrierKey, peerUID: Int64(peer.uid), detail: reason.map { "\(by): \($0)" } ?? by
        ).insert(db)
        if let contract = try ISPContract.find(link.customerNumber, in: db) {
            for message in LinkingMail.unlinked(link, contract: contract, at: now) { try outbox.enqueue(message, in: db) }
        }
        return ended
    }
}
