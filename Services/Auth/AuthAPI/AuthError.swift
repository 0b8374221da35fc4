import Foundation
import JSONRPC
import MadoguchiModels
import ServiceKit

/// The auth service's answers that are refusals, each one documented code with a stable
/// `data.reason` (docs/errors.md, 1100–1199).
public enum AuthError: Error, Sendable, RPCErrorConvertible {
    case pinNotSet
    case pinIncorrect(attemptsLeft: Int)
    case pinLocked(unlocksAt: Date)
    case pinGuessable(GuessablePIN)
    case pinWrongLength(expected: Int)
    case phonePINThroughIVROnly
    case tooManyFailures(retryAfter: Date)
    case passwordIncorrect
    case loginFailed
    case sessionInvalid
    case passwordRejected(PasswordProblem)
    case callCentreClosed(nextBusinessDay: CivilDate)

    public var rpcError: RPCError {
        switch self {
        case .pinNotSet:
            RPCError(code: ErrorCode(1101), message: "No PIN is set.", reason: "pin_not_set")
        case .pinIncorrect(let attemptsLeft):
            RPCError(
                code: ErrorCode(1102), message: "The PIN is not correct.", reason: "pin_incorrect",
                details: ["attemptsLeft": .int(Int64(attemptsLeft))])
        case .pinLocked(let unlocksAt):
            RPCError(
                code: ErrorCode(1103), message: "The PIN is locked until \(ISO8601.tokyo(unlocksAt)).",
                reason: "pin_locked", details: ["unlocksAt": .string(ISO8601.tokyo(unlocksAt))])
        case .pinGuessable(let rule):
            RPCError(code: ErrorCode(1104), message: rule.message, reason: rule.rawValue)
        case .tooManyFailures(let retryAfter):
            RPCError(
                code: ErrorCode(1108), message: "Too many wrong entries from this caller; try again later.",
                reason: "too_many_failures", details: ["retryAfter": .string(ISO8601.tokyo(retryAfter))])
        case .loginFailed:
            RPCError(code: ErrorCode(1141), message: "The login details are not correct.", reason: "login_failed")
        case .sessionInvalid:
            RPCError(
                code: ErrorCode(1140), message: "The session is not valid (unknown, expired or closed); log in again.",
                reason: "session_invalid")
        case .passwordIncorrect:
            RPCError(
                code: ErrorCode(1130), message: "The login ID or password is not correct.", reason: "password_incorrect")
        case .passwordRejected(let problem):
            RPCError(code: ErrorCode(1131), message: problem.message, reason: problem.reason)
        case .phonePINThroughIVROnly:
            RPCError(
                code: ErrorCode(1106), message: "A phone PIN is set and changed only through the call centre's voice line (IVR).",
                reason: "phone_pin_ivr_only")
        case .callCentreClosed(let next):
            RPCError(
                code: ErrorCode(1107),
                message: "The call centre sets, changes and resets phone PINs on business days only; next: \(next).",
                reason: "call_centre_closed", details: ["nextBusinessDay": .string(next.description)])
        case .pinWrongLength(let expected):
            RPCError(
                code: ErrorCode(1105), message: "This PIN has \(expected) digits.", reason: "pin_wrong_length",
                details: ["length": .int(Int64(expected))])
        }
    }
}
