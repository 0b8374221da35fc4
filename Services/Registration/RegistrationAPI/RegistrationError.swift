import JSONRPC
import MadoguchiModels

/// The registration service's refusals, each one documented code with a stable
/// `data.reason` (docs/errors.md, 1200–1299).
public enum RegistrationError: Error, Sendable, RPCErrorConvertible {
    /// The identity check failed; never says which field.
    case detailsMismatch
    /// The account or carrier ID is taken or not allowed.
    case idUnavailable(reason: String, message: String)

    /// The `data.reason` of an account or carrier ID someone already has.
    public static let idTakenReason = "id_taken"
    /// A mailed link is unknown or already used.
    case linkInvalid
    /// A mailed link (or the registration it belongs to) has expired: start again.
    case linkExpired
    /// The customer already has a My Page account.
    case alreadyRegistered
    /// The identity check's ticket is unknown or expired: check the details again.
    case ticketInvalid
    /// No such application (or not the caller's).
    case applicationNotFound
    /// The application is not in a state that allows this step.
    case illegalTransition(current: String, allowed: [String])
    /// An uploaded identity document is refused.
    case documentRejected(reason: String, message: String)
    /// A journey is unknown, finished or expired.
    case journeyNotFound
    /// A journey step came out of order; `expected` is the step it waits for.
    case journeyStep(expected: String)
    /// The terms were not accepted.
    case termsNotAccepted
    /// The session is not one this method serves (e.g. not a My Page login).
    case sessionNotApplicable
    /// A port-in's MNP reservation no longer holds (15 days, the day of issue included).
    case mnpReservationExpired(lastValidDay: CivilDate)

    public var rpcError: RPCError {
        switch self {
        case .detailsMismatch:
            RPCError(
                code: ErrorCode(1201), message: "The details do not match the contract records.",
                reason: "details_mismatch")
        case .idUnavailable(let reason, let message):
            RPCError(code: ErrorCode(1202), message: message, reason: reason)
        case .linkInvalid:
            RPCError(code: ErrorCode(1203), message: "This link is not valid (unknown or already used).", reason: "link_invalid")
        case .linkExpired:
            RPCError(
                code: ErrorCode(1204), message: "This link has expired; please start again.", reason: "link_expired")
        case .alreadyRegistered:
            RPCError(
                code: ErrorCode(1205), message: "This contract already has a My Page account; log in or recover it.",
                reason: "already_registered")
        case .ticketInvalid:
            RPCError(
                code: ErrorCode(1206), message: "The identity check has expired; enter the contract details again.",
                reason: "identity_check_expired")
        case .applicationNotFound:
            RPCError(code: ErrorCode(1207), message: "No such application.", reason: "application_not_found")
        case .illegalTransition(let current, let allowed):
            RPCError(
                code: ErrorCode(1208), message: "Not possible while the application is \(current).",
                reason: "illegal_transition",
                details: ["state": .string(current), "allowedFrom": .array(allowed.map(JSONValue.string))])
        case .documentRejected(let reason, let message):
            RPCError(code: ErrorCode(1209), message: message, reason: reason)
        case .journeyNotFound:
            RPCError(
                code: ErrorCode(1210), message: "No such journey (unknown, finished or expired); please start again.",
                reason: "journey_not_found")
        case .journeyStep(let expected):
            RPCError(
                code: ErrorCode(1211), message: "This step comes later; the journey waits for: \(expected).",
                reason: "journey_step", details: ["expected": .string(expected)])
        case .termsNotAccepted:
            RPCError(code: ErrorCode(1212), message: "The terms must be accepted.", reason: "terms_not_accepted")
        case .sessionNotApplicable:
            RPCError(
                code: ErrorCode(1213), message: "This session cannot be used here; log in with the right details.",
                reason: "session_not_applicable")
        case .mnpReservationExpired(let lastValidDay):
            RPCError(
                code: ErrorCode(1214),
                message: "The MNP reservation number has expired (valid through \(lastValidDay)); get a new one from the current carrier.",
                reason: "mnp_reservation_expired", details: ["lastValidDay": .string(lastValidDay.description)])
        }
    }
}
