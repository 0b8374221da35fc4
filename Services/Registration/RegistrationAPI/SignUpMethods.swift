import JSONRPC
import MadoguchiModels
import ServiceKit

/// `signup.verifyIdentity`: step 1 of My Page sign-up.
public enum SignUpVerifyIdentity: RPCMethod {
    public static let name = "signup.verifyIdentity"
    public static let summary =
        "My Page sign-up, step 1: customer number (leading zeros ignored), registered phone number and holder name in katakana. A mismatch says only that the details do not match; repeated mismatches are throttled. Returns a ticket for signup.submit."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var customerNumber: CustomerNumber
        public var phoneNumber: PhoneNumber
        public var kana: KanaName
        /// The end user's origin (e.g. IP address), from a trusted front end.
        public var origin: String?

        public init(customerNumber: CustomerNumber, phoneNumber: PhoneNumber, kana: KanaName, origin: String? = nil) {
            self.customerNumber = customerNumber
            self.phoneNumber = phoneNumber
            self.kana = kana
            self.origin = origin
        }

        public static var jsonSchema: JSONSchema {
            .object(
                [
                    "customerNumber": CustomerNumber.jsonSchema, "phoneNumber": PhoneNumber.jsonSchema,
                    "kana": KanaName.jsonSchema, "origin": .string(),
                ],
                required: ["customerNumber", "phoneNumber", "kana"])
        }
    }

    public struct Result: Codable, Sendable, Hashable, JSONSchemaDescribing {
        /// Proof of the identity check, for `signup.submit`.
        public var ticket: String
        public var expiresAt: String
        public init(ticket: String, expiresAt: String) {
            self.ticket = ticket
            self.expiresAt = expiresAt
        }
        public static var jsonSchema: JSONSchema {
            .object(["ticket": .string(), "expiresAt": .string(format: "date-time")], required: ["ticket", "expiresAt"])
        }
    }

    public static var errors: [RPCError] {
        [RegistrationError.detailsMismatch.rpcError, .tooManyAttempts(retryAfter: .init(timeIntervalSince1970: 0))]
    }
}

/// `signup.checkAccountId`: is this account ID free?
public enum SignUpCheckAccountID: RPCMethod {
    public static let name = "signup.checkAccountId"
    public static let summary =
        "Whether an account ID can be chosen: 5-30 half-width letters, digits and symbols, case-insensitive, unused. Says why not."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        /// Checked here rather than decoded as an `AccountID`, so a malformed ID gets an
        /// answer that says why rather than an invalid-params error.
        public var accountId: String
        public init(accountId: String) { self.accountId = accountId }
        public static var jsonSchema: JSONSchema { .object(["accountId": .string()], required: ["accountId"]) }
    }

    public struct Result: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var available: Bool
        public var reason: String?
        public var message: String?
        public init(available: Bool, reason: String? = nil, message: String? = nil) {
            self.available = available
            self.reason = reason
            self.message = message
        }
        public static var jsonSchema: JSONSchema {
            .object(["available": .boolean, "reason": .string(), "message": .string()], required: ["available"])
        }
    }
}

/// `signup.submit`: the initial details; provisional registration and its e-mail.
public enum SignUpSubmit: RPCMethod {
    public static let name = "signup.submit"
    public static let summary =
        "My Page sign-up, steps 2-4: account ID, password (auth's policy), e-mail and nickname with the identity ticket. Registers provisionally and mails a single-use main-registration URL valid 24 hours."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var ticket: String
        public var accountId: AccountID
        public var password: String
        public var email: EmailAddress
        public var nickname: String

        public init(ticket: String, accountId: AccountID, password: String, email: EmailAddress, nickname: String) {
            self.ticket = ticket
            self.accountId = accountId
            self.password = password
            self.email = email
            self.nickname = nickname
        }

