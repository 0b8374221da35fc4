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

    /// How long a claimed letter is this host's alone: longer than sending one can take
    /// (the member's read and the letter's write, 5 s each at most, and the auth call's
    /// budget), so no other host sends it meanwhile unless this one stalls past it; short
    /// enough that a dead host's letter leaves from another within minutes.
    let claim: TimeInterval

    init(store: any RecoveryStore, clock: any ServiceClock, auth: AuthGateway, peerTimeout: Duration, logger: Logger) {
        self.store = store
        self.clock = clock
        self.auth = auth
        self.logger = logger
        claim = max(120, Double(peerTimeout.components.seconds) + 60)
    }

    static let retryDelay: TimeInterval = 60
    /// Letters sent in one pass at most.
    static let batch = 20

    func run() async throws {
        await repeatUntilShutdown(every: .milliseconds(500)) { await sendDue() }
    }

    /// Sends the letters due now, up to `batch`, each claimed just before it is sent (a
    /// claim of the whole batch would lapse while its first letters were sent); returns
    /// how many were sent.
    @discardableResult
    func sendDue() async -> Int {
        var sent = 0
        for _ in 0..<Self.batch {
            do {
                guard let job = try await store.claimDueLetters(at: clock.now(), claim: claim, limit: 1).first else { break }
                if await send(id: job.id, accountKey: job.accountKey, dueBy: job.dueBy) { sent += 1 }
            } catch {
                logger.error("reading letter jobs failed", metadata: ["error": "\(error)"])
                break
            }
        }
        return sent
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
