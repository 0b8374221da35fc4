import JSONRPC
import MadoguchiModels
import ServiceKit

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

    public var rpcError: RPCError {
        switch self {
        case .statementNotFound(let month):
            RPCError(
                code: ErrorCode(1301), message: "There is no statement for \(month).", reason: "statement_not_found",
                details: ["month": .string(month.description)])
        case .outsideWindow(let month, let from, let to):
            RPCError(
                code: ErrorCode(1302),
                message: "Statements are kept for the last 15 months, \(from) to \(to); \(month) is outside them.",
                reason: "outside_window",
                details: ["month": .string(month.description), "from": .string(from.description), "to": .string(to.description)])
        case .beforeFirstStatement(let month):
            RPCError(
                code: ErrorCode(1303),
                message: "Statements exist from \(BillingMonth.earliestStatement) onwards; \(month) is earlier.",
                reason: "before_first_statement",
                details: ["month": .string(month.description), "earliest": .string(BillingMonth.earliestStatement.description)])
        case .sessionNotApplicable:
            RPCError(
                code: ErrorCode(1304), message: "This session belongs to no contract with statements (log in with My Page).",
                reason: "session_not_applicable")
        case .notOwnStatements:
            RPCError(
                code: ErrorCode(1305), message: "A session may read only its own customer's statements.",
                reason: "not_own_statements")
        case .ownerMissing:
            RPCError(
                code: ErrorCode(1306), message: "Give a session, or (operators) a customer number.",
                reason: "owner_missing")
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
