import JSONRPC

/// The linking service's refusals, each one documented code with a stable `data.reason`
/// (docs/errors.md, 1400–1499).
public enum LinkingError: Error, Sendable, RPCErrorConvertible {
    /// A journey is unknown, not the caller's, finished or expired.
    case journeyNotFound
    /// A journey step came out of order; `expected` is the step it waits for.
    case journeyStep(expected: String)
    /// The e-mailed code is wrong; the same answer whether or not the ISP e-mail exists.
    case codeIncorrect(triesLeft: Int)
    /// The e-mailed code is older than its 10 minutes: start again.
    case codeExpired
    /// Too many wrong codes or ISP passwords: the journey is over.
    case tooManyTries
    /// The ISP e-mail address or password is not correct.
    case ispLoginFailed(triesLeft: Int)
    /// A landline takes only the voice call.
    case landlineTakesVoiceOnly
    /// The ISP contract is already linked to a carrier ID.
    case ispContractAlreadyLinked
    /// The carrier ID already has an ISP contract linked.
    case carrierIDAlreadyLinked
    /// No ISP contract is linked (to this carrier ID, or under this customer number).
    case notLinked
    /// The session is not a carrier ID's.
    case sessionNotApplicable
    /// The carrier ID or password is not correct, or the carrier ID has no ISP contract.
    case loginFailed
    /// No ISP contract under this customer number (operators only).
    case ispContractNotFound

    public var rpcError: RPCError {
        switch self {
        case .journeyNotFound:
            RPCError(
                code: ErrorCode(1401), message: "No such linking journey (unknown, finished or expired); please start again.",
                reason: "journey_not_found")
        case .journeyStep(let expected):
            RPCError(
                code: ErrorCode(1402), message: "This step comes later; the journey waits for: \(expected).",
                reason: "journey_step", details: ["expected": .string(expected)])
        case .codeIncorrect(let triesLeft):
            RPCError(
                code: ErrorCode(1403), message: "The code is not correct.", reason: "code_incorrect",
                details: ["triesLeft": .int(Int64(triesLeft))])
        case .codeExpired:
            RPCError(code: ErrorCode(1404), message: "The code has expired; please start again.", reason: "code_expired")
        case .tooManyTries:
            RPCError(
                code: ErrorCode(1405), message: "Too many wrong entries; this journey is over, please start again.",
                reason: "too_many_tries")
        case .ispLoginFailed(let triesLeft):
            RPCError(
                code: ErrorCode(1406), message: "The ISP e-mail address or password is not correct.",
                reason: "isp_login_failed", details: ["triesLeft": .int(Int64(triesLeft))])
        case .landlineTakesVoiceOnly:
            RPCError(
                code: ErrorCode(1407), message: "The phone on file is a landline: it can take only the voice call.",
                reason: "landline_takes_voice_only")
        case .ispContractAlreadyLinked:
            RPCError(
                code: ErrorCode(1408),
                message: "This ISP contract is already linked to a carrier ID; unlink it there first.",
                reason: "isp_contract_already_linked")
        case .carrierIDAlreadyLinked:
            RPCError(
                code: ErrorCode(1409), message: "This carrier ID already has an ISP contract linked; unlink it first.",
                reason: "carrier_id_already_linked")
        case .notLinked:
            RPCError(code: ErrorCode(1410), message: "No ISP contract is linked.", reason: "not_linked")
        case .sessionNotApplicable:
            RPCError(
                code: ErrorCode(1411), message: "Log in with a carrier ID to link an ISP contract.",
                reason: "session_not_applicable")
        case .loginFailed:
            RPCError(
                code: ErrorCode(1412), message: "The carrier ID or password is not correct, or no ISP contract is linked.",
                reason: "login_failed")
        case .ispContractNotFound:
            RPCError(code: ErrorCode(1413), message: "No ISP contract has this customer number.", reason: "isp_contract_not_found")
        }
    }
}
