import Foundation
import JSONRPC
import MadoguchiModels

/// The refusals any service may answer with (docs/errors.md, 1000–1099); each service
/// adds its own in its range (`AuthError.Reason`, …). The two of `MethodAccess` are
/// `AccessReason`, beside the dispatcher that sends them.
public enum CommonReason: String, ErrorReason {
    /// A service this one depends on is down, slow or restarting. Safe to retry later.
    case unavailable
    case importNotFound = "import_not_found"
    case importRejected = "import_rejected"
    case tooManyAttempts = "too_many_attempts"
    case idempotencyKeyReused = "idempotency_key_reused"
    case storageUnavailable = "storage_unavailable"
    /// `outbox.requeue`/`outbox.drop` of an id that is not a message set aside as dead.
    case outboxMessageNotDead = "outbox_message_not_dead"
    /// `service.backup` of a service whose state is in PostgreSQL, which backs it up itself.
    case backupByPostgreSQL = "backup_by_postgresql"
    /// `service.keys.retire` of a key version still in use (the current one, one that
    /// still protects records) or not recorded.
    case keyInUse = "key_in_use"

    public var code: ErrorCode {
        switch self {
        case .unavailable: 1003
        case .importNotFound: 1004
        case .importRejected: 1005
        case .tooManyAttempts: 1006
        case .idempotencyKeyReused: 1008
        case .storageUnavailable: 1009
        case .outboxMessageNotDead: 1010
        case .backupByPostgreSQL: 1011
        case .keyInUse: 1012
        }
    }
}

extension ErrorCode {
    /// A service this one depends on is down, slow or restarting. Safe to retry later.
    public static let unavailable = CommonReason.unavailable.code
}

extension RPCError {
    /// A peer service could not answer in time.
    public static func unavailable(service: String, detail: String) -> RPCError {
        RPCError(
            CommonReason.unavailable, message: "The \(service) service is unavailable; try again later.",
            details: ["service": .string(service)])
    }
}

/// A model value that fails its rules is an Invalid params error naming the field and rule.
extension ModelValidationError: RPCErrorConvertible {
    public var rpcError: RPCError { .invalidParams(message, reason: reason, field: field) }
}

extension RPCError {
    /// The service cannot write to its storage right now; nothing was decided. Retry later.
    public static func storageUnavailable() -> RPCError {
        RPCError(CommonReason.storageUnavailable, message: "The service cannot record this right now; try again later.")
    }
}

extension RPCError {
    /// Too many attempts (failed checks, requests, codes sent); `retryAfter` says when to
    /// try again.
    public static func tooManyAttempts(retryAfter: Date) -> RPCError {
        RPCError(
            CommonReason.tooManyAttempts, message: "Too many attempts; try again after \(ISO8601.tokyo(retryAfter)).",
            details: ["retryAfter": .string(ISO8601.tokyo(retryAfter))])
    }
}
