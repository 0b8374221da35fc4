import BillingAPI
import Foundation
import GRDB
import JSONRPC
import MadoguchiModels

/// Reading statements. Both reads are one range or point lookup on the primary key
/// (customer, month), so their cost does not grow with the number of customers.
enum StatementBook {
    /// The customer's statements within `window`, newest first; for a customer, only
    /// those already issued by `today`.
    static func list(customer: String, window: StatementWindow, issuedBy today: CivilDate?, in db: Database) throws
        -> [StatementSummary]
    {
        let rows = try Row.fetchAll(
            try db.cachedStatement(
                sql: """
                    SELECT month, total, tax, issueDate, dueDate, paymentMethod, paymentStatus FROM statement
                    WHERE customerNumber = ? AND month BETWEEN ? AND ? AND issueDate <= ?
                    ORDER BY month DESC
                    """),
            arguments: [customer, window.from.storageKey, window.to.storageKey, today?.description ?? "9999-12-31"])
        return try rows.map { row in
            StatementSummary(
                month: try BillingMonth(storageKey: row["month"]), total: Yen(row["total"]), tax: Yen(row["tax"]),
                issueDate: try CivilDate(validating: row["issueDate"]), dueDate: try CivilDate(validating: row["dueDate"]),
                paymentMethod: PaymentMethod(rawValue: row["paymentMethod"]) ?? .paymentSlip,
                paymentStatus: PaymentStatus(rawValue: row["paymentStatus"]) ?? .unpaid)
        }
    }

    /// One statement in full, if there is one (and, for a customer, it is issued).
    static func statement(customer: String, month: BillingMonth, issuedBy today: CivilDate?, in db: Database) throws
        -> MonthlyStatement?
    {
        let document = try Data.fetchOne(
            try db.cachedStatement(
                sql: "SELECT document FROM statement WHERE customerNumber = ? AND month = ? AND issueDate <= ?"),
            arguments: [customer, month.storageKey, today?.description ?? "9999-12-31"])
        return try document.map { try JSONCoding.decoder.decode(MonthlyStatement.self, from: $0) }
    }
}
