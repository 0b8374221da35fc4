import Foundation
import MadoguchiModels
import ServiceClient
import ServiceKit

/// Where registration keeps member recovery: the members it finds, the mailed links, and
/// the letters queued for the post. A letter is sent by one host at a time: it is claimed
/// before it is sent, and a claim lapses if its host dies.
protocol RecoveryStore: Sendable {
    /// The active member a recovery request or a queued letter names.
    func member(_ lookup: MemberLookup) async throws -> RecoveryMember?
    /// Stores a recovery link with its mail.
    func addLink(hash: Data, accountKey: String, expiresAt: Date, mail: OutboxMessage) async throws
    /// An unused recovery link with its account's ID.
    func link(_ hash: Data) async throws -> (accountKey: String, accountId: String, expiresAt: Date)?
    /// Marks an unused link used; false when it was used already.
    func useLink(_ hash: Data, at now: Date) async throws -> Bool
    /// Gives a used link back (its password was not set).
    func releaseLink(_ hash: Data) async throws
    /// Queues a letter.
    func queueLetter(accountKey: String, at now: Date, dueBy: Date) async throws
    /// Claims up to `limit` letters due at `now` for `claim` seconds: no other host takes
    /// them meanwhile.
    func claimDueLetters(at now: Date, claim: TimeInterval, limit: Int) async throws -> [LetterJob]
    /// Marks a letter sent, with its mail (nil: dropped, nothing to send).
    func letterSent(_ id: Int64, at now: Date, mail: OutboxMessage?) async throws
    /// Tries a letter again at `retryAt`.
    func retryLetter(_ id: Int64, at retryAt: Date) async throws
}

/// How recovery looks a member up.
enum MemberLookup: Sendable {
    /// The account's or the contract's e-mail address and the holder's name (or kana).
    case email(EmailAddress, name: PersonName, birthDate: CivilDate)
    case sim(ICCID, phone: PhoneNumber, birthDate: CivilDate)
    /// By account key (a queued letter).
    case account(String)
}

/// A queued letter.
struct LetterJob: Sendable {
    var id: Int64
    var accountKey: String
    var dueBy: Date
}
