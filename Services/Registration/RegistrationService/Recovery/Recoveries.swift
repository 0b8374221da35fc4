import AuthAPI
import Foundation
import GRDB
import JSONRPC
import Logging
import MadoguchiModels
import RegistrationAPI
import ServiceKit

/// Member recovery (DOMAIN §4, last part): a forgotten member ID or password, found by
/// (e-mail + name) or (ICCID + phone number), always with the birth date. The answer is
/// the same whether or not anyone matched, and a match does one write more (the time is
/// evened out by `EvenAnswers` in `RegistrationService`); what happens next goes by mail
/// or, through `RecoveryLetters`, by post.
struct Recoveries: Sendable {
    let database: DatabasePool
    let clock: any ServiceClock
    let auth: AuthGateway
    let outbox: Outbox
    let links: SecretHasher
    let throttle: AttemptThrottle
    let options: RegistrationOptions
    let logger: Logger

    /// A registered letter leaves within a week.
    static let letterDays = 7
    static let answer = RecoveryRequest.Result(
        accepted: true,
        message: "If the details match a member, the member ID and how to set a new password are on their way by the route chosen.")

    func request(_ params: RecoveryRequest.Params, peer: PeerCredentials) async throws -> RecoveryRequest.Result {
        let byEmail = params.email != nil && params.name != nil
        let bySIM = params.iccid != nil && params.phoneNumber != nil
        guard byEmail != bySIM else {
            throw RPCError.invalidParams(
                "give either email and name, or iccid and phoneNumber (with birthDate).", reason: "invalid_lookup")
        }
        // Every request counts, matched or not, since the answer never says which.
        let callerKey = ["recovery:caller:\(peer.uid):\(params.origin ?? "-")": AttemptThrottle.Rule(limit: 20, window: 3600)]
        try await throttle.check(callerKey)
        try await throttle.recordFailure(callerKey)
        guard let member = try await database.read({ db in try findMember(params, in: db) }) else { return Self.answer }
        let now = clock.now()
        switch params.route {
        case .screen:
            let token = RandomToken.make()
            let expiresAt = now.addingTimeInterval(TimeInterval(options.recoveryLinkMinutes) * 60)
            try await database.write { db in
                try db.execute(
                    sql: "INSERT INTO recovery_link (linkHash, accountKey, expiresAt) VALUES (?, ?, ?)",
                    arguments: [links.tokenHash(token), member.accountKey, expiresAt])
                try outbox.enqueue(
                    RegistrationMail.recoveryLink(
                        to: member.email, url: "\(options.myPageURL)/recovery?token=\(token)", expiresAt: expiresAt),
                    in: db)
            }
        case .post:
            // Queued only: `RecoveryLetters` sets the temporary password and sends the
            // letter, so a match costs one write here, like the screen route.
            guard member.postalAddress != nil else {
                logger.warning("Recovery by post for a member without a postal address; nothing sent.")
                return Self.answer
            }
            try await database.write { db in
                try db.execute(
                    sql: "INSERT INTO letter_job (accountKey, createdAt, dueBy) VALUES (?, ?, ?)",
                    arguments: [member.accountKey, now, now.addingTimeInterval(TimeInterval(Self.letterDays) * 86400)])
            }
        }
        return Self.answer
    }

    func open(token: String) async throws -> RecoveryOpen.Result {
        let link = try await validLink(token)
        return .init(accountId: link.accountId, expiresAt: ISO8601.tokyo(link.expiresAt))
    }

    func setPassword(token: String, password: String) async throws -> RecoveryOpen.Result {
        let link = try await validLink(token)
        _ = try await auth.call(PasswordSet.self, .init(loginId: try LoginID(validating: link.accountKey), password: password))
        try await database.write { db in
            try db.execute(sql: "UPDATE recovery_link SET usedAt = ? WHERE linkHash = ?", arguments: [clock.now(), link.hash])
        }
        return .init(accountId: link.accountId, expiresAt: ISO8601.tokyo(link.expiresAt))
    }

    private func findMember(_ params: RecoveryRequest.Params, in db: Database) throws -> RecoveryMember? {
        if let email = params.email, let name = params.name {
            return try RecoveryMember.find(email: email, name: name, birthDate: params.birthDate, in: db)
        }
        if let iccid = params.iccid, let phone = params.phoneNumber {
            return try RecoveryMember.find(iccid: iccid, phone: phone, birthDate: params.birthDate, in: db)
        }
        return nil
    }

    private struct Link {
        var hash: Data
        var accountKey: String
        var accountId: String
        var expiresAt: Date
    }

    private func validLink(_ token: String) async throws -> Link {
        let hash = links.tokenHash(token)
        // Values, not the `Row`, leave the read: a `Row` is not Sendable, and returning one
        // would pick GRDB's synchronous read, blocking a thread of the cooperative pool.
        guard
            let link = try await database.read({ db -> Link? in
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT r.accountKey, r.expiresAt, a.accountId FROM recovery_link r
                        JOIN account a USING (accountKey) WHERE r.linkHash = ? AND r.usedAt IS NULL
                        """,
                    arguments: [hash]
                ).map { Link(hash: hash, accountKey: $0["accountKey"], accountId: $0["accountId"], expiresAt: $0["expiresAt"]) }
            })
        else { throw RegistrationError.linkInvalid }
        guard link.expiresAt > clock.now() else { throw RegistrationError.linkExpired }
        return link
    }
}
