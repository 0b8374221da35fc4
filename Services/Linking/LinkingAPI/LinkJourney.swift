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
}

/// How the 2-step code reaches the phone on file. A landline takes only the voice call.
public enum PhoneChannel: String, Codable, Sendable, CaseIterable, JSONSchemaDescribing {
    /// A 6-digit code by SMS (mobile numbers only).
    case sms
    /// A voice call reading out a 5-digit code.
    case voice
}

/// Where a linking journey stands: enough to resume it after a pause or a closed tab.
@WireObject
public struct LinkJourney: Codable, Sendable, Hashable {
    public var journeyId: String
    /// The step the journey waits for.
    public var step: LinkStep
    public var ispEmail: String
    @WireSchema(.string(format: "date-time"))
    public var expiresAt: String
    /// After the ISP login: the phone on file, all but its last four digits hidden.
    public var phoneOnFile: String?
    /// After the ISP login: the channels the phone on file can take.
    public var channels: [PhoneChannel]?
    /// The channel the last 2-step code went by, once one was sent.
    public var codeSentBy: PhoneChannel?
    /// Once linked: what the confirmation page shows.
    public var link: LinkConfirmation?
}

/// A linked ISP contract as its carrier ID sees it (the confirmation page).
@WireObject
public struct LinkConfirmation: Codable, Sendable, Hashable {
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
    @WireSchema(.string(format: "date-time"))
    public var linkedAt: String
}
