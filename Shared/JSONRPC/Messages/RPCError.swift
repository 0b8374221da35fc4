/// The `error` member of a JSON-RPC response, and the error a handler throws to send one.
///
/// `data.reason` is a stable machine-readable string (`"invalid_format"`, `"locked"`, …)
/// that callers branch on; `message` is for people. Neither may ever contain a secret.
public struct RPCError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    public var data: JSONValue?

    public init(code: ErrorCode, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// An error whose `data` carries `reason` and any further members.
    public init(code: ErrorCode, message: String, reason: String, details: [String: JSONValue] = [:]) {
        var members = details
        members["reason"] = .string(reason)
        self.init(code: code, message: message, data: .object(members))
    }

    /// The machine-readable `data.reason`, if any.
    public var reason: String? { data?["reason"]?.stringValue }

    public var description: String {
        "\(message) (code \(code)" + (reason.map { ", reason \($0)" } ?? "") + ")"
    }

    // MARK: The specification's errors

    public static func parseError(_ message: String = "Parse error: the message is not valid JSON.") -> RPCError {
        RPCError(code: .parseError, message: message, reason: "parse_error")
    }

    public static func invalidRequest(_ detail: String) -> RPCError {
        RPCError(code: .invalidRequest, message: "Invalid request: \(detail)", reason: "invalid_request")
    }

    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(
            code: .methodNotFound, message: "Method not found.", reason: "method_not_found",
            details: ["method": .string(String(method.prefix(200)))])
    }

    public static func invalidParams(_ detail: String, reason: String = "invalid_params", field: String? = nil)
        -> RPCError
    {
        RPCError(
            code: .invalidParams, message: "Invalid params: \(detail)", reason: reason,
            details: field.map { ["field": .string($0)] } ?? [:])
    }

    /// The caller's deadline passed before the call was done: nothing was changed.
    public static func deadlineExceeded() -> RPCError {
        RPCError(
            code: .deadlineExceeded, message: "The caller's deadline passed before the call was done; nothing was changed.",
            reason: "deadline_exceeded")
    }

    public static func internalError() -> RPCError {
        RPCError(code: .internalError, message: "Internal error.", reason: "internal")
    }
}

/// An error a domain type knows how to put on the wire.
///
/// Services make their error enums conform, mapping each case to one documented code and
/// `data.reason`; anything thrown that does not conform becomes an internal error.
public protocol RPCErrorConvertible: Error {
    var rpcError: RPCError { get }
}

extension RPCError: RPCErrorConvertible {
    public var rpcError: RPCError { self }
}
