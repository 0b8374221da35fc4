import JSONRPC
import MadoguchiModels
import ServiceContract

/// The billing service's refusals, each one documented code with a stable `data.reason`
/// (docs/errors.md, 1300–1399).
public enum BillingError: Error, Sendable, RPCErrorConvertible {
    /// No statement for that month (within the window).
    case statementNotFound(month: BillingMonth)
    /// The month is outside the window of the last 15 months.
    case outsideWindow(month: BillingMonth, from: BillingMonth, to: BillingMonth)
    /// The month is before July 2020, when statements begin.
    case beforeFirstStatement(month: BillingMonth)
    /// The session belongs to no contract (a carrier ID or a PIN login).
    case sessionNotApplicable
    /// A session asked for another customer's statements.
    case notOwnStatements
    /// Neither a session nor (for operators) a customer number was given.
    case ownerMissing

    /// Every `data.reason` this service's refusals send, with its code (docs/errors.md).
    public enum Reason: String, ErrorReason {
        case statementNotFound = "statement_not_found"
        case outsideWindow = "outside_window"
        case beforeFirstStatement = "before_first_statement"
        case sessionNotApplicable = "session_not_applicable"
        case notOwnStatements = "not_own_statements"
        case ownerMissing = "owner_missing"

        public var code: ErrorCode {
            switch self {
            case .statementNotFound: 1301
            case .outsideWindow: 1302
            case .beforeFirstStatement: 1303
            case .sessionNotApplicable: 1304
            case .notOwnStatements: 1305
            case .ownerMissing: 1306
            }
        }
    }

    public var rpcError: RPCError {
        switch self {
        case .statementNotFound(let month):
            RPCError(Reason.statementNotFound, message: "There is no statement for \(month).",
                details: ["month": .string(month.description)])
        case .outsideWindow(let month, let from, let to):
            RPCError(Reason.outsideWindow, message: "Statements are kept for the last 15 months, \(from) to \(to); \(month) is outside them.",
                details: ["month": .string(month.description), "from": .string(from.description), "to": .string(to.description)])
        case .beforeFirstStatement(let month):
            RPCError(Reason.beforeFirstStatement, message: "Statements exist from \(BillingMonth.earliestStatement) onwards; \(month) is earlier.",
                details: ["month": .string(month.description), "earliest": .string(BillingMonth.earliestStatement.description)])
        case .sessionNotApplicable:
            RPCError(Reason.sessionNotApplicable, message: "This session belongs to no contract with statements (log in with My Page).")
        case .notOwnStatements:
            RPCError(Reason.notOwnStatements, message: "A session may read only its own customer's statements.")
        case .ownerMissing:
            RPCError(Reason.ownerMissing, message: "Give a session, or (operators) a customer number.")
        }
    }

    static var ownershipErrors: [RPCError] {
        [
            .operatorOnly, sessionNotApplicable.rpcError, notOwnStatements.rpcError, ownerMissing.rpcError,
            RPCError.unavailable(service: "auth", detail: "down"),
        ]
    }

    static var monthErrors: [RPCError] {
        let month = BillingMonth.earliestStatement
        return [
            statementNotFound(month: month).rpcError, outsideWindow(month: month, from: month, to: month).rpcError,
            beforeFirstStatement(month: month).rpcError,
        ]
    }
}
