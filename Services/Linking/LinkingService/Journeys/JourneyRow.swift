import Foundation
import GRDB
import LinkingAPI
import ServiceContract
import ServiceKit

/// A linking journey as stored: every step's outcome, so that it resumes after a pause,
/// a closed tab or a restart. The journey ID itself is kept only as a keyed hash.
struct JourneyRow: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "link_journey"

    var journeyHash: Data
    var carrierKey: String
    var carrierId: String
    var carrierEmail: String
    var enteredName: String
    var enteredKana: String
    var enteredBirthDate: String
    var ispEmail: String
    /// The contract the ISP address belongs to; nil when it belongs to none.
    var customerNumber: String?
    var step: LinkStep
    /// Wrong codes or passwords at the current step.
    var tries: Int
    /// When the code the journey waits for was sent.
    var codeSentAt: Date
    var codeSentBy: PhoneChannel?
    var linkNumber: String?
    var updatedAt: Date
    var expiresAt: Date

    func view(journeyId: String, contract: ISPContract?, link: LinkConfirmation?) -> LinkJourney {
        // The phone on file is shown only once the ISP login proved the contract is theirs.
        let pastLogin = step == .secondFactor || step == .linked
        return LinkJourney(
            journeyId: journeyId, step: step, ispEmail: ispEmail, expiresAt: ISO8601.tokyo(expiresAt),
            phoneOnFile: pastLogin ? contract?.maskedPhone : nil, channels: pastLogin ? contract?.phoneKind.channels : nil,
            codeSentBy: codeSentBy, link: link)
    }
}
