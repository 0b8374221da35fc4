import JSONRPC

/// A simple `{ok: true}` answer.
public struct Done: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var ok: Bool
    public init() { ok = true }
    public static var jsonSchema: JSONSchema { .object(["ok": .boolean], required: ["ok"]) }
}

/// A session token from `session.open` (madoguchi-auth), for methods that act for a
/// logged-in customer.
public struct SessionParams: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var session: String
    public init(session: String) { self.session = session }
    public static var jsonSchema: JSONSchema { .object(["session": .string()], required: ["session"]) }
}
