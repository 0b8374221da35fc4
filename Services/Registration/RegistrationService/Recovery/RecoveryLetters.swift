import AuthAPI
import Foundation
import Logging
import ServiceKit
import ServiceLifecycle

/// Sends the registered letters that recovery by post queues: for each, a fresh temporary
/// password is set in auth, then the letter with it is queued in the outbox and the job
/// marked sent, in one transaction.
///
/// Out of the request on purpose: the password hash takes most of a second on a busy
/// machine, which would tell a caller who matched (`EvenAnswers` cannot hide that much),
/// and a down auth would refuse only the requests that matched. A job whose auth call
/// fails is tried again a minute later (service clock). A crash between auth and the
/// transaction leaves the job unsent; the retry sets another password and sends that
/// one, so the letter always holds the password that works. Each pass claims its letters
/// first (`claim`), so with many hosts a letter is sent by one; one whose host died
/// mid-letter is sent by another once the claim lapses.
struct RecoveryLetters: Service {
    let store: any RecoveryStore
    let clock: any ServiceClock
    let auth: AuthGateway
    let logger: Logger

    static let retryDelay: TimeInterval = 60
    /// How long a letter is one host's to send: longer than the auth call's budget, so a
    /// letter is sent by one host at a time, and short enough that a dead host's letters
    /// leave from another within minutes.
    static let claim: TimeInterval = 120

    func run() async throws {
        await repeatUntilShutdown(every: .milliseconds(500)) { await sendDue() }
    }

    /// Sends every letter whose job is due now; returns how many were sent.
    @discardableResult
    func sendDue() async -> Int {
        do {
            let now = clock.now()
            let jobs = try await store.claimDueLetters(at: now, claim: Self.claim, limit: 20)
            var sent = 0
            for job in jobs where await send(id: job.id, accountKey: job.accountKey, dueBy: job.dueBy) {
                sent += 1
            }
            return sent
        } catch {
            logger.error("reading letter jobs failed", metadata: ["error": "\(error)"])
            return 0
        }
    }

    private func send(id: Int64, accountKey: String, dueBy: Date) async -> Bool {
        do {
            guard let member = try await store.member(.account(accountKey)),
                let address = member.postalAddress
            else {
                logger.warning("Letter job for a member no longer active or without an address; dropped.", metadata: ["job": "\(id)"])
                try await store.letterSent(id, at: clock.now(), mail: nil)
                return false
            }
            let temporary = TemporaryPassword.make()
            _ = try await auth.call(PasswordSet.self, .init(loginId: try LoginID(validating: member.accountKey), password: temporary))
            try await store.letterSent(
                id, at: clock.now(),
                mail: RegistrationMail.recoveryLetter(
                    to: address, name: member.name, accountId: member.accountId, password: temporary, dueBy: dueBy))
            return true
        } catch {
            logger.warning("Letter job failed; will retry.", metadata: ["job": "\(id)", "error": "\(error)"])
            let retryAt = clock.now().addingTimeInterval(Self.retryDelay)
            try? await store.retryLetter(id, at: retryAt)
            return false
        }
    }
}

/// Temporary passwords for letters: 12 characters with upper case, lower case and digits,
/// from an alphabet without look-alikes (a person types it from paper).
enum TemporaryPassword {
    static let upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
    static let lower = Array("abcdefghijkmnpqrstuvwxyz")
    static let digits = Array("23456789")

    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let all = upper + lower + digits
        var characters = [upper.randomElement(using: &generator)!, lower.randomElement(using: &generator)!,
                          digits.randomElement(using: &generator)!]
        while characters.count < 12 { characters.append(all.randomElement(using: &generator)!) }
        characters.shuffle(using: &generator)
        return String(characters)
    }
}
