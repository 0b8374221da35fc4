import Foundation
import JSONRPC
import MadoguchiModels
import ServiceContract

extension PINKind: JSONSchemaDescribing {}

extension PINSubject: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema {
        .string(pattern: "^[A-Za-z0-9:._-]{1,64}$", description: "What the PIN belongs to, e.g. line:09012345678.")
    }
}

extension Channel: JSONSchemaDescribing {}

/// `pin.set`: sets a PIN, refusing guessable ones with the rule that failed.
public enum PINSet: RPCMethod {
    public static let name = "pin.set"
    public static let access = MethodAccess.service
    public static let summary =
        "Sets a PIN (a phone PIN only through the IVR, channel: ivr, on business days). Refuses birthdays, the phone number's last digits (the subject's own line too), repeated digits, straight runs and (phone PIN) the card PIN; issued: true takes an issued initial PIN, reported mustChange."

    @WireObject
    public struct Params: Codable, Sendable {
        public var subject: PINSubject
        public var kind: PINKind
        public var pin: PIN
        public var birthDate: CivilDate?
        public var phoneNumbers: [PhoneNumber]?
        public var cardPIN: PIN?
        public var issued: Bool?
        /// Where the request comes from (default web); a phone PIN only from the IVR.
        public var channel: Channel?
    }
    public typealias Result = PINStatus

    public static var errors: [RPCError] {
        [
            AuthError.pinWrongLength(expected: 4).rpcError, AuthError.phonePINThroughIVROnly.rpcError,
            AuthError.callCentreClosed(nextBusinessDay: try! CivilDate(year: 2026, month: 11, day: 24)).rpcError,
        ]
            + GuessablePIN.allCases.map { AuthError.pinGuessable($0).rpcError }
    }
}

/// `pin.verify`: checks a PIN, counting failures towards the midnight lock.
public enum PINVerify: RPCMethod {
    public static let name = "pin.verify"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Checks a PIN. A correct one resets the failure count; after the configured failures it locks until 00:00 Asia/Tokyo the next day, refusing even the right PIN."

    @WireObject
    public struct Params: Codable, Sendable {
        public var subject: PINSubject
        public var kind: PINKind
        public var pin: PIN
        /// End user's origin (e.g. IP address), from a trusted front end.
        public var origin: String?
        /// Sent again with the same params (a retry after a lost answer), answers the
        /// first check's answer again, right or wrong, without counting another failure.
        public var idempotencyKey: IdempotencyKey?
    }
    public typealias Result = PINStatus

    public static var errors: [RPCError] {
        let example = Date(timeIntervalSince1970: 1_795_273_200)  // 2026-11-22T00:00:00+09:00
        return [
            AuthError.pinNotSet.rpcError, AuthError.pinIncorrect(attemptsLeft: 2).rpcError,
            AuthError.pinLocked(unlocksAt: example).rpcError, AuthError.tooManyFailures(retryAfter: example).rpcError,
            RPCError.storageUnavailable(), RPCError.idempotencyKeyReused,
        ]
    }
}

/// `pin.status`: whether a PIN is set, must change, and its lock.
public enum PINStatusMethod: RPCMethod {
    public static let name = "pin.status"
    public static let access = MethodAccess.anyCaller
    public static let summary = "Whether a PIN is set, must be changed, how many failures it has, and whether and until when it is locked."

    @WireObject
    public struct Params: Codable, Sendable {
        public var subject: PINSubject
        public var kind: PINKind
    }
    public typealias Result = PINStatus
}

/// `pin.reset`: support staff set a new PIN (the customer must change it); operators only.
public enum PINReset: RPCMethod {
    public static let name = "pin.reset"
    public static let access = MethodAccess.operator
    public static let summary =
        "Operators only: after checking the customer by other means, staff set a new PIN that must be changed; recorded with who and why. Phone PINs on business days only."

    @WireObject
    public struct Params: Codable, Sendable {
        public var subject: PINSubject
        public var kind: PINKind
        public var pin: PIN
        /// Who reset it: the staff member (not blank).
        public var staff: String
        /// Why: how the customer was verified, the ticket (not blank).
        public var reason: String

        public init(from decoder: any Decoder) throws {
            let members = try decoder.container(keyedBy: CodingKeys.self)
            subject = try members.decode(PINSubject.self, forKey: .subject)
            kind = try members.decode(PINKind.self, forKey: .kind)
            pin = try members.decode(PIN.self, forKey: .pin)
            // Blank once trimmed (spaces, tabs, full-width spaces) names nobody and no reason.
            staff = try members.decodeAuditText(forKey: .staff, maximumLength: 64, rule: "Name the staff member")
            reason = try members.decodeAuditText(forKey: .reason, maximumLength: 500, rule: "Say why")
        }
    }
    public typealias Result = PINStatus

    public static var errors: [RPCError] {
        [AuthError.callCentreClosed(nextBusinessDay: try! CivilDate(year: 2026, month: 11, day: 24)).rpcError]
    }
}

/// `pin.change`: a new PIN with the current one; at once, or accepted now and applied
/// within the configured delay (MVNO profile), after which `email` is told.
public enum PINChange: RPCMethod {
    public static let name = "pin.change"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Changes a PIN given the current one (wrong ones count towards the lock). A phone PIN only through the IVR (channel: ivr), on business days. With a change delay the change is accepted now, shown as pending in pin.status, applied when due, and a completion e-mail goes to email."

    @WireObject
    public struct Params: Codable, Sendable {
        public var subject: PINSubject
        public var kind: PINKind
        public var currentPIN: PIN
        public var newPIN: PIN
        public var birthDate: CivilDate?
        public var phoneNumbers: [PhoneNumber]?
        public var email: EmailAddress?
        /// Where the request comes from (default web); a phone PIN only from the IVR.
        public var channel: Channel?
        /// End user's origin (e.g. IP address), from a trusted front end: a wrong current
        /// PIN counts against it, not against the front end's every user.
        public var origin: String?
    }
    public typealias Result = PINStatus

    public static var errors: [RPCError] {
        [
            AuthError.pinIncorrect(attemptsLeft: 2).rpcError, AuthError.phonePINThroughIVROnly.rpcError,
            AuthError.callCentreClosed(nextBusinessDay: try! CivilDate(year: 2026, month: 11, day: 24)).rpcError,
        ]
    }
}
