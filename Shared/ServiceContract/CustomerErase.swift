import JSONRPC
import MadoguchiModels

/// `customer.erase`: a former customer's personal data removed from one service, on an
/// operator's request (`madoctl customer erase`, which calls every service).
public enum CustomerErase: RPCMethod {
    public static let name = "customer.erase"
    public static let access = MethodAccess.operator
    public static let summary =
        "Operators only: removes a former customer's personal data from this service in one transaction — what it holds by the customer number, the phone numbers, the My Page login IDs and the carrier IDs given — and answers what was removed and what is kept and why (statements within their legal retention, audit rows until their retention ends). With dryRun, counts only. Recorded with the operator's uid."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var customerNumber: CustomerNumber
        /// The customer's phone numbers (digits), as registration reports them.
        public var phoneNumbers: [String]?
        /// The customer's My Page login IDs and carrier IDs (normalised), as registration reports them.
        public var loginIds: [String]?
        /// Count what would go, change nothing.
        public var dryRun: Bool?
    }

    public typealias Result = ErasureReport
}

/// What one service removed (or, on a dry run, would remove) and kept of a customer.
@WireObject
public struct ErasureReport: Codable, Sendable, Hashable {
    public var service: String
    public var dryRun: Bool
    public var removed: [ErasedRows]
    public var kept: [KeptRows]
    /// What this service knows the customer by, for the services erased after it
    /// (registration: the contract's phone numbers, the accounts' login IDs).
    public var phoneNumbers: [String]
    public var loginIds: [String]
}

/// Rows of one kind removed.
@WireObject
public struct ErasedRows: Codable, Sendable, Hashable {
    public var what: String
    public var rows: Int
}

/// Rows of one kind kept, and why.
@WireObject
public struct KeptRows: Codable, Sendable, Hashable {
    public var what: String
    public var rows: Int
    public var why: String
}
