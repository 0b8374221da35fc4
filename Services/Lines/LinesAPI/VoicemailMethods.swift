import JSONRPC
import MadoguchiModels

/// A line's voicemail: whether it answers, after how long, and the ring times allowed.
@WireObject
public struct VoicemailSettings: Codable, Sendable, Hashable {
    public var enabled: Bool
    /// Seconds the phone rings before voicemail answers.
    public var ringSeconds: Int
    public var ringSecondsAllowed: RingTimeRange
    /// Messages not yet saved.
    public var newMessages: Int
    public var savedMessages: Int
}

/// The ring times an operator allows: `minimum` to `maximum` seconds in steps of `step`.
@WireObject
public struct RingTimeRange: Codable, Sendable, Hashable {
    public var minimum: Int
    public var maximum: Int
    public var step: Int

    /// Whether `seconds` is in the range and on one of its steps.
    public func allows(_ seconds: Int) -> Bool {
        (minimum...maximum).contains(seconds) && (seconds - minimum) % step == 0
    }
}

/// One voicemail message: who left it, when, how long; the recording stays on the
/// voicemail platform, which plays it by `id`.
@WireObject
public struct VoicemailMessage: Codable, Sendable, Hashable {
    public var id: Int64
    /// The caller's number, absent when it was withheld.
    public var caller: String?
    @WireSchema(.string(format: "date-time"))
    public var receivedAt: String
    public var seconds: Int
    public var saved: Bool
}

/// `line.voicemail.start`: voicemail answers calls after the ring time.
public enum LineVoicemailStart: RPCMethod {
    public static let name = "line.voicemail.start"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Turns voicemail on: it answers calls not picked up within the ring time."
    public typealias Params = LineParams
    public typealias Result = VoicemailSettings
    public static var errors: [RPCError] { LineMethods.accessErrors }
}

/// `line.voicemail.stop`: voicemail no longer answers.
public enum LineVoicemailStop: RPCMethod {
    public static let name = "line.voicemail.stop"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Turns voicemail off; messages already left stay."
    public typealias Params = LineParams
    public typealias Result = VoicemailSettings
    public static var errors: [RPCError] { LineMethods.accessErrors }
}

/// `line.voicemail.status`: the voicemail settings and message counts.
public enum LineVoicemailStatus: RPCMethod {
    public static let name = "line.voicemail.status"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Whether voicemail is on, its ring time and the range allowed, and how many messages wait."
    public typealias Params = LineParams
    public typealias Result = VoicemailSettings
    public static var errors: [RPCError] { LineMethods.accessErrors }
}

/// `line.voicemail.ringTime`: how long the phone rings before voicemail answers.
public enum LineVoicemailRingTime: RPCMethod {
    public static let name = "line.voicemail.ringTime"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Sets the seconds the phone rings before voicemail answers (the allowed range and step are in the answer)."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var access: LineAccess
        public var seconds: Int
        @WireSchema(LineOrigin.schema)
        public var origin: String?
    }
    public typealias Result = VoicemailSettings
    public static var errors: [RPCError] {
        [LinesError.ringTimeInvalid(minimum: 0, maximum: 120, step: 5).rpcError] + LineMethods.accessErrors
    }
}

/// `line.voicemail.messages`: the messages, newest first.
public enum LineVoicemailMessages: RPCMethod {
    public static let name = "line.voicemail.messages"
    public static let access = MethodAccess.anyCaller
    public static let summary = "The line's voicemail messages, newest first: new ones, saved ones, or all."

    @WireObject(description: "box defaults to all.")
    public struct Params: Codable, Sendable, Hashable {
        public enum Box: String, Codable, Sendable, Hashable, CaseIterable { case new, saved, all }
        public var access: LineAccess
        @WireSchema(.enumeration(Box.allCases.map(\.rawValue)))
        public var box: Box?
        @WireSchema(LineOrigin.schema)
        public var origin: String?
    }
    public typealias Result = [VoicemailMessage]
    public static var errors: [RPCError] { LineMethods.accessErrors }
}

/// The params naming one voicemail message.
@WireObject
public struct VoicemailMessageParams: Codable, Sendable, Hashable {
    public var access: LineAccess
    public var id: Int64
    @WireSchema(LineOrigin.schema)
    public var origin: String?
}

/// `line.voicemail.save`: keeps a message among the saved ones.
public enum LineVoicemailSave: RPCMethod {
    public static let name = "line.voicemail.save"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Marks a message saved (saving a saved one changes nothing)."
    public typealias Params = VoicemailMessageParams
    public typealias Result = VoicemailMessage
    public static var errors: [RPCError] { [LinesError.messageNotFound.rpcError] + LineMethods.accessErrors }
}

/// `line.voicemail.delete`: deletes a message.
public enum LineVoicemailDelete: RPCMethod {
    public static let name = "line.voicemail.delete"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Deletes a message, new or saved."
    public typealias Params = VoicemailMessageParams
    public typealias Result = VoicemailSettings
    public static var errors: [RPCError] { [LinesError.messageNotFound.rpcError] + LineMethods.accessErrors }
}
