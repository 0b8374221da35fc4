import JSONRPC
import MadoguchiModels
import ServiceContract

/// What a code is for (`signup`, `isp-link`, `carrier-id`…): 1–32 lower-case letters,
/// digits and `-`. A code issued for one purpose never verifies another.
public struct CodePurpose: Hashable, Sendable, StringRepresentedValue, JSONSchemaDescribing {
    public let value: String

    public init(validating text: String) throws(ModelValidationError) {
        guard (1...32).contains(text.utf8.count),
            text.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D })
        else {
            throw ModelValidationError(
                field: "purpose", reason: "invalid_purpose", message: "A purpose is 1 to 32 of a-z, 0-9 and -.")
        }
        value = text
    }

    public var canonicalText: String { value }

    public static var jsonSchema: JSONSchema { .string(pattern: "^[a-z0-9-]{1,32}$") }
}

/// Where a code goes: an e-mail address, or a phone number for an SMS or a voice call.
/// A landline takes only the voice call.
@WireObject(memberwise: false)
public struct CodeDestination: Hashable, Sendable, Codable {
    public enum Channel: String, Codable, Sendable, CaseIterable, JSONSchemaDescribing {
        case mail, sms, voice
    }

    public var channel: Channel
    /// The normalised address or number.
    public var to: String

    public init(channel: Channel, to: String) throws(ModelValidationError) {
        self.channel = channel
        switch channel {
        case .mail:
            self.to = try EmailAddress(validating: to).value
        case .sms, .voice:
            let number = try PhoneNumber(validating: to)
            if channel == .sms, number.kind == .landline {
                throw ModelValidationError(
                    field: "to", reason: "landline_takes_voice_only",
                    message: "A landline cannot take an SMS; use a voice call.")
            }
            if number.kind == .machineToMachine {
                throw ModelValidationError(
                    field: "to", reason: "m2m_takes_no_codes",
                    message: "An M2M (020) data SIM takes neither SMS nor voice calls; send the code elsewhere.")
            }
            self.to = number.digits
        }
    }

    enum CodingKeys: String, CodingKey { case channel, to }

    public init(from decoder: any Decoder) throws {
        let members = try decoder.container(keyedBy: CodingKeys.self)
        let channel = try members.decode(Channel.self, forKey: .channel)
        let to = try members.decode(String.self, forKey: .to)
        do {
            try self.init(channel: channel, to: to)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .to, in: members, debugDescription: error.message)
        }
    }
}

/// The answer to `otp.issue`: which code was sent and until when it is good. Never the code.
@WireObject
public struct IssuedCode: Codable, Sendable, Hashable {
    public var codeId: String
    @WireSchema(.string(format: "date-time"))
    public var expiresAt: String
    public var digits: Int
}

/// The answer to a successful `otp.verify`.
@WireObject
public struct VerifiedCode: Codable, Sendable, Hashable {
    public var codeId: String
    public var verified: Bool
}

/// `otp.issue`.
public enum OTPIssue: RPCMethod {
    public static let name = "otp.issue"
    public static let access = MethodAccess.service
    public static let summary =
        "Sends a one-time code for a purpose: 6 digits by e-mail or SMS, 5 read out by a voice call (a landline takes only voice). Voids the previous code for the same purpose and destination. At most 5 codes an hour go to one destination (--code-issue-limit), whatever their purpose."

    @WireObject
    public struct Params: Codable, Sendable {
        public var purpose: CodePurpose
        public var destination: CodeDestination
        /// Sent again with the same params, answers the first call's code again without
        /// sending another.
        public var idempotencyKey: IdempotencyKey?
    }
    public typealias Result = IssuedCode
    public static var errors: [RPCError] {
        [
            RPCError.idempotencyKeyReused,
            RPCError.tooManyAttempts(retryAfter: .init(timeIntervalSince1970: 0)),
        ]
    }
}

/// `otp.verify`.
public enum OTPVerify: RPCMethod {
    public static let name = "otp.verify"
    public static let access = MethodAccess.service
    public static let summary = "Checks a one-time code: single use, expires after 10 minutes, at most 5 tries."

    @WireObject
    public struct Params: Codable, Sendable {
        public var purpose: CodePurpose
        public var destination: CodeDestination
        @WireSchema(.string(pattern: "^[0-9]{5,6}$"))
        public var code: String
    }
    public typealias Result = VerifiedCode
    public static var errors: [RPCError] {
        [
            OneTimeCodeError.noLiveCode.rpcError, OneTimeCodeError.expired.rpcError,
            OneTimeCodeError.incorrect(triesLeft: 4).rpcError, OneTimeCodeError.tooManyTries.rpcError,
            RPCError.storageUnavailable(),
        ]
    }
}

/// Refusals of `otp.verify`.
public enum OneTimeCodeError: Error, Sendable, Hashable, RPCErrorConvertible {
    /// No live code for the purpose and destination (never issued, used or voided).
    case noLiveCode
    case expired
    case incorrect(triesLeft: Int)
    /// The fifth wrong code voided it.
    case tooManyTries

    public var rpcError: RPCError {
        switch self {
        case .noLiveCode: RPCError(AuthError.Reason.codeNotFound, message: "There is no code to check; ask for a new one.")
        case .expired: RPCError(AuthError.Reason.codeExpired, message: "The code has expired; ask for a new one.")
        case .incorrect(let triesLeft):
            RPCError(
                AuthError.Reason.codeIncorrect, message: "The code is not correct.",
                details: ["triesLeft": .int(Int64(triesLeft))])
        case .tooManyTries: RPCError(AuthError.Reason.codeTooManyTries, message: "Too many wrong codes; ask for a new one.")
        }
    }
}
