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
@WireObject
public struct LineSession: Codable, Sendable, Hashable {
    public var session: String
    public var phoneNumber: String
    @WireSchema(.string(format: "date-time"))
    public var expiresAt: String
}

/// `line.login`: opens a session on a voice line with its number and network PIN.
public enum LineLogin: RPCMethod {
    public static let name = "line.login"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Opens a session (madoguchi-auth's, method phone-pin) on a voice line with its number and network PIN, for several option calls in a row."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var phoneNumber: PhoneNumber
        public var pin: PIN
        @WireSchema(LineOrigin.schema)
        public var origin: String?
    }
    public typealias Result = LineSession
    public static var errors: [RPCError] { LineMethods.accessErrors }
}

/// Every option of a line at once.
@WireObject
public struct LineOptions: Codable, Sendable, Hashable {
    public var phoneNumber: String
    public var blockList: BlockList
    public var voicemail: VoicemailSettings
    public var forwarding: ForwardingStatus
}

/// `line.status`: every option of the line.
public enum LineStatus: RPCMethod {
    public static let name = "line.status"
    public static let access = MethodAccess.anyCaller
    public static let summary = "The line's block list, voicemail and call forwarding, at once."
    public typealias Params = LineParams
    public typealias Result = LineOptions
    public static var errors: [RPCError] { LineMethods.accessErrors }
}

/// One entry of a line's audit trail.
@WireObject
public struct LineAuditEntry: Codable, Sendable, Hashable {
    @WireSchema(.string(format: "date-time"))
    public var at: String
    public var phoneNumber: String
    public var event: String
    public var detail: String?
    /// How the caller got in: `pin` or `session`.
    @WireSchema(.enumeration(["pin", "session"]))
    public var via: String
    public var peerUID: Int64
}

/// `line.audit`: the changes made to lines' options, newest first; operators only.
public enum LineAudit: RPCMethod {
    public static let name = "line.audit"
    public static let access = MethodAccess.operator
    public static let summary = "Operators only: every change to lines' options, newest first, optionally for one line."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var phoneNumber: PhoneNumber?
        @WireSchema(.integer(minimum: 1, maximum: 1000))
        public var limit: Int?
    }
    public typealias Result = [LineAuditEntry]
}
