import JSONRPC
import MadoguchiModels

/// A line's nuisance-call block list: calls from these numbers are refused.
public struct BlockList: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var numbers: [BlockedNumber]
    /// How many numbers the list may hold.
    public var limit: Int

    public init(numbers: [BlockedNumber], limit: Int) {
        self.numbers = numbers
        self.limit = limit
    }

    public static var jsonSchema: JSONSchema {
        .object(["numbers": .array(of: BlockedNumber.jsonSchema), "limit": .integer()], required: ["numbers", "limit"])
    }
}

/// One blocked number, normalised (half-width digits, no hyphens), and when it was added.
public struct BlockedNumber: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var number: String
    public var addedAt: String

    public init(number: String, addedAt: String) {
        self.number = number
        self.addedAt = addedAt
    }

    public static var jsonSchema: JSONSchema {
        .object(["number": .string(), "addedAt": .string(format: "date-time")], required: ["number", "addedAt"])
    }
}

/// `line.block.add`: blocks a number, or the last caller's.
public enum LineBlockAdd: RPCMethod {
    public static let name = "line.block.add"
    public static let summary =
        "Adds a number (or, with lastCaller, the number of the line's last incoming call) to the block list; adding one already there changes nothing."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var access: LineAccess
        public var number: PhoneNumber?
        public var lastCaller: Bool?
        public var origin: String?

        public init(access: LineAccess, number: PhoneNumber? = nil, lastCaller: Bool? = nil, origin: String? = nil) {
            self.access = access
            self.number = number
            self.lastCaller = lastCaller
            self.origin = origin
        }

        public static var jsonSchema: JSONSchema {
            .object(
                [
                    "access": LineAccess.jsonSchema, "number": PhoneNumber.jsonSchema,
                    "lastCaller": .boolean, "origin": LineOrigin.schema,
                ],
                required: ["access"], description: "Give number, or lastCaller: true.")
        }
    }
    public typealias Result = BlockList
    public static var errors: [RPCError] {
        [LinesError.blockListFull(limit: 30).rpcError, LinesError.noLastCaller.rpcError] + LineMethods.accessErrors
    }
}

/// `line.block.list`: the block list, oldest entry first.
public enum LineBlockList: RPCMethod {
    public static let name = "line.block.list"
    public static let summary = "The line's block list, oldest entry first, with its limit."
    public typealias Params = LineParams
    public typealias Result = BlockList
    public static var errors: [RPCError] { LineMethods.accessErrors }
}

/// `line.block.remove`: unblocks a number.
public enum LineBlockRemove: RPCMethod {
    public static let name = "line.block.remove"
    public static let summary = "Deletes a number from the block list."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var access: LineAccess
        public var number: PhoneNumber
        public var origin: String?

        public init(access: LineAccess, number: PhoneNumber, origin: String? = nil) {
            self.access = access
            self.number = number
            self.origin = origin
        }

        public static var jsonSchema: JSONSchema {
            .object(
                ["access": LineAccess.jsonSchema, "number": PhoneNumber.jsonSchema, "origin": LineOrigin.schema],
                required: ["access", "number"])
        }
    }
    public typealias Result = BlockList
    public static var errors: [RPCError] { [LinesError.notBlocked.rpcError] + LineMethods.accessErrors }
}
