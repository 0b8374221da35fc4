import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import RegistrationAPI
import ServiceContract
import ServiceKit

/// My Page sign-up (DOMAIN §4): identity check against the contract records, account ID
/// check, provisional registration with a mailed single-use link, main registration with
/// the password, then login and profile.
struct SignUps: Sendable {
    let store: any AccountStore
    let clock: any ServiceClock
    let auth: AuthGateway
    let links: SecretHasher
    let throttle: AttemptThrottle
    let options: RegistrationOptions

    /// Identity tickets last an hour: long enough to fill in the form.
    static let ticketLifetime: TimeInterval = 3600

    func verifyIdentity(_ params: SignUpVerifyIdentity.Params, peer: PeerCredentials) async throws -> SignUpVerifyIdentity.Result {
        let customerKey = "identity:customer:\(params.customerNumber.digits)"
        let keys = [
            customerKey: AttemptThrottle.Rule(limit: options.identityFailureLimit, window: 3600),
            "identity:caller:\(peer.uid):\(params.origin ?? "-")": AttemptThrottle.Rule(limit: options.identityFailureLimit * 4, window: 3600),
        ]
        // Counted before the details are compared, and taken back only when they match:
        // checks sent together cannot all find room under the limit.
        let attempt = try await throttle.take(keys)
        let matched = try await store.contractMatches(
            customerNumber: params.customerNumber.digits, phone: params.phoneNumber.digits, kana: params.kana.value)
        guard matched else { throw RegistrationError.detailsMismatch }
        try await throttle.succeeded(attempt, forgetting: customerKey)
        let ticket = RandomToken.make()
        let now = clock.now()
        let expiresAt = now.addingTimeInterval(Self.ticketLifetime)
        try await store.issueTicket(hash: links.tokenHash(ticket), customerNumber: params.customerNumber.digits, expiresAt: expiresAt, at: now)
        return .init(ticket: ticket, expiresAt: ISO8601.tokyo(expiresAt))
    }

    func checkAccountID(_ text: String) async throws -> SignUpCheckAccountID.Result {
        let accountID: AccountID
        do {
            accountID = try AccountID(validating: text)
        } catch {
            return .init(available: false, reason: error.reason, message: error.message)
        }
        let taken = try await store.isLoginNameTaken(accountID.normalized, at: clock.now())
        return taken
            ? .init(available: false, reason: LoginNames.takenReason.rawValue, message: LoginNames.takenMessage)
            : .init(available: true)
    }

