import JSONRPC
import MadoguchiModels
import ServiceContract

/// `signup.verifyIdentity`: step 1 of My Page sign-up.
public enum SignUpVerifyIdentity: RPCMethod {
    public static let name = "signup.verifyIdentity"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "My Page sign-up, step 1: customer number (leading zeros ignored), registered phone number and holder name in katakana. A mismatch says only that the details do not match; repeated mismatches are throttled. Returns a ticket for signup.submit."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var customerNumber: CustomerNumber
        public var phoneNumber: PhoneNumber
        public var kana: KanaName
        /// The end user's origin (e.g. IP address), from a trusted front end.
        public var origin: String?
    }

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        /// Proof of the identity check, for `signup.submit`.
        public var ticket: String
        @WireSchema(.string(format: "date-time"))
        public var expiresAt: String
    }

    public static var errors: [RPCError] {
        [RegistrationError.detailsMismatch.rpcError, .tooManyAttempts(retryAfter: .init(timeIntervalSince1970: 0))]
    }
}

/// `signup.checkAccountId`: is this account ID free?
public enum SignUpCheckAccountID: RPCMethod {
    public static let name = "signup.checkAccountId"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Whether an account ID can be chosen: 5-30 half-width letters, digits and symbols, case-insensitive, unused. Says why not."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        /// Checked here rather than decoded as an `AccountID`, so a malformed ID gets an
        /// answer that says why rather than an invalid-params error.
        public var accountId: String
    }

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        public var available: Bool
        public var reason: String?
        public var message: String?
    }
}

/// `signup.submit`: the initial details; provisional registration and its e-mail.
public enum SignUpSubmit: RPCMethod {
    public static let name = "signup.submit"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "My Page sign-up, steps 2-4: account ID, password (auth's policy), e-mail and nickname with the identity ticket. Registers provisionally and mails a single-use main-registration URL valid 24 hours."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var ticket: String
        public var accountId: AccountID
        public var password: String
        public var email: EmailAddress
        /// 1-20 characters, shown on My Page.
        public var nickname: String
    }

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        public var accountId: String
        /// When the provisional registration lapses unless completed.
        @WireSchema(.string(format: "date-time"))
        public var expiresAt: String
    }

    public static var errors: [RPCError] {
        [
            RegistrationError.ticketInvalid.rpcError, RegistrationError.alreadyRegistered.rpcError,
            RegistrationError.idUnavailable(reason: .idTaken, message: "This ID is already in use; choose another.").rpcError,
        ]
    }
}

/// `signup.complete`: the mailed URL's token and the password → main registration.
public enum SignUpComplete: RPCMethod {
    public static let name = "signup.complete"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "My Page sign-up, step 5: the token from the mailed URL and the password chosen at submit complete main registration. Single use; expired 24 hours after the e-mail."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var token: String
        public var password: String
        /// The end user's origin (e.g. IP address), from a trusted front end: a wrong
        /// password counts against it in auth, not against every customer at once.
        public var origin: String?
    }

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        public var accountId: String
    }

    public static var errors: [RPCError] { [RegistrationError.linkInvalid.rpcError, RegistrationError.linkExpired.rpcError] }
}

/// `mypage.login`: account ID or e-mail address, and password.
public enum MyPageLogin: RPCMethod {
    public static let name = "mypage.login"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "My Page login with the account ID or the account's e-mail address and the password (checked by madoguchi-auth); returns auth's session."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var loginId: String
        public var password: String
        public var origin: String?
    }

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        public var session: String
        public var accountId: String
        @WireSchema(.string(format: "date-time"))
        public var expiresAt: String
    }
}

/// `mypage.profile`: what My Page shows of the logged-in account.
public enum MyPageProfile: RPCMethod {
    public static let name = "mypage.profile"
    public static let access = MethodAccess.anyCaller
    public static let summary = "The logged-in My Page account: account ID, nickname, e-mail and customer number."
    public typealias Params = SessionParams

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        public var accountId: String
        public var nickname: String
        public var email: String
        public var customerNumber: String
    }

    public static var errors: [RPCError] { [RegistrationError.sessionNotApplicable.rpcError] }
}