        public static var jsonSchema: JSONSchema {
            .object(
                [
                    "ticket": .string(), "accountId": AccountID.jsonSchema, "password": .string(),
                    "email": EmailAddress.jsonSchema, "nickname": .string(description: "1-20 characters, shown on My Page."),
                ],
                required: ["ticket", "accountId", "password", "email", "nickname"])
        }
    }

    public struct Result: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var accountId: String
        /// When the provisional registration lapses unless completed.
        public var expiresAt: String
        public init(accountId: String, expiresAt: String) {
            self.accountId = accountId
            self.expiresAt = expiresAt
        }
        public static var jsonSchema: JSONSchema {
            .object(["accountId": .string(), "expiresAt": .string(format: "date-time")], required: ["accountId", "expiresAt"])
        }
    }

    public static var errors: [RPCError] {
        [
            RegistrationError.ticketInvalid.rpcError, RegistrationError.alreadyRegistered.rpcError,
            RegistrationError.idUnavailable(reason: RegistrationError.idTakenReason, message: "This ID is already in use; choose another.").rpcError,
        ]
    }
}

/// `signup.complete`: the mailed URL's token and the password → main registration.
public enum SignUpComplete: RPCMethod {
    public static let name = "signup.complete"
    public static let summary =
        "My Page sign-up, step 5: the token from the mailed URL and the password chosen at submit complete main registration. Single use; expired 24 hours after the e-mail."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var token: String
        public var password: String
        public init(token: String, password: String) {
            self.token = token
            self.password = password
        }
        public static var jsonSchema: JSONSchema {
            .object(["token": .string(), "password": .string()], required: ["token", "password"])
        }
    }

    public struct Result: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var accountId: String
        public init(accountId: String) { self.accountId = accountId }
        public static var jsonSchema: JSONSchema { .object(["accountId": .string()], required: ["accountId"]) }
    }

    public static var errors: [RPCError] { [RegistrationError.linkInvalid.rpcError, RegistrationError.linkExpired.rpcError] }
}

/// `mypage.login`: account ID or e-mail address, and password.
public enum MyPageLogin: RPCMethod {
    public static let name = "mypage.login"
    public static let summary =
        "My Page login with the account ID or the account's e-mail address and the password (checked by madoguchi-auth); returns auth's session."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var loginId: String
        public var password: String
        public var origin: String?
        public init(loginId: String, password: String, origin: String? = nil) {
            self.loginId = loginId
            self.password = password
            self.origin = origin
        }
        public static var jsonSchema: JSONSchema {
            .object(["loginId": .string(), "password": .string(), "origin": .string()], required: ["loginId", "password"])
        }
    }

    public struct Result: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var session: String
        public var accountId: String
        public var expiresAt: String
        public init(session: String, accountId: String, expiresAt: String) {
            self.session = session
            self.accountId = accountId
            self.expiresAt = expiresAt
        }
        public static var jsonSchema: JSONSchema {
            .object(
                ["session": .string(), "accountId": .string(), "expiresAt": .string(format: "date-time")],
                required: ["session", "accountId", "expiresAt"])
        }
    }
}

/// `mypage.profile`: what My Page shows of the logged-in account.
public enum MyPageProfile: RPCMethod {
    public static let name = "mypage.profile"
    public static let summary = "The logged-in My Page account: account ID, nickname, e-mail and customer number."
    public typealias Params = SessionParams

    public struct Result: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var accountId: String
        public var nickname: String
        public var email: String
        public var customerNumber: String
        public init(accountId: String, nickname: String, email: String, customerNumber: String) {
            self.accountId = accountId
            self.nickname = nickname
            self.email = email
            self.customerNumber = customerNumber
        }
        public static var jsonSchema: JSONSchema {
            .object(
                ["accountId": .string(), "nickname": .string(), "email": .string(), "customerNumber": .string()],
                required: ["accountId", "nickname", "email", "customerNumber"])
        }
    }

    public static var errors: [RPCError] { [RegistrationError.sessionNotApplicable.rpcError] }
}
