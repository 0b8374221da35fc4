import JSONRPC

/// A session token from `session.open` (madoguchi-auth), for methods that act for a
/// logged-in customer.
public struct SessionParams: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var session: String
    public init(session: String) { self.session = session }
    public static var jsonSchema: JSONSchema { .object(["session": .string()], required: ["session"]) }
}
