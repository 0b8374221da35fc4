import AuthAPI
import Foundation
import GRDB
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
/// one, so the letter always holds the password that works.
struct RecoveryLetters: Service {
    let database: DatabasePool
    let clock: any ServiceClock
    let auth: AuthGateway
    let outbox: Outbox
    let logger: Logger

    static let retryDelay: TimeInterval = 60

    func run() async throws {
        await repeatUntilShutdown(every: .milliseconds(500)) { await sendDue() }
    }

    /// Sends every letter whose job is due now; returns how many were sent.
    @discardableResult
    func sendDue() async -> Int {
        do {
            let now = clock.now()
            // Values, not `Row`s, leave the read: a `Row` is not Sendable, and returning rows
            // would pick GRDB's synchronous read, blocking a thread of the cooperative pool.
            let jobs = try await database.read { db -> [(id: Int64, accountKey: String, dueBy: Date)] in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, accountKey, dueBy FROM letter_job
                        WHERE sentAt IS NULL AND (retryAt IS NULL OR retryAt <= ?) ORDER BY id LIMIT 20
                        """,
                    arguments: [now]
                ).map { ($0["id"], $0["accountKey"], $0["dueBy"]) }
            }
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
            guard let member = try await database.read({ db in try RecoveryMember.find(accountKey: accountKey, in: db) }),
                let address = member.postalAddress
            else {
                logger.warning("Letter job for a member no longer active or without an address; dropped.", metadata: ["job": "\(id)"])
                let now = clock.now()
                try await database.write { db in try Self.markSent(id, at: now, in: db) }
                return false
            }
            let temporary = TemporaryPassword.make()
            _ = try await auth.call(PasswordSet.self, .init(loginId: try LoginID(validating: member.accountKey), password: temporary))
            let now = clock.now()
            try await database.write { db in
                try outbox.enqueue(
                    RegistrationMail.recoveryLetter(
                        to: address, name: member.name, accountId: member.accountId, password: temporary, dueBy: dueBy),
                    in: db)
                try Self.markSent(id, at: now, in: db)
            }
            return true
        } catch {
            logger.warning("Letter job failed; will retry.", metadata: ["job": "\(id)", "error": "\(error)"])
            let retryAt = clock.now().addingTimeInterval(Self.retryDelay)
            try? await database.write { db in
                try db.execute(sql: "UPDATE letter_job SET retryAt = ? WHERE id = ?", arguments: [retryAt, id])
            }
            return false
        }
    }

    private static func markSent(_ id: Int64, at now: Date, in db: Database) throws {
        try db.execute(sql: "UPDATE letter_job SET sentAt = ? WHERE id = ?", arguments: [now, id])
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
