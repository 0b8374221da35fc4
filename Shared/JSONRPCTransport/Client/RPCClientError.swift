/// Why a call through `RPCClient` got no answer from the service. (An answer that is an
/// error arrives as `RPCError`.)
public struct RPCClientError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// Nobody accepts connections on the socket.
        case connectFailed
        /// No answer within the call's timeout.
        case timedOut
        /// The connection closed before the answer came.
        case connectionClosed
        /// The service answered something that is not a JSON-RPC response.
        case invalidResponse
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
