import Logging

/// What a handler knows about the call it is serving.
public struct CallContext: Sendable {
    /// The caller's credentials, for authorisation.
    public var peer: PeerCredentials
    /// The request's id (`nil` for a notification).
    public var requestID: RequestID?
    /// The method called (empty when unknown).
    public var method: String
    private var baseLogger: Logger

    public init(peer: PeerCredentials, requestID: RequestID?, method: String = "", logger: Logger) {
        self.peer = peer
        self.requestID = requestID
        self.method = method
        self.baseLogger = logger
    }

    /// A logger carrying the method and request id as metadata. Made when asked for, not
    /// per call: setting metadata copies the logger's storage, and most calls log nothing.
    public var logger: Logger {
        get {
            var logger = baseLogger
            if !method.isEmpty { logger[metadataKey: "method"] = .string(method) }
            if let requestID { logger[metadataKey: "request-id"] = .stringConvertible(requestID) }
            return logger
        }
        set { baseLogger = newValue }
    }
}
