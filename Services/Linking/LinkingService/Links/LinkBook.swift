import Foundation
import JSONRPC
import LinkingAPI
import ServiceKit

/// Links made and ended, each stored in one transaction with its audit line and its
/// e-mails, so that no link exists without both.
struct LinkBook: Sendable {
    let store: any LinkingStore

    /// Links the journey's ISP contract to its carrier ID and marks the journey linked. The
    /// database's unique indexes refuse a second live link of either side, even from two
    /// journeys (or hosts) at once.
    func link(_ journey: JourneyRow, contract: ISPContract, at now: Date, peer: PeerCredentials) async throws -> LinkRow {
        let holderMatches = journey.enteredName == contract.holderName || journey.enteredKana == contract.holderName
        let link = LinkRow(
            linkNumber: LinkRow.newNumber(), customerNumber: contract.customerNumber, carrierKey: journey.carrierKey,
            carrierId: journey.carrierId, carrierEmail: journey.carrierEmail, enteredName: journey.enteredName,
            enteredKana: journey.enteredKana, enteredBirthDate: journey.enteredBirthDate,
            holderMatchesContract: holderMatches, linkedAt: now)
        return try await store.link(link, finishing: journey.journeyHash, at: now) { link in
            LinkJournal(
                audit: LinkAudit(
                    at: now, event: "linked", linkNumber: link.linkNumber, customerNumber: link.customerNumber,
                    carrierKey: link.carrierKey, peerUID: Int64(peer.uid), detail: holderMatches ? "holder" : "holder_differs"),
                mail: LinkingMail.linked(link, contract: contract))
        }
    }

    /// Ends the live link of `side`; `by` is `customer` or the operator's staff name.
    func unlink(_ side: LinkSide, by: String, reason: String?, at now: Date, peer: PeerCredentials) async throws -> LinkRow {
        guard let link = try await store.liveLink(side) else { throw LinkingError.notLinked }
        var ended = link
        ended.unlinkedAt = now
        ended.unlinkedBy = by
        ended.unlinkReason = reason
        let contract = try await store.contract(link.customerNumber)
        try await store.unlink(
            ended,
            journal: LinkJournal(
                audit: LinkAudit(
                    at: now, event: "unlinked", linkNumber: link.linkNumber, customerNumber: link.customerNumber,
                    carrierKey: link.carrierKey, peerUID: Int64(peer.uid), detail: reason.map { "\(by): \($0)" } ?? by),
                mail: contract.map { LinkingMail.unlinked(link, contract: $0, at: now) } ?? []))
        return ended
    }
}
