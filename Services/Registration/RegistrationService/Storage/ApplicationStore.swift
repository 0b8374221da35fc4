import Foundation
import RegistrationAPI
import ServiceClient
import ServiceKit

/// Where registration keeps online applications and their history. The moves' rules are
/// the workflow's: a store reads an application, lets the workflow choose the change, and
/// makes it with its history line and mail in one transaction holding the application.
protocol ApplicationStore: Sendable {
    /// The answer a keyed submit recorded, if any.
    func recordedSubmit(_ call: IdempotentCalls.Call, at now: Date) async throws -> ApplicationSubmit.Result?
    /// Stores a new application with its first history line and mail; with `keyed`, the
    /// answer too — unless a repeat of the same key got there first, whose answer is
    /// returned instead.
    func submit(
        _ application: NewApplication, mail: OutboxMessage, keyed: IdempotentCalls.Call?, answer: ApplicationSubmit.Result,
        at now: Date
    ) async throws -> ApplicationSubmit.Result
    /// An application with its history, oldest first.
    func application(_ reception: String) async throws -> StoredApplication?
    /// Reads the application (`applicationNotFound` when there is none), lets `decide`
    /// choose the change and its mail to the applicant, and makes it; answers the
    /// application after.
    func move(
        _ reception: String, _ decide: @escaping @Sendable (StoredApplication) throws -> (ApplicationChange, mail: OutboxMessage)
    ) async throws -> StoredApplication
}

/// An application as submitted.
struct NewApplication: Sendable {
    var receptionNumber: String
    var phoneNumber: String
    var name: String
    var kana: String
    var birthDate: String
    var email: String
    var portInNumber: String?
    var mnpReservationNumber: String?
    var mnpLastValidDay: String?
    var actor: String
}

/// An application as stored.
struct StoredApplication: Sendable {
    struct Event: Sendable {
        var at: Date
        var state: ApplicationState
        var note: String?
    }

    var receptionNumber: String
    var phoneNumber: String
    var email: String
    var portInNumber: String?
    var mnpLastValidDay: String?
    var state: ApplicationState
    var note: String?
    var approvedAt: Date?
    var trackingNumber: String?
    var lineNumber: String?
    var portedOutAt: Date?
    var history: [Event]
}

/// One move of an application: its new state and note, the fields it sets, the document
/// it brings and the history line.
struct ApplicationChange: Sendable {
    var state: ApplicationState
    /// Shown to the holder while documents are requested; nil otherwise.
    var note: String?
    var approvedAt: Date?
    var trackingNumber: String?
    var lineNumber: String?
    var portedOutAt: Date?
    var document: IdentityDocument?
    var event: StoredApplication.Event
    var actor: String
    var at: Date
}
