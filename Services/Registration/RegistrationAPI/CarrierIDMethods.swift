import JSONRPC
import MadoguchiModels
import ServiceKit

/// The steps of a carrier ID issuance journey, in order.
public enum CarrierIDStep: String, Codable, Sendable, CaseIterable, JSONSchemaDescribing {
    case key, chooseId = "choose_id", details, confirm, consent, issued
    public static var jsonSchema: JSONSchema { .enumeration(allCases.map(\.rawValue)) }
}

/// The holder's gender, as the issuance form asks it.
public enum Gender: String, Codable, Sendable, CaseIterable, JSONSchemaDescribing {
    case female, male, unspecified
    public static var jsonSchema: JSONSchema { .enumeration(allCases.map(\.rawValue)) }
}

/// Where an issuance journey stands: enough to resume it.
public struct CarrierIDJourney: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var journeyId: String
    /// The step the journey waits for.
    public var step: CarrierIDStep
    public var email: String
    public var carrierId: String?
    public var expiresAt: String

    public init(journeyId: String, step: CarrierIDStep, email: String, carrierId: String?, expiresAt: String) {
        self.journeyId = journeyId
        self.step = step
        self.email = email
        self.carrierId = carrierId
        self.expiresAt = expiresAt
    }

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "journeyId": .string(), "step": CarrierIDStep.jsonSchema, "email": .string(), "carrierId": .string(),
                "expiresAt": .string(format: "date-time"),
            ],
            required: ["journeyId", "step", "email", "expiresAt"])
    }
}

/// Params naming a journey.
public struct JourneyParams: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var journeyId: String
    public init(journeyId: String) { self.journeyId = journeyId }
    public static var jsonSchema: JSONSchema { .object(["journeyId": .string()], required: ["journeyId"]) }
}

/// `carrierId.start`: an e-mail address → a 6-digit key by mail.
public enum CarrierIDStart: RPCMethod {
    public static let name = "carrierId.start"
    public static let summary =
        "Starts issuing a carrier ID: mails a 6-digit one-time key (madoguchi-auth) to the address. The journey survives pauses and restarts and expires after 24 hours without a step."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var email: EmailAddress
        public init(email: EmailAddress) { self.email = email }
        public static var jsonSchema: JSONSchema { .object(["email": EmailAddress.jsonSchema], required: ["email"]) }
    }
    public typealias Result = CarrierIDJourney
}

/// `carrierId.status`: where a journey stands (to resume it).
public enum CarrierIDStatus: RPCMethod {
    public static let name = "carrierId.status"
    public static let summary = "Where an issuance journey stands, to resume it after a pause."
    public typealias Params = JourneyParams
    public typealias Result = CarrierIDJourney
    public static var errors: [RPCError] { [RegistrationError.journeyNotFound.rpcError] }
}

/// `carrierId.verifyKey`: the mailed key.
public enum CarrierIDVerifyKey: RPCMethod {
    public static let name = "carrierId.verifyKey"
    public static let summary = "Checks the mailed 6-digit key (single use, 10 minutes, 5 tries)."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var journeyId: String
        public var code: String
        public init(journeyId: String, code: String) {
            self.journeyId = journeyId
            self.code = code
        }
        public static var jsonSchema: JSONSchema {
            .object(["journeyId": .string(), "code": .string(pattern: "^[0-9]{6}$")], required: ["journeyId", "code"])
        }
    }
    public typealias Result = CarrierIDJourney
    public static var errors: [RPCError] {
        [RegistrationError.journeyNotFound.rpcError, RegistrationError.journeyStep(expected: "key").rpcError]
    }
}

/// `carrierId.chooseId`: any free ID, or the e-mail address itself.
public enum CarrierIDChooseID: RPCMethod {
    public static let name = "carrierId.chooseId"
    public static let summary =
        "Chooses the ID: any free string (5-254 characters, no spaces), or useEmail: true for the verified e-mail address."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var journeyId: String
        public var carrierId: String?
        public var useEmail: Bool?
        public init(journeyId: String, carrierId: String? = nil, useEmail: Bool? = nil) {
            self.journeyId = journeyId
            self.carrierId = carrierId
            self.useEmail = useEmail
        }
        public static var jsonSchema: JSONSchema {
            .object(["journeyId": .string(), "carrierId": .string(), "useEmail": .boolean], required: ["journeyId"])
        }
    }
    public typealias Result = CarrierIDJourney
    public static var errors: [RPCError] {
        [RegistrationError.idUnavailable(reason: RegistrationError.idTakenReason, message: "This ID is already in use; choose another.").rpcError]
    }
}