    func submit(_ params: SignUpSubmit.Params) async throws -> SignUpSubmit.Result {
        let nickname = params.nickname.trimmingCharacters(in: .whitespaces)
        guard (1...20).contains(nickname.count), nickname.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw RPCError.invalidParams("a nickname has 1 to 20 characters.", reason: "invalid_nickname", field: "nickname")
        }
        let now = clock.now()
        let key = params.accountId.normalized
        let token = RandomToken.make()
        let expiresAt = now.addingTimeInterval(TimeInterval(options.signupLinkHours) * 3600)
        // Reserve the ID first ('reserving'), so two sign-ups racing for it cannot
        // overwrite each other's pending password in auth; the reservation becomes the
        // provisional account, with its mail, only once auth holds the password. A crash
        // in between leaves a reservation that is removed (`ReservationSweep`, and at start
        // on SQLite): never an account whose mail never went out.
        let linkHash = links.tokenHash(token)
        let (customer, ticketHash) = try await reserve(
            NewAccount(
                key: key, accountId: params.accountId.display, email: params.email.value, nickname: nickname,
                linkHash: linkHash, expiresAt: expiresAt),
            ticket: params.ticket, at: now)
        do {
            _ = try await auth.call(
                PasswordSet.self,
                .init(
                    loginId: try LoginID(validating: key), password: params.password, pending: true,
                    customerNumber: try CustomerNumber(validating: customer)))
        } catch {
            try await store.release(accountKey: key, customerNumber: customer, linkHash: linkHash)
            throw error
        }
        // Gone (ticketInvalid): the same customer started again meanwhile, and that sign-up stands.
        try await store.confirm(
            accountKey: key, customerNumber: customer, linkHash: linkHash, ticketHash: ticketHash,
            mail: RegistrationMail.provisional(
                to: params.email.value, accountId: params.accountId.display,
                url: "\(options.myPageURL)/signup/complete?token=\(token)", expiresAt: expiresAt))
        return .init(accountId: params.accountId.display, expiresAt: ISO8601.tokyo(expiresAt))
    }


    /// Reserves `account` with the ticket's hash under each key that may have made it (a
    /// ticket issued just before a new key was added); the first the store holds is used.
    private func reserve(_ account: NewAccount, ticket: String, at now: Date) async throws -> (String, ticketHash: Data) {
        let hashes = links.tokenHashes(ticket)
        for (index, hash) in hashes.enumerated() {
            do {
                return (try await store.reserve(account, ticketHash: hash, at: now), hash)
            } catch RegistrationError.ticketInvalid where index < hashes.count - 1 {
                continue
            }
        }
        throw RegistrationError.ticketInvalid
    }

    /// Main registration. A wrong password counts in auth against `origin` (the end
    /// user's, or the caller's uid), never against registration itself: one bucket for
    /// every customer would let one person's wrong tries hold up everyone's sign-up.
    func complete(token: String, password: String, origin: String?) async throws -> SignUpComplete.Result {
        let now = clock.now()
        guard let (found, linkHash) = try await links.lookUp(token, { try await store.account(linkHash: $0) }) else {
            throw RegistrationError.linkInvalid
        }
        let (key, accountId, email) = (found.key, found.accountId, found.email)
        guard found.expiresAt.map({ $0 > now }) == true else { throw RegistrationError.linkExpired }
        let loginID = try LoginID(validating: key)
        do {
            _ = try await auth.call(PasswordActivate.self, .init(loginId: loginID, password: password, origin: origin))
        } catch let refusal as RPCError where refusal.is(AuthError.Reason.passwordIncorrect) {
            // Activated before a crash that kept this account provisional: the password
            // is then already active, and the retry may finish the job.
            _ = try await auth.call(PasswordVerify.self, .init(loginId: loginID, password: password, origin: origin))
        }
        _ = try await store.activate(
            accountKey: key, linkHash: linkHash, at: now, mail: RegistrationMail.registered(to: email, accountId: accountId))
        return .init(accountId: accountId)
    }

    /// The login checked for text that cannot be a login ID, so that it costs auth the
    /// same as any other unknown login.
    private static let unknownLogin = try! LoginID(validating: "unknown-login")

    /// Logs in with the account ID or the account's e-mail address.
    func login(_ params: MyPageLogin.Params) async throws -> MyPageLogin.Result {
        let text = HalfWidth.normalize(params.loginId).trimmingCharacters(in: .whitespaces)
        let account = try await store.activeAccount(loginText: text.lowercased())
        guard let account, let loginID = try? LoginID(validating: account.key) else {
            // Spend the same effort (and count the failure) and answer as auth answers a
            // wrong password, so nothing tells whether an account exists. Auth's other
            // refusals (down or slow, throttled, storage) are passed on as for a known
            // account, so they tell nothing either.
            let probe = (try? LoginID(validating: text)) ?? Self.unknownLogin
            do {
                _ = try await auth.call(PasswordVerify.self, .init(loginId: probe, password: params.password, origin: params.origin))
            } catch let refusal as RPCError where !refusal.is(AuthError.Reason.passwordIncorrect) {
                throw refusal
            } catch {}
            throw AuthError.passwordIncorrect
        }
        let session = try await auth.call(SessionOpen.self, .init(.password(loginID, params.password), origin: params.origin))
        return .init(session: session.token ?? "", accountId: account.accountId, expiresAt: session.expiresAt)
    }

    func profile(session: String) async throws -> MyPageProfile.Result {
        let key = try await auth.loginID(of: session)
        guard let profile = try await store.profile(accountKey: key) else { throw RegistrationError.sessionNotApplicable }
        return profile
    }
}
