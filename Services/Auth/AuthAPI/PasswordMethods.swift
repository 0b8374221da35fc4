import JSONRPC
import MadoguchiModels
import ServiceContract

extension LoginID: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .string(description: "Account ID or e-mail address; case-insensitive.") }
}

/// The answer of the password methods.
@WireObject
public struct PasswordResult: Codable, Sendable, Hashable {
    public var ok: Bool
}

/// `password.set`: for the services that create accounts (registration, linking).
public enum PasswordSet: RPCMethod {
    public static let name = "password.set"
    public static let access = MethodAccess.service
    public static let summary =
        "Sets the password of a login ID: 8-16 letters and digits mixing at least two of upper case, lower case and digits, not containing the login ID, not a common password. pending: true holds it unusable until password.activate (a sign-up not yet complete); customerNumber names the contract whose data its sessions may see (kept when omitted, except that a pending password, a new login's, keeps nothing of the ID's past); realm isp holds an ISP contract's password under its ISP customer number."

    @WireObject
    public struct Params: Codable, Sendable {
        public var loginId: LoginID
        public var password: String
        /// Held for an account that does not exist yet: no login works until activated.
        public var pending: Bool?
        /// The contract the login belongs to; its sessions carry it (kept when omitted,
        /// except for a pending password: a new login's, which keeps nothing of the ID's past).
        public var customerNumber: CustomerNumber?
        /// `login` when omitted.
        public var realm: PasswordRealm?
    }
    public typealias Result = PasswordResult
    public static var errors: [RPCError] { PasswordProblem.examples.map { AuthError.passwordRejected($0).rpcError } }
}

/// `password.activate`: makes a pending password usable.
public enum PasswordActivate: RPCMethod {
    public static let name = "password.activate"
    public static let access = MethodAccess.service
    public static let summary =
        "Makes a pending password usable for login. With password, it must match the pending one (a wrong one counts as a failure); a login ID with no pending password answers like a wrong password."

    @WireObject
    public struct Params: Codable, Sendable {
        public var loginId: LoginID
        /// When given, the pending password must be this one.
        public var password: String?
        /// The end user's origin (e.g. IP address), from a trusted front end: a wrong
        /// password counts against it rather than against the calling service.
        public var origin: String?
    }
    public typealias Result = PasswordResult
}

/// `password.verify`.
public enum PasswordVerify: RPCMethod {
    public static let name = "password.verify"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Checks a password (realm login, or isp for an ISP contract); an unknown login ID answers like a wrong password."

    @WireObject
    public struct Params: Codable, Sendable {
        public var loginId: LoginID
        public var password: String
        /// The end user's origin (e.g. IP address), from a trusted front end.
        public var origin: String?
        /// `login` when omitted.
        public var realm: PasswordRealm?
    }
    public typealias Result = PasswordResult
    public static var errors: [RPCError] {
        [
            AuthError.passwordIncorrect.rpcError,
            RPCError.storageUnavailable(),
        ]
    }
}

/// `password.change`: with the current password.
public enum PasswordChange: RPCMethod {
    public static let name = "password.change"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Changes a password given the current one."

    @WireObject
    public struct Params: Codable, Sendable {
        public var loginId: LoginID
        public var currentPassword: String
        public var newPassword: String
        /// End user's origin (e.g. IP address), from a trusted front end: a wrong current
        /// password counts against it, not against the front end's every user.
        public var origin: String?
    }
    public typealias Result = PasswordResult
    public static var errors: [RPCError] {
        [
            AuthError.passwordIncorrect.rpcError,
        ] + PasswordProblem.examples.map { AuthError.passwordRejected($0).rpcError }
    }
}
