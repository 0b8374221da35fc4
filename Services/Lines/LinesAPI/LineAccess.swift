import JSONRPC
import MadoguchiModels

/// How a call to a line's options proves it may: the line's number and its network PIN
/// (checked by madoguchi-auth, so lockout and throttling apply), or a session opened with
/// them (`line.login`, or `session.open` with `phone-pin`).
///
/// On the wire, the params' `access` member: `{"phoneNumber": …, "pin": …}` or
/// `{"session": …}`.
public enum LineAccess: Sendable, Hashable {
    case pin(PhoneNumber, PIN)
    case session(String)
}

extension LineAccess: Codable {
    enum CodingKeys: String, CodingKey { case phoneNumber, pin, session }

    public init(from decoder: any Decoder) throws {
        let members = try decoder.container(keyedBy: CodingKeys.self)
        let session = try members.decodeIfPresent(String.self, forKey: .session)
        let phone = try members.decodeIfPresent(PhoneNumber.self, forKey: .phoneNumber)
        let pin = try members.decodeIfPresent(PIN.self, forKey: .pin)
        switch (session, phone, pin) {
        case (let session?, nil, nil): self = .session(session)
        case (nil, let phone?, let pin?): self = .pin(phone, pin)
        default:
            throw RPCError.invalidParams(
                "access is the line's phoneNumber and pin, or a session.", reason: "invalid_access", field: "access")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var members = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .pin(let phone, let pin):
            try members.encode(phone, forKey: .phoneNumber)
            try members.encode(pin, forKey: .pin)
        case .session(let token):
            try members.encode(token, forKey: .session)
        }
    }
}

extension LineAccess: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema {
        .object(
            ["phoneNumber": PhoneNumber.jsonSchema, "pin": PIN.jsonSchema, "session": .string()],
            description: "The line's phoneNumber and network pin, or a session opened with them.")
    }
}

/// The params of a call that only names the line: how it gets in, and the end user's
/// origin when a trusted front end (the IVR) reports one.
@WireObject
public struct LineParams: Codable, Sendable, Hashable {
    public var access: LineAccess
    @WireSchema(LineOrigin.schema)
    public var origin: String?
}

/// The `origin` member every line call takes.
public enum LineOrigin {
    public static let schema = JSONSchema.string(description: "End user's origin (the calling number), from a trusted front end.")
}
