import AuthAPI
import Foundation
import ServiceClient
import ServiceKit

/// Where one-time codes are kept, in the codes' words, on either engine
/// (`SQLiteCodeStore`, `PostgresCodeStore`). Everything done to the codes of one
/// destination is one transaction that holds that destination against every other writer
/// — SQLite's single write transaction, a PostgreSQL advisory lock on the destination — so
/// a code tried on two hosts at once is used once, and tries made on several hosts add up.
protocol CodeStore: Sendable {
    /// Voids the destination's live codes, adds `record` and queues `message`, with the
    /// answer recorded for `keyed`: one transaction. A keyed call already answered gets
    /// that answer back, and nothing is issued.
    func issue(
        _ record: OneTimeCodeRecord, message: OutboxMessage, answer: IssuedCode, keyed: IdempotentCalls.Call?
    ) async throws -> IssuedCode

    /// The answer recorded for `keyed`, if a first call was answered.
    func recordedIssue(_ keyed: IdempotentCalls.Call) async throws -> IssuedCode?

    /// Runs `check` on the destination's live code (the newest neither used nor voided;
    /// nil when there is none) and writes the code as `check` left it, in one transaction.
    func checkLiveCode<Outcome: Sendable>(
        _ destination: CodeKey, _ check: @escaping @Sendable (inout OneTimeCodeRecord?) throws -> Outcome
    ) async throws -> Outcome
}

/// The codes of one purpose sent to one destination.
struct CodeKey: Hashable, Sendable {
    var purpose: String
    var channel: String
    var destination: String

    init(purpose: CodePurpose, destination: CodeDestination) {
        self.purpose = purpose.value
        self.channel = destination.channel.rawValue
        self.destination = destination.to
    }

    init(_ record: OneTimeCodeRecord) {
        purpose = record.purpose
        channel = record.channel
        destination = record.destination
    }

    /// One string for the key (held failures, advisory locks).
    var text: String { purpose + "/" + channel + "/" + destination }
}
