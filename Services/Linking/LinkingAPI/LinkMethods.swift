import JSONRPC
import MadoguchiModels
import ServiceContract

/// A session token of a carrier ID.
@WireObject
public struct CarrierSessionParams: Codable, Sendable, Hashable {
    public var session: String
}

/// `link.confirm`: the confirmation page of the carrier ID's link.
public enum LinkConfirm: RPCMethod {
    public static let name = "link.confirm"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "For a carrier ID's session: its linked ISP contract — link number, ISP customer number and contract description."
    public typealias Params = CarrierSessionParams
    public typealias Result = LinkConfirmation
    public static var errors: [RPCError] { [LinkingError.notLinked.rpcError] }
}

/// `link.unlink`: by the carrier ID (its session) or by an operator (the ISP customer
/// number, with who and why).
public enum LinkUnlink: RPCMethod {
    public static let name = "link.unlink"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Unlinks an ISP contract: with session, the carrier ID's own; or, operators only, by ISP customer number with staff and reason. An e-mail confirms it to the carrier ID and the ISP address."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var session: String?
        public var customerNumber: ISPCustomerNumber?
        public var staff: String?
        public var reason: String?

        public init(from decoder: any Decoder) throws {
            let members = try decoder.container(keyedBy: CodingKeys.self)
            session = try members.decodeIfPresent(String.self, forKey: .session)
            customerNumber = try members.decodeIfPresent(ISPCustomerNumber.self, forKey: .customerNumber)
            // An operator's unlink is audited: blank once trimmed names nobody and no reason.
            staff = try members.decodeAuditTextIfPresent(forKey: .staff, maximumLength: 64, rule: "Name the staff member")
            reason = try members.decodeAuditTextIfPresent(forKey: .reason, maximumLength: 500, rule: "Say why")
        }
    }

    /// What was unlinked, and when.
    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        public var linkNumber: String
        public var customerNumber: String
        @WireSchema(.string(format: "date-time"))
        public var unlinkedAt: String
    }
    public static var errors: [RPCError] { [LinkingError.notLinked.rpcError, .operatorOnly] }
}

/// One link, present or past, as an operator sees it: with the details entered at the
/// start and how it ended.
@WireObject
public struct LinkRecord: Codable, Sendable, Hashable {
    public var link: LinkConfirmation
    public var enteredName: String
    public var enteredKana: String
    @WireSchema(.string(format: "date"))
    public var enteredBirthDate: String
    public var holderName: String
    @WireSchema(.string(format: "date-time"))
    public var unlinkedAt: String?
    /// `customer`, or the operator's staff name.
    public var unlinkedBy: String?
    public var unlinkReason: String?
}

/// `link.show`: an ISP contract's links, newest first (operators only).
public enum LinkShow: RPCMethod {
    public static let name = "link.show"
    public static let access = MethodAccess.operator
    public static let summary =
        "Operators only: an ISP contract's links, present and past, newest first, with the details entered and how each ended."
    public typealias Params = ISPContractParams

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        public var customerNumber: String
        public var contractDescription: String
        public var links: [LinkRecord]
    }
    public static var errors: [RPCError] { [LinkingError.ispContractNotFound.rpcError] }
}

/// An ISP session: a carrier ID's madoguchi-auth session used for its linked ISP contract.
public struct ISPSession: Codable, Sendable, Hashable, JSONSchemaDescribing {
    /// Only when the session is opened.
    public var token: String?
    public var carrierId: String
    public var customerNumber: String
    public var contractDescription: String
    public var expiresAt: String

    public init(token: String?, carrierId: String, customerNumber: String, contractDescription: String, expiresAt: String) {
        self.token = token
        self.carrierId = carrierId
        self.customerNumber = customerNumber
        self.contractDescription = contractDescription
        self.expiresAt = expiresAt
    }

    private enum CodingKeys: String, CodingKey { case session, token, carrierId, customerNumber, contractDescription, expiresAt }

    /// The token is `session`, as everywhere; `token`, its old name here, is still written
    /// and read until the next release.
    public init(from decoder: any Decoder) throws {
        let members = try decoder.container(keyedBy: CodingKeys.self)
        token = try members.decodeIfPresent(String.self, forKey: .session)
            ?? members.decodeIfPresent(String.self, forKey: .token)
        carrierId = try members.decode(String.self, forKey: .carrierId)
        customerNumber = try members.decode(String.self, forKey: .customerNumber)
        contractDescription = try members.decode(String.self, forKey: .contractDescription)
        expiresAt = try members.decode(String.self, forKey: .expiresAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var members = encoder.container(keyedBy: CodingKeys.self)
        try members.encodeIfPresent(token, forKey: .session)
        try members.encodeIfPresent(token, forKey: .token)
        try members.encode(carrierId, forKey: .carrierId)
        try members.encode(customerNumber, forKey: .customerNumber)
        try members.encode(contractDescription, forKey: .contractDescription)
        try members.encode(expiresAt, forKey: .expiresAt)
    }

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "session": .string(), "token": .string(description: "Deprecated: the same as session."),
                "carrierId": .string(), "customerNumber": .string(), "contractDescription": .string(),
                "expiresAt": .string(format: "date-time"),
            ],
            required: ["carrierId", "customerNumber", "contractDescription", "expiresAt"])
    }
}

/// `isp.login`: the carrier ID and its password log in to the linked ISP contract.
public enum ISPLogin: RPCMethod {
    public static let name = "isp.login"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Logs in to the ISP with a linked carrier ID (or its e-mail) and its password: a madoguchi-auth session for the linked ISP contract. A wrong password and a carrier ID with no link answer alike."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var loginId: String
        public var password: String
        public var origin: String?
    }
    public typealias Result = ISPSession
    public static var errors: [RPCError] { [LinkingError.loginFailed.rpcError] }
}

/// `isp.session`: which ISP contract a session may use, for the ISP's own pages.
public enum ISPSessionCheck: RPCMethod {
    public static let name = "isp.session"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Which ISP contract a carrier ID's session may use now: refused when the session is invalid or the contract is no longer linked."
    public typealias Params = CarrierSessionParams
    public typealias Result = ISPSession
    public static var errors: [RPCError] { [LinkingError.notLinked.rpcError] }
}
