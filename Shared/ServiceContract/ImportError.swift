import JSONRPC

/// One refused row in an import report.
@WireObject
public struct RejectedRow: Codable, Sendable, Hashable {
    public var row: Int
    public var field: String?
    public var reason: String
    public var message: String
}

/// Refusals of the import methods (docs/errors.md).
public enum ImportError: Error, Sendable, RPCErrorConvertible {
    /// The import ID is unknown, already committed, or expired.
    case notFound
    /// At least one row is refused, so nothing was applied.
    case rejected(count: Int, rows: [RejectedRow])

    /// At most this many rejected rows are listed in the answer.
    public static let listedRejections = 100

    public var rpcError: RPCError {
        switch self {
        case .notFound:
            RPCError(
                CommonReason.importNotFound, message: "No such import in progress (unknown, committed or expired).")
        case .rejected(let count, let rows):
            RPCError(
                CommonReason.importRejected, message: "\(count) row(s) refused; nothing was imported.",
                details: [
                    "rejectedCount": .int(Int64(count)),
                    "rejected": (try? JSONValue(encoding: rows)) ?? .array([]),
                ])
        }
    }
}
