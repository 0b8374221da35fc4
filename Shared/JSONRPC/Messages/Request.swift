/// A well-formed JSON-RPC request or notification.
public struct Request: Sendable, Hashable {
    /// The id to echo; `nil` for a notification, which is never answered.
    public var id: RequestID?
    public var method: String
    /// The `params` member: an object or an array, or `nil` when absent.
    public var params: JSONValue?
    /// The caller's deadline (the extension member `"deadline"`), if it sent one.
    public var deadline: CallDeadline?

    public init(id: RequestID?, method: String, params: JSONValue? = nil, deadline: CallDeadline? = nil) {
        self.id = id
        self.method = method
        self.params = params
        self.deadline = deadline
    }

    public var isNotification: Bool { id == nil }
}

/// One entry of an incoming message: a request, or an object that is not a valid request
/// and must be answered with an error (with its id when one could be read).
public enum IncomingEntry: Sendable, Hashable {
    case request(Request)
    case invalid(RPCError, id: RequestID)
}

/// A whole incoming line, as the specification sorts it.
public enum IncomingMessage: Sendable, Hashable {
    /// A single request object (or an invalid single value).
    case single(IncomingEntry)
    /// A non-empty batch; its reply is one array of the non-notification answers.
    case batch([IncomingEntry])
    /// Not JSON, or an empty batch: answered by one error with a null id.
    case unreadable(RPCError)
}
