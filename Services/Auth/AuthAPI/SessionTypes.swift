import Foundation
import JSONRPC
import MadoguchiModels

/// How a session is opened.
public enum SessionLogin: Sendable, Hashable {
    /// The line's phone number and network PIN (IVR, MVNO member site).
    case phonePIN(PhoneNumber, PIN)
    /// Before the line is active: reception number, the mobile number given at
    /// application, and the network PIN.
    case reception(ReceptionNumber, PhoneNumber, PIN)
    /// My Page: account ID or e-mail address, and password.
    case password(LoginID, String)

    /// The name of the login method on the wire.
    public var method: String {
        switch self {
        case .phonePIN: "phone-pin"
        case .reception: "reception"
        case .password: "password"
        }
    }
}

extension SessionLogin: Codable {
    enum CodingKeys: String, CodingKey { case method, phoneNumber, receptionNumber, pin, loginId, password }

    public init(from decoder: any Decoder) throws {
        let members = try decoder.container(keyedBy: CodingKeys.self)
        switch try members.decode(String.self, forKey: .method) {
        case "phone-pin":
            self = .phonePIN(
                try members.decode(PhoneNumber.self, forKey: .phoneNumber), try members.decode(PIN.self, forKey: .pin))
        case "reception":
            self = .reception(
                try members.decode(ReceptionNumber.self, forKey: .receptionNumber),
                try members.decode(PhoneNumber.self, forKey: .phoneNumber), try members.decode(PIN.self, forKey: .pin))
        case "password":
            self = .password(
                try members.decode(LoginID.self, forKey: .loginId), try members.decode(String.self, forKey: .password))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .method, in: members, debugDescription: "The method is phone-pin, reception or password.")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var members = encoder.container(keyedBy: CodingKeys.self)
        try members.encode(method, forKey: .method)
        switch self {
        case .phonePIN(let phone, let pin):
            try members.encode(phone, forKey: .phoneNumber)
            try members.encode(pin, forKey: .pin)
        case .reception(let reception, let phone, let pin):
            try members.encode(reception, forKey: .receptionNumber)
            try members.encode(phone, forKey: .phoneNumber)
            try members.encode(pin, forKey: .pin)
        case .password(let loginID, let password):
            try members.encode(loginID, forKey: .loginId)
            try members.encode(password, forKey: .password)
        }
    }
}

extension SessionLogin: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema {
        .object(
            [
                "method": .enumeration(["phone-pin", "reception", "password"]),
                "phoneNumber": PhoneNumber.jsonSchema, "receptionNumber": ReceptionNumber.jsonSchema,
                "pin": PIN.jsonSchema, "loginId": LoginID.jsonSchema, "password": .string(),
            ],
            required: ["method"])
    }
}

/// An open session: the token (only when it is opened), who holds it, how, and until when.
public struct SessionInfo: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var token: String?
    public var principal: String
    public var method: String
    public var expiresAt: String
    /// The customer whose data the session may see, when the login belongs to a contract
    /// (a My Page account); absent for carrier IDs and PIN logins.
    public var customerNumber: String?

    public init(token: String? = nil, principal: String, method: String, expiresAt: String, customerNumber: String? = nil) {
        self.token = token
        self.principal = principal
        self.method = method
        self.expiresAt = expiresAt
        self.customerNumber = customerNumber
    }

    /// The login ID (My Page account or carrier ID) of a password session, from its
    /// principal `login:<id>`; nil for a PIN or reception session.
    public var loginID: String? {
        let prefix = PasswordRealm.login.prefix
        guard method == "password", principal.hasPrefix(prefix) else { return nil }
        return String(principal.dropFirst(prefix.count))
    }

    private enum CodingKeys: String, CodingKey { case session, token, principal, method, expiresAt, customerNumber }

    /// The token is `session`, as in every other service's params and results; `token`,
    /// its old name here, is still written and read until the next release.
    public init(from decoder: any Decoder) throws {
        let members = try decoder.container(keyedBy: CodingKeys.self)
        token = try members.decodeIfPresent(String.self, forKey: .session)
            ?? members.decodeIfPresent(String.self, forKey: .token)
        principal = try members.decode(String.self, forKey: .principal)
        method = try members.decode(String.self, forKey: .method)
        expiresAt = try members.decode(String.self, forKey: .expiresAt)
        customerNumber = try members.decodeIfPresent(String.self, forKey: .customerNumber)
    }

    public func encode(to encoder: any Encoder) throws {
        var members = encoder.container(keyedBy: CodingKeys.self)
        try members.encodeIfPresent(token, forKey: .session)
        try members.encodeIfPresent(token, forKey: .token)
        try members.encode(principal, forKey: .principal)
        try members.encode(method, forKey: .method)
        try members.encode(expiresAt, forKey: .expiresAt)
        try members.encodeIfPresent(customerNumber, forKey: .customerNumber)
    }

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "session": .string(), "token": .string(description: "Deprecated: the same as session."),
                "principal": .string(), "method": .string(), "expiresAt": .string(format: "date-time"),
                "customerNumber": .string(),
            ],
            required: ["principal", "method", "expiresAt"])
    }
}

