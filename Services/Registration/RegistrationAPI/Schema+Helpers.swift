import JSONRPC

/// A session token from `session.open` (madoguchi-auth), for methods that act for a
/// logged-in customer.
@WireObject
public struct SessionParams: Codable, Sendable, Hashable {
    public var session: String
}
