import JSONRPC
import MadoguchiModels

/// The steps of a linking journey, in order (DOMAIN §5, second half).
public enum LinkStep: String, Codable, Sendable, CaseIterable, JSONSchemaDescribing {
    /// Waiting for the 6-digit code mailed to the ISP address.
    case emailCode = "email_code"
    /// Waiting for the ISP e-mail address and password.
    case ispLogin = "isp_login"
    /// Waiting for the 2-step check on the phone on file: send, then enter the code.
    case secondFactor = "second_factor"
    /// Done: the ISP contract is linked.
    case linked
    public static var jsonSchema: JSONSchema { .enumeration(allCases.map(\.rawValue)) }
}

/// How the 2-step code reaches the phone on file. A landline takes only the voice call.
public enum PhoneChannel: String, Codable, Sendable, CaseIterable, JSONSchemaDescribing {
    /// A 6-digit code by SMS (mobile numbers only).
    case sms
    /// A voice call reading out a 5-digit code.
    case voice
    public static var jsonSchema: JSONSchema { .enumeration(allCases.map(\.rawValue)) }
}

/// Where a linking journey stands: enough to resume it after a pause or a closed tab.
public struct LinkJourney: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var journeyId: String
    /// The step the journey waits for.
    public var step: LinkStep
    public var ispEmail: String
    public var expiresAt: String
    /// After the ISP login: the phone on file, all but its last four digits hidden.
    public var phoneOnFile: String?
    /// After the ISP login: the channels the phone on file can take.
    public var channels: [PhoneChannel]?
    /// The channel the last 2-step code went by, once one was sent.
    public var codeSentBy: PhoneChannel?
    /// Once linked: what the confirmation page shows.
    public var link: LinkConfirmation?

    public init(
        journeyId: String, step: LinkStep, ispEmail: String, expiresAt: String, phoneOnFile: String? = nil,
        channels: [PhoneChannel]? = nil, codeSentBy: PhoneChannel? = nil, link: LinkConfirmation? = nil
    ) {
        self.journeyId = journeyId
        self.step = step
        self.ispEmail = ispEmail
        self.expiresAt = expiresAt
        self.phoneOnFile = phoneOnFile
        self.channels = channels
        self.codeSentBy = codeSentBy
        self.link = link
    }

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "journeyId": .string(), "step": LinkStep.jsonSchema, "ispEmail": .string(),
                "expiresAt": .string(format: "date-time"), "phoneOnFile": .string(),
                "channels": .array(of: PhoneChannel.jsonSchema), "codeSentBy": PhoneChannel.jsonSchema,
                "link": LinkConfirmation.jsonSchema,
            ],
            required: ["journeyId", "step", "ispEmail", "expiresAt"])
    }
}

/// A linked ISP contract as its carrier ID sees it (the confirmation page).
public struct LinkConfirmation: Codable, Sendable, Hashable, JSONSchemaDescribing {
    /// The link number, also in the completion e-mail.
    public var linkNumber: String
    public var carrierId: String
    /// The ISP customer number (N + 9 digits).
    public var customerNumber: String
    /// The contract, as the ISP describes it ("fibre with family plan").
    public var contractDescription: String
    /// Whether the name entered at the start matched the ISP contract's holder; a family
    /// member's link (false) is allowed and recorded.
    public var holderMatchesContract: Bool
    public var linkedAt: String

    public init(
        linkNumber: String, carrierId: String, customerNumber: String, contractDescription: String,
        holderMatchesContract: Bool, linkedAt: String
    ) {
        self.linkNumber = linkNumber
        self.carrierId = carrierId
        self.customerNumber = customerNumber
        self.contractDescription = contractDescription
        self.holderMatchesContract = holderMatchesContract
        self.linkedAt = linkedAt
    }

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "linkNumber": .string(), "carrierId": .string(), "customerNumber": .string(),
                "contractDescription": .string(), "holderMatchesContract": .boolean,
                "linkedAt": .string(format: "date-time"),
            ],
            required: [
                "linkNumber", "carrierId", "customerNumber", "contractDescription", "holderMatchesContract", "linkedAt",
            ])
    }
}
