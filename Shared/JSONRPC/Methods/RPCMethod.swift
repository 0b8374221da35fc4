
/// A JSON-RPC method as a type: its wire name, its parameters and its result.
///
/// The same type drives the server (`MethodRegistry.register`), the Swift client
/// (`RPCClient.call`), `madoctl` and `rpc.discover`.
public protocol RPCMethod: Sendable {
    associatedtype Params: Codable & Sendable & JSONSchemaDescribing = NoParams
    associatedtype Result: Codable & Sendable & JSONSchemaDescribing

    /// The wire name, `service.ping` style.
    static var name: String { get }
    /// One sentence for `rpc.discover` and `madoctl methods`.
    static var summary: String { get }
    /// Who may call it; the registry checks it before the handler runs. No default: each
    /// method says so.
    static var access: MethodAccess { get }
    /// The domain errors this method can answer with, for discovery (the refusal of its
    /// `access` is added there, not listed here).
    static var errors: [RPCError] { get }
    /// Reads the params from the parsed message. Left to its default: `Codable` through
    /// `JSONValueDecoder`, or, when `Params` is `JSONValueDecodable`, straight from the
    /// message — chosen by the compiler where the method is declared, so registering a
    /// method asks the runtime nothing (a dynamic `as?` to a protocol scans every
    /// conformance in the binary once per type: milliseconds of a cold start).
    static func decodeParams(_ params: JSONValue?) throws -> Params
}

extension RPCMethod {
    public static var errors: [RPCError] { [] }

    public static func decodeParams(_ params: JSONValue?) throws -> Params {
        try ParamsDecoding.decode(Params.self, from: params)
    }
}

extension RPCMethod where Params: JSONValueDecodable {
    public static func decodeParams(_ params: JSONValue?) throws -> Params {
        try ParamsDecoding.decode(Params.self, from: params)
    }
}

/// The params of a method that takes none: absent, `{}` or `[]`.
public struct NoParams: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public init() {}
    public init(from decoder: any Decoder) throws {
        if let list = try? decoder.unkeyedContainer() {
            guard list.isAtEnd else {
                throw RPCError.invalidParams("this method takes no params.", reason: "unexpected_params")
            }
            return
        }
        let members = try decoder.container(keyedBy: AnyKey.self)
        if let first = members.allKeys.map(\.stringValue).sorted().first {
            throw RPCError.invalidParams(
                "unknown member \"\(first.prefix(100))\".", reason: "unknown_member", field: String(first.prefix(100)))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        _ = encoder.container(keyedBy: AnyKey.self)
    }
    public static var jsonSchema: JSONSchema { .object([:]) }
}

extension NoParams: JSONValueDecodable {
    /// The same rules as `init(from:)`, read straight from the message: most calls of a
    /// method without params are pings, where a round trip through `Codable` was most of
    /// the cost.
    public init(json: JSONValue) throws(RPCError) {
        switch json {
        case .array([]), .object([:]): return
        case .array: throw RPCError.invalidParams("this method takes no params.", reason: "unexpected_params")
        case .object(let members):
            let first = String(members.keys.min()!.prefix(100))
            throw RPCError.invalidParams("unknown member \"\(first)\".", reason: "unknown_member", field: first)
        default:
            throw RPCError.invalidParams("params must be an object or an array.", reason: "wrong_type")
        }
    }
}

/// A coding key for any member name.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
