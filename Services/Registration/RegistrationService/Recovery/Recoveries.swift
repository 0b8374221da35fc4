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
/// the same whether or not anyone matched; what happens next goes by mail or by post.
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
            guard let address = member.postalAddress else {
                logger.warning("Recovery by post for a member without a postal address; nothing sent.")
                return Self.answer
            }
            let temporary = TemporaryPassword.make()
            _ = try await auth.call(PasswordSet.self, .init(loginId: try LoginID(validating: member.accountKey), password: temporary))
            let dueBy = now.addingTimeInterval(TimeInterval(Self.letterDays) * 86400)
            try await database.write { db in
                try db.execute(
                    sql: "INSERT INTO letter_job (accountKey, createdAt, dueBy) VALUES (?, ?, ?)",
                    arguments: [member.accountKey, now, dueBy])
                try outbox.enqueue(
                    RegistrationMail.recoveryLetter(
                        to: address, name: member.name, accountId: member.accountId, password: temporary, dueBy: dueBy),
                    in: db)
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

    private struct Member {
        var accountKey: String
        var accountId: String
        var email: String
        var name: String
        var postalAddress: String?
    }

    private func findMember(_ params: RecoveryRequest.Params, in db: Database) throws -> Member? {
        let row: Row?
        if let email = params.email, let name = params.name {
            row = try Row.fetchOne(
                db,
                sql: """
                    SELECT a.accountKey, a.accountId, a.email, c.name, c.postalCode, c.address FROM account a
                    JOIN contract c USING (customerNumber)
                    WHERE a.state = 'active' AND c.birthDate = ? AND (lower(a.email) = ? OR c.email = ?) AND (c.name = ? OR c.kana = ?)
                    LIMIT 1
                    """,
                arguments: [
                    params.birthDate.description, email.value.lowercased(), email.value.lowercased(), name.value,
                    (try? KanaName(validating: name.value))?.value ?? name.value,
                ])
        } else if let iccid = params.iccid, let phone = params.phoneNumber {
            row = try Row.fetchOne(
                db,
                sql: """
                    SELECT a.accountKey, a.accountId, a.email, c.name, c.postalCode, c.address FROM contract_sim s
                    JOIN contract c USING (customerNumber) JOIN contract_phone p USING (customerNumber)
                    JOIN account a USING (customerNumber)
                    WHERE s.iccid = ? AND p.digits = ? AND c.birthDate = ? AND a.state = 'active' LIMIT 1
                    """,
                arguments: [iccid.digits, phone.digits, params.birthDate.description])
        } else {
            row = nil
        }
        return row.map { row in
            let postalCode: String? = row["postalCode"]
            let address: String? = row["address"]
            return Member(
                accountKey: row["accountKey"], accountId: row["accountId"], email: row["email"], name: row["name"],
                postalAddress: address.map { address in
                    postalCode.map { "〒\($0.prefix(3))-\($0.dropFirst(3)) " } .map { $0 + address } ?? address
                })
        }
    }

    private struct Link {
        var hash: Data
        var accountKey: String
        var accountId: String
        var expiresAt: Date
    }

    private func validLink(_ token: String) async throws -> Link {
        let hash = links.tokenHash(token)
        guard
            let row = try await database.read({ db in
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT r.accountKey, r.expiresAt, r.usedAt, a.accountId FROM recovery_link r
                        JOIN account a USING (accountKey) WHERE r.linkHash = ?
                        """,
                    arguments: [hash])
            }), (row["usedAt"] as Date?) == nil
        else { throw RegistrationError.linkInvalid }
        let expiresAt: Date = row["expiresAt"]
        guard expiresAt > clock.now() else { throw RegistrationError.linkExpired }
        return Link(hash: hash, accountKey: row["accountKey"], accountId: row["accountId"], expiresAt: expiresAt)
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
