import JSONRPC
import MadoguchiModels
import ServiceKit

/// How the recovered member ID and password reach the customer.
public enum RecoveryRoute: String, Codable, Sendable, CaseIterable, JSONSchemaDescribing {
    /// An e-mail with a URL, valid 1 hour, that shows the member ID and sets a new password.
    case screen
    /// A registered letter with the member ID and a new temporary password, sent within a week.
    case post

    public static var jsonSchema: JSONSchema { .enumeration(allCases.map(\.rawValue)) }
}

/// `recovery.request`: a forgotten member ID or password.
public enum RecoveryRequest: RPCMethod {
    public static let name = "recovery.request"
    public static let summary =
        "Forgotten member ID or password: (email + name) or (iccid + phoneNumber), always with birthDate, and the route (screen or post). The answer is the same whether or not a member matched."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var email: EmailAddress?
        public var name: PersonName?
        public var iccid: ICCID?
        public var phoneNumber: PhoneNumber?
        public var birthDate: CivilDate
        public var route: RecoveryRoute
        public var origin: String?

        public init(
            email: EmailAddress? = nil, name: PersonName? = nil, iccid: ICCID? = nil, phoneNumber: PhoneNumber? = nil,
            birthDate: CivilDate, route: RecoveryRoute, origin: String? = nil
        ) {
            self.email = email
            self.name = name
            self.iccid = iccid
            self.phoneNumber = phoneNumber
            self.birthDate = birthDate
            self.route = route
            self.origin = origin
        }

        public static var jsonSchema: JSONSchema {
            .object(
                [
                    "email": EmailAddress.jsonSchema, "name": PersonName.jsonSchema, "iccid": ICCID.jsonSchema,
                    "phoneNumber": PhoneNumber.jsonSchema, "birthDate": CivilDate.jsonSchema,
                    "route": RecoveryRoute.jsonSchema, "origin": .string(),
                ],
                required: ["birthDate", "route"])
        }
    }

    public struct Result: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var accepted: Bool
        public var message: String
        public init(accepted: Bool, message: String) {
            self.accepted = accepted
            self.message = message
        }
        public static var jsonSchema: JSONSchema {
            .object(["accepted": .boolean, "message": .string()], required: ["accepted", "message"])
        }
    }
}

/// `recovery.open`: the mailed URL's token shows the member ID.
public enum RecoveryOpen: RPCMethod {
    public static let name = "recovery.open"
    public static let summary = "Opens a recovery URL (valid 1 hour): shows the member ID."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var token: String
        public init(token: String) { self.token = token }
        public static var jsonSchema: JSONSchema { .object(["token": .string()], required: ["token"]) }
    }

    public struct Result: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var accountId: String
        public var expiresAt: String
        public init(accountId: String, expiresAt: String) {
            self.accountId = accountId
            self.expiresAt = expiresAt
        }
        public static var jsonSchema: JSONSchema {
            .object(["accountId": .string(), "expiresAt": .string(format: "date-time")], required: ["accountId", "expiresAt"])
        }
    }
    public static var errors: [RPCError] { [RegistrationError.linkInvalid.rpcError, RegistrationError.linkExpired.rpcError] }
}

/// `recovery.setPassword`: the recovery URL sets a new password (and is used up).
public enum RecoverySetPassword: RPCMethod {
    public static let name = "recovery.setPassword"
    public static let summary = "Sets a new password through a recovery URL (valid 1 hour, single use)."

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
    public typealias Result = RecoveryOpen.Result
    public static var errors: [RPCError] { [RegistrationError.linkInvalid.rpcError, RegistrationError.linkExpired.rpcError] }
}
