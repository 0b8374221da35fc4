import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels

/// What every line-option method may answer besides its own refusals.
public enum LineMethods {
    /// Refusals of the access itself: no such line, a data-only SIM, a session that is not
    /// a line's, and madoguchi-auth's PIN answers (wrong, locked until midnight Tokyo).
    public static var accessErrors: [RPCError] {
        [
            LinesError.lineNotFound.rpcError, LinesError.dataOnly.rpcError, LinesError.sessionNotForLine.rpcError,
            AuthError.pinIncorrect(attemptsLeft: 2).rpcError, AuthError.pinLocked(unlocksAt: Date(timeIntervalSince1970: 0)).rpcError,
        ]
    }
}

/// A session on a line's options.
public struct LineSession: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var session: String
    public var phoneNumber: String
    public var expiresAt: String

    public init(session: String, phoneNumber: String, expiresAt: String) {
        self.session = session
        self.phoneNumber = phoneNumber
        self.expiresAt = expiresAt
    }

    public static var jsonSchema: JSONSchema {
        .object(
            ["session": .string(), "phoneNumber": .string(), "expiresAt": .string(format: "date-time")],
            required: ["session", "phoneNumber", "expiresAt"])
    }
}

/// `line.login`: opens a session on a voice line with its number and network PIN.
public enum LineLogin: RPCMethod {
    public static let name = "line.login"
    public static let summary =
        "Opens a session (madoguchi-auth's, method phone-pin) on a voice line with its number and network PIN, for several option calls in a row."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var phoneNumber: PhoneNumber
        public var pin: PIN
        public var origin: String?

        public init(phoneNumber: PhoneNumber, pin: PIN, origin: String? = nil) {
            self.phoneNumber = phoneNumber
            self.pin = pin
            self.origin = origin
        }

        public static var jsonSchema: JSONSchema {
            .object(
                ["phoneNumber": PhoneNumber.jsonSchema, "pin": PIN.jsonSchema, "origin": LineOrigin.schema],
                required: ["phoneNumber", "pin"])
        }
    }
    public typealias Result = LineSession
    public static var errors: [RPCError] { LineMethods.accessErrors }
}

/// Every option of a line at once.
public struct LineOptions: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var phoneNumber: String
    public var blockList: BlockList
    public var voicemail: VoicemailSettings
    public var forwarding: ForwardingStatus

    public init(phoneNumber: String, blockList: BlockList, voicemail: VoicemailSettings, forwarding: ForwardingStatus) {
        self.phoneNumber = phoneNumber
        self.blockList = blockList
        self.voicemail = voicemail
        self.forwarding = forwarding
    }

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "phoneNumber": .string(), "blockList": BlockList.jsonSchema, "voicemail": VoicemailSettings.jsonSchema,
                "forwarding": ForwardingStatus.jsonSchema,
            ],
            required: ["phoneNumber", "blockList", "voicemail", "forwarding"])
    }
}

/// `line.status`: every option of the line.
public enum LineStatus: RPCMethod {
    public static let name = "line.status"
    public static let summary = "The line's block list, voicemail and call forwarding, at once."
    public typealias Params = LineParams
    public typealias Result = LineOptions
    public static var errors: [RPCError] { LineMethods.accessErrors }
}

/// One entry of a line's audit trail.
public struct LineAuditEntry: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var at: String
    public var phoneNumber: String
    public var event: String
    public var detail: String?
    /// How the caller got in: `pin` or `session`.
    public var via: String
    public var peerUID: Int64

    public init(at: String, phoneNumber: String, event: String, detail: String?, via: String, peerUID: Int64) {
        self.at = at
        self.phoneNumber = phoneNumber
        self.event = event
        self.detail = detail
        self.via = via
        self.peerUID = peerUID
    }

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "at": .string(format: "date-time"), "phoneNumber": .string(), "event": .string(), "detail": .string(),
                "via": .enumeration(["pin", "session"]), "peerUID": .integer(),
            ],
            required: ["at", "phoneNumber", "event", "via", "peerUID"])
    }
}

/// `line.audit`: the changes made to lines' options, newest first; operators only.
public enum LineAudit: RPCMethod {
    public static let name = "line.audit"
    public static let summary = "Operators only: every change to lines' options, newest first, optionally for one line."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var phoneNumber: PhoneNumber?
        public var limit: Int?

        public init(phoneNumber: PhoneNumber? = nil, limit: Int? = nil) {
            self.phoneNumber = phoneNumber
            self.limit = limit
        }

        public static var jsonSchema: JSONSchema {
            .object(["phoneNumber": PhoneNumber.jsonSchema, "limit": .integer(minimum: 1, maximum: 1000)])
        }
    }
    public typealias Result = [LineAuditEntry]
    public static var errors: [RPCError] { [.operatorOnly] }
}
