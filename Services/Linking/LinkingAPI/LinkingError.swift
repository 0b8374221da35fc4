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

    /// Every `data.reason` this service's refusals send, with its code (docs/errors.md).
    public enum Reason: String, ErrorReason {
        case journeyNotFound = "journey_not_found"
        case journeyStep = "journey_step"
        case codeIncorrect = "code_incorrect"
        case codeExpired = "code_expired"
        case tooManyTries = "too_many_tries"
        case ispLoginFailed = "isp_login_failed"
        case landlineTakesVoiceOnly = "landline_takes_voice_only"
        case ispContractAlreadyLinked = "isp_contract_already_linked"
        case carrierIdAlreadyLinked = "carrier_id_already_linked"
        case notLinked = "not_linked"
        case sessionNotApplicable = "session_not_applicable"
        case loginFailed = "login_failed"
        case ispContractNotFound = "isp_contract_not_found"

        public var code: ErrorCode {
            switch self {
            case .journeyNotFound: 1401
            case .journeyStep: 1402
            case .codeIncorrect: 1403
            case .codeExpired: 1404
            case .tooManyTries: 1405
            case .ispLoginFailed: 1406
            case .landlineTakesVoiceOnly: 1407
            case .ispContractAlreadyLinked: 1408
            case .carrierIdAlreadyLinked: 1409
            case .notLinked: 1410
            case .sessionNotApplicable: 1411
            case .loginFailed: 1412
            case .ispContractNotFound: 1413
            }
        }
    }

    public var rpcError: RPCError {
        switch self {
        case .journeyNotFound:
            RPCError(Reason.journeyNotFound, message: "No such linking journey (unknown, finished or expired); please start again.")
        case .journeyStep(let expected):
            RPCError(Reason.journeyStep, message: "This step comes later; the journey waits for: \(expected).", details: ["expected": .string(expected)])
        case .codeIncorrect(let triesLeft):
            RPCError(Reason.codeIncorrect, message: "The code is not correct.",
                details: ["triesLeft": .int(Int64(triesLeft))])
        case .codeExpired:
            RPCError(Reason.codeExpired, message: "The code has expired; please start again.")
        case .tooManyTries:
            RPCError(Reason.tooManyTries, message: "Too many wrong entries; this journey is over, please start again.")
        case .ispLoginFailed(let triesLeft):
            RPCError(Reason.ispLoginFailed, message: "The ISP e-mail address or password is not correct.", details: ["triesLeft": .int(Int64(triesLeft))])
        case .landlineTakesVoiceOnly:
            RPCError(Reason.landlineTakesVoiceOnly, message: "The phone on file is a landline: it can take only the voice call.")
        case .ispContractAlreadyLinked:
            RPCError(Reason.ispContractAlreadyLinked, message: "This ISP contract is already linked to a carrier ID; unlink it there first.")
        case .carrierIDAlreadyLinked:
            RPCError(Reason.carrierIdAlreadyLinked, message: "This carrier ID already has an ISP contract linked; unlink it first.")
        case .notLinked:
            RPCError(Reason.notLinked, message: "No ISP contract is linked.")
        case .sessionNotApplicable:
            RPCError(Reason.sessionNotApplicable, message: "Log in with a carrier ID to link an ISP contract.")
        case .loginFailed:
            RPCError(Reason.loginFailed, message: "The carrier ID or password is not correct, or no ISP contract is linked.")
        case .ispContractNotFound:
            RPCError(Reason.ispContractNotFound, message: "No ISP contract has this customer number.")
        }
    }
}
