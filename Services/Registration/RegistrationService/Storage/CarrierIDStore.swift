import Foundation
import RegistrationAPI
import ServiceClient
import ServiceKit

/// Where registration keeps carrier ID issuance journeys and the issued IDs.
protocol CarrierIDStore: Sendable {
    /// Stores a new journey at its first step, and ends those expired by `now`.
    func startJourney(hash: Data, email: String, at now: Date, expiresAt: Date) async throws
    /// A journey not expired by `now`.
    func journey(_ hash: Data, at now: Date) async throws -> CarrierJourney?
    /// Gives the journey its ID, unless the name is taken (`idUnavailable`); two journeys
    /// or sign-ups choosing one name at once (on any hosts) take turns, and the second is
    /// refused.
    func choose(key: String, display: String, for hash: Data, at now: Date) async throws
    /// Stores the personal details (JSON) with the journey.
    func setDetails(_ details: String, for hash: Data) async throws
    /// Moves the journey to `step` and keeps it alive until `expiresAt`.
    func advance(_ hash: Data, to step: CarrierIDStep, at now: Date, expiresAt: Date) async throws
    /// Issues the ID with its mail; nothing when it was issued before.
    func issue(_ issued: IssuedCarrierID, mail: OutboxMessage) async throws
    /// An issued carrier ID by its key.
    func carrierID(_ key: String) async throws -> IssuedCarrierID?
}

/// A carrier ID issuance journey as stored.
struct CarrierJourney: Sendable {
    var hash: Data
    var email: String
    var step: CarrierIDStep
    var carrierKey: String?
    var carrierId: String?
    var details: String?
    var expiresAt: Date
}

/// An issued carrier ID.
struct IssuedCarrierID: Sendable {
    var key: String
    var carrierId: String
    var email: String
    /// The personal details, as JSON.
    var details: String
    var shareWithLinking: Bool
    var dontAskAgain: Bool
    var issuedAt: Date
}
