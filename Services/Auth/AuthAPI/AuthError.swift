import Foundation
import JSONRPC
import MadoguchiModels
import ServiceContract

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

    /// Every `data.reason` this service's refusals send, with its code (docs/errors.md).
    public enum Reason: String, ErrorReason {
        case pinNotSet = "pin_not_set"
        case pinIncorrect = "pin_incorrect"
        case pinLocked = "pin_locked"
        case pinIsBirthday = "pin_is_birthday"
        case pinIsPhoneDigits = "pin_is_phone_digits"
        case pinIsRepeatedDigits = "pin_is_repeated_digits"
        case pinIsStraightRun = "pin_is_straight_run"
        case pinSameAsCardPin = "pin_same_as_card_pin"
        case pinWrongLength = "pin_wrong_length"
        case phonePinIvrOnly = "phone_pin_ivr_only"
        case callCentreClosed = "call_centre_closed"
        case tooManyFailures = "too_many_failures"
        case codeNotFound = "code_not_found"
        case codeExpired = "code_expired"
        case codeIncorrect = "code_incorrect"
        case codeTooManyTries = "code_too_many_tries"
        case passwordIncorrect = "password_incorrect"
        case passwordLength = "password_length"
        case passwordCharacters = "password_characters"
        case passwordKinds = "password_kinds"
        case passwordContainsLoginId = "password_contains_login_id"
        case passwordTooCommon = "password_too_common"
        case sessionInvalid = "session_invalid"
        case loginFailed = "login_failed"

        public var code: ErrorCode {
            switch self {
            case .pinNotSet: 1101
            case .pinIncorrect: 1102
            case .pinLocked: 1103
            case .pinIsBirthday, .pinIsPhoneDigits, .pinIsRepeatedDigits, .pinIsStraightRun, .pinSameAsCardPin: 1104
            case .pinWrongLength: 1105
            case .phonePinIvrOnly: 1106
            case .callCentreClosed: 1107
            case .tooManyFailures: 1108
            case .codeNotFound: 1120
            case .codeExpired: 1121
            case .codeIncorrect: 1122
            case .codeTooManyTries: 1123
            case .passwordIncorrect: 1130
            case .passwordLength, .passwordCharacters, .passwordKinds, .passwordContainsLoginId, .passwordTooCommon: 1131
            case .sessionInvalid: 1140
            case .loginFailed: 1141
            }
        }
    }

    public var rpcError: RPCError {
        switch self {
        case .pinNotSet:
            RPCError(Reason.pinNotSet, message: "No PIN is set.")
        case .pinIncorrect(let attemptsLeft):
            RPCError(Reason.pinIncorrect, message: "The PIN is not correct.",
                details: ["attemptsLeft": .int(Int64(attemptsLeft))])
        case .pinLocked(let unlocksAt):
            RPCError(Reason.pinLocked, message: "The PIN is locked until \(ISO8601.tokyo(unlocksAt)).", details: ["unlocksAt": .string(ISO8601.tokyo(unlocksAt))])
        case .pinGuessable(let rule):
            RPCError(rule.reason, message: rule.message)
        case .tooManyFailures(let retryAfter):
            RPCError(Reason.tooManyFailures, message: "Too many wrong entries from this caller; try again later.", details: ["retryAfter": .string(ISO8601.tokyo(retryAfter))])
        case .loginFailed:
            RPCError(Reason.loginFailed, message: "The login details are not correct.")
        case .sessionInvalid:
            RPCError(Reason.sessionInvalid, message: "The session is not valid (unknown, expired or closed); log in again.")
        case .passwordIncorrect:
            RPCError(Reason.passwordIncorrect, message: "The login ID or password is not correct.")
        case .passwordRejected(let problem):
            RPCError(problem.reason, message: problem.message)
        case .phonePINThroughIVROnly:
            RPCError(Reason.phonePinIvrOnly, message: "A phone PIN is set and changed only through the call centre's voice line (IVR).")
        case .callCentreClosed(let next):
            RPCError(Reason.callCentreClosed, message: "The call centre sets, changes and resets phone PINs on business days only; next: \(next).", details: ["nextBusinessDay": .string(next.description)])
        case .pinWrongLength(let expected):
            RPCError(Reason.pinWrongLength, message: "This PIN has \(expected) digits.",
                details: ["length": .int(Int64(expected))])
        }
    }
}
