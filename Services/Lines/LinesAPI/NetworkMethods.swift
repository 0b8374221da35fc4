import JSONRPC
import MadoguchiModels

/// What the network does with an incoming call, from the line's options.
@WireObject
public struct CallRouting: Codable, Sendable, Hashable {
    public enum Action: String, Codable, Sendable, Hashable, CaseIterable {
        /// The caller is on the block list: the call is refused with the block message.
        case reject
        /// The call goes to the forwarding destination.
        case forward
        /// The phone rings; with voicemail on, voicemail answers after `ringSeconds`.
        case ring
    }
    @WireSchema(.enumeration(Action.allCases.map(\.rawValue)))
    public var action: Action
    public var destination: String?
    public var voicemailAfterSeconds: Int?
}

/// `line.call.route`: the network asks how to route a call to a voice line (and the
/// service remembers the caller as the line's last caller, for `line.block.add`).
public enum LineCallRoute: RPCMethod {
    public static let name = "line.call.route"
    public static let access = MethodAccess.service
    public static let summary =
        "Madoguchi services and operators (the network's call control): how to route an incoming call — reject (blocked), forward, or ring with voicemail after N seconds; remembers the caller as the last one."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var phoneNumber: PhoneNumber
        /// The caller's number; absent when withheld.
        public var caller: PhoneNumber?
    }
    public typealias Result = CallRouting
    public static var errors: [RPCError] { [LinesError.lineNotFound.rpcError, LinesError.dataOnly.rpcError] }
}

/// `line.voicemail.deposit`: the voicemail platform records that a message was left.
public enum LineVoicemailDeposit: RPCMethod {
    public static let name = "line.voicemail.deposit"
    public static let access = MethodAccess.service
    public static let summary =
        "Madoguchi services and operators (the voicemail platform): a caller left a message of so many seconds; it is new until saved."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var phoneNumber: PhoneNumber
        public var caller: PhoneNumber?
        @WireSchema(.integer(minimum: 1, maximum: 600))
        public var seconds: Int
    }
    public typealias Result = VoicemailMessage
    public static var errors: [RPCError] { [LinesError.lineNotFound.rpcError, LinesError.dataOnly.rpcError] }
}
