import JSONRPC
import MadoguchiModels
import ServiceContract

/// Whose statements: a customer's session (from madoguchi-auth), which sees only its own
/// customer's; or, for operators, a customer number.
@WireObject
public struct StatementOwner: Codable, Sendable, Hashable {
    /// A My Page session token.
    public var session: String?
    /// Operators: the customer. With a session, it must be the session's own customer.
    public var customerNumber: CustomerNumber?
}

/// One month's statement of a customer.
@WireObject(memberwise: false)
public struct StatementMonthParams: Codable, Sendable, Hashable {
    /// A My Page session token.
    public var session: String?
    /// Operators: the customer. With a session, it must be the session's own customer.
    public var customerNumber: CustomerNumber?
    public var month: BillingMonth

    public init(_ owner: StatementOwner, month: BillingMonth) {
        session = owner.session
        customerNumber = owner.customerNumber
        self.month = month
    }

    /// Whose statement.
    public var owner: StatementOwner { StatementOwner(session: session, customerNumber: customerNumber) }
}

/// The answer of `statements.list`.
@WireObject
public struct StatementList: Codable, Sendable, Hashable {
    public var customerNumber: String
    /// The window of months shown: the 15 months up to the current one, never before 2020-07.
    public var from: BillingMonth
    public var to: BillingMonth
    /// Newest first.
    public var statements: [StatementSummary]
}

/// A statement as a CSV file.
@WireObject
public struct StatementCSV: Codable, Sendable, Hashable {
    /// A suggested file name, e.g. `statement-12345-2026-10.csv`.
    public var filename: String
    public var contentType: String
    /// The file: UTF-8 text that starts with a byte order mark (U+FEFF), so that
    /// spreadsheet software reads the Japanese correctly.
    public var csv: String
}

/// `statements.list`.
public enum StatementsList: RPCMethod {
    public static let name = "statements.list"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "A customer's statements of the last 15 months (by the service clock, never before 2020-07), newest first: month, total, tax, due date and payment status. A session sees only its own customer's; operators give a customer number."
    public typealias Params = StatementOwner
    public typealias Result = StatementList
    public static var errors: [RPCError] { BillingError.ownershipErrors }
}

/// `statements.show`.
public enum StatementsShow: RPCMethod {
    public static let name = "statements.show"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "One month's statement with every line item, the subtotal and tax per rate, and the total; a month outside the 15-month window or before 2020-07 is refused, saying which limit applies."
    public typealias Params = StatementMonthParams
    public typealias Result = MonthlyStatement
    public static var errors: [RPCError] { BillingError.ownershipErrors + BillingError.monthErrors }
}

/// `statements.export`.
public enum StatementsExport: RPCMethod {
    public static let name = "statements.export"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "One month's statement as CSV (UTF-8 with a byte order mark), under the same rules as statements.show."
    public typealias Params = StatementMonthParams
    public typealias Result = StatementCSV
    public static var errors: [RPCError] { BillingError.ownershipErrors + BillingError.monthErrors }
}