/// `carrierId.details`: password, name, kana, gender, birth date, contact mobile.
public enum CarrierIDDetails: RPCMethod {
    public static let name = "carrierId.details"
    public static let summary =
        "The basic details: password (auth's policy; held by madoguchi-auth, unusable until issued), name and kana, gender, birth date and contact mobile number."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var journeyId: String
        public var password: String
        public var name: PersonName
        public var kana: KanaName
        public var gender: Gender
        public var birthDate: CivilDate
        public var contactMobile: PhoneNumber

        public init(
            journeyId: String, password: String, name: PersonName, kana: KanaName, gender: Gender,
            birthDate: CivilDate, contactMobile: PhoneNumber
        ) {
            self.journeyId = journeyId
            self.password = password
            self.name = name
            self.kana = kana
            self.gender = gender
            self.birthDate = birthDate
            self.contactMobile = contactMobile
        }

        public static var jsonSchema: JSONSchema {
            .object(
                [
                    "journeyId": .string(), "password": .string(), "name": PersonName.jsonSchema,
                    "kana": KanaName.jsonSchema, "gender": Gender.jsonSchema, "birthDate": CivilDate.jsonSchema,
                    "contactMobile": PhoneNumber.jsonSchema,
                ],
                required: ["journeyId", "password", "name", "kana", "gender", "birthDate", "contactMobile"])
        }
    }
    public typealias Result = CarrierIDJourney
}

/// `carrierId.confirm`: confirm the details and accept the terms.
public enum CarrierIDConfirm: RPCMethod {
    public static let name = "carrierId.confirm"
    public static let summary = "Confirms the details; the terms must be accepted."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var journeyId: String
        public var acceptTerms: Bool
        public init(journeyId: String, acceptTerms: Bool) {
            self.journeyId = journeyId
            self.acceptTerms = acceptTerms
        }
        public static var jsonSchema: JSONSchema {
            .object(["journeyId": .string(), "acceptTerms": .boolean], required: ["journeyId", "acceptTerms"])
        }
    }
    public typealias Result = CarrierIDJourney
    public static var errors: [RPCError] { [RegistrationError.termsNotAccepted.rpcError] }
}

/// `carrierId.consent`: sharing with the linking service; issues the ID.
public enum CarrierIDConsent: RPCMethod {
    public static let name = "carrierId.consent"
    public static let summary =
        "Whether to share data with the linking service (optionally don't ask again); issues the carrier ID and mails that it is issued."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var journeyId: String
        public var share: Bool
        public var dontAskAgain: Bool?
        public init(journeyId: String, share: Bool, dontAskAgain: Bool? = nil) {
            self.journeyId = journeyId
            self.share = share
            self.dontAskAgain = dontAskAgain
        }
        public static var jsonSchema: JSONSchema {
            .object(["journeyId": .string(), "share": .boolean, "dontAskAgain": .boolean], required: ["journeyId", "share"])
        }
    }
    public typealias Result = CarrierIDJourney
}

/// A carrier ID as the linking service sees it.
public struct CarrierIDProfile: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var carrierId: String
    public var email: String
    public var name: String
    public var kana: String
    public var gender: Gender
    public var birthDate: String
    public var contactMobile: String
    public var shareWithLinking: Bool
    public var dontAskAgain: Bool
    public var issuedAt: String

    public init(
        carrierId: String, email: String, name: String, kana: String, gender: Gender, birthDate: String,
        contactMobile: String, shareWithLinking: Bool, dontAskAgain: Bool, issuedAt: String
    ) {
        self.carrierId = carrierId
        self.email = email
        self.name = name
        self.kana = kana
        self.gender = gender
        self.birthDate = birthDate
        self.contactMobile = contactMobile
        self.shareWithLinking = shareWithLinking
        self.dontAskAgain = dontAskAgain
        self.issuedAt = issuedAt
    }

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "carrierId": .string(), "email": .string(), "name": .string(), "kana": .string(),
                "gender": Gender.jsonSchema, "birthDate": .string(format: "date"), "contactMobile": .string(),
                "shareWithLinking": .boolean, "dontAskAgain": .boolean, "issuedAt": .string(format: "date-time"),
            ],
            required: [
                "carrierId", "email", "name", "kana", "gender", "birthDate", "contactMobile", "shareWithLinking",
                "dontAskAgain", "issuedAt",
            ])
    }
}

/// `carrierId.show`: an issued carrier ID, for its holder's session or the linking service.
public enum CarrierIDShow: RPCMethod {
    public static let name = "carrierId.show"
    public static let summary = "An issued carrier ID's profile, for a session logged in with it (session.open method password)."
    public typealias Params = SessionParams
    public typealias Result = CarrierIDProfile
    public static var errors: [RPCError] { [RegistrationError.sessionNotApplicable.rpcError] }
}
