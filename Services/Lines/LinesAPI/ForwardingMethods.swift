import JSONRPC
import MadoguchiModels

/// Whether a line's calls are forwarded, and where.
@WireObject
public struct ForwardingStatus: Codable, Sendable, Hashable {
    public var active: Bool
    public var destination: String?
    @WireSchema(.string(format: "date-time"))
    public var since: String?
}

/// `line.forward.start`: forwards the line's calls to a destination.
public enum LineForwardStart: RPCMethod {
    public static let name = "line.forward.start"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Forwards the line's calls to a destination: a Japanese number that is not the line itself and not an emergency or short number; replaces an earlier destination."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var access: LineAccess
        public var destination: PhoneNumber
        @WireSchema(LineOrigin.schema)
        public var origin: String?
    }
    public typealias Result = ForwardingStatus
    public static var errors: [RPCError] {
        [LinesError.forwardingDestinationInvalid("…").rpcError] + LineMethods.accessErrors
    }
}

/// `line.forward.stop`: calls ring on the line again.
public enum LineForwardStop: RPCMethod {
    public static let name = "line.forward.stop"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Stops forwarding (nothing changes when it is not on)."
    public typealias Params = LineParams
    public typealias Result = ForwardingStatus
    public static var errors: [RPCError] { LineMethods.accessErrors }
}

/// `line.forward.status`: whether and where calls are forwarded.
public enum LineForwardStatus: RPCMethod {
    public static let name = "line.forward.status"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Whether the line's calls are forwarded, where to, and since when."
    public typealias Params = LineParams
    public typealias Result = ForwardingStatus
    public static var errors: [RPCError] { LineMethods.accessErrors }
}
