import Foundation
import GRDB
import LinkingAPI
import ServiceContract
import ServiceKit

/// A link between an ISP contract and a carrier ID, present (`unlinkedAt` nil) or past.
struct LinkRow: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "isp_link"

    var linkNumber: String
    var customerNumber: String
    var carrierKey: String
    var carrierId: String
    var carrierEmail: String
    var enteredName: String
    var enteredKana: String
    var enteredBirthDate: String
    var holderMatchesContract: Bool
    var linkedAt: Date
    var unlinkedAt: Date?
    var unlinkedBy: String?
    var unlinkReason: String?

    func confirmation(description: String) -> LinkConfirmation {
        LinkConfirmation(
            linkNumber: linkNumber, carrierId: carrierId, customerNumber: customerNumber, contractDescription: description,
            holderMatchesContract: holderMatchesContract, linkedAt: ISO8601.tokyo(linkedAt))
    }

    func record(contract: ISPContract) -> LinkRecord {
        LinkRecord(
            link: confirmation(description: contract.description), enteredName: enteredName, enteredKana: enteredKana,
            enteredBirthDate: enteredBirthDate, holderName: contract.holderName, unlinkedAt: unlinkedAt.map(ISO8601.tokyo),
            unlinkedBy: unlinkedBy, unlinkReason: unlinkReason)
    }

    /// A new random link number: `L` and ten digits.
    static func newNumber() -> String {
        "L" + RandomToken.digits(10)
    }
}

/// One line of the link audit trail: every link and unlink, with the calling uid.
struct LinkAudit: Codable, PersistableRecord, Sendable {
    static let databaseTableName = "link_audit"

    var at: Date
    var event: String
    var linkNumber: String
    var customerNumber: String
    var carrierKey: String
    var peerUID: Int64
    var detail: String?
}
