import JSONRPC

/// The lines service's refusals, each one documented code with a stable `data.reason`
/// (docs/errors.md, 1500–1599). PIN refusals (wrong, locked, throttled) are
/// madoguchi-auth's own answers, passed on unchanged.
public enum LinesError: Error, Sendable, Hashable, RPCErrorConvertible {
    /// No line has this number.
    case lineNotFound
    /// The SIM is data-only: it has no network PIN and no voice options.
    case dataOnly
    /// The session was not opened with a line's number and network PIN.
    case sessionNotForLine
    /// The block list holds its maximum already.
    case blockListFull(limit: Int)
    /// The number is not on the block list.
    case notBlocked
    /// No call has come in since the line's options were set up, or it came without a number.
    case noLastCaller
    /// The ring time is outside the allowed range or not one of its steps.
    case ringTimeInvalid(minimum: Int, maximum: Int, step: Int)
    /// Calls cannot be forwarded to this number.
    case forwardingDestinationInvalid(String)
    /// No voicemail message with this id on the line.
    case messageNotFound

    public var rpcError: RPCError {
        switch self {
        case .lineNotFound:
            RPCError(code: ErrorCode(1501), message: "No line has this number.", reason: "line_not_found")
        case .dataOnly:
            RPCError(
                code: ErrorCode(1502),
                message: "This SIM is data-only: it has no network PIN and no voice options.", reason: "data_only")
        case .sessionNotForLine:
            RPCError(
                code: ErrorCode(1503),
                message: "This session was not opened with a line's number and network PIN.", reason: "session_not_for_line")
        case .blockListFull(let limit):
            RPCError(
                code: ErrorCode(1504), message: "The block list is full (\(limit) numbers): delete one first.",
                reason: "block_list_full", details: ["limit": .int(Int64(limit))])
        case .notBlocked:
            RPCError(code: ErrorCode(1505), message: "This number is not on the block list.", reason: "not_blocked")
        case .noLastCaller:
            RPCError(
                code: ErrorCode(1506), message: "There is no last caller's number to block (no call yet, or it was withheld).",
                reason: "no_last_caller")
        case .ringTimeInvalid(let minimum, let maximum, let step):
            RPCError(
                code: ErrorCode(1507),
                message: "The ring time is \(minimum) to \(maximum) seconds in steps of \(step).", reason: "ring_time_invalid",
                details: ["minimum": .int(Int64(minimum)), "maximum": .int(Int64(maximum)), "step": .int(Int64(step))])
        case .forwardingDestinationInvalid(let why):
            RPCError(code: ErrorCode(1508), message: why, reason: "forwarding_destination_invalid")
        case .messageNotFound:
            RPCError(code: ErrorCode(1509), message: "No voicemail message with this id.", reason: "message_not_found")
        }
    }
}
