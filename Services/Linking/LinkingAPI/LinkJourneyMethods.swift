import JSONRPC
import MadoguchiModels
import ServiceContract

/// Params naming a journey, for the carrier ID's session that started it.
@WireObject
public struct LinkJourneyParams: Codable, Sendable, Hashable {
    /// A `session.open` token of the carrier ID (a new login is fine after a long pause).
    public var session: String
    public var journeyId: String
}

/// Params of a journey step that takes a code.
@WireObject
public struct LinkCodeParams: Codable, Sendable, Hashable {
    public var session: String
    public var journeyId: String
    @WireSchema(.string(pattern: "^[0-9]{5,6}$"))
    public var code: String
}

/// `link.start`: as a logged-in carrier ID, name and kana, birth date and the ISP e-mail.
public enum LinkStart: RPCMethod {
    public static let name = "link.start"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Starts linking an ISP contract to the session's carrier ID: name and kana, birth date and the ISP e-mail address; a 6-digit code goes to that address. The answer is the same whether or not the address belongs to an ISP contract. The journey survives pauses and restarts and expires after 24 hours without a step."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var session: String
        @WireSchema(.string())
        public var name: PersonName
        @WireSchema(.string())
        public var kana: KanaName
        @WireSchema(.string(format: "date"))
        public var birthDate: CivilDate
        @WireSchema(.string(format: "email"))
        public var ispEmail: EmailAddress
    }
    public typealias Result = LinkJourney
    public static var errors: [RPCError] {
        [LinkingError.sessionNotApplicable.rpcError, LinkingError.carrierIDAlreadyLinked.rpcError]
    }
}

/// `link.status`: where a journey stands.
public enum LinkStatus: RPCMethod {
    public static let name = "link.status"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Where a linking journey stands, to resume it after a pause, a closed tab or a restart."
    public typealias Params = LinkJourneyParams
    public typealias Result = LinkJourney
    public static var errors: [RPCError] { [LinkingError.journeyNotFound.rpcError] }
}

/// `link.code`: the code mailed to the ISP address.
public enum LinkCode: RPCMethod {
    public static let name = "link.code"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Checks the 6-digit code mailed to the ISP address (single use, 10 minutes, 5 tries; then start again)."
    public typealias Params = LinkCodeParams
    public typealias Result = LinkJourney
    public static var errors: [RPCError] {
        [
            LinkingError.codeIncorrect(triesLeft: 4).rpcError, LinkingError.codeExpired.rpcError,
            LinkingError.tooManyTries.rpcError, LinkingError.journeyStep(expected: "email_code").rpcError,
        ]
    }
}

/// `link.ispLogin`: the ISP e-mail address and password.
public enum LinkISPLogin: RPCMethod {
    public static let name = "link.ispLogin"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Logs in to the ISP with its e-mail address and password (checked by madoguchi-auth); 5 tries end the journey, each counted before it is made (a try auth did not answer counts too: it may have been checked). The answer shows the phone on file (last 4 digits) and the channels it can take."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var session: String
        public var journeyId: String
        @WireSchema(.string(format: "email"))
        public var ispEmail: EmailAddress
        public var password: String
        /// The end user's origin (e.g. IP address), from a trusted front end.
        public var origin: String?
    }
    public typealias Result = LinkJourney
    public static var errors: [RPCError] {
        [
            LinkingError.ispLoginFailed(triesLeft: 4).rpcError, LinkingError.tooManyTries.rpcError,
            LinkingError.ispContractAlreadyLinked.rpcError,
        ]
    }
}

/// `link.secondFactor.send`: a code to the phone on file.
public enum LinkSecondFactorSend: RPCMethod {
    public static let name = "link.secondFactor.send"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Sends the 2-step code to the phone on file: a 6-digit SMS, or a voice call reading out 5 digits (a landline takes only voice). Sending again voids the previous code."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var session: String
        public var journeyId: String
        public var channel: PhoneChannel
    }
    public typealias Result = LinkJourney
    public static var errors: [RPCError] {
        [LinkingError.landlineTakesVoiceOnly.rpcError, .tooManyAttempts(retryAfter: .init(timeIntervalSince1970: 0))]
    }
}

/// `link.secondFactor.verify`: the 2-step code; links the contract.
public enum LinkSecondFactorVerify: RPCMethod {
    public static let name = "link.secondFactor.verify"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Checks the 2-step code (madoguchi-auth's one-time codes) and links the ISP contract to the carrier ID; a completion e-mail carries the link number."
    public typealias Params = LinkCodeParams
    public typealias Result = LinkJourney
    public static var errors: [RPCError] {
        [LinkingError.ispContractAlreadyLinked.rpcError, LinkingError.carrierIDAlreadyLinked.rpcError]
    }
}
