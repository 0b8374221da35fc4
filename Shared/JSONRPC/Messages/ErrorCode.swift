/// A JSON-RPC error code.
///
/// The reserved range -32768…-32000 belongs to the protocol: the five codes of the
/// specification, and a few implementation-defined server errors (-32000…-32099) for
/// transport faults. Domain errors use positive codes, documented per service.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: Int

    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ rawValue: Int) { self.rawValue = rawValue }

    /// Invalid JSON was received.
    public static let parseError = ErrorCode(-32700)
    /// The JSON sent is not a valid Request object.
    public static let invalidRequest = ErrorCode(-32600)
    /// The method does not exist.
    public static let methodNotFound = ErrorCode(-32601)
    /// Invalid method parameters.
    public static let invalidParams = ErrorCode(-32602)
    /// Internal JSON-RPC error.
    public static let internalError = ErrorCode(-32603)

    /// Server error: a message longer than the limit; the connection is then closed.
    public static let messageTooLarge = ErrorCode(-32001)
    /// Server error: too many connections (in all, or from this caller's uid).
    public static let tooManyConnections = ErrorCode(-32002)

    /// Server error: the caller's deadline passed before the call was done; nothing was
    /// changed (the request was not started, or its writes were rolled back).
    public static let deadlineExceeded = ErrorCode(-32003)
    /// Server error: a batch with more entries than the server takes; none was run.
    public static let batchTooLarge = ErrorCode(-32004)
    /// Server error: the reply would exceed the reply cap; the call's result is dropped.
    public static let replyTooLarge = ErrorCode(-32005)

    /// Whether the code lies in the range the specification reserves.
    public var isReserved: Bool { (-32768 ... -32000).contains(rawValue) }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { String(rawValue) }
}
