import Logging

/// What a handler knows about the call it is serving.
public struct CallContext: Sendable {
    /// The caller's credentials, for authorisation.
    public var peer: PeerCredentials
    /// The request's id (`nil` for a notification).
    public var requestID: RequestID?
    /// A logger carrying the method and request id as metadata.
    public var logger: Logger

    public init(peer: PeerCredentials, requestID: RequestID?, logger: Logger) {
        self.peer = peer
        self.requestID = requestID
        self.logger = logger
    }
}
