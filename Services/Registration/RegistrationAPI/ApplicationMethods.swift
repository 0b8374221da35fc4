import JSONRPC
import MadoguchiModels
import ServiceContract

/// Where an application stands.
public enum ApplicationState: String, Codable, Sendable, CaseIterable, JSONSchemaDescribing {
    case received, underReview = "under_review", documentsRequested = "documents_requested", resubmitted, approved,
        shipped, delivered, activated, cancelled

    /// The states each state may move to.
    public var next: Set<ApplicationState> {
        switch self {
        case .received: [.underReview, .cancelled]
        case .underReview: [.documentsRequested, .approved, .cancelled]
        case .documentsRequested: [.resubmitted, .cancelled]
        case .resubmitted: [.underReview, .documentsRequested, .approved, .cancelled]
        case .approved: [.shipped, .cancelled]
        case .shipped: [.delivered]
        case .delivered: [.activated]
        case .activated, .cancelled: []
        }
    }
}

/// What an application's holder or an operator sees.
@WireObject
public struct ApplicationView: Codable, Sendable, Hashable {
    @WireObject
    public struct Event: Codable, Sendable, Hashable {
        @WireSchema(.string(format: "date-time"))
        public var at: String
        public var state: String
        public var note: String?
    }

    public var receptionNumber: String
    public var state: ApplicationState
    public var phoneNumber: String
    public var portInNumber: String?
    /// Normally 3 days after approval.
    @WireSchema(.string(format: "date"))
    public var estimatedShipDate: String?
    /// Up to about a week after approval when review takes long.
    @WireSchema(.string(format: "date"))
    public var latestShipDate: String?
    public var trackingNumber: String?
    public var lineNumber: String?
    /// When a port-in switched the old line off.
    @WireSchema(.string(format: "date-time"))
    public var portedOutAt: String?
    /// What review asks for, when documents are requested.
    public var note: String?
    public var history: [Event]
}

/// `application.submit`: an online application.
public enum ApplicationSubmit: RPCMethod {
    public static let name = "application.submit"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Applies online: returns a 13-character reception number (with a check character) and sets the network PIN through madoguchi-auth. Log in later with reception number + this mobile number + PIN."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        /// The applicant's mobile number (used with the reception number to log in).
        public var phoneNumber: PhoneNumber
        public var pin: PIN
        public var name: PersonName
        public var kana: KanaName
        public var birthDate: CivilDate
        public var email: EmailAddress
        /// The number to port in, when keeping an existing number.
        public var portInNumber: PhoneNumber?
        /// A port-in's MNP reservation number (10 digits), from the losing carrier.
        @WireSchema(.string(pattern: "^[0-9]{10}$", description: "A port-in's MNP reservation number (required with portInNumber)."))
        public var mnpReservationNumber: String?
        /// The day the MNP reservation was issued; it holds 15 days, that day included.
        public var mnpIssuedOn: CivilDate?
        /// Sent again with the same params, answers the first application's reception
        /// number again instead of making a second application.
        public var idempotencyKey: IdempotencyKey?
    }

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        public var receptionNumber: String
        public var state: ApplicationState
    }
    public static var errors: [RPCError] {
        [
            RegistrationError.mnpReservationExpired(lastValidDay: try! CivilDate(year: 2026, month: 11, day: 24)).rpcError,
            RPCError.idempotencyKeyReused,
        ]
    }
}

/// `application.status`: for the holder, with a reception session.
public enum ApplicationStatus: RPCMethod {
    public static let name = "application.status"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "The application's state, history and delivery estimate, for a session opened with reception number + phone + PIN (session.open method reception)."
    public typealias Params = SessionParams
    public typealias Result = ApplicationView
    public static var errors: [RPCError] { [RegistrationError.sessionNotApplicable.rpcError] }
}

/// `application.uploadDocument`: a new identity-document image when review asks for one.
public enum ApplicationUploadDocument: RPCMethod {
    public static let name = "application.uploadDocument"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Uploads a new identity-document image (JPEG or PNG, at most 4 MiB, base64) when review requested documents; the application becomes resubmitted."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var session: String
        /// drivers_licence, my_number_card, passport or residence_card.
        @WireSchema(.enumeration(["drivers_licence", "my_number_card", "passport", "residence_card"]))
        public var documentType: String
        /// image/jpeg or image/png.
        @WireSchema(.enumeration(["image/jpeg", "image/png"]))
        public var contentType: String
        /// The image, base64.
        @WireSchema(.string(format: "base64"))
        public var data: String
    }
    public typealias Result = ApplicationView
    public static var errors: [RPCError] {
        [RegistrationError.documentRejected(reason: .documentType, message: "").rpcError, RegistrationError.documentRejected(reason: .documentFormat, message: "").rpcError, RegistrationError.documentRejected(reason: .documentFormatMismatch, message: "").rpcError, RegistrationError.documentRejected(reason: .documentTooLarge, message: "").rpcError]
    }
}

/// `application.activate`: the holder switches the delivered line on.
public enum ApplicationActivate: RPCMethod {
    public static let name = "application.activate"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Activates the delivered line (開通): a new line starts working; a port-in switches the old line off and the new one on."
    public typealias Params = SessionParams
    public typealias Result = ApplicationView
    public static var errors: [RPCError] {
        [
            RegistrationError.mnpReservationExpired(lastValidDay: try! CivilDate(year: 2026, month: 11, day: 24)).rpcError,
        ]
    }
}

/// `application.cancel`: the holder withdraws before shipping.
public enum ApplicationCancel: RPCMethod {
    public static let name = "application.cancel"
    public static let access = MethodAccess.anyCaller
    public static let summary = "The holder cancels the application (before it ships)."
    public typealias Params = SessionParams
    public typealias Result = ApplicationView
}

/// `application.advance`: operators move review, shipping and delivery along.
public enum ApplicationAdvance: RPCMethod {
    public static let name = "application.advance"
    public static let access = MethodAccess.operator
    public static let summary =
        "Operators only: moves an application to under_review, documents_requested (with a note), approved, shipped (with a tracking number and the line's number), delivered or cancelled. Illegal moves are refused with the current state."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var receptionNumber: ReceptionNumber
        public var to: ApplicationState
        public var note: String?
        public var trackingNumber: String?
        /// The new line's number, given at shipping (a port-in keeps its number).
        public var lineNumber: PhoneNumber?
    }
    public typealias Result = ApplicationView
    public static var errors: [RPCError] {
        [RegistrationError.illegalTransition(current: "received", allowed: []).rpcError, RegistrationError.applicationNotFound.rpcError]
    }
}

/// `application.show`: any application, for operators.
public enum ApplicationShow: RPCMethod {
    public static let name = "application.show"
    public static let access = MethodAccess.operator
    public static let summary = "Operators only: an application by reception number."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var receptionNumber: ReceptionNumber
    }
    public typealias Result = ApplicationView
    public static var errors: [RPCError] {
        [
            RegistrationError.applicationNotFound.rpcError,
        ]
    }
}
