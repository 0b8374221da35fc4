import AuthAPI
import Foundation
import JSONRPC
import Logging
import MadoguchiModels
import RegistrationAPI
import ServiceContract
import ServiceKit

/// Member recovery (DOMAIN §4, last part): a forgotten member ID or password, found by
/// (e-mail + name) or (ICCID + phone number), always with the birth date. The answer is
/// the same whether or not anyone matched, and a match does one write more (the time is
/// evened out by `EvenAnswers` in `RegistrationService`); what happens next goes by mail
/// or, through `RecoveryLetters`, by post.
struct Recoveries: Sendable {
    let store: any RecoveryStore
    let clock: any ServiceClock
    let auth: AuthGateway
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
        _ = try await throttle.take(callerKey)
        let lookup: MemberLookup? =
            if let email = params.email, let name = params.name {
                .email(email, name: name, birthDate: params.birthDate)
            } else if let iccid = params.iccid, let phone = params.phoneNumber {
                .sim(iccid, phone: phone, birthDate: params.birthDate)
            } else { nil }
        guard let lookup, let member = try await store.member(lookup) else { return Self.answer }
        let now = clock.now()
        switch params.route {
        case .screen:
            let token = RandomToken.make()
            let expiresAt = now.addingTimeInterval(TimeInterval(options.recoveryLinkMinutes) * 60)
            try await store.addLink(
                hash: links.tokenHash(token), accountKey: member.accountKey, expiresAt: expiresAt,
                mail: RegistrationMail.recoveryLink(
                    to: member.email, url: "\(options.myPageURL)/recovery?token=\(token)", expiresAt: expiresAt))
        case .post:
            // Queued only: `RecoveryLetters` sets the temporary password and sends the
            // letter, so a match costs one write here, like the screen route.
            guard member.postalAddress != nil else {
                logger.warning("Recovery by post for a member without a postal address; nothing sent.")
                return Self.answer
            }
            try await store.queueLetter(
                accountKey: member.accountKey, at: now, dueBy: now.addingTimeInterval(TimeInterval(Self.letterDays) * 86400))
        }
        return Self.answer
    }

    func open(token: String) async throws -> RecoveryOpen.Result {
        let link = try await validLink(token)
        return .init(accountId: link.accountId, expiresAt: ISO8601.tokyo(link.expiresAt))
    }

    func setPassword(token: String, password: String) async throws -> RecoveryOpen.Result {
        let link = try await validLink(token)
        // The link is used first, so that of two calls at once (on any hosts) one sets a
        // password. It is given back only when auth refused the password itself, so the
        // customer may choose another. Any other failure may leave the password set all
        // the same — auth answering too late (a call it started runs to its end), or its
        // storage giving up on a write the server still commits — so the link stays used,
        // and the customer asks for a new one, as after a crash in between.
        guard try await store.useLink(link.hash, at: clock.now()) else { throw RegistrationError.linkInvalid }
        do {
            _ = try await auth.call(PasswordSet.self, .init(loginId: try LoginID(validating: link.accountKey), password: password))
        } catch let refusal as RPCError where PasswordProblem.examples.contains(where: { refusal.is($0.reason) }) {
            try? await store.releaseLink(link.hash)
            throw refusal
        }
        return .init(accountId: link.accountId, expiresAt: ISO8601.tokyo(link.expiresAt))
    }

    private struct Link {
        var hash: Data
        var accountKey: String
        var accountId: String
        var expiresAt: Date
    }

    private func validLink(_ token: String) async throws -> Link {
        guard let (found, hash) = try await links.lookUp(token, { try await store.link($0) }) else {
            throw RegistrationError.linkInvalid
        }
        let link = Link(hash: hash, accountKey: found.accountKey, accountId: found.accountId, expiresAt: found.expiresAt)
        guard link.expiresAt > clock.now() else { throw RegistrationError.linkExpired }
        return link
    }
}
