import Foundation
import RegistrationAPI
import ServiceClient
import ServiceKit

/// Where registration keeps the contract records (imported) and My Page accounts: what
/// sign-up, login and the operators' contract view need, in the service's words.
protocol AccountStore: Sendable {
    /// Whether the three sign-up details name one contract.
    func contractMatches(customerNumber: String, phone: String, kana: String) async throws -> Bool
    /// The contract of `customerNumber`, for operators.
    func contractSummary(of customerNumber: String) async throws -> ContractSummary?

    /// Stores an identity ticket for a customer, and ends those expired by `now`.
    func issueTicket(hash: Data, customerNumber: String, expiresAt: Date, at now: Date) async throws
    /// Whether a login name (an account ID or carrier ID: one namespace in auth) is held
    /// by an active or unexpired provisional account, an issued carrier ID or an
    /// unexpired issuance journey.
    func isLoginNameTaken(_ key: String, at now: Date) async throws -> Bool
    /// Reserves `account`'s ID for the customer of a valid ticket: refuses a used or
    /// expired ticket (`ticketInvalid`), a customer with an active account
    /// (`alreadyRegistered`) and a name another holds (`idUnavailable`); replaces the
    /// customer's earlier provisional registration. Answers the customer number.
    func reserve(_ account: NewAccount, ticketHash: Data, at now: Date) async throws -> String
    /// Gives up a reservation whose password auth refused: this sign-up's own (its link's
    /// hash), never one another submit made since.
    func release(accountKey: String, customerNumber: String, linkHash: Data) async throws
    /// Makes this sign-up's reservation (its link's hash) the provisional account, uses the
    /// ticket and queues the mail; `ticketInvalid` when it is gone (the customer started
    /// again: a submit sent twice confirms the second, whose link is the one stored).
    func confirm(accountKey: String, customerNumber: String, linkHash: Data, ticketHash: Data, mail: OutboxMessage) async throws
    /// Removes the reservations made before `cutOff`: sign-ups a crash cut off between
    /// reserving and sending the mail (their customers start again from their ticket).
    func removeReservations(madeBefore cutOff: Date) async throws
    /// The account a sign-up link names, active or not.
    func account(linkHash: Data) async throws -> LinkedAccount?
    /// Activates the account of a link, with its mail; false when it was activated before.
    func activate(accountKey: String, linkHash: Data, at now: Date, mail: OutboxMessage) async throws -> Bool
    /// The active account whose ID or e-mail address is `text` (lowercased), the ID's first.
    func activeAccount(loginText text: String) async throws -> (key: String, accountId: String)?
    /// An active account's profile.
    func profile(accountKey: String) async throws -> MyPageProfile.Result?
}

/// A sign-up's account as reserved.
struct NewAccount: Sendable {
    var key: String
    var accountId: String
    var email: String
    var nickname: String
    var linkHash: Data
    var expiresAt: Date
}

/// The account a sign-up link names.
struct LinkedAccount: Sendable {
    var key: String
    var accountId: String
    var email: String
    /// Nil once active.
    var expiresAt: Date?
}
