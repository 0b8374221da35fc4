import JSONRPC
import MadoguchiModels

/// Application error codes shared by every service (see docs/errors.md). Each service
/// adds its own in its range; these are the ones any service may answer with.
extension ErrorCode {
    /// A service this one depends on is down, slow or restarting. Safe to retry later.
    public static let unavailable = ErrorCode(1003)
}

extension RPCError {
    /// A peer service could not answer in time.
    public static func unavailable(service: String, detail: String) -> RPCError {
        RPCError(
            code: .unavailable, message: "The \(service) service is unavailable; try again later.",
            reason: "unavailable", details: ["service": .string(service)])
    }
}

/// A model value that fails its rules is an Invalid params error naming the field and rule.
extension ModelValidationError: RPCErrorConvertible {
    public var rpcError: RPCError { .invalidParams(message, reason: reason, field: field) }
}
