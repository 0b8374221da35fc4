import JSONRPC
import MadoguchiModels
import ServiceContract

/// How the recovered member ID and password reach the customer.
public enum RecoveryRoute: String, Codable, Sendable, CaseIterable, JSONSchemaDescribing {
    /// An e-mail with a URL, valid 1 hour, that shows the member ID and sets a new password.
    case screen
    /// A registered letter with the member ID and a new temporary password, sent within a week.
    case post
}

/// `recovery.request`: a forgotten member ID or password.
public enum RecoveryRequest: RPCMethod {
    public static let name = "recovery.request"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Forgotten member ID or password: (email + name) or (iccid + phoneNumber), always with birthDate, and the route (screen or post). The answer is the same whether or not a member matched."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var email: EmailAddress?
        public var name: PersonName?
        public var iccid: ICCID?
        public var phoneNumber: PhoneNumber?
        public var birthDate: CivilDate
        public var route: RecoveryRoute
        public var origin: String?
    }

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        public var accepted: Bool
        public var message: String
    }
}

/// `recovery.open`: the mailed URL's token shows the member ID.
public enum RecoveryOpen: RPCMethod {
    public static let name = "recovery.open"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Opens a recovery URL (valid 1 hour): shows the member ID."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var token: String
    }

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        public var accountId: String
        @WireSchema(.string(format: "date-time"))
        public var expiresAt: String
    }
    public static var errors: [RPCError] { [RegistrationError.linkInvalid.rpcError, RegistrationError.linkExpired.rpcError] }
}

/// `recovery.setPassword`: the recovery URL sets a new password (and is used up).
public enum RecoverySetPassword: RPCMethod {
    public static let name = "recovery.setPassword"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Sets a new password through a recovery URL (valid 1 hour, single use)."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var token: String
        public var password: String
    }
    public typealias Result = RecoveryOpen.Result
    public static var errors: [RPCError] { [RegistrationError.linkInvalid.rpcError, RegistrationError.linkExpired.rpcError] }
}
