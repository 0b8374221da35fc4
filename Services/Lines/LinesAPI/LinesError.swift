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

    /// Every `data.reason` this service's refusals send, with its code (docs/errors.md).
    public enum Reason: String, ErrorReason {
        case lineNotFound = "line_not_found"
        case dataOnly = "data_only"
        case sessionNotForLine = "session_not_for_line"
        case blockListFull = "block_list_full"
        case notBlocked = "not_blocked"
        case noLastCaller = "no_last_caller"
        case ringTimeInvalid = "ring_time_invalid"
        case forwardingDestinationInvalid = "forwarding_destination_invalid"
        case messageNotFound = "message_not_found"

        public var code: ErrorCode {
            switch self {
            case .lineNotFound: 1501
            case .dataOnly: 1502
            case .sessionNotForLine: 1503
            case .blockListFull: 1504
            case .notBlocked: 1505
            case .noLastCaller: 1506
            case .ringTimeInvalid: 1507
            case .forwardingDestinationInvalid: 1508
            case .messageNotFound: 1509
            }
        }
    }

    public var rpcError: RPCError {
        switch self {
        case .lineNotFound:
            RPCError(Reason.lineNotFound, message: "No line has this number.")
        case .dataOnly:
            RPCError(Reason.dataOnly, message: "This SIM is data-only: it has no network PIN and no voice options.")
        case .sessionNotForLine:
            RPCError(Reason.sessionNotForLine, message: "This session was not opened with a line's number and network PIN.")
        case .blockListFull(let limit):
            RPCError(Reason.blockListFull, message: "The block list is full (\(limit) numbers): delete one first.", details: ["limit": .int(Int64(limit))])
        case .notBlocked:
            RPCError(Reason.notBlocked, message: "This number is not on the block list.")
        case .noLastCaller:
            RPCError(Reason.noLastCaller, message: "There is no last caller's number to block (no call yet, or it was withheld).")
        case .ringTimeInvalid(let minimum, let maximum, let step):
            RPCError(Reason.ringTimeInvalid, message: "The ring time is \(minimum) to \(maximum) seconds in steps of \(step).",
                details: ["minimum": .int(Int64(minimum)), "maximum": .int(Int64(maximum)), "step": .int(Int64(step))])
        case .forwardingDestinationInvalid(let why):
            RPCError(Reason.forwardingDestinationInvalid, message: why)
        case .messageNotFound:
            RPCError(Reason.messageNotFound, message: "No voicemail message with this id.")
        }
    }
}
