import JSONRPC
import MadoguchiModels
import ServiceContract

/// The steps of a carrier ID issuance journey, in order.
public enum CarrierIDStep: String, Codable, Sendable, CaseIterable, JSONSchemaDescribing {
    case key, chooseId = "choose_id", details, confirm, consent, issued
}

/// The holder's gender, as the issuance form asks it.
public enum Gender: String, Codable, Sendable, CaseIterable, JSONSchemaDescribing {
    case female, male, unspecified
}

/// Where an issuance journey stands: enough to resume it.
@WireObject
public struct CarrierIDJourney: Codable, Sendable, Hashable {
    public var journeyId: String
    /// The step the journey waits for.
    public var step: CarrierIDStep
    public var email: String
    public var carrierId: String?
    @WireSchema(.string(format: "date-time"))
    public var expiresAt: String
}

/// Params naming a journey.
@WireObject
public struct JourneyParams: Codable, Sendable, Hashable {
    public var journeyId: String
}

/// `carrierId.start`: an e-mail address → a 6-digit key by mail.
public enum CarrierIDStart: RPCMethod {
    public static let name = "carrierId.start"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Starts issuing a carrier ID: mails a 6-digit one-time key (madoguchi-auth) to the address, which takes at most 5 codes an hour. The journey survives pauses and restarts and expires after 24 hours without a step."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var email: EmailAddress
    }
    public typealias Result = CarrierIDJourney
    public static var errors: [RPCError] { [.tooManyAttempts(retryAfter: .init(timeIntervalSince1970: 0))] }
}

/// `carrierId.status`: where a journey stands (to resume it).
public enum CarrierIDStatus: RPCMethod {
    public static let name = "carrierId.status"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Where an issuance journey stands, to resume it after a pause."
    public typealias Params = JourneyParams
    public typealias Result = CarrierIDJourney
    public static var errors: [RPCError] { [RegistrationError.journeyNotFound.rpcError] }
}

/// `carrierId.verifyKey`: the mailed key.
public enum CarrierIDVerifyKey: RPCMethod {
    public static let name = "carrierId.verifyKey"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Checks the mailed 6-digit key (single use, 10 minutes, 5 tries)."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var journeyId: String
        @WireSchema(.string(pattern: "^[0-9]{6}$"))
        public var code: String
    }
    public typealias Result = CarrierIDJourney
    public static var errors: [RPCError] {
        [RegistrationError.journeyNotFound.rpcError, RegistrationError.journeyStep(expected: "key").rpcError]
    }
}

/// `carrierId.chooseId`: any free ID, or the e-mail address itself.
public enum CarrierIDChooseID: RPCMethod {
    public static let name = "carrierId.chooseId"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Chooses the ID: any free string (5-254 characters, no spaces), or useEmail: true for the verified e-mail address."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var journeyId: String
        public var carrierId: String?
        public var useEmail: Bool?
    }
    public typealias Result = CarrierIDJourney
    public static var errors: [RPCError] {
        [RegistrationError.idUnavailable(reason: .idTaken, message: "This ID is already in use; choose another.").rpcError, RegistrationError.idUnavailable(reason: .invalidLength, message: "").rpcError, RegistrationError.idUnavailable(reason: .invalidCharacters, message: "").rpcError, RegistrationError.idUnavailable(reason: .invalidLoginId, message: "").rpcError]
    }
}

/// `carrierId.details`: password, name, kana, gender, birth date, contact mobile.
public enum CarrierIDDetails: RPCMethod {
    public static let name = "carrierId.details"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "The basic details: password (auth's policy; held by madoguchi-auth, unusable until issued), name and kana, gender, birth date and contact mobile number."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var journeyId: String
        public var password: String
        public var name: PersonName
        public var kana: KanaName
        public var gender: Gender
        public var birthDate: CivilDate
        public var contactMobile: PhoneNumber
    }
    public typealias Result = CarrierIDJourney
}

/// `carrierId.confirm`: confirm the details and accept the terms.
public enum CarrierIDConfirm: RPCMethod {
    public static let name = "carrierId.confirm"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Confirms the details; the terms must be accepted."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var journeyId: String
        public var acceptTerms: Bool
    }
    public typealias Result = CarrierIDJourney
    public static var errors: [RPCError] { [RegistrationError.termsNotAccepted.rpcError] }
}

/// `carrierId.consent`: sharing with the linking service; issues the ID.
public enum CarrierIDConsent: RPCMethod {
    public static let name = "carrierId.consent"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Whether to share data with the linking service (optionally don't ask again); issues the carrier ID and mails that it is issued."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var journeyId: String
        public var share: Bool
        public var dontAskAgain: Bool?
    }
    public typealias Result = CarrierIDJourney
}

/// A carrier ID as the linking service sees it.
@WireObject
public struct CarrierIDProfile: Codable, Sendable, Hashable {
    public var carrierId: String
    public var email: String
    public var name: String
    public var kana: String
    public var gender: Gender
    @WireSchema(.string(format: "date"))
    public var birthDate: String
    public var contactMobile: String
    public var shareWithLinking: Bool
    public var dontAskAgain: Bool
    @WireSchema(.string(format: "date-time"))
    public var issuedAt: String
}

/// `carrierId.show`: an issued carrier ID, for its holder's session or the linking service.
public enum CarrierIDShow: RPCMethod {
    public static let name = "carrierId.show"
    public static let access = MethodAccess.anyCaller
    public static let summary = "An issued carrier ID's profile, for a session logged in with it (session.open method password)."
    public typealias Params = SessionParams
    public typealias Result = CarrierIDProfile
    public static var errors: [RPCError] { [RegistrationError.sessionNotApplicable.rpcError] }
}
