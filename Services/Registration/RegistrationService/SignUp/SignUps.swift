import AuthAPI
import Foundation
import GRDB
import JSONRPC
import MadoguchiModels
import RegistrationAPI
import ServiceKit

/// My Page sign-up (DOMAIN §4): identity check against the contract records, account ID
/// check, provisional registration with a mailed single-use link, main registration with
/// the password, then login and profile.
struct SignUps: Sendable {
    let database: DatabasePool
    let clock: any ServiceClock
    let auth: AuthGateway
    let outbox: Outbox
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
        try await throttle.check(keys)
        let matched = try await database.read { db in
            try ContractBook.matches(
                customerNumber: params.customerNumber.digits, phone: params.phoneNumber.digits, kana: params.kana.value, in: db)
        }
        guard matched else {
            try await throttle.recordFailure(keys)
            throw RegistrationError.detailsMismatch
        }
        try await throttle.reset(customerKey)
        let ticket = RandomToken.make()
        let expiresAt = clock.now().addingTimeInterval(Self.ticketLifetime)
        try await database.write { db in
            try db.execute(sql: "DELETE FROM identity_ticket WHERE expiresAt <= ?", arguments: [clock.now()])
            try db.execute(
                sql: "INSERT INTO identity_ticket (ticketHash, customerNumber, expiresAt) VALUES (?, ?, ?)",
                arguments: [links.tokenHash(ticket), params.customerNumber.digits, expiresAt])
        }
        return .init(ticket: ticket, expiresAt: ISO8601.tokyo(expiresAt))
    }

    func checkAccountID(_ text: String) async throws -> SignUpCheckAccountID.Result {
        let accountID: AccountID
        do {
            accountID = try AccountID(validating: text)
        } catch {
            return .init(available: false, reason: error.reason, message: error.message)
        }
        let taken = try await database.read { db in try LoginNames.isTaken(accountID.normalized, at: clock.now(), in: db) }
        return taken
            ? .init(available: false, reason: LoginNames.takenReason, message: LoginNames.takenMessage)
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
        let ticketHash = links.tokenHash(params.ticket)
        let expiresAt = now.addingTimeInterval(TimeInterval(options.signupLinkHours) * 3600)
        // Reserve the ID first ('reserving'), so two sign-ups racing for it cannot
        // overwrite each other's pending password in auth; the reservation becomes the
        // provisional account, with its mail, only once auth holds the password. A crash
        // in between leaves a reservation that the next start removes
        // (`removeCutOffReservations`): never an account whose mail never went out.
        let customer = try await database.write { db -> String in
            guard
                let customer = try String.fetchOne(
                    db, sql: "SELECT customerNumber FROM identity_ticket WHERE ticketHash = ? AND expiresAt > ?",
                    arguments: [ticketHash, now])
            else { throw RegistrationError.ticketInvalid }
            if try Bool.fetchOne(
                db, sql: "SELECT 1 FROM account WHERE customerNumber = ? AND state = 'active'", arguments: [customer]) == true
            {
                throw RegistrationError.alreadyRegistered
            }
            // Starting again replaces this customer's earlier provisional registration.
            try db.execute(
                sql: """
                    DELETE FROM account WHERE state IN ('provisional', 'reserving')
                        AND (customerNumber = ? OR (accountKey = ? AND expiresAt <= ?))
                    """,
                arguments: [customer, key, now])
            if try LoginNames.isTaken(key, at: now, in: db) {
                throw RegistrationError.idUnavailable(reason: LoginNames.takenReason, message: LoginNames.takenMessage)
            }
            try db.execute(
                sql: """
                    INSERT INTO account (accountKey, accountId, customerNumber, email, nickname, state, linkHash, createdAt, expiresAt)
                    VALUES (?, ?, ?, ?, ?, 'reserving', ?, ?, ?)
                    """,
                arguments: [
                    key, params.accountId.display, customer, params.email.value, nickname, links.tokenHash(token), now,
                    expiresAt,
                ])
            return customer
        }
        do {
            _ = try await auth.call(
                PasswordSet.self,
                .init(
                    loginId: try LoginID(validating: key), password: params.password, pending: true,
                    customerNumber: try CustomerNumber(validating: customer)))
        } catch {
            try await database.write { db in
                try db.execute(
                    sql: "DELETE FROM account WHERE accountKey = ? AND customerNumber = ? AND state = 'reserving'",
                    arguments: [key, customer])
            }
            throw error
        }
        try await database.write { db in
            try db.execute(
                sql: "UPDATE account SET state = 'provisional' WHERE accountKey = ? AND customerNumber = ? AND state = 'reserving'",
                arguments: [key, customer])
            // Gone: the same customer started again meanwhile, and that sign-up stands.
            guard db.changesCount == 1 else { throw RegistrationError.ticketInvalid }
            try db.execute(sql: "DELETE FROM identity_ticket WHERE ticketHash = ?", arguments: [ticketHash])
            try outbox.enqueue(
                RegistrationMail.provisional(
                    to: params.email.value, accountId: params.accountId.display,
                    url: "\(options.myPageURL)/signup/complete?token=\(token)", expiresAt: expiresAt),
                in: db)
        }
        return .init(accountId: params.accountId.display, expiresAt: ISO8601.tokyo(expiresAt))
    }

    /// Removes the ID reservations of sign-ups a crash cut off between reserving and
    /// sending the mail. Run at start, when no sign-up of this process can be under way;
    /// their customers start again from their ticket, which is still valid.
    func removeCutOffReservations() throws {
        try database.write { db in try db.execute(sql: "DELETE FROM account WHERE state = 'reserving'") }
    }

    func complete(token: String, password: String) async throws -> SignUpComplete.Result {
        let now = clock.now()
        let linkHash = links.tokenHash(token)
        // Rows are not Sendable: the values are taken out inside the read, so that the
        // read is GRDB's async one rather than its synchronous one blocking this thread
        // of the cooperative pool.
        let found = try await database.read { db -> (key: String, accountId: String, email: String, expiresAt: Date?)? in
            try Row.fetchOne(db, sql: "SELECT accountKey, accountId, email, expiresAt FROM account WHERE linkHash = ?", arguments: [linkHash])
                .map { ($0["accountKey"], $0["accountId"], $0["email"], $0["expiresAt"]) }
        }
        guard let (key, accountId, email, expiresAt) = found else { throw RegistrationError.linkInvalid }
        guard expiresAt.map({ $0 > now }) == true else { throw RegistrationError.linkExpired }
        let loginID = try LoginID(validating: key)
        do {
            _ = try await auth.call(PasswordActivate.self, .init(loginId: loginID, password: password))
        } catch let refusal as RPCError where refusal.reason == "password_incorrect" {
            // Activated before a crash that kept this account provisional: the password
            // is then already active, and the retry may finish the job.
            _ = try await auth.call(PasswordVerify.self, .init(loginId: loginID, password: password))
        }
        try await database.write { db in
            try db.execute(
                sql: "UPDATE account SET state = 'active', activatedAt = ?, linkHash = NULL, expiresAt = NULL WHERE accountKey = ? AND linkHash = ?",
                arguments: [now, key, linkHash])
            if db.changesCount == 1 {
                try outbox.enqueue(RegistrationMail.registered(to: email, accountId: accountId), in: db)
            }
        }
        return .init(accountId: accountId)
    }

    /// The login checked for text that cannot be a login ID, so that it costs auth the
    /// same as any other unknown login.
    private static let unknownLogin = try! LoginID(validating: "unknown-login")

    /// Logs in with the account ID or the account's e-mail address.
    func login(_ params: MyPageLogin.Params) async throws -> MyPageLogin.Result {
        let text = HalfWidth.normalize(params.loginId).trimmingCharacters(in: .whitespaces)
        let account = try await database.read { db -> (key: String, accountId: String)? in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT accountKey, accountId FROM account WHERE state = 'active' AND (accountKey = ? OR lower(email) = ?)
                    ORDER BY accountKey = ? DESC, activatedAt DESC LIMIT 1
                    """,
                arguments: [text.lowercased(), text.lowercased(), text.lowercased()]
            ).map { ($0["accountKey"], $0["accountId"]) }
        }
        guard let account, let loginID = try? LoginID(validating: account.key) else {
            // Spend the same effort (and count the failure) and answer as auth answers a
            // wrong password, so nothing tells whether an account exists. Auth's other
            // refusals (down or slow, throttled, storage) are passed on as for a known
            // account, so they tell nothing either.
            let probe = (try? LoginID(validating: text)) ?? Self.unknownLogin
            do {
                _ = try await auth.call(PasswordVerify.self, .init(loginId: probe, password: params.password, origin: params.origin))
            } catch let refusal as RPCError where refusal.reason != AuthError.passwordIncorrect.rpcError.reason {
                throw refusal
            } catch {}
            throw AuthError.passwordIncorrect
        }
        let session = try await auth.call(SessionOpen.self, .init(.password(loginID, params.password), origin: params.origin))
        return .init(session: session.token ?? "", accountId: account.accountId, expiresAt: session.expiresAt)
    }

    func profile(session: String) async throws -> MyPageProfile.Result {
        let key = try await auth.loginID(of: session)
        guard
            let profile = try await database.read({ db -> MyPageProfile.Result? in
                try Row.fetchOne(
                    db, sql: "SELECT accountId, nickname, email, customerNumber FROM account WHERE accountKey = ? AND state = 'active'",
                    arguments: [key]
                ).map { .init(accountId: $0["accountId"], nickname: $0["nickname"], email: $0["email"], customerNumber: $0["customerNumber"]) }
            })
        else { throw RegistrationError.sessionNotApplicable }
        return profile
    }
}
