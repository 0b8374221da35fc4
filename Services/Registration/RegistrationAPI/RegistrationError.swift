import JSONRPC
import MadoguchiModels

/// The registration service's refusals, each one documented code with a stable
/// `data.reason` (docs/errors.md, 1200–1299).
public enum RegistrationError: Error, Sendable, RPCErrorConvertible {
    /// The identity check failed; never says which field.
    case detailsMismatch
    /// The account or carrier ID is taken or not allowed.
    case idUnavailable(reason: Reason, message: String)
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
    case documentRejected(reason: Reason, message: String)
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

    /// Every `data.reason` this service's refusals send, with its code (docs/errors.md).
    public enum Reason: String, ErrorReason {
        case detailsMismatch = "details_mismatch"
        case idTaken = "id_taken"
        case invalidLength = "invalid_length"
        case invalidCharacters = "invalid_characters"
        case invalidLoginId = "invalid_login_id"
        case linkInvalid = "link_invalid"
        case linkExpired = "link_expired"
        case alreadyRegistered = "already_registered"
        case identityCheckExpired = "identity_check_expired"
        case applicationNotFound = "application_not_found"
        case illegalTransition = "illegal_transition"
        case documentType = "document_type"
        case documentFormat = "document_format"
        case documentFormatMismatch = "document_format_mismatch"
        case documentTooLarge = "document_too_large"
        case journeyNotFound = "journey_not_found"
        case journeyStep = "journey_step"
        case termsNotAccepted = "terms_not_accepted"
        case sessionNotApplicable = "session_not_applicable"
        case mnpReservationExpired = "mnp_reservation_expired"

        public var code: ErrorCode {
            switch self {
            case .detailsMismatch: 1201
            case .idTaken, .invalidLength, .invalidCharacters, .invalidLoginId: 1202
            case .linkInvalid: 1203
            case .linkExpired: 1204
            case .alreadyRegistered: 1205
            case .identityCheckExpired: 1206
            case .applicationNotFound: 1207
            case .illegalTransition: 1208
            case .documentType, .documentFormat, .documentFormatMismatch, .documentTooLarge: 1209
            case .journeyNotFound: 1210
            case .journeyStep: 1211
            case .termsNotAccepted: 1212
            case .sessionNotApplicable: 1213
            case .mnpReservationExpired: 1214
            }
        }
    }

    public var rpcError: RPCError {
        switch self {
        case .detailsMismatch:
            RPCError(Reason.detailsMismatch, message: "The details do not match the contract records.")
        case .idUnavailable(let reason, let message):
            RPCError(reason, message: message)
        case .linkInvalid:
            RPCError(Reason.linkInvalid, message: "This link is not valid (unknown or already used).")
        case .linkExpired:
            RPCError(Reason.linkExpired, message: "This link has expired; please start again.")
        case .alreadyRegistered:
            RPCError(Reason.alreadyRegistered, message: "This contract already has a My Page account; log in or recover it.")
        case .ticketInvalid:
            RPCError(Reason.identityCheckExpired, message: "The identity check has expired; enter the contract details again.")
        case .applicationNotFound:
            RPCError(Reason.applicationNotFound, message: "No such application.")
        case .illegalTransition(let current, let allowed):
            RPCError(Reason.illegalTransition, message: "Not possible while the application is \(current).",
                details: ["state": .string(current), "allowedFrom": .array(allowed.map(JSONValue.string))])
        case .documentRejected(let reason, let message):
            RPCError(reason, message: message)
        case .journeyNotFound:
            RPCError(Reason.journeyNotFound, message: "No such journey (unknown, finished or expired); please start again.")
        case .journeyStep(let expected):
            RPCError(Reason.journeyStep, message: "This step comes later; the journey waits for: \(expected).", details: ["expected": .string(expected)])
        case .termsNotAccepted:
            RPCError(Reason.termsNotAccepted, message: "The terms must be accepted.")
        case .sessionNotApplicable:
            RPCError(Reason.sessionNotApplicable, message: "This session cannot be used here; log in with the right details.")
        case .mnpReservationExpired(let lastValidDay):
            RPCError(Reason.mnpReservationExpired, message: "The MNP reservation number has expired (valid through \(lastValidDay)); get a new one from the current carrier.", details: ["lastValidDay": .string(lastValidDay.description)])
        }
    }
}
