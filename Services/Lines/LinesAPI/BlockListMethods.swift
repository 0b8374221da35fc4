import JSONRPC
import MadoguchiModels

/// A line's nuisance-call block list: calls from these numbers are refused.
@WireObject
public struct BlockList: Codable, Sendable, Hashable {
    public var numbers: [BlockedNumber]
    /// How many numbers the list may hold.
    public var limit: Int
}

/// One blocked number, normalised (half-width digits, no hyphens), and when it was added.
@WireObject
public struct BlockedNumber: Codable, Sendable, Hashable {
    public var number: String
    @WireSchema(.string(format: "date-time"))
    public var addedAt: String
}

/// `line.block.add`: blocks a number, or the last caller's.
public enum LineBlockAdd: RPCMethod {
    public static let name = "line.block.add"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Adds a number (or, with lastCaller, the number of the line's last incoming call) to the block list; adding one already there changes nothing."

    @WireObject(description: "Give number, or lastCaller: true.")
    public struct Params: Codable, Sendable, Hashable {
        public var access: LineAccess
        public var number: PhoneNumber?
        public var lastCaller: Bool?
        @WireSchema(LineOrigin.schema)
        public var origin: String?
    }
    public typealias Result = BlockList
    public static var errors: [RPCError] {
        [LinesError.blockListFull(limit: 30).rpcError, LinesError.noLastCaller.rpcError] + LineMethods.accessErrors
    }
}

/// `line.block.list`: the block list, oldest entry first.
public enum LineBlockList: RPCMethod {
    public static let name = "line.block.list"
    public static let access = MethodAccess.anyCaller
    public static let summary = "The line's block list, oldest entry first, with its limit."
    public typealias Params = LineParams
    public typealias Result = BlockList
    public static var errors: [RPCError] { LineMethods.accessErrors }
}

/// `line.block.remove`: unblocks a number.
public enum LineBlockRemove: RPCMethod {
    public static let name = "line.block.remove"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Deletes a number from the block list."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var access: LineAccess
        public var number: PhoneNumber
        @WireSchema(LineOrigin.schema)
        public var origin: String?
    }
    public typealias Result = BlockList
    public static var errors: [RPCError] { [LinesError.notBlocked.rpcError] + LineMethods.accessErrors }
}