/// A session token, for `session.check` and `session.close`: `{"session": …}` (`token`,
/// its old name, is still read until the next release).
public struct SessionToken: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var token: String
    public init(token: String) { self.token = token }

    private enum CodingKeys: String, CodingKey { case session, token }

    public init(from decoder: any Decoder) throws {
        let members = try decoder.container(keyedBy: CodingKeys.self)
        // This release's clients send both names (see `encode`): `token` beside `session`
        // is a known member, not read.
        _ = members.contains(.token)
        guard let token = try members.decodeIfPresent(String.self, forKey: .session)
            ?? members.decodeIfPresent(String.self, forKey: .token)
        else {
            throw DecodingError.keyNotFound(
                CodingKeys.session, .init(codingPath: decoder.codingPath, debugDescription: "session is required"))
        }
        self.token = token
    }

    public func encode(to encoder: any Encoder) throws {
        // Both names, for one release: a server that reads only `token` still finds it.
        var members = encoder.container(keyedBy: CodingKeys.self)
        try members.encode(token, forKey: .session)
        try members.encode(token, forKey: .token)
    }

    public static var jsonSchema: JSONSchema {
        .object(["session": .string(), "token": .string(description: "Deprecated: the same as session.")])
    }
}

/// The params of `session.open`: the login, and the end user's origin when a trusted
/// front end reports one.
public struct SessionOpenParams: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var login: SessionLogin
    public var origin: String?

    public init(_ login: SessionLogin, origin: String? = nil) {
        self.login = login
        self.origin = origin
    }

    enum OriginKey: String, CodingKey { case origin }

    public init(from decoder: any Decoder) throws {
        login = try SessionLogin(from: decoder)
        origin = try decoder.container(keyedBy: OriginKey.self).decodeIfPresent(String.self, forKey: .origin)
    }

    public func encode(to encoder: any Encoder) throws {
        try login.encode(to: encoder)
        var members = encoder.container(keyedBy: OriginKey.self)
        try members.encodeIfPresent(origin, forKey: .origin)
    }

    public static var jsonSchema: JSONSchema {
        var schema = SessionLogin.jsonSchema
        if case .object(var members) = schema.json, case .object(var properties)? = members["properties"] {
            properties["origin"] = ["type": "string"]
            members["properties"] = .object(properties)
            schema = JSONSchema(json: .object(members))
        }
        return schema
    }
}

/// `session.open`.
public enum SessionOpen: RPCMethod {
    public static let name = "session.open"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Logs in: phone-pin (phone number + network PIN), reception (reception number + the phone number given at application + network PIN) or password (login ID + password); returns an opaque token with its expiry."
    public typealias Params = SessionOpenParams
    public typealias Result = SessionInfo
    public static var errors: [RPCError] {
        [
            AuthError.loginFailed.rpcError,
            AuthError.passwordIncorrect.rpcError,
            AuthError.pinIncorrect(attemptsLeft: 2).rpcError,
            AuthError.pinLocked(unlocksAt: Date(timeIntervalSince1970: 1_795_273_200)).rpcError,
        ]
    }
}

/// `session.check`.
public enum SessionCheck: RPCMethod {
    public static let name = "session.check"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Who holds a session token, how it was opened, and until when; refused when unknown, expired or closed."
    public typealias Params = SessionToken
    public typealias Result = SessionInfo
    public static var errors: [RPCError] {
        [
            AuthError.sessionInvalid.rpcError,
        ]
    }
}

/// `session.close`.
public enum SessionClose: RPCMethod {
    public static let name = "session.close"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Closes a session (logout)."
    public typealias Params = SessionToken
    public typealias Result = PasswordResult
    public static var errors: [RPCError] {
        [
            AuthError.sessionInvalid.rpcError,
        ]
    }
}
