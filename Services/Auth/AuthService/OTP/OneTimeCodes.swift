import AuthAPI
import CoreMetrics
import Foundation
import JSONRPC
import ServiceContract
import ServiceKit
import Synchronization

/// One-time codes mailed, texted or read out to a customer: 6 digits by e-mail or SMS,
/// 5 read out by a voice call. Single use, expiring (10 minutes by default), at most 5
/// tries, stored only as keyed hashes; issuing a new code for the same purpose and
/// destination voids the old one. The code leaves only through the outbox.
struct OneTimeCodes: Sendable {
    let store: any CodeStore
    let clock: any ServiceClock
    let hasher: SecretHasher
    let storageFaults: StorageFaults
    /// Wrong codes whose try the disk refused to count, by purpose and destination:
    /// until they are written, that destination's code answers `storage_unavailable`.
    let unrecorded = PendingFailures()
    /// Codes sent to one destination, counted per hour before each is made
    /// (`--code-issue-limit`): a new code voids the old and brings 5 new tries, so without
    /// it a journey started again and again would give unlimited guesses at a 6-digit code.
    let issues: AttemptThrottle
    let issueLimit: AttemptThrottle.Rule
    var lifetime: TimeInterval = 600
    var maximumTries = 5

    /// Issues a code and queues its message; returns the code's id and expiry. A keyed
    /// call made again gets the first answer, with no new code.
    func issue(
        purpose: CodePurpose, destination: CodeDestination, repeating keyed: IdempotentCalls.Call? = nil
    ) async throws -> IssuedCode {
        // Counted before the code is made, so that codes asked for all at once cannot pass
        // the limit either; given back below if this was a keyed call's repeat, which
        // sends nothing.
        let issue: AttemptThrottle.Attempt
        do {
            issue = try await issues.take([Self.issueKey(destination): issueLimit])
        } catch let refusal as RPCError where refusal.is(CommonReason.tooManyAttempts) {
            // A repeat of a keyed call whose first was answered gets that answer, limit or not.
            if let keyed, let first = try await store.recordedIssue(keyed) { return first }
            throw refusal
        }
        let digits = destination.channel == .voice ? 5 : 6
        let code = RandomToken.digits(digits)
        let now = clock.now()
        let salt = SecretHasher.makeSalt()
        let record = OneTimeCodeRecord(
            id: UUID().uuidString.lowercased(), purpose: purpose.value, channel: destination.channel.rawValue,
            destination: destination.to, hash: hasher.hash(code, salt: salt), salt: salt, createdAt: now,
            expiresAt: now.addingTimeInterval(lifetime), tries: 0)
        let issued = IssuedCode(codeId: record.id, expiresAt: ISO8601.tokyo(record.expiresAt), digits: digits)
        // A repeat of a keyed call answers as the first did, and sends nothing.
        let answer = try await store.issue(
            record,
            message: CodeMessage.message(code: code, purpose: purpose, destination: destination, minutes: Int(lifetime / 60)),
            answer: issued, keyed: keyed)
        // Counted when this call made the code, not when it answered a keyed call's first.
        if answer.codeId == record.id {
            Counter(label: "madoguchi_codes_issued_total", dimensions: [("channel", destination.channel.rawValue)]).increment()
        } else {
            // Best effort: a repeat that cannot be given back costs the destination one code.
            try? await issues.giveBack(issue)
        }
        return answer
    }

    /// What codes sent are counted under: the address or number, whatever the channel
    /// (a number's SMS and voice codes together) and however its letters are cased.
    static func issueKey(_ destination: CodeDestination) -> String {
        "code-issue:" + destination.to.lowercased()
    }

    /// Checks `code` against the live code for the purpose and destination; a match uses
    /// it up. Each wrong try counts, and the fifth wrong one voids the code.
    func verify(purpose: CodePurpose, destination: CodeDestination, code: String) async throws -> VerifiedCode {
        let now = clock.now()
        let codeKey = CodeKey(purpose: purpose, destination: destination)
        let key = codeKey.text
        let held = unrecorded.count(key)
        let wrongCode = WrongEntrySeen()
        let (hasher, maximumTries) = (hasher, maximumTries)
        let outcome: Result<VerifiedCode, OneTimeCodeError>
        do {
            outcome = try await store.checkLiveCode(codeKey) { stored -> Result<VerifiedCode, OneTimeCodeError> in
                guard var record = stored else { return .failure(.noLiveCode) }
                defer { stored = record }
                if record.expiresAt <= now { return .failure(.expired) }
                // Wrong codes the disk refused earlier count first; the code is not
                // looked at unless they are written.
                record.tries += held
                if record.tries >= maximumTries {
                    record.voidedAt = now
                    return .failure(.tooManyTries)
                }
                if try hasher.matches(code, salt: record.salt, hash: record.hash) {
                    record.usedAt = now
                    return .success(VerifiedCode(codeId: record.id, verified: true))
                }
                wrongCode.note()
                record.tries += 1
                if record.tries >= maximumTries { record.voidedAt = now }
                return .failure(record.voidedAt == nil ? .incorrect(triesLeft: maximumTries - record.tries) : .tooManyTries)
            }
        } catch {
            let answer = storageFaults.record(error)
            if wrongCode.seen, StorageFaults.mustHoldFailure(after: error) { unrecorded.add(key) }
            throw answer ?? error
        }
        if held > 0 {
            unrecorded.remove(key, written: held)
            storageFaults.recordSuccess()
        }
        if case .failure(let failure) = outcome {
            Counter(label: "madoguchi_code_failures_total", dimensions: [("reason", failure.rpcError.reason ?? "")]).increment()
        }
        return try outcome.get()
    }
}
